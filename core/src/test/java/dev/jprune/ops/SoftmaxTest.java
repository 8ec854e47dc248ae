package dev.jprune.ops;

import dev.jprune.tensor.Shape;
import dev.jprune.tensor.Tensor;
import org.junit.jupiter.api.Test;

import static dev.jprune.ops.ElementwiseTestSupport.assertClose;
import static dev.jprune.ops.ElementwiseTestSupport.assertShapeError;
import static dev.jprune.ops.ElementwiseTestSupport.run;
import static dev.jprune.ops.ElementwiseTestSupport.uniform;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Softmax against a direct double reference along each axis. Tolerance: {@code 1e-6 · max|ref| + 1e-7}. */
class SoftmaxTest {

    /** Softmax along {@code axis} of a (2, 3, 4) tensor by explicit index loops (no max subtraction needed: |x| < 5). */
    private static double[] reference(Tensor x, int axis) {
        int[] d = x.shape().dims();
        double[] out = new double[x.numel()];
        for (int i = 0; i < d[0]; i++) {
            for (int j = 0; j < d[1]; j++) {
                for (int k = 0; k < d[2]; k++) {
                    double sum = 0;
                    for (int t = 0; t < d[axis]; t++) {
                        int[] idx = {i, j, k};
                        idx[axis] = t;
                        sum += Math.exp(x.get(idx));
                    }
                    out[(i * d[1] + j) * d[2] + k] = Math.exp(x.get(i, j, k)) / sum;
                }
            }
        }
        return out;
    }

    @Test
    void everyAxisIncludingNegative() {
        Tensor x = uniform(1, -5f, 5f, 2, 3, 4);
        for (int dim = -3; dim < 3; dim++) {
            int axis = dim < 0 ? dim + 3 : dim;
            assertClose(reference(x, axis), run(new Softmax(dim), x), 1e-6, 1e-7, "softmax dim " + dim);
        }
    }

    @Test
    void stableForLargeLogitsAndNaNLikePyTorch() {
        Tensor big = Tensor.of(Shape.of(1, 3), 1000f, 1001f, 999f);
        float[] y = run(new Softmax(1), big).data();
        // equal to softmax(0, 1, -1)
        double e = Math.exp(1) + 1 + Math.exp(-1);
        assertEquals(1 / e, y[0], 1e-7);
        assertEquals(Math.exp(1) / e, y[1], 1e-7);
        assertEquals(Math.exp(-1) / e, y[2], 1e-7);
        assertArrayEquals(new float[] {0f, 1f}, run(new Softmax(-1), Tensor.of(Shape.of(2), Float.NEGATIVE_INFINITY, 0f)).data());
        float[] nan = run(new Softmax(0), Tensor.of(Shape.of(2), Float.NaN, 1f)).data();
        assertTrue(Float.isNaN(nan[0]) && Float.isNaN(nan[1]), "a NaN spoils its whole row");
        assertArrayEquals(new float[] {1f}, run(new Softmax(0), Tensor.scalar(3f)).data());
        Tensor rows = uniform(2, -3f, 3f, 5, 7);
        float[] r = run(new Softmax(1), rows).data();
        for (int i = 0; i < 5; i++) {
            double s = 0;
            for (int j = 0; j < 7; j++) {
                s += r[i * 7 + j];
            }
            assertEquals(1, s, 1e-6, "row " + i + " sums to 1");
        }
    }

    @Test
    void shapesCountAndDescription() {
        assertEquals(Shape.of(2, 3), new Softmax(-1).inferShapes(new Shape[] {Shape.of(2, 3)})[0]);
        assertShapeError(new Softmax(2), new Shape[] {Shape.of(2, 3)}, "Softmax", "dim 2", "[-2, 1]", "(2, 3)");
        assertShapeError(new Softmax(-3), new Shape[] {Shape.of(2, 3)}, "Softmax", "dim -3");
        assertShapeError(new Softmax(0), new Shape[] {Shape.of(2), Shape.of(2)}, "Softmax", "1 input");
        assertEquals(0, new Softmax(1).countOps(new Shape[] {Shape.of(2, 3)}, new Shape[] {Shape.of(2, 3)}));
        assertEquals("Softmax(dim=1)", new Softmax(1).describe());
        assertEquals("Softmax(dim=-1)", new Softmax(-1).describe());
    }
}
