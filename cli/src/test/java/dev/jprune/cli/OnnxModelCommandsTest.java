package dev.jprune.cli;

import dev.jprune.cli.CliRun.Result;
import dev.jprune.cli.TinyOnnx.Variant;
import dev.jprune.exec.Executor;
import dev.jprune.io.onnx.OnnxImporter;
import dev.jprune.io.onnx.OnnxImporter.FillMissing;
import dev.jprune.io.onnx.OnnxModelFile;
import dev.jprune.io.onnx.OnnxNode;
import dev.jprune.io.onnx.OnnxTensor;
import dev.jprune.ir.Graph;
import dev.jprune.tensor.Shape;
import dev.jprune.weights.Parity;
import dev.jprune.testing.Reference;
import dev.jprune.testing.SharedData;
import dev.jprune.testing.Tolerance;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import static dev.jprune.cli.CliRun.expectError;
import static dev.jprune.cli.CliRun.run;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code info}, {@code groups} and {@code prune} with {@code MODEL} = an {@code .onnx} file, through the CLI entry
 * point: small files written by {@link TinyOnnx} and torchvision's resnet18 export (structure only, with
 * {@code --fill-missing parity}); every error path of CLI.md for ONNX input; the input file is never modified.
 * Floats are compared as {@code |a − b| ≤ 1e-4 · max|ref| + 1e-6}.
 */
class OnnxModelCommandsTest {

    @Test
    void infoReadsTheFileStaticInputAndCountsParameters(@TempDir Path dir) throws IOException {
        Path f = TinyOnnx.write(dir.resolve("tiny.onnx"), Variant.STATIC);
        Result r = run("info", f.toString(), "--json");
        assertEquals(0, r.code(), r.err());
        Map<?, ?> j = r.json();
        assertEquals(f.toString(), j.get("model"));
        assertEquals(List.of(1L, 3L, 8L, 8L), j.get("input"));
        assertEquals(TinyOnnx.PARAMS, j.get("params"));
        assertEquals(List.of(1L, 10L), j.get("output_shape"));
        assertEquals(8, ((List<?>) j.get("output_head")).size());
    }

    @Test
    void externalDataIsReadAndMissingDataIsFilledByName(@TempDir Path dir) throws IOException {
        Path inline = TinyOnnx.write(dir.resolve("inline.onnx"), Variant.STATIC);
        Path ext = TinyOnnx.write(dir.resolve("ext.onnx"), Variant.EXTERNAL);
        Path missing = TinyOnnx.write(dir.resolve("missing.onnx"), Variant.EXTERNAL_MISSING);
        double[] a = Reference.doubles(run("info", inline.toString(), "--json").json().get("output_head"));
        Result re = run("info", ext.toString(), "--json");
        assertEquals(0, re.code(), re.err());
        Result rm = run("info", missing.toString(), "--fill-missing", "parity", "--json");
        assertEquals(0, rm.code(), rm.err());
        // every file holds the parity value of each name, so the three give the same outputs
        Tolerance.assertClose(a, Reference.doubles(re.json().get("output_head")), 1e-4, 1e-6, "external data");
        Tolerance.assertClose(a, Reference.doubles(rm.json().get("output_head")), 1e-4, 1e-6, "parity fill");
        assertFalse(Files.exists(dir.resolve("missing.onnx.data")), "--fill-missing must not write data files");
    }

    @Test
    void missingExternalDataWithoutFillIsExit3NamingTheDataFile(@TempDir Path dir) throws IOException {
        Path f = TinyOnnx.write(dir.resolve("tiny.onnx"), Variant.EXTERNAL_MISSING);
        expectError(run("info", f.toString()), 3, "tiny.onnx.data");
        expectError(run("groups", f.toString()), 3, "tiny.onnx.data");
        expectError(run("prune", f.toString(), "--ratio", "0.5"), 3, "tiny.onnx.data");
    }

    @Test
    void dynamicInputNeedsInputAndStaticDimsAreChecked(@TempDir Path dir) throws IOException {
        Path dyn = TinyOnnx.write(dir.resolve("dyn.onnx"), Variant.DYNAMIC_BATCH);
        expectError(run("info", dyn.toString()), 2, "dynamic dimensions");
        Result r = run("info", dyn.toString(), "--input", "2,3,8,8", "--json");
        assertEquals(0, r.code(), r.err());
        assertEquals(List.of(2L, 3L, 8L, 8L), r.json().get("input"));
        assertEquals(List.of(2L, 10L), r.json().get("output_shape"));
        expectError(run("info", dyn.toString(), "--input", "1,3,9,9"), 2, "does not fit");
        Path stat = TinyOnnx.write(dir.resolve("static.onnx"), Variant.STATIC);
        expectError(run("info", stat.toString(), "--input", "2,3,8,8"), 2, "does not fit");
        expectError(run("info", stat.toString(), "--input", "1,3,8"), 2, "N,C,H,W");
    }

    @Test
    void unsupportedOpIsExit4NamingOpNodeAndOpset(@TempDir Path dir) throws IOException {
        Path f = TinyOnnx.write(dir.resolve("fancy.onnx"), Variant.UNSUPPORTED_OP);
        for (String cmd : List.of("info", "groups", "prune")) {
            Result r = cmd.equals("prune") ? run(cmd, f.toString(), "--ratio", "0.5") : run(cmd, f.toString());
            expectError(r, 4, "FancyOp");
            assertTrue(r.err().contains("/fancy/FancyOp") && r.err().contains("opset 17"), r.err());
        }
    }

    @Test
    void malformedFilesAreExit3NamingTheFile(@TempDir Path dir) throws IOException {
        Path garbage = dir.resolve("garbage.onnx");
        Files.write(garbage, "this is not protobuf at all, just text".getBytes(java.nio.charset.StandardCharsets.UTF_8));
        expectError(run("info", garbage.toString()), 3, "garbage.onnx");
        byte[] whole = Files.readAllBytes(TinyOnnx.write(dir.resolve("whole.onnx"), Variant.STATIC));
        Path truncated = dir.resolve("truncated.onnx");
        Files.write(truncated, Arrays.copyOf(whole, whole.length / 2));
        expectError(run("groups", truncated.toString()), 3, "truncated.onnx");
        expectError(run("prune", truncated.toString(), "--ratio", "0.5"), 3, "truncated.onnx");
        expectError(run("info", dir.resolve("absent.onnx").toString()), 3, "does not exist");
    }

    @Test
    void weightsOptionIsForZooModelsAndFillMissingForOnnx(@TempDir Path dir) throws IOException {
        Path f = TinyOnnx.write(dir.resolve("tiny.onnx"), Variant.STATIC);
        expectError(run("info", f.toString(), "--weights", "parity"), 2, "--weights is for zoo models");
        expectError(run("prune", f.toString(), "--ratio", "0.5", "--weights", "none"), 2,
                "--weights is for zoo models");
        expectError(run("info", "resnet18", "--fill-missing", "parity"), 2, "--fill-missing applies to ONNX");
        expectError(run("info", f.toString(), "--fill-missing", "zeros"), 2, "--fill-missing must be parity");
    }

    @Test
    void groupsUseTheInitializerNamesAsLayerNames(@TempDir Path dir) throws IOException {
        Path f = TinyOnnx.write(dir.resolve("tiny.onnx"), Variant.STATIC);
        Result r = run("groups", f.toString(), "--json");
        assertEquals(0, r.code(), r.err());
        List<Map<?, ?>> groups = r.jsonList();
        List<Object> roots = groups.stream().map(g -> g.get("root")).map(Object.class::cast).toList();
        assertEquals(List.of("conv1", "conv2"), roots, "the classifier fc is ignored by default");
        Map<?, ?> g2 = groups.get(1);
        boolean fcIn = ((List<?>) g2.get("members")).stream().map(m -> (Map<?, ?>) m)
                .anyMatch(m -> "fc".equals(m.get("layer")) && "in".equals(m.get("axis")));
        assertTrue(fcIn, "conv2's group reaches fc's input channels: " + g2);
        Result root = run("groups", f.toString(), "--root", "conv1", "--indices", "0,5", "--json");
        assertEquals(0, root.code(), root.err());
        expectError(run("groups", f.toString(), "--root", "/conv1/Conv"), 2, "/conv1/Conv");
    }

    @Test
    void pruneHalvesTheConvolutionsAndNeverTouchesTheInput(@TempDir Path dir) throws IOException {
        Path f = TinyOnnx.write(dir.resolve("tiny.onnx"), Variant.STATIC);
        byte[] before = Files.readAllBytes(f);
        Files.setLastModifiedTime(f, FileTime.fromMillis(1_000_000_000_000L));
        Path report = dir.resolve("report.json");
        Result r = run("prune", f.toString(), "--ratio", "0.5", "--report", report.toString(), "--json");
        assertEquals(0, r.code(), r.err());
        Map<?, ?> j = r.json();
        assertEquals(TinyOnnx.PARAMS, j.get("base_params"));
        Map<?, ?> layers = (Map<?, ?>) j.get("layers");
        assertEquals(List.of("conv1", "conv2", "fc"), List.copyOf(layers.keySet()));
        assertEquals(4L, ((Map<?, ?>) ((Map<?, ?>) layers.get("conv1")).get("after")).get("out"));
        assertEquals(4L, ((Map<?, ?>) ((Map<?, ?>) layers.get("fc")).get("after")).get("in"));
        assertEquals(10L, ((Map<?, ?>) ((Map<?, ?>) layers.get("fc")).get("after")).get("out"));
        long pruned = 4 * 3 * 9 + 4 + 4 * 4 * 9 + 4 + 10 * 4 + 10;
        assertEquals(pruned, j.get("params"));
        assertEquals(List.of(1L, 10L), j.get("output_shape"));
        assertEquals("file", ((Map<?, ?>) j.get("config")).get("weights"));
        assertTrue(Files.exists(report));
        assertArrayEquals(before, Files.readAllBytes(f), "the input file must not change");
        assertEquals(1_000_000_000_000L, Files.getLastModifiedTime(f).toMillis(), "the input file was rewritten");
        assertEquals(List.of("report.json", "tiny.onnx"), listing(dir));

        // no output may name the input file
        expectError(run("prune", f.toString(), "--ratio", "0.5", "--report", f.toString()), 2,
                "never overwritten");
        expectError(run("prune", f.toString(), "--ratio", "0.5", "--save-weights", f.toString()), 2,
                "never overwritten");
        assertArrayEquals(before, Files.readAllBytes(f), "the input file must not change");
    }

    /**
     * {@code --out} writes the pruned ONNX model with the input file's names (nodes, initializers, input, output); it
     * imports again at the pruned sizes with the output the command reported, and the input file is untouched.
     */
    @Test
    void outWritesThePrunedModelWithTheOriginalNames(@TempDir Path dir) throws IOException {
        Path f = TinyOnnx.write(dir.resolve("tiny.onnx"), Variant.STATIC);
        byte[] before = Files.readAllBytes(f);
        Path out = dir.resolve("out.onnx");
        Result r = run("prune", f.toString(), "--ratio", "0.5", "--out", out.toString(), "--json");
        assertEquals(0, r.code(), r.err());
        assertArrayEquals(before, Files.readAllBytes(f), "the input file must not change");
        assertEquals(List.of("out.onnx", "tiny.onnx"), listing(dir));

        OnnxModelFile written = OnnxModelFile.read(out);
        List<String> nodes = new ArrayList<>();
        for (OnnxNode n : written.nodes()) {
            nodes.add(n.name());
        }
        assertEquals(List.of("/conv1/Conv", "/relu1/Relu", "/conv2/Conv", "/relu2/Relu", "/gap/GlobalAveragePool",
                "/flatten/Flatten", "/fc/Gemm"), nodes);
        List<String> inits = new ArrayList<>();
        for (OnnxTensor t : written.initializers()) {
            inits.add(t.name());
        }
        assertTrue(inits.containsAll(List.of("conv1.weight", "conv1.bias", "conv2.weight", "conv2.bias", "fc.weight",
                "fc.bias")), inits.toString());
        assertEquals("x", written.inputs().get(0).name());
        assertEquals("logits", written.outputs().get(0).name());
        assertArrayEquals(new long[] {4, 3, 3, 3}, written.initializer("conv1.weight").dims());
        assertArrayEquals(new long[] {10, 4}, written.initializer("fc.weight").dims());

        Map<?, ?> j = r.json();
        Graph g = OnnxImporter.importModel(out, FillMissing.NONE, Shape.of(1, 3, 8, 8));
        assertEquals(j.get("params"), g.parameterCount());
        float[] y = Executor.run(g, Parity.input(Shape.of(1, 3, 8, 8)))[0].data();
        List<?> head = (List<?>) j.get("output_head");
        for (int i = 0; i < head.size(); i++) {
            double ref = ((Number) head.get(i)).doubleValue();
            assertEquals(ref, y[i], 1e-5 * Math.abs(ref) + 1e-6, "output " + i + " of the written model");
        }

        // the written model never replaces the input, and the export options need --out
        expectError(run("prune", f.toString(), "--ratio", "0.5", "--out", f.toString()), 2, "never overwritten");
        expectError(run("prune", f.toString(), "--ratio", "0.5", "--fold-bn"), 2, "--fold-bn applies to the --out");
        expectError(run("prune", f.toString(), "--ratio", "0.5", "--out", out.toString(), "--opset", "12"), 2,
                "--opset 12: jprune writes ONNX opsets 13 to 21");
        assertArrayEquals(before, Files.readAllBytes(f), "the input file must not change");
    }

    /** torchvision's resnet18 export, parity-filled, gives the zoo model's counts and Torch-Pruning's logits. */
    @Test
    void resnet18ExportMatchesTheZooModel() {
        Path f = SharedData.file("fixtures/torchvision-onnx/resnet18.preserve.onnx");
        Result r = run("info", f.toString(), "--fill-missing", "parity", "--json");
        assertEquals(0, r.code(), r.err());
        Map<?, ?> j = r.json();
        Map<String, Object> ref = Reference.anyWithBase("resnet18").orElseThrow();
        CliRun.assertInfoMatches(j, ref, List.of(1L, 1000L));
    }

    /** Pruning the resnet18 export names its layers by module path, like the zoo model. */
    @Test
    void resnet18ExportPrunesWithModulePathNames() {
        Path f = SharedData.file("fixtures/torchvision-onnx/resnet18.preserve.onnx");
        Map<String, Object> ref = Reference.anyWithBase("resnet18").orElseThrow();
        Result p = run("prune", f.toString(), "--fill-missing", "parity", "--ratio", "0.5", "--json");
        assertEquals(0, p.code(), p.err());
        Map<?, ?> layers = (Map<?, ?>) p.json().get("layers");
        Map<?, ?> conv = (Map<?, ?>) layers.get("layer1.0.conv1");
        assertEquals(64L, ((Map<?, ?>) conv.get("before")).get("out"));
        assertEquals(32L, ((Map<?, ?>) conv.get("after")).get("out"));
        assertEquals(1000L, ((Map<?, ?>) ((Map<?, ?>) layers.get("fc")).get("after")).get("out"));
        assertTrue(((Number) p.json().get("params")).longValue() < ((Number) ref.get("base_params")).longValue());
    }

    private static List<String> listing(Path dir) throws IOException {
        try (var s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }
}
