package dev.jprune.io.onnx;

import dev.jprune.count.OpCounter;
import dev.jprune.exec.Executor;
import dev.jprune.io.onnx.OnnxImporter.FillMissing;
import dev.jprune.ir.Graph;
import dev.jprune.ir.Parameter;
import dev.jprune.tensor.Shape;
import dev.jprune.tensor.Tensor;
import dev.jprune.testing.SharedData;
import dev.jprune.weights.Parity;
import dev.jprune.zoo.Zoo;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Imports torch.onnx.export fixtures with parity-filled initializers and compares them with the zoo model holding
 * parity weights: outputs within |a − b| ≤ 1e-4·max|ref| + 1e-6, same MACs and parameters (the {@code .preserve}
 * exports keep BatchNorm and state_dict names); the {@code .eval} exports (BN folded, initializers renamed, so their
 * weights are not the zoo's) must match the zoo's conv/linear MACs. Transformer-style exports (ViT, ConvNeXt,
 * ShuffleNet) match the zoo's output, parameters and conv/linear MACs, their total MACs are reported (ConvNeXt's
 * channels-first LayerNorm is counted differently); Swin and MaxViT, whose bias tables the exporter folded, are
 * compared with ONNX Runtime in the io module instead.
 */
class OnnxImporterZooTest {

    private static Path fixture(String file) {
        return SharedData.file("fixtures/torchvision-onnx/" + file);
    }

    @ParameterizedTest
    @ValueSource(strings = {"resnet18", "vgg11_bn", "mobilenet_v2", "squeezenet1_1", "googlenet", "mnasnet0_5", "densenet121", "inception_v3"})
    void preserveExportMatchesZooModel(String name) throws IOException {
        compare(name);
    }

    /** A small transformer and ShuffleNet every day: output and parameters equal the zoo model's. */
    @ParameterizedTest
    @ValueSource(strings = {"vit_b_32", "shufflenet_v2_x0_5"})
    void transformerExportMatchesZooModel(String name) throws IOException {
        System.out.println(compareTransformer(name));
    }

    @ParameterizedTest
    @Tag("slow")
    @ValueSource(strings = {"vit_b_16", "convnext_tiny", "convnext_small", "convnext_base", "shufflenet_v2_x1_0",
            "shufflenet_v2_x1_5", "shufflenet_v2_x2_0"})
    void transformerExportMatchesZooModelSlow(String name) throws IOException {
        System.out.println(compareTransformer(name));
    }

    /**
     * The fixtures too large for the survey's heap (over 140 M weights): each imports with parity weights and runs to
     * the zoo model's output shape. With an 8 GB heap.
     */
    @ParameterizedTest
    @Tag("heavy")
    @ValueSource(strings = {"convnext_large", "regnet_y_128gf", "regnet_y_32gf", "vgg19", "vgg19_bn", "vit_h_14",
            "vit_l_16", "vit_l_32"})
    void largeFixturesImportAndRun(String name) throws IOException {
        Shape in = Zoo.defaultInput(name);
        Tensor x = Parity.input(in);
        for (String kind : List.of(".preserve.onnx", ".eval.onnx")) {
            Graph g = OnnxImporter.importModel(fixture(name + kind), FillMissing.PARITY, in);
            assertEquals(Shape.of(1, 1000), Executor.run(g, x)[0].shape(), name + kind);
        }
    }

    /** Over 100 M parameters: the zoo comparison with an 8 GB heap. */
    @ParameterizedTest
    @Tag("heavy")
    @ValueSource(strings = {"vit_l_16", "vit_l_32", "vit_h_14", "convnext_large"})
    void largeTransformerExportMatchesZooModel(String name) throws IOException {
        System.out.println(compareTransformer(name));
    }

    /**
     * Swin and MaxViT: torch.onnx.export folds {@code relative_position_bias_table[relative_position_index]} into one
     * anonymous constant per block, so the file holds neither the table nor the index and a parity-filled import
     * cannot equal the zoo model (the io module's OnnxImporterRuntimeTest compares these imports with ONNX Runtime
     * instead). Checked here: every other parameter is the zoo's (names and shapes), the parameter count differs by
     * exactly the tables, conv/linear MACs are equal, the output shape is right.
     */
    @ParameterizedTest
    @Tag("slow")
    @ValueSource(strings = {"swin_t", "maxvit_t", "swin_s", "swin_b"})
    void relativePositionModelsMatchZooExceptTheFoldedBiasTables(String name) throws IOException {
        Shape in = Zoo.defaultInput(name);
        Graph imported = OnnxImporter.importModel(fixture(name + ".preserve.onnx"), FillMissing.PARITY, in);
        Graph zoo = Zoo.build(name);
        long tables = 0;
        for (Map.Entry<String, Parameter> e : zoo.stateDict().entrySet()) {
            if (e.getKey().endsWith("relative_position_bias_table")) {
                tables += e.getValue().shape().numel();
            }
        }
        for (Map.Entry<String, Parameter> e : imported.stateDict().entrySet()) {
            Parameter z = zoo.stateDict().get(e.getKey());
            assertTrue(z != null && z.shape().equals(e.getValue().shape()), name + ": imported parameter "
                    + e.getKey() + " " + e.getValue().shape() + " is not the zoo's");
        }
        OpCounter.Count ci = OpCounter.count(imported);
        OpCounter.Count cz = OpCounter.count(zoo);
        assertTrue(tables > 0, name);
        assertEquals(cz.params() - tables, ci.params(), name + ": params = zoo's without the bias tables");
        assertEquals(cz.convLinearMacs(), ci.convLinearMacs(), name + ": conv/linear MACs");
        Tensor out = Executor.run(imported, Parity.input(in))[0];
        assertEquals(zoo.outputs().get(0).shape(), out.shape(), name + ": output shape");
        System.out.printf("%-10s params %d (zoo %d, bias tables %d) MACs %d (zoo %d)%n", name, ci.params(),
                cz.params(), tables, ci.ops(), cz.ops());
    }

    /**
     * The {@code .preserve} import's run next to the zoo model's, both with parity weights on the parity input; the
     * graphs themselves are not kept (the largest need the heap for the {@code .eval} import).
     */
    private record Matched(Shape in, Tensor x, Tensor out, Tensor ref, double tol, double worst,
            OpCounter.Count importCount, OpCounter.Count zooCount) {
    }

    /**
     * Imports {@code name}.preserve.onnx with parity weights and asserts what every zoo comparison shares: the zoo
     * model's output shape, output within {@code 1e-4·max|ref| + 1e-6}, every imported parameter name in the zoo
     * model's state_dict. The callers assert their own MAC and parameter rules.
     */
    private static Matched importMatchingZoo(String name) throws IOException {
        Shape in = Zoo.defaultInput(name);
        Graph imported = OnnxImporter.importModel(fixture(name + ".preserve.onnx"), FillMissing.PARITY, in);
        Graph zoo = Zoo.build(name);
        Parity.fill(zoo);
        Tensor x = Parity.input(in);
        Tensor a = Executor.run(imported, x)[0];
        Tensor ref = Executor.run(zoo, x)[0];
        assertEquals(ref.shape(), a.shape(), name + ": output shape");
        double tol = 1e-4 * ref.maxAbs() + 1e-6;
        double worst = maxDiff(a, ref);
        assertTrue(worst <= tol, name + ": max |a - ref| " + worst + " > " + tol);
        for (Map.Entry<String, Parameter> e : imported.stateDict().entrySet()) {
            assertTrue(zoo.stateDict().containsKey(e.getKey()), name + ": imported parameter " + e.getKey()
                    + " is not in the zoo model's state_dict");
        }
        return new Matched(in, x, a, ref, tol, worst, OpCounter.count(imported), OpCounter.count(zoo));
    }

    /**
     * Output within tolerance of the zoo model's, equal parameter counts and names, equal conv/linear MACs (all MACs
     * are reported: the import counts GELU as Div/Erf/Add/Mul functions, attention as MatMul functions, which the
     * zoo counts differently). The {@code .eval} export runs with the same output shape and conv/linear MACs, and
     * matches the {@code .preserve} import's output when it holds the same initializers (no BatchNorm to fold).
     */
    private static String compareTransformer(String name) throws IOException {
        long t0 = System.nanoTime();
        Matched m = importMatchingZoo(name);
        assertEquals(m.zooCount().params(), m.importCount().params(), name + ": params");
        assertEquals(m.zooCount().convLinearMacs(), m.importCount().convLinearMacs(), name + ": conv/linear MACs");
        Shape in = m.in();
        Tensor x = m.x();
        Tensor a = m.out();
        Tensor ref = m.ref();
        double tol = m.tol();
        double worst = m.worst();
        OpCounter.Count ci = m.importCount();
        OpCounter.Count cz = m.zooCount();
        Path evalFile = fixture(name + ".eval.onnx");
        Graph eval = OnnxImporter.importModel(evalFile, FillMissing.PARITY, in);
        Tensor e = Executor.run(eval, x)[0];
        assertEquals(ref.shape(), e.shape(), name + ".eval: output shape");
        assertEquals(cz.convLinearMacs(), OpCounter.count(eval).convLinearMacs(), name + ".eval: conv/linear MACs");
        String evalNote = "eval runs";
        if (initializerNames(evalFile).equals(initializerNames(fixture(name + ".preserve.onnx")))) {
            double we = maxDiff(e, a);
            assertTrue(we <= tol, name + ".eval: max |eval - preserve| " + we + " > " + tol);
            evalNote = String.format("eval = preserve within %.1e", we);
        }
        return String.format("%-18s max|diff| %.2e (tol %.2e) params %d MACs %d (zoo %d, %+d) %s (%.1f s)", name,
                worst, tol, ci.params(), ci.ops(), cz.ops(), ci.ops() - cz.ops(), evalNote,
                (System.nanoTime() - t0) / 1e9);
    }

    private static java.util.Set<String> initializerNames(Path file) throws IOException {
        java.util.Set<String> names = new java.util.TreeSet<>();
        for (OnnxTensor t : OnnxModelFile.readStructure(file).initializers()) {
            names.add(t.name());
        }
        return names;
    }

    private static double maxDiff(Tensor a, Tensor b) {
        double worst = 0;
        for (int i = 0; i < a.numel(); i++) {
            worst = Math.max(worst, Math.abs(a.data()[i] - b.data()[i]));
        }
        return worst;
    }

    /** Returns a one-line summary; throws when the import or the comparison fails. */
    private static String compare(String name) throws IOException {
        long t0 = System.nanoTime();
        Matched m = importMatchingZoo(name);
        OpCounter.Count ci = m.importCount();
        OpCounter.Count cz = m.zooCount();
        assertEquals(cz.ops(), ci.ops(), name + ": MACs");
        assertEquals(cz.params(), ci.params(), name + ": params");
        Shape in = m.in();
        Tensor x = m.x();
        Tensor ref = m.ref();
        double tol = m.tol();
        double worst = m.worst();

        Graph eval = OnnxImporter.importModel(fixture(name + ".eval.onnx"), FillMissing.PARITY, in);
        Tensor e = Executor.run(eval, x)[0];
        assertEquals(ref.shape(), e.shape(), name + ".eval: output shape");
        assertEquals(cz.convLinearMacs(), OpCounter.count(eval).convLinearMacs(), name + ".eval: conv/linear MACs");
        return String.format("%-16s max|diff| %.2e (tol %.2e) MACs %d params %d (%.1f s)", name, worst, tol,
                ci.ops(), ci.params(), (System.nanoTime() - t0) / 1e9);
    }

    private static final long LARGE = 140_000_000L;
    private static final long COMPARE = 70_000_000L;
    private static final java.util.Set<String> SUPPORTED = OnnxImporter.supportedOps();

    /**
     * Tries every fixture and prints a table: which import (fully, or by op types alone for those too large to fill in
     * a test heap), which unsupported op types block the rest, and, for the {@code .preserve} exports of zoo models
     * that import, whether they match the zoo model (output, MACs, params). Asserts the ones expected to work.
     */
    @Test
    @Tag("slow")
    void surveyAllFixtures() throws IOException {
        Path folder = SharedData.file("fixtures/torchvision-onnx");
        List<Path> files;
        try (Stream<Path> s = Files.list(folder)) {
            files = s.filter(p -> p.toString().endsWith(".onnx")).sorted().collect(Collectors.toList());
        }
        Map<String, List<String>> blockers = new TreeMap<>();
        List<String> ok = new ArrayList<>();
        List<String> opsOnly = new ArrayList<>();
        List<String> matched = new ArrayList<>();
        List<String> mismatched = new ArrayList<>();
        for (Path f : files) {
            String file = f.getFileName().toString();
            String model = file.substring(0, file.indexOf('.'));
            OnnxModelFile m = OnnxModelFile.readStructure(f);
            long weights = 0;
            for (OnnxTensor t : m.initializers()) {
                weights += t.elementCount();
            }
            List<String> missing = new ArrayList<>();
            for (OnnxNode n : m.nodes()) {
                if (!SUPPORTED.contains(n.opType()) && !missing.contains(n.opType())) {
                    missing.add(n.opType());
                }
            }
            if (!missing.isEmpty()) {
                blockers.computeIfAbsent(String.join("+", new java.util.TreeSet<>(missing)), k -> new ArrayList<>())
                        .add(file);
                continue;
            }
            if (weights > LARGE) { // too large to fill in a test heap: the op types are all supported
                opsOnly.add(file + " (" + weights / 1_000_000 + "M weights)");
                continue;
            }
            int size = model.equals("inception_v3") ? 299 : 224;
            Shape in = Shape.of(1, 3, size, size);
            try {
                Graph g = OnnxImporter.importModel(f, FillMissing.PARITY, in);
                ok.add(file + " (" + g.nodes().size() + " nodes)");
            } catch (UnsupportedOnnxOpException e) {
                blockers.computeIfAbsent(e.opType() + " (" + e.getMessage() + ")", k -> new ArrayList<>()).add(file);
                continue;
            } catch (IOException | RuntimeException e) {
                blockers.computeIfAbsent("error: " + e.getMessage(), k -> new ArrayList<>()).add(file);
                continue;
            }
            boolean relativeBias = model.startsWith("swin") || model.startsWith("maxvit"); // see OnnxImporterRuntimeTest
            boolean transformerLike = model.startsWith("vit") || model.startsWith("convnext")
                    || model.startsWith("shufflenet");
            if (file.endsWith(".preserve.onnx") && Zoo.contains(model) && weights <= COMPARE && !relativeBias) {
                try {
                    matched.add(transformerLike ? compareTransformer(model) : compare(model));
                } catch (AssertionError | RuntimeException e) {
                    mismatched.add(model + ": " + e.getMessage());
                }
            }
        }
        System.out.println("imported: " + ok.size() + " of " + files.size() + "; op types supported but too large"
                + " to fill here: " + opsOnly.size());
        ok.forEach(s -> System.out.println("  ok " + s));
        opsOnly.forEach(s -> System.out.println("  ops only " + s));
        blockers.forEach((op, fs) -> System.out.println("  blocked by " + op + ": " + fs.size() + " " + fs));
        System.out.println("preserve exports matching the zoo model (output, MACs, params; eval conv MACs): "
                + matched.size() + ", not matching: " + mismatched.size());
        matched.forEach(s -> System.out.println("  match " + s));
        mismatched.forEach(s -> System.out.println("  MISMATCH " + s));
        for (String expected : List.of("resnet18", "vgg11_bn", "mobilenet_v2", "squeezenet1_1", "googlenet")) {
            assertTrue(ok.stream().anyMatch(s -> s.startsWith(expected + ".preserve.onnx")), expected);
            assertTrue(ok.stream().anyMatch(s -> s.startsWith(expected + ".eval.onnx")), expected);
        }
        assertTrue(mismatched.isEmpty(), "mismatches: " + mismatched);
        assertTrue(blockers.isEmpty(), "fixtures not imported: " + blockers);
        assertEquals(files.size(), ok.size() + opsOnly.size(), "every fixture imports or (too large here) has only supported ops");
    }
}
