package dev.jprune.ops;

import dev.jprune.exec.Executor;
import dev.jprune.exec.ForwardContext;
import dev.jprune.exec.Mode;
import dev.jprune.exec.Tape;
import dev.jprune.ir.Graph;
import dev.jprune.ir.GraphBuilder;
import dev.jprune.ir.Op;
import dev.jprune.ir.Value;
import dev.jprune.kernels.Kernels;
import dev.jprune.tensor.Shape;
import dev.jprune.tensor.Tensor;
import dev.jprune.testing.GradCheck;
import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static dev.jprune.ops.StructuralOpTesting.SEED;
import static dev.jprune.ops.StructuralOpTesting.random;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

/**
 * Gradient checks of the layout ops' backward passes: views (Flatten, Reshape, Squeeze, Unsqueeze, Identity),
 * Expand, Permute, Transpose, Concat, Split, Slice, Pad and Roll, each as a one-op graph over tracked inputs.
 * Every op is linear, so central differences are exact up to float rounding: step 1e-1, tolerance
 * |analytic − numeric| ≤ 2e-3·max|numeric| + 1e-4, every coordinate checked (samples 1000 exceed every tensor here).
 * Where the gradient has a known exact form (zeros for unused Split outputs and cropped Pad positions) it is asserted
 * directly too.
 */
class StructuralBackwardTest {

    private static final double STEP = 1e-1;
    private static final double RTOL = 2e-3;
    private static final double ATOL = 1e-4;

    /** A graph applying {@code op} (a function call) to inputs of the given shapes; all outputs are graph outputs. */
    private static Graph graph(Op op, Shape... shapes) {
        GraphBuilder b = new GraphBuilder(op.type().toLowerCase());
        Value[] in = new Value[shapes.length];
        for (int i = 0; i < shapes.length; i++) {
            in[i] = b.input("x" + i, shapes[i]);
        }
        return b.build(b.callMulti("op", op, in));
    }

    private static void check(Op op, Tensor... inputs) {
        Shape[] shapes = new Shape[inputs.length];
        for (int i = 0; i < inputs.length; i++) {
            shapes[i] = inputs[i].shape();
        }
        GradCheck.of(graph(op, shapes), Mode.TRAIN).step(STEP).tolerance(RTOL, ATOL).samples(1000).seed(SEED)
                .run(inputs);
    }

    /** Forward with a tape over tracked inputs, then backward with {@code gradOutputs}; returns the tape. */
    private static Tape backward(Graph g, Tensor[] inputs, Tensor... gradOutputs) {
        ForwardContext ctx = new ForwardContext(Mode.TRAIN, true, Kernels.scalar(), SEED).trackInputGradients(true);
        Tape tape = Executor.forward(g, ctx, inputs).tape();
        tape.backward(gradOutputs);
        return tape;
    }

    private static Tensor rand(int... dims) {
        return random(new SplittableRandom(SEED + dims.length * 31L + dims[0]), dims);
    }

    @Test
    void viewOps() {
        check(Flatten.of(), rand(2, 3, 2, 2));
        check(new Flatten(0, -1), rand(2, 3, 2));
        check(Reshape.of(3, -1, 2), rand(2, 3, 2));
        check(Squeeze.of(1, 3), rand(2, 1, 3, 1));
        check(Squeeze.all(), rand(1, 3, 1));
        check(new Unsqueeze(-1), rand(2, 3));
        check(new Identity(), rand(2, 3, 2));
    }

    @Test
    void viewGradientsKeepTheOutputGradientUnchanged() {
        Graph g = graph(Reshape.of(6), Shape.of(2, 3));
        Tensor dy = rand(6);
        float[] before = dy.data().clone();
        Tensor dx = backward(g, new Tensor[] {rand(2, 3)}, dy).inputGrad(0);
        assertEquals(Shape.of(2, 3), dx.shape());
        assertArrayEquals(before, dx.data());
        assertArrayEquals(before, dy.data());
    }

    @Test
    void expandSumsOverRepeatedAndPrependedDimensions() {
        check(Expand.of(2, 3, 4), rand(3, 1));
        check(Expand.of(3, -1, 2), rand(1, 1, 2));
        check(Expand.of(2, -1, -1), rand(1, 1, 3));
        // exact: (1, 2) expanded to (3, 2) with ones gives 3 per element
        Tensor dx = backward(graph(Expand.of(3, 2), Shape.of(1, 2)), new Tensor[] {rand(1, 2)},
                Tensor.full(Shape.of(3, 2), 1f)).inputGrad(0);
        assertArrayEquals(new float[] {3f, 3f}, dx.data());
    }

    @Test
    void permuteAndTranspose() {
        check(Permute.of(0, 2, 1, 3), rand(2, 3, 4, 2));
        check(Permute.of(2, 0, 1), rand(2, 3, 4));
        check(Permute.of(-1, 0, 1), rand(3, 2, 4));
        check(new Transpose(1, 2), rand(2, 3, 4));
        check(new Transpose(0, -1), rand(3, 2, 4));
    }

    @Test
    void concatOnDims1And3() {
        check(new Concat(1), rand(2, 1, 3, 2), rand(2, 3, 3, 2), rand(2, 2, 3, 2));
        check(new Concat(3), rand(2, 2, 2, 1), rand(2, 2, 2, 3));
        check(new Concat(-1), rand(3, 2), rand(3, 4));
    }

    @Test
    void splitWithUnusedOutputs() {
        // only pieces 0 and 2 of (3, 4, 2) along dim 1 feed the loss; piece 1 gets no gradient
        GraphBuilder b = new GraphBuilder("split");
        Value x = b.input("x", Shape.of(3, 4, 2));
        Value[] parts = b.callMulti("split", Split.of(1, 1, 2, 1), x);
        Graph g = b.build(parts[0], parts[2]);
        Tensor in = rand(3, 4, 2);
        GradCheck.of(g, Mode.TRAIN).step(STEP).tolerance(RTOL, ATOL).samples(1000).seed(SEED).run(in);

        Tensor dx = backward(g, new Tensor[] {in}, Tensor.full(Shape.of(3, 1, 2), 1f), Tensor.full(Shape.of(3, 1, 2), 2f))
                .inputGrad(0);
        assertNotNull(dx);
        for (int n = 0; n < 3; n++) {
            for (int c = 0; c < 2; c++) {
                assertEquals(1f, dx.get(n, 0, c));
                assertEquals(0f, dx.get(n, 1, c));
                assertEquals(0f, dx.get(n, 2, c));
                assertEquals(2f, dx.get(n, 3, c));
            }
        }
        // all outputs used, along the last dimension
        check(Split.of(-1, 2, 3), rand(2, 5));
    }

    @Test
    void sliceWithStepAndClampedBounds() {
        check(new Slice(1, 1, 6, 2), rand(2, 7, 3));
        check(new Slice(-1, -100, 100, 2), rand(2, 3, 5));   // clamped to 0:5:2
        check(new Slice(0, 1, Long.MAX_VALUE, 1), rand(4, 3));
        check(new Slice(1, -2, Long.MAX_VALUE, 3), rand(2, 6));
        // exact: x[1:6:2] of 7 ones → ones at 1, 3, 5
        Tensor dx = backward(graph(new Slice(0, 1, 6, 2), Shape.of(7)), new Tensor[] {rand(7)},
                Tensor.full(Shape.of(3), 1f)).inputGrad(0);
        assertArrayEquals(new float[] {0, 1, 0, 1, 0, 1, 0}, dx.data());
    }

    @Test
    void padPositiveAndNegative() {
        check(Pad.of(1, 2, 0, 1), rand(2, 2, 3, 3));
        check(Pad.of(-1, 1, 2, -2), rand(2, 2, 4, 3));
        check(new Pad(new int[] {1, 1}, 0.5, "constant"), rand(2, 3));
        // exact: cropping 1 on the left of (4,) keeps 3 elements; the cropped one gets 0
        Tensor dx = backward(graph(Pad.of(-1, 0), Shape.of(4)), new Tensor[] {rand(4)},
                Tensor.of(Shape.of(3), 5f, 6f, 7f)).inputGrad(0);
        assertArrayEquals(new float[] {0f, 5f, 6f, 7f}, dx.data());
    }

    @Test
    void roll() {
        check(new Roll(new int[] {-1, 2}, new int[] {1, 2}), rand(2, 3, 4, 2));
        check(Roll.of(5, 0), rand(3, 2));
        check(new Roll(new int[] {-4}, new int[0]), rand(2, 3));
    }
}
