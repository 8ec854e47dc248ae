package dev.jprune.ops;

import dev.jprune.count.OpCounter;
import dev.jprune.exec.Executor;
import dev.jprune.exec.Mode;
import dev.jprune.ir.Graph;
import dev.jprune.ir.GraphBuilder;
import dev.jprune.ir.Value;
import dev.jprune.tensor.Shape;
import dev.jprune.tensor.Tensor;
import dev.jprune.testing.GradCheck;
import dev.jprune.testing.Tolerance;
import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link Mean} ({@code x.mean(dims, keepdim)}, ShuffleNetV2's pooling) and {@link LayerNorm2d} (torchvision's
 * channels-first LayerNorm of ConvNeXt): forward against direct computation and against the composition torchvision
 * writes (permute, LayerNorm, permute), shapes and errors, Torch-Pruning's counts, and gradient checks. Gradient
 * checks: central differences, step 1e-2, every coordinate (samples 1000); Mean is linear:
 * {@code 2e-3·max|numeric| + 1e-4}; LayerNorm2d is smooth: {@code 1e-2·max + 1e-3}. Seeded with {@link #SEED}.
 */
class MeanLayerNorm2dTest {

    private static final long SEED = 0x4D_EA_2DL;

    private static Tensor random(long seed, int... dims) {
        SplittableRandom r = new SplittableRandom(seed);
        Tensor t = Tensor.zeros(dims);
        float[] d = t.data();
        for (int i = 0; i < d.length; i++) {
            d[i] = (float) (r.nextDouble() * 4 - 2);
        }
        return t;
    }

    private static void randomParams(Graph g, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        for (var p : g.stateDict().values()) {
            float[] d = p.value().data();
            for (int i = 0; i < d.length; i++) {
                d[i] = (float) (0.5 + r.nextDouble());
            }
        }
    }

    // ---- Mean ----------------------------------------------------------------------------------------------------

    @Test
    void meanOverSpatialAxesIsTheAverageOfEachChannel() {
        Tensor x = random(SEED, 2, 3, 4, 5);
        Tensor y = ElementwiseTestSupport.run(Mean.of(2, 3), x);
        assertEquals(Shape.of(2, 3), y.shape());
        for (int n = 0; n < 2; n++) {
            for (int c = 0; c < 3; c++) {
                double s = 0;
                for (int i = 0; i < 20; i++) {
                    s += x.data()[(n * 3 + c) * 20 + i];
                }
                assertEquals((float) (s / 20), y.data()[n * 3 + c], 0f);
            }
        }
    }

    @Test
    void meanOverNonAdjacentAxesWithKeepdim() {
        Tensor x = random(SEED + 1, 2, 3, 4);
        Tensor y = ElementwiseTestSupport.run(new Mean(new int[] {0, -1}, true), x);
        assertEquals(Shape.of(1, 3, 1), y.shape());
        for (int c = 0; c < 3; c++) {
            double s = 0;
            for (int n = 0; n < 2; n++) {
                for (int k = 0; k < 4; k++) {
                    s += x.data()[(n * 3 + c) * 4 + k];
                }
            }
            assertEquals((float) (s / 8), y.data()[c], 0f);
        }
    }

    @Test
    void meanShapesAndErrors() {
        assertEquals(Shape.of(2, 3), Mean.of(2, 3).inferShapes(new Shape[] {Shape.of(2, 3, 7, 7)})[0]);
        assertEquals(Shape.of(2, 3, 1, 1),
                new Mean(new int[] {-2, -1}, true).inferShapes(new Shape[] {Shape.of(2, 3, 7, 7)})[0]);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Mean.of(4).inferShapes(new Shape[] {Shape.of(2, 3, 7, 7)}));
        assertTrue(e.getMessage().contains("out of range"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Mean.of(3, -1).inferShapes(new Shape[] {Shape.of(2, 3, 7, 7)}));
        assertTrue(e.getMessage().contains("more than once"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Mean.of());
        assertEquals("mean(dim=(2, 3), keepdim=False)", Mean.of(2, 3).describe());
        assertEquals(Mean.of(2, 3), Mean.of(2, 3));
    }

    @Test
    void meanGradientCheck() {
        GradCheck.of(ElementwiseTestSupport.graph(Mean.of(2, 3), Shape.of(2, 3, 3, 2)), Mode.TRAIN).step(1e-2)
                .tolerance(2e-3, 1e-4).samples(1000).seed(SEED).run(random(SEED + 2, 2, 3, 3, 2));
        GradCheck.of(ElementwiseTestSupport.graph(new Mean(new int[] {0, 2}, true), Shape.of(2, 3, 4)), Mode.TRAIN)
                .step(1e-2).tolerance(2e-3, 1e-4).samples(1000).seed(SEED).run(random(SEED + 3, 2, 3, 4));
    }

    // ---- LayerNorm2d ---------------------------------------------------------------------------------------------

    /** torchvision's LayerNorm2d.forward: permute, layer norm over C, permute back, as three nodes. */
    private static Graph composed(int c, double eps) {
        GraphBuilder b = new GraphBuilder("composed");
        Value x = b.input("x", Shape.of(2, c, 3, 4));
        x = b.call("permute", Permute.of(0, 2, 3, 1), x);
        x = b.module("m", new LayerNorm(Shape.of(c), eps, true), x);
        return b.build(b.call("permute", Permute.of(0, 3, 1, 2), x));
    }

    @Test
    void layerNorm2dEqualsPermuteLayerNormPermute() {
        Graph single = ElementwiseTestSupport.graph(new LayerNorm2d(5, 1e-6), Shape.of(2, 5, 3, 4));
        Graph comp = composed(5, 1e-6);
        randomParams(single, SEED + 4);
        randomParams(comp, SEED + 4);
        Tensor x = random(SEED + 5, 2, 5, 3, 4);
        Tensor a = Executor.run(single, x)[0];
        Tensor b = Executor.run(comp, x)[0];
        assertEquals(Shape.of(2, 5, 3, 4), a.shape());
        Tolerance.assertClose(Tolerance.toDouble(b.data(), b.numel()), Tolerance.toDouble(a.data(), a.numel()), 0, 0,
                "LayerNorm2d vs permute + LayerNorm + permute");
        // every (n, h, w) position is normalised over its 5 channels: mean 0 when weight 1 and bias 0
        Graph plain = ElementwiseTestSupport.graph(new LayerNorm2d(5, 1e-6), Shape.of(2, 5, 3, 4));
        java.util.Arrays.fill(plain.stateDict().get("m.weight").value().data(), 1f);
        Tensor y = Executor.run(plain, x)[0];
        for (int n = 0; n < 2; n++) {
            for (int p = 0; p < 12; p++) {
                double s = 0;
                for (int c = 0; c < 5; c++) {
                    s += y.data()[(n * 5 + c) * 12 + p];
                }
                assertEquals(0, s, 1e-5);
            }
        }
    }

    @Test
    void layerNorm2dShapesParametersAndErrors() {
        LayerNorm2d ln = new LayerNorm2d(96, 1e-6);
        assertEquals(2, ln.parameters().size());
        assertEquals(Shape.of(96), ln.parameters().get(0).shape());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ln.inferShapes(new Shape[] {Shape.of(1, 56, 56, 96)}));
        assertTrue(e.getMessage().contains("(N, 96, H, W)"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new LayerNorm2d(0, 1e-6));
        assertThrows(IllegalArgumentException.class, () -> new LayerNorm2d(4, -1));
        assertEquals("LayerNorm2d((96,), eps=1e-06, elementwise_affine=True)", ln.describe());
    }

    /**
     * Torch-Pruning's counter hooks modules by exact type: {@code nn.LayerNorm} counts {@code 2·numel}, torchvision's
     * {@code LayerNorm2d} subclass is not in its table and counts 0 (ConvNeXt's MACs match only so); a functional
     * {@code mean} counts 0.
     */
    @Test
    void torchPruningCounts() {
        assertEquals(0, OpCounter.count(ElementwiseTestSupport.graph(new LayerNorm2d(8, 1e-6), Shape.of(2, 8, 4, 4))).ops());
        assertEquals(2L * 8 * 3 * 4, OpCounter.count(composed(8, 1e-6)).ops(),
                "nn.LayerNorm on (2, 3, 4, 8): 2·numel per sample");
        assertEquals(0, OpCounter.count(ElementwiseTestSupport.graph(Mean.of(2, 3), Shape.of(1, 8, 4, 4))).ops());
        assertEquals(0, Mean.of(2, 3).countOps(new Shape[] {Shape.of(1, 8, 4, 4)}, new Shape[] {Shape.of(1, 8)}));
        assertEquals(0, new LayerNorm2d(8, 1e-6).countOps(new Shape[] {Shape.of(1, 8, 4, 4)},
                new Shape[] {Shape.of(1, 8, 4, 4)}));
    }

    @Test
    void layerNorm2dGradientCheck() {
        Graph g = ElementwiseTestSupport.graph(new LayerNorm2d(4, 1e-5), Shape.of(2, 4, 3, 2));
        randomParams(g, SEED + 6);
        GradCheck.of(g, Mode.TRAIN).step(1e-2).tolerance(1e-2, 1e-3).samples(1000).seed(SEED)
                .run(random(SEED + 7, 2, 4, 3, 2));
    }
}
