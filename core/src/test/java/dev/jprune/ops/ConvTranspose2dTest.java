package dev.jprune.ops;

import dev.jprune.ir.ParamSpec;
import dev.jprune.kernels.Kernels;
import dev.jprune.tensor.Shape;
import dev.jprune.tensor.Tensor;
import dev.jprune.testing.Tolerance;
import org.junit.jupiter.api.Test;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import static dev.jprune.ops.StructuralOpTesting.KERNELS;
import static dev.jprune.ops.StructuralOpTesting.SEED;
import static dev.jprune.ops.StructuralOpTesting.assertMessage;
import static dev.jprune.ops.StructuralOpTesting.d;
import static dev.jprune.ops.StructuralOpTesting.infer;
import static dev.jprune.ops.StructuralOpTesting.random;
import static dev.jprune.ops.StructuralOpTesting.run;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** {@link ConvTranspose2d} against a naive scatter loop in double; tolerance |a − b| ≤ 1e-5·max|ref| + 1e-6. */
class ConvTranspose2dTest {

    private static final double RTOL = 1e-5;
    private static final double ATOL = 1e-6;

    /** stride 2, padding 1, output_padding 1, groups 2, dilation 2, a 3×2 kernel. */
    private static final ConvTranspose2d GROUPED = new ConvTranspose2d(4, 6, 3, 2, 2, 2, 1, 1, 1, 1, 2, 2, 2, true);

    /**
     * The definition: every input element x[n, ci, ih, iw] adds x·W[ci, co', kh, kw] to output
     * (n, g·Cout/g + co', ih·s − p + kh·d, iw·s − p + kw·d) when that lies inside the output.
     */
    private static double[] reference(ConvTranspose2d c, Tensor x, Tensor w, Tensor b, int oh, int ow) {
        int n = x.dim(0);
        int h = x.dim(2);
        int wd = x.dim(3);
        int cinG = c.inChannels() / c.groups();
        int coutG = c.outChannels() / c.groups();
        double[] out = new double[n * c.outChannels() * oh * ow];
        for (int img = 0; img < n; img++) {
            for (int ci = 0; ci < c.inChannels(); ci++) {
                int g = ci / cinG;
                for (int ih = 0; ih < h; ih++) {
                    for (int iw = 0; iw < wd; iw++) {
                        double xv = x.get(img, ci, ih, iw);
                        for (int cl = 0; cl < coutG; cl++) {
                            int co = g * coutG + cl;
                            for (int kh = 0; kh < c.kernelH(); kh++) {
                                for (int kw = 0; kw < c.kernelW(); kw++) {
                                    int y = ih * c.strideH() - c.padH() + kh * c.dilationH();
                                    int z = iw * c.strideW() - c.padW() + kw * c.dilationW();
                                    if (y >= 0 && y < oh && z >= 0 && z < ow) {
                                        out[((img * c.outChannels() + co) * oh + y) * ow + z] += xv * w.get(ci, cl, kh, kw);
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        if (b != null) {
            for (int i = 0; i < out.length; i++) {
                out[i] += b.data()[(i / (oh * ow)) % c.outChannels()];
            }
        }
        return out;
    }

    private static void check(ConvTranspose2d c, int... inDims) {
        SplittableRandom r = new SplittableRandom(SEED);
        Tensor x = random(r, inDims);
        Tensor w = random(r, c.inChannels(), c.outChannels() / c.groups(), c.kernelH(), c.kernelW());
        Tensor b = c.bias() ? random(r, c.outChannels()) : null;
        Map<String, Tensor> p = new HashMap<>();
        p.put("weight", w);
        if (b != null) {
            p.put("bias", b);
        }
        int oh = (inDims[2] - 1) * c.strideH() - 2 * c.padH() + c.dilationH() * (c.kernelH() - 1) + c.outputPadH() + 1;
        int ow = (inDims[3] - 1) * c.strideW() - 2 * c.padW() + c.dilationW() * (c.kernelW() - 1) + c.outputPadW() + 1;
        double[] ref = reference(c, x, w, b, oh, ow);
        for (Kernels k : KERNELS) {
            Tensor y = run(c, k, p, x)[0];
            assertEquals(Shape.of(inDims[0], c.outChannels(), oh, ow), y.shape());
            Tolerance.assertClose(ref, d(y), RTOL, ATOL, c.describe() + " on " + k.name() + " seed " + SEED);
        }
    }

    @Test
    void groupedStridedDilatedMatchesScatterLoop() {
        check(GROUPED, 2, 4, 5, 4);
        check(GROUPED.withChannels(4, 6, 1), 1, 4, 3, 3);
        check(new ConvTranspose2d(4, 6, 3, 2, 2, 2, 1, 1, 1, 1, 2, 2, 2, false), 2, 4, 5, 4);
    }

    @Test
    void plainAndDepthwiseCases() {
        check(ConvTranspose2d.of(3, 5, 4, 2, 1, 0, 1, true), 2, 3, 4, 4);    // DCGAN-style upsampling
        check(ConvTranspose2d.of(3, 2, 3, 1, 0, 0, 1, false), 1, 3, 2, 3);   // stride 1: a "full" convolution
        check(ConvTranspose2d.of(4, 4, 3, 3, 2, 2, 4, true), 2, 4, 3, 3);    // depthwise, stride larger than kernel
    }

    @Test
    void shapeInferenceAndErrors() {
        // (5−1)·2 − 2 + 2·(3−1) + 1 + 1 = 12; (4−1)·2 − 2 + 2·(2−1) + 1 + 1 = 8
        assertEquals(Shape.of(2, 6, 12, 8), infer(GROUPED, Shape.of(2, 4, 5, 4)));
        assertEquals(List.of(ParamSpec.param("weight", 4, 3, 3, 2), ParamSpec.param("bias", 6)), GROUPED.parameters());
        assertMessage(() -> GROUPED.inferShapes(new Shape[] {Shape.of(2, 6, 5, 4)}), "ConvTranspose2d", "(N, 4, H, W)",
                "(2, 6, 5, 4)");
        assertMessage(() -> GROUPED.inferShapes(new Shape[] {Shape.of(4, 5, 4)}), "ConvTranspose2d", "(4, 5, 4)");
        ConvTranspose2d shrinking = ConvTranspose2d.of(2, 2, 1, 1, 3, 0, 1, false);
        assertMessage(() -> shrinking.inferShapes(new Shape[] {Shape.of(1, 2, 4, 4)}), "ConvTranspose2d", "empty output",
                "(-2, -2)"); // (4 − 1)·1 − 2·3 + 0 + 1
        assertMessage(() -> ConvTranspose2d.of(2, 2, 3, 2, 0, 2, 1, false), "ConvTranspose2d", "output_padding",
                "smaller than");
        assertMessage(() -> ConvTranspose2d.of(4, 6, 3, 1, 0, 0, 4, false), "ConvTranspose2d", "groups 4", "6");
    }

    @Test
    void countsUseTheConvolutionFormulaOverOutputPositions() {
        Shape[] in = {Shape.of(2, 4, 5, 4)};
        Shape[] out = GROUPED.inferShapes(in);
        long active = 2L * 12 * 8;
        // N·OH·OW·KH·KW·Cin·(Cout/groups) + Cout·N·OH·OW
        assertEquals(active * 3 * 2 * 4 * 3 + 6 * active, GROUPED.countOps(in, out));
        assertEquals(14976, GROUPED.countOps(in, out));
        // actual multiply-accumulates: every input pixel meets KH·KW·(Cout/groups) taps per input channel
        assertEquals(2L * 5 * 4 * 3 * 2 * 4 * 3, GROUPED.macs(in, out));
    }

    @Test
    void describeMatchesPyTorchRepr() {
        assertEquals("ConvTranspose2d(4, 6, kernel_size=(3, 2), stride=(2, 2), padding=(1, 1), dilation=(2, 2),"
                + " output_padding=(1, 1), groups=2)", GROUPED.describe());
        assertEquals("ConvTranspose2d(3, 5, kernel_size=(4, 4), stride=(2, 2), bias=False)",
                ConvTranspose2d.of(3, 5, 4, 2, 0, 0, 1, false).describe());
    }
}
