package dev.jprune.ops;

import dev.jprune.exec.Mode;
import dev.jprune.ir.Graph;
import dev.jprune.tensor.Shape;
import dev.jprune.tensor.Tensor;
import dev.jprune.testing.GradCheck;
import dev.jprune.weights.RandomInit;
import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link PReLU}, {@link InstanceNorm2d}, {@link PixelShuffle}, {@link PixelUnshuffle} and {@link Upsample} (the ops
 * behind ONNX's PRelu, InstanceNormalization, DepthToSpace, SpaceToDepth and Resize/Upsample): forwards against naive definitions written here (PyTorch's
 * view/permute description of pixel shuffle; hand-computed interpolation values), exact for the permutations and
 * within 1e-6 for arithmetic. Gradient checks: central differences, step 1e-2, tolerance
 * {@code |analytic − numeric| ≤ 1e-2·max|numeric| + 1e-3}, every coordinate (samples 1000); PReLU's inputs are
 * kept 0.05 away from its kink at 0.
 */
class ImportedCnnOpsTest {

    private static final long SEED = 0x1_0B_5EEDL;

    private static Tensor random(long seed, int... dims) {
        SplittableRandom r = new SplittableRandom(seed);
        Tensor t = Tensor.zeros(dims);
        float[] d = t.data();
        for (int i = 0; i < d.length; i++) {
            double v;
            do {
                v = r.nextDouble() * 2 - 1;
            } while (Math.abs(v) < 0.05);
            d[i] = (float) v;
        }
        return t;
    }

    private static void gradCheck(Graph g, Tensor x) {
        GradCheck.of(g, Mode.TRAIN).step(1e-2).tolerance(1e-2, 1e-3).samples(1000).seed(SEED).run(x);
    }

    // ---- PReLU ----

    @Test
    void preluScalesNegativesByTheirChannelsSlope() {
        Tensor x = random(SEED, 2, 3, 2, 2);
        Graph g = ElementwiseTestSupport.graph(new PReLU(3), x.shape());
        float[] slopes = {0.25f, -0.5f, 2f};
        g.stateDict().get("m.weight").setValue(Tensor.of(Shape.of(3), slopes));
        Tensor y = dev.jprune.exec.Executor.run(g, x)[0];
        for (int n = 0; n < 2; n++) {
            for (int c = 0; c < 3; c++) {
                for (int h = 0; h < 2; h++) {
                    for (int w = 0; w < 2; w++) {
                        float v = x.get(n, c, h, w);
                        assertEquals(v > 0 ? v : slopes[c] * v, y.get(n, c, h, w), 1e-6);
                    }
                }
            }
        }
        // one shared slope, rank 2
        Tensor x2 = random(SEED + 1, 3, 4);
        Graph g2 = ElementwiseTestSupport.graph(new PReLU(1), x2.shape());
        g2.stateDict().get("m.weight").setValue(Tensor.of(Shape.of(1), 0.1f));
        Tensor y2 = dev.jprune.exec.Executor.run(g2, x2)[0];
        for (int i = 0; i < x2.numel(); i++) {
            float v = x2.data()[i];
            assertEquals(v > 0 ? v : 0.1f * v, y2.data()[i], 1e-6);
        }
    }

    @Test
    void preluGradientsOfInputAndSlopes() {
        Tensor x = random(SEED + 2, 2, 3, 3, 2);
        Graph g = ElementwiseTestSupport.graph(new PReLU(3), x.shape());
        RandomInit.fill(g, SEED);
        g.stateDict().get("m.weight").setValue(Tensor.of(Shape.of(3), 0.3f, -0.2f, 1.5f));
        gradCheck(g, x);
        Graph g1 = ElementwiseTestSupport.graph(new PReLU(1), Shape.of(4, 5));
        g1.stateDict().get("m.weight").setValue(Tensor.of(Shape.of(1), 0.25f));
        gradCheck(g1, random(SEED + 3, 4, 5));
    }

    @Test
    void preluCountsAndChecks() {
        Shape s = Shape.of(2, 3, 4, 4);
        assertEquals(s.numelLong(), new PReLU(3).countOps(new Shape[] {s}, new Shape[] {s}));
        assertThrows(IllegalArgumentException.class, () -> new PReLU(4).inferShapes(new Shape[] {s}));
        assertThrows(IllegalArgumentException.class, () -> new PReLU(0));
        assertEquals("PReLU(num_parameters=3)", new PReLU(3).describe());
    }

    // ---- InstanceNorm2d ----

    @Test
    void instanceNormNormalisesEachPlane() {
        Tensor x = random(SEED + 20, 2, 3, 3, 2);
        Graph g = ElementwiseTestSupport.graph(new InstanceNorm2d(3, 1e-3, true), x.shape());
        float[] s = {1.5f, -0.5f, 0.75f};
        float[] b = {0.1f, 0.2f, -0.3f};
        g.stateDict().get("m.weight").setValue(Tensor.of(Shape.of(3), s));
        g.stateDict().get("m.bias").setValue(Tensor.of(Shape.of(3), b));
        Tensor y = dev.jprune.exec.Executor.run(g, x)[0];
        for (int p = 0; p < 6; p++) {
            double mean = 0;
            double sq = 0;
            for (int i = 0; i < 6; i++) {
                mean += x.data()[p * 6 + i];
            }
            mean /= 6;
            for (int i = 0; i < 6; i++) {
                double d = x.data()[p * 6 + i] - mean;
                sq += d * d;
            }
            double rstd = 1 / Math.sqrt(sq / 6 + 1e-3);
            for (int i = 0; i < 6; i++) {
                double ref = (x.data()[p * 6 + i] - mean) * rstd * s[p % 3] + b[p % 3];
                assertEquals(ref, y.data()[p * 6 + i], 1e-5);
            }
        }
        gradCheck(g, x);
        Shape in = x.shape();
        assertEquals(2 * in.numelLong(), new InstanceNorm2d(3, 1e-5, true).countOps(new Shape[] {in}, new Shape[] {in}));
        assertEquals("InstanceNorm2d(3, eps=1e-05, momentum=0.1, affine=True, track_running_stats=False)",
                new InstanceNorm2d(3, 1e-5, true).describe());
    }

    // ---- PixelShuffle / PixelUnshuffle ----

    /**
     * PyTorch's definition: view the input as {@code (N, C, r, r, H, W)} (channel-first) or {@code (N, r, r, C, H,
     * W)} (ONNX DCR), permute to {@code (N, C, H, r, W, r)} and view as {@code (N, C, H·r, W·r)}.
     */
    private static float[] shuffleReference(Tensor x, int r, boolean dcr) {
        int n = x.dim(0);
        int c = x.dim(1) / (r * r);
        int h = x.dim(2);
        int w = x.dim(3);
        float[] out = new float[x.numel()];
        int k = 0;
        for (int img = 0; img < n; img++) {
            for (int ch = 0; ch < c; ch++) {
                for (int y = 0; y < h; y++) {
                    for (int i = 0; i < r; i++) {
                        for (int z = 0; z < w; z++) {
                            for (int j = 0; j < r; j++) {
                                int src = dcr ? (i * r + j) * c + ch : (ch * r + i) * r + j;
                                out[k++] = x.get(img, src, y, z);
                            }
                        }
                    }
                }
            }
        }
        return out;
    }

    @Test
    void pixelShuffleMatchesTheViewPermuteDefinitionInBothOrders() {
        Tensor x = random(SEED + 4, 2, 8, 3, 2);
        for (boolean dcr : new boolean[] {false, true}) {
            Tensor y = ElementwiseTestSupport.run(new PixelShuffle(2, dcr), x);
            assertEquals(Shape.of(2, 2, 6, 4), y.shape());
            assertArrayEquals(shuffleReference(x, 2, dcr), y.data(), "dcr " + dcr);
            // unshuffle in the same order undoes it exactly
            assertArrayEquals(x.data(), ElementwiseTestSupport.run(new PixelUnshuffle(2, dcr), y).data());
        }
        Tensor x3 = random(SEED + 5, 1, 18, 2, 2);
        assertArrayEquals(shuffleReference(x3, 3, false), ElementwiseTestSupport.run(PixelShuffle.of(3), x3).data());
    }

    @Test
    void pixelUnshuffleFollowsOnnxSpaceToDepth() {
        // ONNX SpaceToDepth: reshape (N, C, H/r, r, W/r, r), transpose (0, 3, 5, 1, 2, 4), reshape (N, C·r², H/r, W/r)
        Tensor x = random(SEED + 6, 1, 3, 4, 6);
        Tensor y = ElementwiseTestSupport.run(new PixelUnshuffle(2, true), x);
        assertEquals(Shape.of(1, 12, 2, 3), y.shape());
        for (int i = 0; i < 2; i++) {
            for (int j = 0; j < 2; j++) {
                for (int c = 0; c < 3; c++) {
                    for (int h = 0; h < 2; h++) {
                        for (int w = 0; w < 3; w++) {
                            assertEquals(x.get(0, c, h * 2 + i, w * 2 + j), y.get(0, (i * 2 + j) * 3 + c, h, w));
                            assertEquals(x.get(0, c, h * 2 + i, w * 2 + j),
                                    ElementwiseTestSupport.run(PixelUnshuffle.of(2), x).get(0, c * 4 + i * 2 + j, h, w));
                        }
                    }
                }
            }
        }
        assertThrows(IllegalArgumentException.class, () -> PixelUnshuffle.of(2).inferShapes(new Shape[] {Shape.of(1, 3, 5, 4)}));
        assertThrows(IllegalArgumentException.class, () -> PixelShuffle.of(2).inferShapes(new Shape[] {Shape.of(1, 6, 5, 4)}));
    }

    @Test
    void pixelShuffleGradients() {
        gradCheck(ElementwiseTestSupport.graph(new PixelShuffle(2, false), Shape.of(2, 8, 2, 3)), random(SEED + 7, 2, 8, 2, 3));
        gradCheck(ElementwiseTestSupport.graph(new PixelShuffle(2, true), Shape.of(1, 8, 3, 2)), random(SEED + 8, 1, 8, 3, 2));
        gradCheck(ElementwiseTestSupport.graph(new PixelUnshuffle(2, false), Shape.of(2, 2, 4, 2)), random(SEED + 9, 2, 2, 4, 2));
        gradCheck(ElementwiseTestSupport.graph(new PixelUnshuffle(3, true), Shape.of(1, 2, 3, 6)), random(SEED + 10, 1, 2, 3, 6));
        Shape s = Shape.of(1, 8, 2, 2);
        assertEquals(0, PixelShuffle.of(2).countOps(new Shape[] {s}, PixelShuffle.of(2).inferShapes(new Shape[] {s})));
    }

    // ---- Upsample ----

    private static Tensor row(float... v) {
        return Tensor.of(Shape.of(1, 1, 1, v.length), v);
    }

    @Test
    void upsampleHandComputedRows() {
        Tensor x = row(0f, 1f);
        // nearest ×2, asymmetric/floor: each value twice
        assertArrayEquals(new float[] {0, 0, 1, 1}, ElementwiseTestSupport.run(
                new Upsample(1, 4, 1, 2, "nearest", "asymmetric", "floor"), x).data());
        // bilinear ×2, half pixel: sources -0.25, 0.25, 0.75, 1.25 → clamped 0, 0.25, 0.75, 1
        assertArrayEquals(new float[] {0f, 0.25f, 0.75f, 1f}, ElementwiseTestSupport.run(
                new Upsample(1, 4, 1, 2, "linear", "pytorch_half_pixel", "floor"), x).data(), 1e-6f);
        // bilinear, align corners: 0, 1/3, 2/3, 1
        assertArrayEquals(new float[] {0f, 1f / 3, 2f / 3, 1f}, ElementwiseTestSupport.run(
                new Upsample(1, 4, 1, 2, "linear", "align_corners", "floor"), x).data(), 1e-6f);
        // nearest ×3 with round_prefer_ceil, half_pixel: sources (o + 0.5)/3 − 0.5 = -1/3, 0, 1/3, 2/3, 1, 4/3
        assertArrayEquals(new float[] {0, 0, 0, 1, 1, 1}, ElementwiseTestSupport.run(
                new Upsample(1, 6, 1, 3, "nearest", "half_pixel", "round_prefer_ceil"), x).data());
        // nearest ×2 half_pixel round_prefer_floor on [0, 1, 2]: sources -0.25, 0.25, 0.75, 1.25, 1.75, 2.25
        assertArrayEquals(new float[] {0, 0, 1, 1, 2, 2}, ElementwiseTestSupport.run(
                new Upsample(1, 6, 1, 2, "nearest", "half_pixel", "round_prefer_floor"), row(0f, 1f, 2f)).data());
        // ceil on asymmetric ×2 of [0, 1, 2]: sources 0, 0.5, 1, 1.5, 2, 2.5 → 0, 1, 1, 2, 2, 2 (clamped)
        assertArrayEquals(new float[] {0, 1, 1, 2, 2, 2}, ElementwiseTestSupport.run(
                new Upsample(1, 6, 1, 2, "nearest", "asymmetric", "ceil"), row(0f, 1f, 2f)).data());
    }

    /** Bilinear in 2-D is the product of the two 1-D weights: checked on a plane that is linear in x and y. */
    @Test
    void bilinearReproducesAPlaneAwayFromTheBorder() {
        Tensor x = Tensor.zeros(1, 2, 3, 4);
        for (int c = 0; c < 2; c++) {
            for (int h = 0; h < 3; h++) {
                for (int w = 0; w < 4; w++) {
                    x.set(c * 10 + 2f * h - 3f * w, 0, c, h, w);
                }
            }
        }
        Tensor y = ElementwiseTestSupport.run(new Upsample(7, 9, 7 / 3.0, 9 / 4.0, "linear", "align_corners", "floor"), x);
        for (int c = 0; c < 2; c++) {
            for (int oy = 0; oy < 7; oy++) {
                for (int ox = 0; ox < 9; ox++) {
                    double sy = oy * 2.0 / 6;
                    double sx = ox * 3.0 / 8;
                    assertEquals(c * 10 + 2 * sy - 3 * sx, y.get(0, c, oy, ox), 1e-5);
                }
            }
        }
    }

    @Test
    void upsampleGradientsAndCounts() {
        Shape s = Shape.of(2, 2, 3, 3);
        for (Upsample u : new Upsample[] {Upsample.nearest(3, 3, 2), Upsample.bilinear(3, 3, 2, false),
                Upsample.bilinear(3, 3, 2, true), new Upsample(5, 4, 5 / 3.0, 4 / 3.0, "linear", "half_pixel", "floor")}) {
            gradCheck(ElementwiseTestSupport.graph(u, s), random(SEED + 11, 2, 2, 3, 3));
        }
        Shape o = Upsample.nearest(3, 3, 2).inferShapes(new Shape[] {s})[0];
        assertEquals(Shape.of(2, 2, 6, 6), o);
        assertEquals(o.numelLong(), Upsample.nearest(3, 3, 2).countOps(new Shape[] {s}, new Shape[] {o}));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new Upsample(4, 4, 2, 2, "cubic", "asymmetric", "floor"));
        assertTrue(e.getMessage().contains("cubic"), e.getMessage());
        assertEquals("Upsample(size=(6, 6), mode='bilinear', align_corners=False)", Upsample.bilinear(3, 3, 2, false).describe());
    }
}
