package dev.jprune.ops;

import dev.jprune.count.OpCounter;
import dev.jprune.exec.Executor;
import dev.jprune.ir.Graph;
import dev.jprune.ir.ParamSpec;
import dev.jprune.tensor.Shape;
import dev.jprune.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.util.List;

import static dev.jprune.ops.ElementwiseTestSupport.assertClose;
import static dev.jprune.ops.ElementwiseTestSupport.assertInvalid;
import static dev.jprune.ops.ElementwiseTestSupport.assertShapeError;
import static dev.jprune.ops.ElementwiseTestSupport.graph;
import static dev.jprune.ops.ElementwiseTestSupport.uniform;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * LayerNorm and GroupNorm against a reference that computes each statistic in double with an explicit index
 * walk. Tolerance: {@code |a − b| <= 1e-6 · max|ref| + 1e-6}.
 */
class NormOpsTest {

    private static Tensor runWithParams(Graph g, Tensor x, Tensor weight, Tensor bias) {
        if (weight != null) {
            g.node("m").parameter("weight").setValue(weight);
            g.node("m").parameter("bias").setValue(bias);
        }
        return Executor.run(g, x)[0];
    }

    /** LayerNorm over the last two dimensions of (2, 3, 4, 5): rows are (n, c) pairs, 20 elements each. */
    @Test
    void layerNormOverTrailingDimensions() {
        Tensor x = uniform(1, -3f, 5f, 2, 3, 4, 5);
        Tensor w = uniform(2, 0.5f, 2f, 4, 5);
        Tensor b = uniform(3, -1f, 1f, 4, 5);
        for (boolean affine : new boolean[] {true, false}) {
            LayerNorm op = new LayerNorm(new int[] {4, 5}, 1e-5, affine);
            Tensor y = runWithParams(graph(op, x.shape()), x, affine ? w : null, b);
            double[] ref = new double[x.numel()];
            for (int n = 0; n < 2; n++) {
                for (int c = 0; c < 3; c++) {
                    double mean = 0;
                    for (int i = 0; i < 4; i++) {
                        for (int j = 0; j < 5; j++) {
                            mean += x.get(n, c, i, j) / 20.0;
                        }
                    }
                    double var = 0;
                    for (int i = 0; i < 4; i++) {
                        for (int j = 0; j < 5; j++) {
                            var += Math.pow(x.get(n, c, i, j) - mean, 2) / 20.0;
                        }
                    }
                    for (int i = 0; i < 4; i++) {
                        for (int j = 0; j < 5; j++) {
                            double v = (x.get(n, c, i, j) - mean) / Math.sqrt(var + 1e-5);
                            ref[((n * 3 + c) * 4 + i) * 5 + j] = affine ? v * w.get(i, j) + b.get(i, j) : v;
                        }
                    }
                }
            }
            assertClose(ref, y, 1e-6, 1e-6, "LayerNorm affine=" + affine);
        }
    }

    @Test
    void layerNormRowsHaveZeroMeanAndUnitBiasedVariance() {
        Tensor x = uniform(4, -10f, 30f, 3, 7, 64);
        Tensor y = runWithParams(graph(new LayerNorm(Shape.of(64), 0.0, false), x.shape()), x, null, null);
        for (int r = 0; r < 21; r++) {
            double mean = 0;
            double sq = 0;
            for (int j = 0; j < 64; j++) {
                mean += y.data()[r * 64 + j];
            }
            mean /= 64;
            for (int j = 0; j < 64; j++) {
                sq += Math.pow(y.data()[r * 64 + j] - mean, 2);
            }
            assertEquals(0, mean, 1e-6, "row " + r + " mean");
            assertEquals(1, sq / 64, 1e-5, "row " + r + " biased variance");
        }
        // a constant row normalizes to 0 (variance 0, eps keeps it finite)
        Tensor flat = Tensor.full(Shape.of(1, 8), 3f);
        Tensor z = runWithParams(graph(LayerNorm.of(8), flat.shape()), flat, Tensor.full(Shape.of(8), 1f), Tensor.zeros(8));
        for (float v : z.data()) {
            assertEquals(0f, v, 0f);
        }
    }

    @Test
    void groupNormPerSampleAndGroup() {
        Tensor x = uniform(5, -2f, 6f, 2, 6, 3, 4);
        Tensor w = uniform(6, 0.5f, 2f, 6);
        Tensor b = uniform(7, -1f, 1f, 6);
        for (int groups : new int[] {1, 2, 3, 6}) {
            for (boolean affine : new boolean[] {true, false}) {
                GroupNorm op = new GroupNorm(groups, 6, 1e-5, affine);
                Tensor y = runWithParams(graph(op, x.shape()), x, affine ? w : null, b);
                int per = 6 / groups;
                double[] ref = new double[x.numel()];
                for (int n = 0; n < 2; n++) {
                    for (int g = 0; g < groups; g++) {
                        double sum = 0;
                        double sq = 0;
                        int count = per * 12;
                        for (int c = g * per; c < (g + 1) * per; c++) {
                            for (int i = 0; i < 12; i++) {
                                sum += x.get(n, c, i / 4, i % 4);
                            }
                        }
                        double mean = sum / count;
                        for (int c = g * per; c < (g + 1) * per; c++) {
                            for (int i = 0; i < 12; i++) {
                                sq += Math.pow(x.get(n, c, i / 4, i % 4) - mean, 2);
                            }
                        }
                        double rstd = 1 / Math.sqrt(sq / count + 1e-5);
                        for (int c = g * per; c < (g + 1) * per; c++) {
                            for (int i = 0; i < 12; i++) {
                                double v = (x.get(n, c, i / 4, i % 4) - mean) * rstd;
                                ref[(n * 6 + c) * 12 + i] = affine ? v * w.get(c) + b.get(c) : v;
                            }
                        }
                    }
                }
                assertClose(ref, y, 1e-6, 1e-6, "GroupNorm groups=" + groups + " affine=" + affine);
            }
        }
        // rank 2 and 3 inputs (N, C) and (N, C, L)
        GroupNorm g2 = new GroupNorm(2, 4, 1e-5, false);
        Tensor x2 = uniform(8, -1f, 1f, 3, 4);
        Tensor y2 = runWithParams(graph(g2, x2.shape()), x2, null, null);
        for (int n = 0; n < 3; n++) {
            double mean = (x2.get(n, 0) + x2.get(n, 1)) / 2.0;
            double var = (Math.pow(x2.get(n, 0) - mean, 2) + Math.pow(x2.get(n, 1) - mean, 2)) / 2;
            assertEquals((x2.get(n, 0) - mean) / Math.sqrt(var + 1e-5), y2.get(n, 0), 1e-5);
        }
        assertEquals(Shape.of(2, 4, 7), g2.inferShapes(new Shape[] {Shape.of(2, 4, 7)})[0]);
    }

    @Test
    void parametersShapesAndErrors() {
        LayerNorm ln = new LayerNorm(Shape.of(4, 5), 1e-6, true);
        assertEquals(List.of(ParamSpec.param("weight", 4, 5), ParamSpec.param("bias", 4, 5)), ln.parameters());
        assertEquals(List.of(), new LayerNorm(Shape.of(4), 1e-6, false).parameters());
        assertEquals(Shape.of(7, 4, 5), ln.inferShapes(new Shape[] {Shape.of(7, 4, 5)})[0]);
        assertEquals(Shape.of(4, 5), ln.inferShapes(new Shape[] {Shape.of(4, 5)})[0]);
        assertShapeError(ln, new Shape[] {Shape.of(2, 5, 4)}, "LayerNorm", "(*, 4, 5)", "(2, 5, 4)");
        assertShapeError(ln, new Shape[] {Shape.of(5)}, "LayerNorm", "(*, 4, 5)");
        assertShapeError(LayerNorm.of(768), new Shape[] {Shape.of(1, 197, 384)}, "LayerNorm", "(*, 768)", "(768,)");
        assertInvalid(() -> new LayerNorm(Shape.of(), 1e-5, true), "LayerNorm", "normalized_shape");
        assertInvalid(() -> new LayerNorm(Shape.of(4), -1, true), "LayerNorm", "eps");
        assertEquals(Shape.of(8), LayerNorm.of(16).withNormalizedShape(Shape.of(8)).normalizedShape());

        GroupNorm gn = GroupNorm.of(2, 6);
        assertEquals(List.of(ParamSpec.param("weight", 6), ParamSpec.param("bias", 6)), gn.parameters());
        assertEquals(List.of(), new GroupNorm(2, 6, 1e-5, false).parameters());
        assertShapeError(gn, new Shape[] {Shape.of(2, 5, 3, 3)}, "GroupNorm", "(N, 6, *)", "(2, 5, 3, 3)");
        assertShapeError(gn, new Shape[] {Shape.of(6)}, "GroupNorm", "(N, 6, *)");
        assertInvalid(() -> new GroupNorm(4, 6, 1e-5, true), "GroupNorm", "divisible by num_groups 4");
        assertEquals(4, gn.withChannels(4).numChannels());
        assertEquals(2, gn.withChannels(4).numGroups());
    }

    @Test
    void countOpsAndDescribe() {
        Shape[] in = {Shape.of(2, 6, 3, 4)};
        assertEquals(2 * 144, GroupNorm.of(3, 6).countOps(in, in));
        assertEquals(144, new GroupNorm(3, 6, 1e-5, false).countOps(in, in));
        Shape[] seq = {Shape.of(2, 10, 8)};
        assertEquals(2 * 160, LayerNorm.of(8).countOps(seq, seq));
        assertEquals(160, new LayerNorm(Shape.of(8), 1e-5, false).countOps(seq, seq));
        // Per example through the counter (batch 2).
        assertEquals(160, OpCounter.count(graph(LayerNorm.of(8), seq[0])).ops());
        assertEquals("LayerNorm((768,), eps=1e-06, elementwise_affine=True)",
                new LayerNorm(Shape.of(768), 1e-6, true).describe());
        assertEquals("LayerNorm((4, 5), eps=1e-05, elementwise_affine=False)",
                new LayerNorm(Shape.of(4, 5), 1e-5, false).describe());
        assertEquals("GroupNorm(32, 256, eps=1e-05, affine=True)", GroupNorm.of(32, 256).describe());
        assertTrue(new GroupNorm(1, 4, 0.001, false).describe().endsWith("eps=0.001, affine=False)"));
    }
}
