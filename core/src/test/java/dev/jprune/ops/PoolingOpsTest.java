package dev.jprune.ops;

import dev.jprune.count.OpCounter;
import dev.jprune.ir.Op;
import dev.jprune.tensor.Shape;
import dev.jprune.tensor.Tensor;
import org.junit.jupiter.api.Test;

import static dev.jprune.ops.ElementwiseTestSupport.assertClose;
import static dev.jprune.ops.ElementwiseTestSupport.assertInvalid;
import static dev.jprune.ops.ElementwiseTestSupport.assertShapeError;
import static dev.jprune.ops.ElementwiseTestSupport.graph;
import static dev.jprune.ops.ElementwiseTestSupport.run;
import static dev.jprune.ops.ElementwiseTestSupport.uniform;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Pooling against naive references written here: windows enumerated position by position over a virtually padded
 * input, output sizes from real-valued floor/ceil. Tolerance for averages: {@code |a − b| <= 1e-6 · max|ref| + 1e-7};
 * maxima must match exactly.
 */
class PoolingOpsTest {

    /** PyTorch's documented output length, computed with real division. */
    private static int refOutSize(int in, int k, int s, int p, int d, boolean ceil) {
        double span = (in + 2.0 * p - d * (k - 1) - 1) / s;
        int out = (int) (ceil ? Math.ceil(span) : Math.floor(span)) + 1;
        if (ceil && (out - 1) * s >= in + p) {
            out--;
        }
        return out;
    }

    private static double[] refMaxPool(Tensor x, int k, int s, int p, int d, boolean ceil) {
        int n = x.dim(0);
        int c = x.dim(1);
        int h = x.dim(2);
        int w = x.dim(3);
        int oh = refOutSize(h, k, s, p, d, ceil);
        int ow = refOutSize(w, k, s, p, d, ceil);
        double[] out = new double[n * c * oh * ow];
        int o = 0;
        for (int b = 0; b < n; b++) {
            for (int ch = 0; ch < c; ch++) {
                for (int i = 0; i < oh; i++) {
                    for (int j = 0; j < ow; j++) {
                        double m = Double.NEGATIVE_INFINITY;
                        for (int ki = 0; ki < k; ki++) {
                            for (int kj = 0; kj < k; kj++) {
                                int ih = i * s - p + ki * d;
                                int iw = j * s - p + kj * d;
                                // padding is -inf: only real positions can win
                                double v = ih >= 0 && ih < h && iw >= 0 && iw < w ? x.get(b, ch, ih, iw) : Double.NEGATIVE_INFINITY;
                                m = Math.max(m, v);
                            }
                        }
                        out[o++] = m;
                    }
                }
            }
        }
        return out;
    }

    /**
     * Average pooling by counting: every window position is tested for lying inside the padded extent
     * {@code [-p, in + p)} (counted when padding counts) and inside the input (summed, counted otherwise).
     */
    private static double[] refAvgPool(Tensor x, int k, int s, int p, boolean ceil, boolean includePad, Integer divisor) {
        int n = x.dim(0);
        int c = x.dim(1);
        int h = x.dim(2);
        int w = x.dim(3);
        int oh = refOutSize(h, k, s, p, 1, ceil);
        int ow = refOutSize(w, k, s, p, 1, ceil);
        double[] out = new double[n * c * oh * ow];
        int o = 0;
        for (int b = 0; b < n; b++) {
            for (int ch = 0; ch < c; ch++) {
                for (int i = 0; i < oh; i++) {
                    for (int j = 0; j < ow; j++) {
                        double sum = 0;
                        int padded = 0;
                        int valid = 0;
                        for (int ki = 0; ki < k; ki++) {
                            for (int kj = 0; kj < k; kj++) {
                                int ih = i * s - p + ki;
                                int iw = j * s - p + kj;
                                if (ih < h + p && iw < w + p) {
                                    padded++;
                                }
                                if (ih >= 0 && ih < h && iw >= 0 && iw < w) {
                                    sum += x.get(b, ch, ih, iw);
                                    valid++;
                                }
                            }
                        }
                        int div = divisor != null ? divisor : includePad ? padded : valid;
                        out[o++] = sum / div;
                    }
                }
            }
        }
        return out;
    }

    @Test
    void outputSizesFollowPyTorchIncludingCeilMode() {
        // torchvision: GoogLeNet/SqueezeNet use MaxPool2d(3, 2, ceil_mode=True).
        assertEquals(Shape.of(1, 64, 56, 56), MaxPool2d.of(3, 2, 0, true).inferShapes(new Shape[] {Shape.of(1, 64, 112, 112)})[0]);
        assertEquals(Shape.of(1, 64, 55, 55), MaxPool2d.of(3, 2, 0, false).inferShapes(new Shape[] {Shape.of(1, 64, 112, 112)})[0]);
        // SqueezeNet 1.0: 109 → 54 (ceil((109 − 3) / 2) + 1); an even extent 110 → 55 in ceil mode, 54 in floor mode.
        assertEquals(Shape.of(1, 96, 54, 54), MaxPool2d.of(3, 2, 0, true).inferShapes(new Shape[] {Shape.of(1, 96, 109, 109)})[0]);
        assertEquals(Shape.of(1, 96, 55, 55), MaxPool2d.of(3, 2, 0, true).inferShapes(new Shape[] {Shape.of(1, 96, 110, 110)})[0]);
        assertEquals(Shape.of(1, 96, 54, 54), MaxPool2d.of(3, 2, 0, false).inferShapes(new Shape[] {Shape.of(1, 96, 110, 110)})[0]);
        // ResNet stem: 112 → 56 with kernel 3, stride 2, padding 1.
        assertEquals(Shape.of(2, 64, 56, 56), MaxPool2d.of(3, 2, 1).inferShapes(new Shape[] {Shape.of(2, 64, 112, 112)})[0]);
        // The ceil-mode correction: in 5, k 2, s 2, p 1 → ceil gives 4 windows but the last would start in the right
        // padding (3·2 = 6 >= 5 + 1), so 3.
        assertEquals(Shape.of(1, 1, 3, 3), MaxPool2d.of(2, 2, 1, true).inferShapes(new Shape[] {Shape.of(1, 1, 5, 5)})[0]);
        // in 4, k 3, s 2, p 1: floor 2, ceil 3 (last window starts at 3, inside the input).
        assertEquals(Shape.of(1, 1, 3, 3), new AvgPool2d(3, 3, 2, 2, 1, 1, true, true, null)
                .inferShapes(new Shape[] {Shape.of(1, 1, 4, 4)})[0]);
        assertEquals(Shape.of(1, 1, 2, 2), AvgPool2d.of(3, 2, 1).inferShapes(new Shape[] {Shape.of(1, 1, 4, 4)})[0]);
        // dilation widens the window: 10 with k 3, d 2 (extent 5), s 1 → 6
        assertEquals(Shape.of(1, 1, 6, 6), new MaxPool2d(3, 3, 1, 1, 0, 0, 2, 2, false)
                .inferShapes(new Shape[] {Shape.of(1, 1, 10, 10)})[0]);
    }

    @Test
    void maxPoolMatchesNaiveReference() {
        Tensor x = uniform(1, -5f, 5f, 2, 3, 9, 8);
        int[][] configs = {{3, 2, 1, 1, 0}, {3, 2, 1, 1, 1}, {2, 2, 0, 1, 1}, {2, 2, 1, 1, 1}, {3, 1, 1, 2, 0},
            {3, 3, 1, 1, 1}, {4, 3, 2, 1, 1}, {1, 2, 0, 1, 1}, {3, 2, 0, 2, 1}};
        for (int[] cf : configs) {
            boolean ceil = cf[4] == 1;
            MaxPool2d op = new MaxPool2d(cf[0], cf[0], cf[1], cf[1], cf[2], cf[2], cf[3], cf[3], ceil);
            double[] ref = refMaxPool(x, cf[0], cf[1], cf[2], cf[3], ceil);
            Tensor y = run(op, x);
            assertClose(ref, y, 0, 0, op.describe());
        }
        Tensor withNan = uniform(2, 0f, 1f, 1, 1, 4, 4);
        withNan.set(Float.NaN, 0, 0, 1, 1);
        float[] y = run(MaxPool2d.of(2, 2, 0), withNan).data();
        assertTrue(Float.isNaN(y[0]), "NaN in a window propagates");
        assertTrue(!Float.isNaN(y[1]) && !Float.isNaN(y[2]) && !Float.isNaN(y[3]));
        // all-negative input with padding: padding must not contribute 0
        Tensor neg = Tensor.full(Shape.of(1, 1, 3, 3), -7f);
        for (float v : run(MaxPool2d.of(3, 2, 1, true), neg).data()) {
            assertEquals(-7f, v);
        }
    }

    @Test
    void avgPoolMatchesNaiveReferenceForEveryDivisorRule() {
        Tensor x = uniform(3, -5f, 5f, 2, 2, 7, 6);
        int[][] configs = {{3, 2, 1, 1}, {3, 2, 1, 0}, {2, 2, 1, 1}, {2, 2, 0, 1}, {3, 3, 1, 1}, {4, 3, 2, 1}, {3, 1, 0, 0}};
        for (int[] cf : configs) {
            boolean ceil = cf[3] == 1;
            for (boolean include : new boolean[] {true, false}) {
                for (Integer div : new Integer[] {null, 5}) {
                    AvgPool2d op = new AvgPool2d(cf[0], cf[0], cf[1], cf[1], cf[2], cf[2], ceil, include, div);
                    double[] ref = refAvgPool(x, cf[0], cf[1], cf[2], ceil, include, div);
                    assertClose(ref, run(op, x), 1e-6, 1e-7, op.describe() + " ceil=" + ceil + " include=" + include + " div=" + div);
                }
            }
        }
    }

    @Test
    void avgPoolCeilModeClipsTheLastWindowToThePadding() {
        // 4x4 ones, k 3, s 2, p 1, ceil → 3x3. Windows per axis: [-1, 2), [1, 4), [3, 5) (clipped at in + pad = 5).
        Tensor ones = Tensor.full(Shape.of(1, 1, 4, 4), 1f);
        float[] incl = run(new AvgPool2d(3, 3, 2, 2, 1, 1, true, true, null), ones).data();
        assertEquals(4f / 9f, incl[0], 1e-7f, "corner: 4 real of a 3x3 padded window");
        assertEquals(3f / 9f * 2f, incl[1], 1e-7f, "edge: 6 real of 9");
        assertEquals(2f / 6f, incl[2], 1e-7f, "clipped: 2 real of a 3x2 window");
        assertEquals(1f / 4f, incl[8], 1e-7f, "clipped corner: 1 real of a 2x2 window");
        float[] excl = run(new AvgPool2d(3, 3, 2, 2, 1, 1, true, false, null), ones).data();
        for (float v : excl) {
            assertEquals(1f, v, 1e-7f);
        }
        float[] over = run(new AvgPool2d(3, 3, 2, 2, 1, 1, true, true, 2), ones).data();
        assertEquals(2f, over[0], 1e-7f);
        assertEquals(0.5f, over[8], 1e-7f);
    }

    @Test
    void adaptivePoolsUseFloorAndCeilWindows() {
        // 7 → 3: [0, 3), [2, 5), [4, 7); 5 → 2: [0, 3), [2, 5)
        Tensor x = uniform(4, -3f, 3f, 2, 3, 7, 5);
        double[] avg = new double[2 * 3 * 3 * 2];
        double[] max = new double[avg.length];
        int o = 0;
        for (int n = 0; n < 2; n++) {
            for (int c = 0; c < 3; c++) {
                for (int i = 0; i < 3; i++) {
                    for (int j = 0; j < 2; j++) {
                        int hs = (int) Math.floor(i * 7 / 3.0);
                        int he = (int) Math.ceil((i + 1) * 7 / 3.0);
                        int ws = (int) Math.floor(j * 5 / 2.0);
                        int we = (int) Math.ceil((j + 1) * 5 / 2.0);
                        double s = 0;
                        double m = Double.NEGATIVE_INFINITY;
                        for (int a = hs; a < he; a++) {
                            for (int b = ws; b < we; b++) {
                                s += x.get(n, c, a, b);
                                m = Math.max(m, x.get(n, c, a, b));
                            }
                        }
                        avg[o] = s / ((he - hs) * (we - ws));
                        max[o++] = m;
                    }
                }
            }
        }
        assertClose(avg, run(new AdaptiveAvgPool2d(3, 2), x), 1e-6, 1e-7, "adaptive avg 7x5 → 3x2");
        assertClose(max, run(new AdaptiveMaxPool2d(3, 2), x), 0, 0, "adaptive max 7x5 → 3x2");
        // hand-checked windows on a ramp 0..6: means of [0,3), [2,5), [4,7) are 1, 3, 5
        Tensor ramp = Tensor.of(Shape.of(1, 1, 7, 1), 0f, 1f, 2f, 3f, 4f, 5f, 6f);
        assertArrayEquals(new float[] {1f, 3f, 5f}, run(new AdaptiveAvgPool2d(3, 1), ramp).data());
        assertArrayEquals(new float[] {2f, 4f, 6f}, run(new AdaptiveMaxPool2d(3, 1), ramp).data());
        // global pooling and upsampling (out > in repeats elements)
        Tensor g = run(AdaptiveAvgPool2d.of(1), x);
        assertEquals(Shape.of(2, 3, 1, 1), g.shape());
        double mean = 0;
        for (int i = 0; i < 35; i++) {
            mean += x.data()[i] / 35.0;
        }
        assertEquals(mean, g.data()[0], 1e-6);
        Tensor up = run(new AdaptiveMaxPool2d(4, 1), Tensor.of(Shape.of(1, 1, 2, 1), 1f, 2f));
        assertArrayEquals(new float[] {1f, 1f, 2f, 2f}, up.data());
    }

    @Test
    void badInputsAreNamed() {
        Op[] pools = {MaxPool2d.of(3, 2, 1), AvgPool2d.of(2, 2, 0), AdaptiveAvgPool2d.of(1), AdaptiveMaxPool2d.of(2)};
        for (Op op : pools) {
            assertShapeError(op, new Shape[] {Shape.of(2, 3, 8)}, op.type(), "(N, C, H, W)", "(2, 3, 8)");
            assertShapeError(op, new Shape[] {Shape.of(2, 3, 8, 8), Shape.of(1)}, op.type(), "1 input");
        }
        assertShapeError(MaxPool2d.of(3, 2, 0), new Shape[] {Shape.of(1, 1, 2, 2)}, "MaxPool2d", "too small", "(1, 1, 2, 2)");
        assertShapeError(AvgPool2d.of(3, 1, 0), new Shape[] {Shape.of(1, 1, 2, 5)}, "AvgPool2d", "too small");
        assertShapeError(AdaptiveAvgPool2d.of(1), new Shape[] {Shape.of(1, 1, 0, 5)}, "AdaptiveAvgPool2d", "H, W >= 1");
        assertInvalid(() -> MaxPool2d.of(3, 2, 2), "MaxPool2d", "half the kernel size (3, 3)");
        assertInvalid(() -> MaxPool2d.of(3, 0, 1), "MaxPool2d", "positive");
        assertInvalid(() -> AvgPool2d.of(2, 2, 2), "AvgPool2d", "half the kernel size");
        assertInvalid(() -> new AvgPool2d(2, 2, 2, 2, 0, 0, false, true, 0), "AvgPool2d", "divisor_override");
        assertInvalid(() -> new AdaptiveAvgPool2d(0, 1), "AdaptiveAvgPool2d", "output_size");
        assertInvalid(() -> new AdaptiveMaxPool2d(1, -1), "AdaptiveMaxPool2d", "output_size");
    }

    @Test
    void countOpsIsInputSizeAndDescribeMimicsPyTorch() {
        Shape in = Shape.of(2, 4, 8, 8);
        Op[] pools = {MaxPool2d.of(3, 2, 1), AvgPool2d.of(2, 2, 0), AdaptiveAvgPool2d.of(1), AdaptiveMaxPool2d.of(2)};
        for (Op op : pools) {
            Shape[] out = op.inferShapes(new Shape[] {in});
            assertEquals(512, op.countOps(new Shape[] {in}, out), op.describe());
            assertEquals(256, OpCounter.count(graph(op, in)).ops(), op.describe() + " per example");
        }
        assertEquals("MaxPool2d(kernel_size=3, stride=2, padding=1, dilation=1, ceil_mode=False)", MaxPool2d.of(3, 2, 1).describe());
        assertEquals("MaxPool2d(kernel_size=(3, 2), stride=(2, 1), padding=(1, 0), dilation=(1, 2), ceil_mode=True)",
                new MaxPool2d(3, 2, 2, 1, 1, 0, 1, 2, true).describe());
        assertEquals("AvgPool2d(kernel_size=2, stride=2, padding=0)", AvgPool2d.of(2, 2, 0).describe());
        assertEquals("AdaptiveAvgPool2d(output_size=(1, 1))", AdaptiveAvgPool2d.of(1).describe());
        assertEquals("AdaptiveMaxPool2d(output_size=(7, 6))", new AdaptiveMaxPool2d(7, 6).describe());
    }
}
