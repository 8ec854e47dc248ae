package dev.jprune.io.onnx;

import dev.jprune.exec.Executor;
import dev.jprune.io.onnx.OnnxImporter.FillMissing;
import dev.jprune.tensor.Shape;
import dev.jprune.tensor.Tensor;
import dev.jprune.weights.Parity;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Path;


/**
 * Imported fixtures against ONNX Runtime running the same file with the same (parity-filled) initializers
 * ({@link OrtRun#filled}): outputs within {@code 1e-4·max|ref| + 1e-6}. This is the reference for the exports
 * the zoo cannot match — Swin and MaxViT, whose relative position bias torch.onnx.export folded into constants —
 * and for {@code .eval} exports (BatchNorm folded into renamed initializers).
 */
class OnnxImporterRuntimeTest {

    @TempDir
    Path tmp;

    private void compare(String file) throws Exception {
        Path path = OnnxFixtures.folder().resolve(file);
        Shape in = Shape.of(1, 3, 224, 224);
        OnnxImport imp = OnnxImporter.read(path, FillMissing.PARITY, in);
        Tensor x = Parity.input(in);
        Tensor a = Executor.run(imp.graph(), x)[0];
        Tensor ref = OrtRun.run(OrtRun.filled(path, imp, tmp), x).get(0);
        double worst = OrtRun.assertClose(ref, a, file + ": jprune vs onnxruntime");
        System.out.printf("%-28s max|diff| %.2e (tol %.2e)%n", file, worst, 1e-4 * ref.maxAbs() + 1e-6);
    }

    @ParameterizedTest
    @ValueSource(strings = {"shufflenet_v2_x0_5.eval.onnx", "shufflenet_v2_x0_5.preserve.onnx"})
    void importMatchesOnnxRuntime(String file) throws Exception {
        compare(file);
    }

    @ParameterizedTest
    @Tag("slow")
    @ValueSource(strings = {"swin_t.preserve.onnx", "swin_t.eval.onnx", "maxvit_t.preserve.onnx",
            "maxvit_t.eval.onnx", "convnext_tiny.eval.onnx", "vit_b_32.eval.onnx"})
    void importMatchesOnnxRuntimeSlow(String file) throws Exception {
        compare(file);
    }
}
