package dev.jprune.ops;

import dev.jprune.tensor.Shape;
import dev.jprune.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static dev.jprune.ops.StructuralOpTesting.SEED;
import static dev.jprune.ops.StructuralOpTesting.assertMessage;
import static dev.jprune.ops.StructuralOpTesting.d;
import static dev.jprune.ops.StructuralOpTesting.infer;
import static dev.jprune.ops.StructuralOpTesting.iota;
import static dev.jprune.ops.StructuralOpTesting.random;
import static dev.jprune.ops.StructuralOpTesting.run;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** Pad and Roll against index-by-index references; exact comparison (pure data movement). */
class PadRollTest {

    /** out[o] = x[o − before] where that lies inside x, else value; any rank. */
    private static double[] padReference(Tensor x, int[] pads, double value, Shape out) {
        int rank = x.rank();
        int[] od = out.dims();
        double[] ref = new double[out.numel()];
        int[] idx = new int[rank];
        for (int o = 0; o < ref.length; o++) {
            int rem = o;
            for (int k = rank - 1; k >= 0; k--) {
                idx[k] = rem % od[k];
                rem /= od[k];
            }
            boolean inside = true;
            int[] src = new int[rank];
            for (int k = 0; k < rank; k++) {
                int j = rank - 1 - k; // pads[2j] is the amount before dimension k
                int before = 2 * j < pads.length ? pads[2 * j] : 0;
                src[k] = idx[k] - before;
                inside &= src[k] >= 0 && src[k] < x.dim(k);
            }
            ref[o] = inside ? x.get(src) : value;
        }
        return ref;
    }

    @Test
    void padPositiveNegativeAndMixed() {
        SplittableRandom r = new SplittableRandom(SEED);
        Tensor x = random(r, 2, 3, 4, 5);
        int[][] cases = {{1, 1}, {1, 2, 0, 3}, {-1, -2, 2, -1}, {0, 0, 0, 0, 1, 2}, {-2, 1, 0, 0, -1, -1, 1, 0}};
        for (int[] p : cases) {
            Pad pad = new Pad(p, 0.5, "constant");
            Shape os = infer(pad, x.shape());
            Tensor y = run(pad, x)[0];
            assertEquals(os, y.shape());
            assertArrayEquals(padReference(x, p, 0.5f, os), d(y), pad.describe() + " seed " + SEED);
        }
        assertEquals(Shape.of(2, 3, 5, 6), infer(Pad.of(1, 0, -1, 2), Shape.of(2, 3, 4, 5)));
        assertEquals(1, Pad.of(1, 0, -1, 2).before(3, 4));
        assertEquals(2, Pad.of(1, 0, -1, 2).after(2, 4));
        assertEquals(0, Pad.of(1, 0, -1, 2).before(1, 4));
    }

    @Test
    void padErrorsAndRepr() {
        assertMessage(() -> Pad.of(1, 1, 1), "Pad", "even", "(1, 1, 1)");
        assertMessage(() -> new Pad(new int[] {1, 1}, 0, "reflect"), "Pad", "'reflect'", "'constant'");
        assertMessage(() -> Pad.of(1, 1, 1, 1, 1, 1).inferShapes(new Shape[] {Shape.of(3, 3)}), "Pad", "6 amounts",
                "at least 3", "(3, 3)");
        assertMessage(() -> Pad.of(-3, -2).inferShapes(new Shape[] {Shape.of(2, 4)}), "Pad", "size -1",
                "non-negative", "(2, 4)");
        assertEquals("Pad(pad=(1, 1, 2, 0), mode='constant', value=0.0)", Pad.of(1, 1, 2, 0).describe());
        assertEquals(Pad.of(1, 1), new Pad(new int[] {1, 1}, 0.0, "constant"));
    }

    /** out[(i + shift) mod n] = x[i] per rolled dimension. */
    private static double[] rollReference(Tensor x, int[] shifts, int[] dims) {
        int rank = x.rank();
        int[] xd = x.shape().dims();
        double[] ref = new double[x.numel()];
        int[] idx = new int[rank];
        for (int o = 0; o < ref.length; o++) {
            int rem = o;
            for (int k = rank - 1; k >= 0; k--) {
                idx[k] = rem % xd[k];
                rem /= xd[k];
            }
            int[] src = idx.clone();
            for (int i = 0; i < dims.length; i++) {
                int a = dims[i] < 0 ? dims[i] + rank : dims[i];
                src[a] = Math.floorMod(src[a] - shifts[i], xd[a]);
            }
            ref[o] = x.get(src);
        }
        return ref;
    }

    @Test
    void rollMatchesReference() {
        SplittableRandom r = new SplittableRandom(SEED + 1);
        Tensor x = random(r, 2, 5, 4, 3);
        int[][][] cases = {
            {{2}, {1}},
            {{-3, -3}, {1, 2}},   // Swin's shift
            {{7, -1}, {-1, 0}},   // shift larger than the size, negative dim
            {{0}, {3}},
        };
        for (int[][] c : cases) {
            Roll roll = new Roll(c[0], c[1]);
            Tensor y = run(roll, x)[0];
            assertEquals(x.shape(), y.shape());
            assertArrayEquals(rollReference(x, c[0], c[1]), d(y), roll.describe() + " seed " + (SEED + 1));
        }
        // no dims: roll the flattened tensor, keep the shape
        Tensor f = run(new Roll(new int[] {2}, new int[0]), iota(2, 3))[0];
        assertEquals(Shape.of(2, 3), f.shape());
        assertArrayEquals(new double[] {4, 5, 0, 1, 2, 3}, d(f));
    }

    @Test
    void rollErrorsAndRepr() {
        assertMessage(() -> new Roll(new int[] {1, 2}, new int[] {0}), "Roll", "expected 1 shift", "(1, 2)");
        assertMessage(() -> new Roll(new int[] {1, 2}, new int[0]), "Roll", "expected 1 shift");
        assertMessage(() -> Roll.of(1, 2).inferShapes(new Shape[] {Shape.of(3, 3)}), "Roll", "dimension 2", "2-D");
        assertEquals("Roll(shifts=(-3, -3), dims=(1, 2))", new Roll(new int[] {-3, -3}, new int[] {1, 2}).describe());
    }
}
