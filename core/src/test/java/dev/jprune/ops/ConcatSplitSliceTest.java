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

/** Concat, Split (and chunk), Slice: index-by-index references, exact comparison (pure data movement). */
class ConcatSplitSliceTest {

    /** Element of a row-major 4-D tensor. */
    private static float at(Tensor t, int a, int b, int c, int e) {
        return t.get(a, b, c, e);
    }

    @Test
    void concatAlongDimsZeroOneAndThree() {
        SplittableRandom r = new SplittableRandom(SEED);
        for (int dim : new int[] {0, 1, 3, -1}) {
            int axis = dim < 0 ? dim + 4 : dim;
            int[] base = {2, 3, 2, 4};
            int[] sizes = {1, 3, 2};
            Tensor[] parts = new Tensor[sizes.length];
            for (int i = 0; i < sizes.length; i++) {
                int[] dd = base.clone();
                dd[axis] = sizes[i];
                parts[i] = random(r, dd);
            }
            Tensor y = run(new Concat(dim), parts)[0];
            int[] od = base.clone();
            od[axis] = 6;
            assertEquals(Shape.of(od), y.shape());
            // reference: output index along axis → (part, local index)
            int[] idx = new int[4];
            for (int o = 0; o < y.numel(); o++) {
                int rem = o;
                for (int k = 3; k >= 0; k--) {
                    idx[k] = rem % od[k];
                    rem /= od[k];
                }
                int part = 0;
                int local = idx[axis];
                while (local >= sizes[part]) {
                    local -= sizes[part++];
                }
                int[] src = idx.clone();
                src[axis] = local;
                assertEquals(at(parts[part], src[0], src[1], src[2], src[3]), y.data()[o],
                        "concat dim " + dim + " element " + o + " seed " + SEED);
            }
        }
    }

    @Test
    void concatErrors() {
        assertMessage(() -> new Concat(1).inferShapes(new Shape[] {Shape.of(2, 3, 4), Shape.of(2, 5, 5)}), "Concat",
                "input 1", "(2, 5, 5)", "(2, *, 4)");
        assertMessage(() -> new Concat(1).inferShapes(new Shape[] {Shape.of(2, 3), Shape.of(2, 3, 1)}), "Concat",
                "(2, 3, 1)");
        assertMessage(() -> new Concat(2).inferShapes(new Shape[] {Shape.of(2, 3)}), "Concat", "dimension 2");
        assertMessage(() -> new Concat(0).inferShapes(new Shape[0]), "Concat", "at least 1");
        assertEquals(Shape.of(2, 3), infer(new Concat(0), Shape.of(2, 3)));
        assertEquals("Concat(dim=1)", new Concat(1).describe());
    }

    @Test
    void chunkAndSplitSizesFollowPyTorch() {
        assertArrayEquals(new int[] {4, 4, 2}, Split.chunk(0, 3, 10).sizes());
        assertArrayEquals(new int[] {2, 2, 2}, Split.chunk(0, 4, 6).sizes(), "torch.chunk can return fewer pieces");
        assertArrayEquals(new int[] {1, 1, 1}, Split.chunk(0, 5, 3).sizes());
        assertArrayEquals(new int[] {3, 3, 3}, Split.chunk(0, 3, 9).sizes());
        assertArrayEquals(new int[] {4, 4, 2}, Split.bySize(0, 4, 10).sizes());
        assertArrayEquals(new int[] {5}, Split.bySize(0, 8, 5).sizes());
        assertEquals(3, Split.chunk(-1, 3, 10).outputCount());
        assertArrayEquals(new int[] {0, 4, 8}, Split.chunk(0, 3, 10).offsets());
        assertMessage(() -> Split.chunk(0, 0, 10), "chunk", "positive");
        assertMessage(() -> Split.of(0), "Split", "at least one");
        assertMessage(() -> Split.of(0, 2, -1), "Split", "non-negative", "(2, -1)");
        assertMessage(() -> Split.of(0, 2, 2).withSizes(1, 1, 1), "withSizes", "expected 2", "got 3");
        assertEquals("Split(dim=-1, sizes=(4, 4, 2))", Split.chunk(-1, 3, 10).describe());
    }

    @Test
    void splitForwardAndErrors() {
        Tensor x = iota(2, 10, 3);
        Split s = Split.chunk(1, 3, 10);
        Tensor[] out = run(s, x);
        assertEquals(3, out.length);
        int[] starts = {0, 4, 8};
        int[] sizes = {4, 4, 2};
        for (int p = 0; p < 3; p++) {
            assertEquals(Shape.of(2, sizes[p], 3), out[p].shape());
            for (int a = 0; a < 2; a++) {
                for (int b = 0; b < sizes[p]; b++) {
                    for (int c = 0; c < 3; c++) {
                        assertEquals(x.get(a, starts[p] + b, c), out[p].get(a, b, c), "piece " + p);
                    }
                }
            }
        }
        Tensor[] zero = run(Split.of(-1, 0, 3), x);
        assertEquals(Shape.of(2, 10, 0), zero[0].shape());
        assertArrayEquals(d(x), d(zero[1]));
        assertMessage(() -> s.inferShapes(new Shape[] {Shape.of(2, 9, 3)}), "Split", "(4, 4, 2)", "size 10",
                "(2, 9, 3)");
        assertMessage(() -> s.inferShapes(new Shape[] {Shape.of(10)}), "Split", "dimension 1");
    }

    @Test
    void sliceClampsLikePython() {
        int n = 10;
        Object[][] cases = {
            // start, end, step, expected indices (Python: list(range(10))[start:end:step])
            {0L, 4L, 1, new int[] {0, 1, 2, 3}},
            {-3L, Long.MAX_VALUE, 1, new int[] {7, 8, 9}},
            {2L, -2L, 3, new int[] {2, 5}},
            {-100L, 2L, 1, new int[] {0, 1}},
            {5L, 100L, 2, new int[] {5, 7, 9}},
            {8L, 3L, 1, new int[] {}},
            {12L, 20L, 1, new int[] {}},
            {Long.MIN_VALUE, Long.MAX_VALUE, 4, new int[] {0, 4, 8}},
        };
        Tensor x = iota(2, n);
        for (Object[] c : cases) {
            Slice s = new Slice(1, (Long) c[0], (Long) c[1], (Integer) c[2]);
            int[] want = (int[]) c[3];
            assertEquals(want.length, s.length(n), s.describe());
            Tensor y = run(s, x)[0];
            assertEquals(Shape.of(2, want.length), y.shape(), s.describe());
            double[] ref = new double[2 * want.length];
            for (int row = 0; row < 2; row++) {
                for (int j = 0; j < want.length; j++) {
                    ref[row * want.length + j] = row * n + want[j];
                }
            }
            assertArrayEquals(ref, d(y), s.describe());
        }
    }

    @Test
    void sliceOnInnerAxisAndErrors() {
        Tensor x = iota(3, 5, 4);
        Tensor y = run(new Slice(-2, 1, 5, 2), x)[0];
        assertEquals(Shape.of(3, 2, 4), y.shape());
        for (int a = 0; a < 3; a++) {
            for (int b = 0; b < 2; b++) {
                for (int c = 0; c < 4; c++) {
                    assertEquals(x.get(a, 1 + 2 * b, c), y.get(a, b, c));
                }
            }
        }
        assertEquals(0, new Slice(1, -100, 1, 1).resolvedStart(5));
        assertEquals(3, new Slice(1, -2, 9, 1).resolvedStart(5));
        assertMessage(() -> new Slice(0, 0, 1, 0), "Slice", "step", "0");
        assertMessage(() -> Slice.of(3, 0, 1).inferShapes(new Shape[] {Shape.of(3, 5, 4)}), "Slice", "dimension 3",
                "3-D");
        assertEquals("Slice(dim=1, start=1, end=None, step=1)", Slice.of(1, 1, Long.MAX_VALUE).describe());
    }
}
