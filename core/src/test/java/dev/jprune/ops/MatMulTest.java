package dev.jprune.ops;

import dev.jprune.kernels.Kernels;
import dev.jprune.tensor.Shape;
import dev.jprune.tensor.Tensor;
import dev.jprune.testing.Tolerance;
import org.junit.jupiter.api.Test;

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

/** {@link MatMul} (torch.matmul rules) vs a double reference; tolerance |a − b| ≤ 1e-5·max|ref| + 1e-6. */
class MatMulTest {

    private static final double RTOL = 1e-5;
    private static final double ATOL = 1e-6;

    private static void check(int[] a, int[] b, Shape expected) {
        SplittableRandom r = new SplittableRandom(SEED);
        Tensor x = random(r, a);
        Tensor y = random(r, b);
        assertEquals(expected, infer(new MatMul(), x.shape(), y.shape()));
        double[] ref = reference(x, y, expected);
        for (Kernels k : KERNELS) {
            Tensor out = run(new MatMul(), k, Map.of(), x, y)[0];
            assertEquals(expected, out.shape());
            Tolerance.assertClose(ref, d(out), RTOL, ATOL, x.shape() + " @ " + y.shape() + " on " + k.name() + " seed " + SEED);
        }
    }

    /**
     * Written from the rules independently of the op: promote 1-D operands to matrices, left-pad batch dimensions
     * with 1, and for each output batch index read each operand at that index (0 where the operand has size 1).
     */
    private static double[] reference(Tensor a, Tensor b, Shape out) {
        int[] ad = a.rank() == 1 ? new int[] {1, a.dim(0)} : a.shape().dims();
        int[] bd = b.rank() == 1 ? new int[] {b.dim(0), 1} : b.shape().dims();
        int m = ad[ad.length - 2];
        int k = ad[ad.length - 1];
        int n = bd[bd.length - 1];
        int batchRank = Math.max(ad.length, bd.length) - 2;
        int[] ab = pad(ad, batchRank);
        int[] bb = pad(bd, batchRank);
        int[] ob = new int[batchRank];
        int batches = 1;
        for (int i = 0; i < batchRank; i++) {
            ob[i] = Math.max(ab[i], bb[i]);
            batches *= ob[i];
        }
        double[] res = new double[batches * m * n];
        assertEquals(out.numel(), res.length);
        for (int bi = 0; bi < batches; bi++) {
            int rem = bi;
            int aOff = 0;
            int bOff = 0;
            int aMul = m * k;
            int bMul = k * n;
            for (int d = batchRank - 1; d >= 0; d--) {
                int i = rem % ob[d];
                rem /= ob[d];
                aOff += (ab[d] == 1 ? 0 : i) * aMul;
                bOff += (bb[d] == 1 ? 0 : i) * bMul;
                aMul *= ab[d];
                bMul *= bb[d];
            }
            for (int i = 0; i < m; i++) {
                for (int j = 0; j < n; j++) {
                    double s = 0;
                    for (int p = 0; p < k; p++) {
                        s += (double) a.data()[aOff + i * k + p] * b.data()[bOff + p * n + j];
                    }
                    res[(bi * m + i) * n + j] = s;
                }
            }
        }
        return res;
    }

    /** The batch part of {@code dims} left-padded with 1 to {@code rank} entries. */
    private static int[] pad(int[] dims, int rank) {
        int[] out = new int[rank];
        int lead = rank - (dims.length - 2);
        for (int i = 0; i < rank; i++) {
            out[i] = i < lead ? 1 : dims[i - lead];
        }
        return out;
    }

    @Test
    void broadcastsBatchDimensions() {
        check(new int[] {2, 1, 3, 4}, new int[] {5, 4, 6}, Shape.of(2, 5, 3, 6));
        check(new int[] {3, 2, 5}, new int[] {5, 7}, Shape.of(3, 2, 7));
        check(new int[] {1, 4, 5}, new int[] {3, 1, 5, 2}, Shape.of(3, 1, 4, 2)); // batch (1,) with (3, 1)
    }

    @Test
    void matrixAndVectorCases() {
        check(new int[] {4, 5}, new int[] {5, 3}, Shape.of(4, 3));
        check(new int[] {6}, new int[] {6}, Shape.of());
        check(new int[] {5}, new int[] {2, 5, 3}, Shape.of(2, 3));
        check(new int[] {2, 4, 5}, new int[] {5}, Shape.of(2, 4));
        check(new int[] {4, 5}, new int[] {5}, Shape.of(4));
    }

    @Test
    void errorsNameTheShapes() {
        MatMul mm = new MatMul();
        assertMessage(() -> mm.inferShapes(new Shape[] {Shape.of(2, 3), Shape.of(4, 5)}), "MatMul", "(2, 3) @ (4, 5)",
                "expected", "3", "got 4");
        assertMessage(() -> mm.inferShapes(new Shape[] {Shape.of(2, 3, 4), Shape.of(5, 4, 6)}), "MatMul",
                "do not broadcast", "(2,)", "(5,)");
        assertMessage(() -> mm.inferShapes(new Shape[] {Shape.of(), Shape.of(3)}), "MatMul", "at least 1");
        assertMessage(() -> mm.inferShapes(new Shape[] {Shape.of(3)}), "MatMul", "2 input", "got 1");
    }

    @Test
    void macsCountTheProducts() {
        MatMul mm = new MatMul();
        Shape[] in = {Shape.of(2, 1, 3, 4), Shape.of(5, 4, 6)};
        assertEquals(2L * 5 * 3 * 4 * 6, mm.macs(in, mm.inferShapes(in)));
        assertEquals(0, mm.countOps(in, mm.inferShapes(in)), "Torch-Pruning does not count functional matmul");
    }
}
