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

/** {@link Linear}: float32 forward vs a double reference, tolerance |a − b| ≤ 1e-5·max|ref| + 1e-6. */
class LinearTest {

    private static final double RTOL = 1e-5;
    private static final double ATOL = 1e-6;

    /** y[r, o] = Σ_i x[r, i]·W[o, i] + b[o], in double. */
    private static double[] reference(Tensor x, Tensor w, Tensor b, int in, int out) {
        int rows = x.numel() / in;
        double[] y = new double[rows * out];
        for (int r = 0; r < rows; r++) {
            for (int o = 0; o < out; o++) {
                double s = b == null ? 0 : b.data()[o];
                for (int i = 0; i < in; i++) {
                    s += (double) x.data()[r * in + i] * w.data()[o * in + i];
                }
                y[r * out + o] = s;
            }
        }
        return y;
    }

    @Test
    void shapesOnTwoAndThreeDimensionalInputs() {
        Linear l = Linear.of(8, 3, true);
        assertEquals(Shape.of(4, 3), infer(l, Shape.of(4, 8)));
        assertEquals(Shape.of(2, 5, 3), infer(l, Shape.of(2, 5, 8)));
        assertEquals(Shape.of(3), infer(l, Shape.of(8)));
        assertMessage(() -> l.inferShapes(new Shape[] {Shape.of(2, 5)}), "Linear", "(*, 8)", "(2, 5)");
        assertMessage(() -> l.inferShapes(new Shape[] {Shape.of()}), "Linear", "(*, 8)", "()");
        assertMessage(() -> l.inferShapes(new Shape[] {Shape.of(2, 8), Shape.of(2, 8)}), "Linear", "1 input", "got 2");
    }

    @Test
    void forwardMatchesReferenceWithAndWithoutBias() {
        SplittableRandom r = new SplittableRandom(SEED);
        int[][] inputs = {{7, 16}, {2, 5, 16}};
        for (Kernels k : KERNELS) {
            for (int[] dims : inputs) {
                for (boolean bias : new boolean[] {true, false}) {
                    Linear l = Linear.of(16, 9, bias);
                    Tensor x = random(r, dims);
                    Tensor w = random(r, 9, 16);
                    Tensor b = bias ? random(r, 9) : null;
                    Map<String, Tensor> p = new HashMap<>();
                    p.put("weight", w);
                    if (bias) {
                        p.put("bias", b);
                    }
                    Tensor y = run(l, k, p, x)[0];
                    assertEquals(x.shape().with(-1, 9), y.shape());
                    Tolerance.assertClose(reference(x, w, b, 16, 9), d(y), RTOL, ATOL,
                            "Linear " + x.shape() + " bias=" + bias + " on " + k.name() + " seed " + SEED);
                }
            }
        }
    }

    @Test
    void customParameterNamesAreUsedForSpecsAndForward() {
        Linear l = new Linear(4, 12, true, "in_proj_weight", "in_proj_bias");
        assertEquals(List.of(ParamSpec.param("in_proj_weight", 12, 4), ParamSpec.param("in_proj_bias", 12)), l.parameters());
        SplittableRandom r = new SplittableRandom(SEED + 1);
        Tensor x = random(r, 3, 4);
        Tensor w = random(r, 12, 4);
        Tensor b = random(r, 12);
        Tensor y = run(l, Kernels.scalar(), Map.of("in_proj_weight", w, "in_proj_bias", b), x)[0];
        Tolerance.assertClose(reference(x, w, b, 4, 12), d(y), RTOL, ATOL, "in_proj Linear seed " + (SEED + 1));
        Linear pruned = l.withFeatures(4, 6);
        assertEquals(new Linear(4, 6, true, "in_proj_weight", "in_proj_bias"), pruned);
        assertEquals("Linear(in_features=4, out_features=6, bias=True, weight=in_proj_weight, bias_name=in_proj_bias)",
                pruned.describe());
    }

    @Test
    void countsFollowTorchPruning() {
        Linear l = Linear.of(8, 3, true);
        Shape[] in = {Shape.of(2, 5, 8)};
        Shape[] out = l.inferShapes(in);
        // numel(input)·out + out: the bias is counted once, not per token or example.
        assertEquals(2 * 5 * 8 * 3 + 3, l.countOps(in, out));
        assertEquals(2 * 5 * 8 * 3, l.macs(in, out));
        Linear nb = Linear.of(8, 3, false);
        assertEquals(2 * 5 * 8 * 3, nb.countOps(in, nb.inferShapes(in)));
    }

    @Test
    void describeAndValidation() {
        assertEquals("Linear(in_features=8, out_features=3, bias=False)", Linear.of(8, 3, false).describe());
        assertEquals(List.of(ParamSpec.param("weight", 3, 8)), Linear.of(8, 3, false).parameters());
        assertMessage(() -> Linear.of(0, 3, true), "Linear", "positive", "0");
        assertMessage(() -> new Linear(2, 3, true, "w.x", "bias"), "Linear", "w.x");
        assertMessage(() -> new Linear(2, 3, true, "w", "w"), "Linear", "distinct");
    }
}
