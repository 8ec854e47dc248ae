package dev.jprune.ops;

import dev.jprune.exec.Executor;
import dev.jprune.ir.Graph;
import dev.jprune.ir.GraphBuilder;
import dev.jprune.ir.Op;
import dev.jprune.ir.Value;
import dev.jprune.kernels.Kernels;
import dev.jprune.tensor.Shape;
import dev.jprune.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.function.DoubleBinaryOperator;

import static dev.jprune.ops.ElementwiseTestSupport.assertClose;
import static dev.jprune.ops.ElementwiseTestSupport.assertShapeError;
import static dev.jprune.ops.ElementwiseTestSupport.run;
import static dev.jprune.ops.ElementwiseTestSupport.uniform;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Add, Sub, Mul, Div with broadcasting against a naive multi-index reference in double. Tolerance:
 * {@code |a − b| <= 1e-6 · max|ref| + 1e-7} (one float rounding).
 */
class BinaryOpsTest {

    private static final List<Object[]> OPS = List.of(
            new Object[] {new Add(), (DoubleBinaryOperator) (x, y) -> x + y},
            new Object[] {new Sub(), (DoubleBinaryOperator) (x, y) -> x - y},
            new Object[] {new Mul(), (DoubleBinaryOperator) (x, y) -> x * y},
            new Object[] {new Div(), (DoubleBinaryOperator) (x, y) -> x / y});

    /** Broadcast by the definition: each output index, each operand's index aligned from the right, size-1 → 0. */
    private static double[] naive(Tensor a, Tensor b, Shape out, DoubleBinaryOperator f) {
        int rank = out.rank();
        double[] r = new double[out.numel()];
        int[] idx = new int[rank];
        for (int flat = 0; flat < r.length; flat++) {
            int rem = flat;
            for (int d = rank - 1; d >= 0; d--) {
                idx[d] = rem % out.dim(d);
                rem /= out.dim(d);
            }
            r[flat] = f.applyAsDouble(a.data()[operandIndex(a.shape(), idx)], b.data()[operandIndex(b.shape(), idx)]);
        }
        return r;
    }

    private static int operandIndex(Shape s, int[] outIdx) {
        int lead = outIdx.length - s.rank();
        int off = 0;
        for (int d = 0; d < s.rank(); d++) {
            int i = s.dim(d) == 1 ? 0 : outIdx[d + lead];
            off = off * s.dim(d) + i;
        }
        return off;
    }

    private static void check(int[] aDims, int[] bDims, int[] expected, long seed) {
        Tensor a = uniform(seed, -2f, 2f, aDims);
        // keep divisors away from zero so the relative tolerance is meaningful
        Tensor b = uniform(seed + 1, 0.5f, 3f, bDims);
        for (Object[] c : OPS) {
            Op op = (Op) c[0];
            Shape out = op.inferShapes(new Shape[] {a.shape(), b.shape()})[0];
            assertEquals(Shape.of(expected), out, op.type() + " shape");
            for (Kernels k : ElementwiseTestSupport.KERNELS) {
                String what = op.type() + " " + a.shape() + " with " + b.shape() + " on " + k.name();
                assertClose(naive(a, b, out, (DoubleBinaryOperator) c[1]), run(op, k, a, b), 1e-6, 1e-7, what);
                // and the other operand order (Sub and Div are not commutative)
                Tensor ba = run(op, k, b, a);
                assertClose(naive(b, a, out, (DoubleBinaryOperator) c[1]), ba, 1e-6, 1e-7, what + " swapped");
            }
        }
    }

    @Test
    void broadcastsLikeNumPy() {
        check(new int[] {2, 3, 4, 5}, new int[] {3, 1, 1}, new int[] {2, 3, 4, 5}, 1);
        check(new int[] {2, 3, 4, 5}, new int[] {1, 5}, new int[] {2, 3, 4, 5}, 2);
        check(new int[] {2, 3, 4, 5}, new int[] {2, 1, 4, 1}, new int[] {2, 3, 4, 5}, 3);
        check(new int[] {2, 3, 4, 5}, new int[] {2, 3, 4, 5}, new int[] {2, 3, 4, 5}, 4);
        check(new int[] {2, 3, 4, 5}, new int[] {}, new int[] {2, 3, 4, 5}, 5);
        check(new int[] {2, 3, 4, 5}, new int[] {1}, new int[] {2, 3, 4, 5}, 6);
        check(new int[] {3, 1}, new int[] {1, 4}, new int[] {3, 4}, 7);
        check(new int[] {2, 1, 4, 1}, new int[] {3, 1, 5}, new int[] {2, 3, 4, 5}, 8);
        check(new int[] {}, new int[] {}, new int[] {}, 9);
        check(new int[] {1, 1}, new int[] {1}, new int[] {1, 1}, 10);
        check(new int[] {0, 3}, new int[] {3}, new int[] {0, 3}, 11);
    }

    @Test
    void squeezeExcitationChannelBroadcast() {
        check(new int[] {2, 8, 6, 7}, new int[] {2, 8, 1, 1}, new int[] {2, 8, 6, 7}, 20);
        // exact: each plane multiplied by its own scale
        Tensor x = uniform(21, -3f, 3f, 2, 3, 4, 4);
        Tensor s = uniform(22, 0f, 1f, 2, 3, 1, 1);
        Tensor y = run(new Mul(), x, s);
        for (int n = 0; n < 2; n++) {
            for (int c = 0; c < 3; c++) {
                for (int i = 0; i < 16; i++) {
                    assertEquals(x.get(n, c, i / 4, i % 4) * s.get(n, c, 0, 0), y.get(n, c, i / 4, i % 4));
                }
            }
        }
    }

    @Test
    void largeTensorsSplitIntoBlocksGiveTheSameResult() {
        // longer than one parallel block (32768) in the contiguous run, with and without a broadcast operand
        check(new int[] {2, 70001}, new int[] {2, 1}, new int[] {2, 70001}, 30);
        check(new int[] {3, 40000}, new int[] {40000}, new int[] {3, 40000}, 31);
        check(new int[] {50000, 3}, new int[] {50000, 1}, new int[] {50000, 3}, 32);
    }

    @Test
    void ieeeEdgeCases() {
        Tensor a = Tensor.of(Shape.of(4), 1f, -1f, 0f, Float.NaN);
        Tensor z = Tensor.scalar(0f);
        float[] q = run(new Div(), a, z).data();
        assertEquals(Float.POSITIVE_INFINITY, q[0]);
        assertEquals(Float.NEGATIVE_INFINITY, q[1]);
        assertTrue(Float.isNaN(q[2]));
        assertTrue(Float.isNaN(q[3]));
        assertTrue(Float.isNaN(run(new Add(), a, Tensor.of(Shape.of(4), 0f, 0f, 0f, 0f)).data()[3]));
        assertArrayEquals(new float[] {0f, 0f, 0f}, run(new Sub(), Tensor.of(Shape.of(3), 1f, 2f, 3f),
                Tensor.of(Shape.of(3), 1f, 2f, 3f)).data());
    }

    @Test
    void inputsAreNotModified() {
        Tensor a = uniform(40, -1f, 1f, 2, 3);
        Tensor b = uniform(41, -1f, 1f, 3);
        float[] a0 = a.data().clone();
        float[] b0 = b.data().clone();
        for (Object[] c : OPS) {
            Tensor y = run((Op) c[0], a, b);
            assertTrue(y.data() != a.data() && y.data() != b.data());
        }
        assertArrayEquals(a0, a.data());
        assertArrayEquals(b0, b.data());
    }

    @Test
    void badShapesAreNamed() {
        for (Object[] c : OPS) {
            Op op = (Op) c[0];
            assertShapeError(op, new Shape[] {Shape.of(2, 3), Shape.of(4)}, op.type(), "cannot broadcast", "(2, 3)", "(4,)");
            assertShapeError(op, new Shape[] {Shape.of(2, 3, 4, 5), Shape.of(3, 2, 1)}, op.type(), "(3, 2, 1)");
            assertShapeError(op, new Shape[] {Shape.of(2, 3)}, op.type(), "2 input", "got 1");
            assertEquals(0, op.countOps(new Shape[] {Shape.of(2, 3), Shape.of(2, 3)}, new Shape[] {Shape.of(2, 3)}));
            assertEquals(op.type() + "()", op.describe());
        }
        GraphBuilder b = new GraphBuilder("bad");
        Value x = b.input("x", Shape.of(2, 3));
        Value y = b.input("y", Shape.of(5));
        IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> b.call("add", new Add(), x, y));
        assertTrue(e.getMessage().contains("layer add") && e.getMessage().contains("cannot broadcast"), e.getMessage());
    }

    @Test
    void residualBlockRunsInAGraph() {
        GraphBuilder b = new GraphBuilder("residual");
        Value x = b.input("x", Shape.of(1, 2, 3, 3));
        Value s = b.input("s", Shape.of(1, 2, 1, 1));
        Value act = b.module("act", new ReLU6(), x);
        Value scaled = b.call("mul", new Mul(), act, s);
        Value out = b.call("add", new Add(), scaled, x);
        Graph g = b.build(out);
        Tensor xt = uniform(50, -8f, 8f, 1, 2, 3, 3);
        Tensor st = uniform(51, 0f, 1f, 1, 2, 1, 1);
        Tensor y = Executor.run(g, xt, st)[0];
        for (int c = 0; c < 2; c++) {
            for (int i = 0; i < 9; i++) {
                float v = xt.get(0, c, i / 3, i % 3);
                float expected = Math.min(Math.max(v, 0f), 6f) * st.get(0, c, 0, 0) + v;
                assertEquals(expected, y.get(0, c, i / 3, i % 3));
            }
        }
    }
}
