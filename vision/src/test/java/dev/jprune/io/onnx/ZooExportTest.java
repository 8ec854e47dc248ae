package dev.jprune.io.onnx;

import dev.jprune.exec.Executor;
import dev.jprune.ir.Graph;
import dev.jprune.prune.BasePruner;
import dev.jprune.prune.importance.GroupMagnitudeImportance;
import dev.jprune.tensor.Shape;
import dev.jprune.tensor.Tensor;
import dev.jprune.weights.Parity;
import dev.jprune.zoo.Zoo;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Zoo models with parity weights, exported to ONNX and run in ONNX Runtime against jprune's engine on the parity
 * input: logits within |ort − jprune| ≤ 1e-4 · max|jprune| + 1e-6. Also pruned models (local L2 magnitude, ratio 0.5,
 * classifier ignored): the export writes their new channel counts, reshape targets and initializers.
 */
class ZooExportTest {

    @TempDir
    Path tmp;

    @ParameterizedTest
    @ValueSource(strings = {"resnet18", "mobilenet_v2"})
    void everydayModelsRunInOnnxRuntime(String name) throws Exception {
        check(name, false);
    }

    @Tag("slow")
    @ParameterizedTest
    @ValueSource(strings = {"shufflenet_v2_x0_5", "efficientnet_b0", "convnext_tiny", "swin_t", "maxvit_t",
        "vit_b_32", "mobilenet_v3_small", "densenet121", "googlenet", "squeezenet1_0", "regnet_x_400mf",
        "mnasnet0_5", "alexnet", "inception_v3"})
    void moreZooModelsRunInOnnxRuntime(String name) throws Exception {
        check(name, false);
    }

    @Tag("slow")
    @Test
    void prunedResnet18RunsInOnnxRuntime() throws Exception {
        check("resnet18", true);
    }

    @Tag("slow")
    @Test
    void prunedVitB32RunsInOnnxRuntime() throws Exception {
        check("vit_b_32", true);
    }

    /**
     * The largest zoo model (RegNetY-128GF, 645 M parameters, 2.6 GB of floats) passes protobuf's 2 GB limit: the
     * automatic write options put its weights in {@code regnet_y_128gf.onnx.data}, and ONNX Runtime runs it. Needs
     * about 10 GB (heap 8 GB plus ONNX Runtime's copy): tag {@code heavy}.
     */
    @Tag("heavy")
    @Test
    void modelOver2GbIsWrittenWithExternalData() throws Exception {
        String name = "regnet_y_128gf";
        Shape in = Zoo.defaultInput(name);
        Graph g = Zoo.build(name, in, 1000);
        Parity.fill(g);
        Tensor x = Parity.input(in);
        Tensor ref = Executor.run(g, x)[0];
        Path f = tmp.resolve(name + ".onnx");
        OnnxExporter.export(g, null, f, OnnxExportOptions.DEFAULTS);
        g = null;
        Path data = tmp.resolve(name + ".onnx.data");
        assertTrue(java.nio.file.Files.size(data) > (1L << 31), "external data " + java.nio.file.Files.size(data));
        assertTrue(java.nio.file.Files.size(f) < (1L << 24), "model file " + java.nio.file.Files.size(f));
        assertClose(ref, OrtRun.runOne(f, "input", x), name);
    }

    /**
     * Survey (tag {@code table}, run explicitly): every zoo model of at most 100 M parameters exported and run in ONNX
     * Runtime; prints one line per model and fails listing those that do not export or do not agree.
     */
    @Tag("table")
    @Test
    void everyZooModelRunsInOnnxRuntime() {
        List<String> failed = new ArrayList<>();
        int checked = 0;
        for (String name : Zoo.names()) {
            long params = Zoo.build(name).parameterCount();
            if (params > 100_000_000L) {
                System.out.printf("%-22s skipped (%.0f M parameters; heavy)%n", name, params / 1e6);
                continue;
            }
            long t0 = System.nanoTime();
            try {
                check(name, false);
                checked++;
            } catch (Exception | AssertionError e) {
                failed.add(name + ": " + e.getMessage());
                System.out.printf("%-22s FAILED %s%n", name, e.getMessage());
            }
            System.out.printf("%-22s %.1f s%n", name, (System.nanoTime() - t0) / 1e9);
        }
        System.out.printf("%d models agree with ONNX Runtime, %d fail%n", checked, failed.size());
        assertTrue(failed.isEmpty(), String.join("\n", failed));
    }

    @Tag("slow")
    @Test
    void prunedResnet18WithFoldedBatchNormRunsInOnnxRuntime() throws Exception {
        Shape in = Zoo.defaultInput("resnet18");
        Graph g = Zoo.build("resnet18", in, 1000);
        Parity.fill(g);
        BasePruner.builder(g).importance(GroupMagnitudeImportance.builder().p(2).tpCompat(true).build())
                .pruningRatio(0.5).build().step();
        Tensor x = Parity.input(in);
        Tensor ref = Executor.run(g, x)[0];
        Path f = tmp.resolve("folded.onnx");
        OnnxExporter.export(g, null, f, OnnxExportOptions.DEFAULTS.withFoldBatchNorm(true));
        OnnxModelFile m = OnnxModelFile.read(f);
        assertTrue(m.nodes().stream().noneMatch(n -> n.opType().equals("BatchNormalization")), "BatchNorm left");
        assertClose(ref, OrtRun.runOne(f, "input", x), "resnet18 (pruned, BN folded)");
    }

    /** The version-dependent forms on real models: LayerNorm and GELU decomposed at 13, native at 21. */
    @Tag("slow")
    @ParameterizedTest
    @ValueSource(strings = {"vit_b_32", "convnext_tiny", "swin_t", "mobilenet_v3_small"})
    void transformersAtOpsets13And21(String name) throws Exception {
        check(name, false, 13);
        check(name, false, 21);
    }

    private void check(String name, boolean prune) throws Exception {
        check(name, prune, 0);
    }

    private void check(String name, boolean prune, long opset) throws Exception {
        Shape in = Zoo.defaultInput(name);
        Graph g = Zoo.build(name, in, 1000);
        Parity.fill(g);
        long before = g.parameterCount();
        if (prune) {
            BasePruner.builder(g).importance(GroupMagnitudeImportance.builder().p(2).tpCompat(true).build())
                    .pruningRatio(0.5).build().step();
            assertTrue(g.parameterCount() < before * 0.75, name + " was not pruned: " + g.parameterCount()
                    + " of " + before + " parameters left");
        }
        Tensor x = Parity.input(in);
        Tensor ref = Executor.run(g, x)[0];
        Path f = tmp.resolve(name + ".onnx");
        OnnxExporter.export(g, null, f, OnnxExportOptions.DEFAULTS.withOpset(opset));
        g = null; // the model's weights are no longer needed while ONNX Runtime holds its copy
        Tensor ort = OrtRun.runOne(f, "input", x);
        assertClose(ref, ort, name + (prune ? " (pruned)" : "") + (opset == 0 ? "" : " opset " + opset));
    }

    /** Asserts {@link OrtRun#assertClose} (|ort − jprune| ≤ 1e-4·max|jprune| + 1e-6) and prints the difference. */
    private static void assertClose(Tensor ref, Tensor got, String what) {
        System.out.printf("%s: max |ort - jprune| = %.3g, tolerance %.3g%n", what, OrtRun.assertClose(ref, got, what),
                1e-4 * ref.maxAbs() + 1e-6);
    }
}
