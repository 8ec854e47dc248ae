package dev.jprune.ops;

import dev.jprune.tensor.Shape;
import dev.jprune.tensor.Tensor;
import org.junit.jupiter.api.Test;

import static dev.jprune.ops.StructuralOpTesting.assertMessage;
import static dev.jprune.ops.StructuralOpTesting.d;
import static dev.jprune.ops.StructuralOpTesting.infer;
import static dev.jprune.ops.StructuralOpTesting.iota;
import static dev.jprune.ops.StructuralOpTesting.run;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

/** Flatten, Reshape, Squeeze, Unsqueeze, Identity (views sharing storage) and Expand (a copy); exact comparisons. */
class ViewOpsTest {

    @Test
    void flattenShapesAndSharedStorage() {
        assertEquals(Shape.of(2, 60), infer(Flatten.of(), Shape.of(2, 3, 4, 5)));
        assertEquals(Shape.of(120), infer(new Flatten(0, -1), Shape.of(2, 3, 4, 5)));
        assertEquals(Shape.of(2, 12, 5), infer(new Flatten(1, 2), Shape.of(2, 3, 4, 5)));
        assertEquals(Shape.of(2, 3, 4, 5), infer(new Flatten(-2, -2), Shape.of(2, 3, 4, 5)));
        assertEquals(Shape.of(1), infer(new Flatten(0, -1), Shape.of()));
        assertMessage(() -> Flatten.of().inferShapes(new Shape[] {Shape.of(2)}), "Flatten", "start_dim", "(2,)");
        assertMessage(() -> new Flatten(2, 1).inferShapes(new Shape[] {Shape.of(2, 3, 4)}), "Flatten",
                "start_dim 2 comes after end_dim 1", "(2, 3, 4)");
        assertMessage(() -> new Flatten(1, 4).inferShapes(new Shape[] {Shape.of(2, 3, 4)}), "Flatten", "end_dim 4", "(2, 3, 4)",
                "-3 to 2");
        Tensor x = iota(2, 3, 4);
        Tensor y = run(Flatten.of(), x)[0];
        assertEquals(Shape.of(2, 12), y.shape());
        assertSame(x.data(), y.data(), "Flatten is documented to share storage");
        assertEquals("Flatten(start_dim=1, end_dim=-1)", Flatten.of().describe());
    }

    @Test
    void reshapeResolvesMinusOneAndRejectsBadTargets() {
        Reshape r = Reshape.of(2, -1, 4);
        assertEquals(Shape.of(2, 6, 4), infer(r, Shape.of(4, 3, 4)));
        assertEquals(Shape.of(2, 6, 4), r.resolve(Shape.of(48)));
        assertMessage(() -> r.inferShapes(new Shape[] {Shape.of(5, 3)}), "Reshape", "(5, 3)", "15 elements",
                "multiple of 8");
        assertMessage(() -> Reshape.of(4, 4).inferShapes(new Shape[] {Shape.of(5, 3)}), "Reshape", "(4, 4)",
                "16 elements", "(5, 3)");
        assertMessage(() -> Reshape.of(-1, -1), "Reshape", "at most one", "(-1, -1)");
        assertMessage(() -> Reshape.of(0, 4), "Reshape", "0", "not supported");
        Tensor x = iota(4, 6);
        Tensor y = run(Reshape.of(2, 2, 6), x)[0];
        assertEquals(Shape.of(2, 2, 6), y.shape());
        assertSame(x.data(), y.data(), "Reshape is documented to share storage");
        // value semantics with defensive copies
        int[] t = {3, -1};
        Reshape a = new Reshape(t);
        t[0] = 7;
        assertArrayEquals(new int[] {3, -1}, a.target());
        assertEquals(Reshape.of(3, -1), a);
        assertEquals(Reshape.of(3, -1).hashCode(), a.hashCode());
        assertNotEquals(Reshape.of(3, -1), a.withTarget(2, -1));
        assertEquals("Reshape(shape=(2, -1))", a.withTarget(2, -1).describe());
    }

    @Test
    void squeezeAndUnsqueeze() {
        assertEquals(Shape.of(2, 3), infer(Squeeze.all(), Shape.of(1, 2, 1, 3, 1)));
        assertEquals(Shape.of(1, 2, 3, 1), infer(Squeeze.of(2), Shape.of(1, 2, 1, 3, 1)));
        assertEquals(Shape.of(2, 1, 3), infer(Squeeze.of(0, -1), Shape.of(1, 2, 1, 3, 1)));
        // PyTorch leaves a listed dimension whose size is not 1 in place
        assertEquals(Shape.of(2, 3), infer(Squeeze.of(0), Shape.of(2, 3)));
        assertMessage(() -> Squeeze.of(3).inferShapes(new Shape[] {Shape.of(2, 3)}), "Squeeze", "dimension 3", "-2 to 1");
        assertMessage(() -> Squeeze.of(0, -2).inferShapes(new Shape[] {Shape.of(1, 3)}), "Squeeze", "more than once");
        assertEquals(Shape.of(2, 1, 3), infer(new Unsqueeze(1), Shape.of(2, 3)));
        assertEquals(Shape.of(2, 3, 1), infer(new Unsqueeze(-1), Shape.of(2, 3)));
        assertEquals(Shape.of(1, 2, 3), infer(new Unsqueeze(-3), Shape.of(2, 3)));
        assertMessage(() -> new Unsqueeze(3).inferShapes(new Shape[] {Shape.of(2, 3)}), "Unsqueeze", "dimension 3",
                "-3 to 2", "(2, 3)");
        Tensor x = iota(2, 1, 3);
        Tensor s = run(Squeeze.all(), x)[0];
        assertEquals(Shape.of(2, 3), s.shape());
        assertSame(x.data(), s.data());
        Tensor u = run(new Unsqueeze(0), x)[0];
        assertEquals(Shape.of(1, 2, 1, 3), u.shape());
        assertSame(x.data(), u.data());
        assertEquals("Squeeze(dim=(0, -1))", Squeeze.of(0, -1).describe());
        assertEquals(Squeeze.of(1, 2), Squeeze.of(1, 2));
    }

    @Test
    void identityPassesTheInputThrough() {
        Tensor x = iota(2, 3);
        Tensor y = run(new Identity(), x)[0];
        assertEquals(x.shape(), y.shape());
        assertSame(x.data(), y.data());
        assertMessage(() -> new Identity().inferShapes(new Shape[0]), "Identity", "1 input", "got 0");
    }

    @Test
    void expandRepeatsSizeOneDimensions() {
        Expand e = Expand.of(2, 3, -1, 4);
        assertEquals(Shape.of(2, 3, 1, 4), infer(e, Shape.of(3, 1, 1)));
        Tensor x = iota(3, 1, 1);
        Tensor y = run(e, x)[0];
        double[] ref = new double[2 * 3 * 4];
        for (int a = 0; a < 2; a++) {
            for (int b = 0; b < 3; b++) {
                for (int c = 0; c < 4; c++) {
                    ref[(a * 3 + b) * 4 + c] = b; // x[b, 0, 0] = b
                }
            }
        }
        assertArrayEquals(ref, d(y));
        Tensor cls = iota(1, 1, 3);
        assertArrayEquals(new double[] {0, 1, 2, 0, 1, 2}, d(run(Expand.of(2, -1, -1), cls)[0]));
        assertMessage(() -> Expand.of(2, 3).inferShapes(new Shape[] {Shape.of(2, 2)}), "Expand", "dimension 1",
                "size 2", "expected 1 or 3");
        assertMessage(() -> Expand.of(-1, 3).inferShapes(new Shape[] {Shape.of(3)}), "Expand", "-1 is not allowed");
        assertMessage(() -> Expand.of(3).inferShapes(new Shape[] {Shape.of(1, 3)}), "Expand", "at most 1", "(1, 3)");
        assertMessage(() -> Expand.of(0, 3), "Expand", "positive or -1");
        assertEquals("Expand(size=(2, -1, -1))", Expand.of(2, -1, -1).describe());
    }
}
