package dev.jprune.ops;

import dev.jprune.tensor.Shape;
import dev.jprune.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static dev.jprune.ops.StructuralOpTesting.SEED;
import static dev.jprune.ops.StructuralOpTesting.assertMessage;
import static dev.jprune.ops.StructuralOpTesting.d;
import static dev.jprune.ops.StructuralOpTesting.infer;
import static dev.jprune.ops.StructuralOpTesting.random;
import static dev.jprune.ops.StructuralOpTesting.run;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;

/** Permute and Transpose against an index-by-index reference; exact comparison (pure data movement). */
class PermuteTransposeTest {

    /** out[o] = x[i] where i's coordinate perm[d] equals o's coordinate d. */
    private static double[] reference(Tensor x, int[] perm) {
        int[] in = x.shape().dims();
        int[] out = new int[perm.length];
        for (int d = 0; d < perm.length; d++) {
            out[d] = in[perm[d]];
        }
        int[] inStrides = x.shape().strides();
        double[] ref = new double[x.numel()];
        int[] idx = new int[perm.length];
        for (int o = 0; o < ref.length; o++) {
            int r = o;
            for (int dd = perm.length - 1; dd >= 0; dd--) {
                idx[dd] = r % out[dd];
                r /= out[dd];
            }
            int src = 0;
            for (int dd = 0; dd < perm.length; dd++) {
                src += idx[dd] * inStrides[perm[dd]];
            }
            ref[o] = x.data()[src];
        }
        return ref;
    }

    @Test
    void permuteMatchesReference() {
        SplittableRandom r = new SplittableRandom(SEED);
        Tensor x = random(r, 2, 3, 4, 5);
        int[][] perms = {{0, 2, 1, 3}, {3, 2, 1, 0}, {1, 3, 0, 2}, {0, 1, 2, 3}};
        for (int[] p : perms) {
            Tensor y = run(Permute.of(p), x)[0];
            assertArrayEquals(reference(x, p), d(y), "permute " + java.util.Arrays.toString(p) + " seed " + SEED);
            assertNotSame(x.data(), y.data());
        }
        assertEquals(Shape.of(2, 4, 3, 5), infer(Permute.of(0, -2, 1, -1), Shape.of(2, 3, 4, 5)));
        assertEquals(Permute.of(0, 2, 1, 3), Permute.of(0, -2, 1, -1));
        assertEquals("Permute(dims=(0, 2, 1, 3))", Permute.of(0, -2, 1, -1).describe());
    }

    @Test
    void permuteErrors() {
        assertMessage(() -> Permute.of(0, 0, 1), "Permute", "(0, 0, 1)", "permutation of 0..2");
        assertMessage(() -> Permute.of(0, 3, 1), "Permute", "permutation");
        assertMessage(() -> Permute.of(0, 2, 1).inferShapes(new Shape[] {Shape.of(2, 3, 4, 5)}), "Permute",
                "3-D input", "(2, 3, 4, 5)");
    }

    @Test
    void transposeMatchesReference() {
        SplittableRandom r = new SplittableRandom(SEED + 1);
        Tensor x = random(r, 2, 3, 4);
        Tensor y = run(new Transpose(1, 2), x)[0];
        assertEquals(Shape.of(2, 4, 3), y.shape());
        assertArrayEquals(reference(x, new int[] {0, 2, 1}), d(y));
        Tensor z = run(new Transpose(-1, 0), x)[0];
        assertEquals(Shape.of(4, 3, 2), z.shape());
        assertArrayEquals(reference(x, new int[] {2, 1, 0}), d(z));
        assertArrayEquals(new int[] {0, 2, 1}, new Transpose(1, -1).permutation(3));
        assertMessage(() -> new Transpose(0, 3).inferShapes(new Shape[] {Shape.of(2, 3, 4)}), "Transpose",
                "dimension 3", "3-D input", "-3 to 2");
        assertEquals("Transpose(dim0=1, dim1=2)", new Transpose(1, 2).describe());
    }
}
