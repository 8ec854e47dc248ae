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
 * weights are not the zoo's) must match the zoo's conv/linear MACs.
 */
class OnnxImporterZooTest {

    private static Path fixture(String file) {
        return SharedData.file("fixtures/torchvision-onnx/" + file);
    }

    @ParameterizedTest
    @ValueSource(strings = {"resnet18", "vgg11_bn", "mobilenet_v2", "squeezenet1_1", "googlenet"})
    void preserveExportMatchesZooModel(String name) throws IOException {
        compare(name);
    }

    /** Returns a one-line summary; throws when the import or the comparison fails. */
    private static String compare(String name) throws IOException {
        long t0 = System.nanoTime();
        Shape in = Zoo.defaultInput(name);
        Graph imported = OnnxImporter.importModel(fixture(name + ".preserve.onnx"), FillMissing.PARITY, in);
        Graph zoo = Zoo.build(name);
        Parity.fill(zoo);
        Tensor x = Parity.input(in);
        Tensor a = Executor.run(imported, x)[0];
        Tensor ref = Executor.run(zoo, x)[0];
        assertEquals(ref.shape(), a.shape(), name + ": output shape");
        double tol = 1e-4 * ref.maxAbs() + 1e-6;
        double worst = 0;
        for (int i = 0; i < ref.numel(); i++) {
            worst = Math.max(worst, Math.abs(a.data()[i] - ref.data()[i]));
        }
        assertTrue(worst <= tol, name + ": max |a - ref| " + worst + " > " + tol);
        OpCounter.Count ci = OpCounter.count(imported);
        OpCounter.Count cz = OpCounter.count(zoo);
        assertEquals(cz.ops(), ci.ops(), name + ": MACs");
        assertEquals(cz.params(), ci.params(), name + ": params");
        for (Map.Entry<String, Parameter> e : imported.stateDict().entrySet()) {
            assertTrue(zoo.stateDict().containsKey(e.getKey()), name + ": imported parameter " + e.getKey()
                    + " is not in the zoo model's state_dict");
        }

        Graph eval = OnnxImporter.importModel(fixture(name + ".eval.onnx"), FillMissing.PARITY, in);
        Tensor e = Executor.run(eval, x)[0];
        assertEquals(ref.shape(), e.shape(), name + ".eval: output shape");
        assertEquals(cz.convLinearMacs(), OpCounter.count(eval).convLinearMacs(), name + ".eval: conv/linear MACs");
        return String.format("%-16s max|diff| %.2e (tol %.2e) MACs %d params %d (%.1f s)", name, worst, tol,
                ci.ops(), ci.params(), (System.nanoTime() - t0) / 1e9);
    }

    private static final long LARGE = 60_000_000L;
    private static final List<String> SUPPORTED = List.of("Conv", "BatchNormalization", "Gemm", "Relu", "Sigmoid",
            "HardSwish", "HardSigmoid", "Clip", "Add", "Mul", "MaxPool", "AveragePool", "GlobalAveragePool", "Flatten",
            "Concat", "Dropout", "Identity", "Constant", "Reshape");

    /** Tries every fixture and prints a table: imports / blocked by which op; asserts the expected ones. */
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
        for (Path f : files) {
            String file = f.getFileName().toString();
            String model = file.substring(0, file.indexOf('.'));
            Shape in = Zoo.contains(model) ? Zoo.defaultInput(model)
                    : Shape.of(1, 3, model.equals("inception_v3") ? 299 : 224, model.equals("inception_v3") ? 299 : 224);
            OnnxModelFile m = OnnxModelFile.readStructure(f);
            long weights = 0;
            for (OnnxTensor t : m.initializers()) {
                weights += t.elementCount();
            }
            if (weights > LARGE) { // too large to fill in a test heap: check the op types only
                List<String> missing = new ArrayList<>();
                for (OnnxNode n : m.nodes()) {
                    if (!SUPPORTED.contains(n.opType()) && !missing.contains(n.opType())) {
                        missing.add(n.opType());
                    }
                }
                if (missing.isEmpty()) {
                    ok.add(file + " (ops only: " + weights / 1_000_000 + "M weights)");
                } else {
                    blockers.computeIfAbsent(missing.get(0), k -> new ArrayList<>()).add(file + " (ops only)");
                }
                continue;
            }
            try {
                Graph g = OnnxImporter.importModel(f, FillMissing.PARITY, in);
                ok.add(file + " (" + g.nodes().size() + " nodes)");
            } catch (UnsupportedOnnxOpException e) {
                blockers.computeIfAbsent(e.opType(), k -> new ArrayList<>()).add(file);
            } catch (IOException | RuntimeException e) {
                blockers.computeIfAbsent("error: " + e.getMessage(), k -> new ArrayList<>()).add(file);
            }
        }
        System.out.println("imports: " + ok.size() + " of " + files.size());
        ok.forEach(s -> System.out.println("  ok " + s));
        blockers.forEach((op, fs) -> System.out.println("  blocked by " + op + ": " + fs.size() + " " + fs));
        for (String expected : List.of("resnet18", "vgg11_bn", "mobilenet_v2", "squeezenet1_1")) {
            assertTrue(ok.stream().anyMatch(s -> s.startsWith(expected + ".preserve.onnx")), expected);
            assertTrue(ok.stream().anyMatch(s -> s.startsWith(expected + ".eval.onnx")), expected);
        }
    }
}
