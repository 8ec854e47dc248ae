package dev.jprune.ops.internal;

import dev.jprune.ir.Op;
import dev.jprune.tensor.Shape;

import java.util.Arrays;

/**
 * Index arithmetic shared by the layout ops (permute, slice, pad, expand, concat, matmul batching): strided copies
 * between row-major arrays, broadcast strides and dimension normalisation with errors that name the op.
 * Nothing here allocates tensors; callers own every array.
 */
public final class LayoutSupport {

    private LayoutSupport() {
    }

    /**
     * Copies the box {@code dims} from {@code src} to {@code dst}: element {@code (i0, …, ir)} is read at
     * {@code srcOff + Σ i_d·srcStrides[d]} and written at {@code dstOff + Σ i_d·dstStrides[d]}. A stride of 0 repeats
     * one element (broadcast). Rank 0 copies one element; a box with a zero dimension copies nothing.
     */
    public static void copy(float[] src, int srcOff, int[] srcStrides, float[] dst, int dstOff, int[] dstStrides,
                            int[] dims) {
        int rank = dims.length;
        if (rank == 0) {
            dst[dstOff] = src[srcOff];
            return;
        }
        for (int d : dims) {
            if (d == 0) {
                return;
            }
        }
        int last = rank - 1;
        int len = dims[last];
        int ss = srcStrides[last];
        int ds = dstStrides[last];
        int[] idx = new int[rank];
        int s = srcOff;
        int t = dstOff;
        while (true) {
            if (ss == 1 && ds == 1) {
                System.arraycopy(src, s, dst, t, len);
            } else {
                for (int i = 0; i < len; i++) {
                    dst[t + i * ds] = src[s + i * ss];
                }
            }
            // Odometer over the outer dimensions.
            int d = last - 1;
            while (d >= 0) {
                idx[d]++;
                s += srcStrides[d];
                t += dstStrides[d];
                if (idx[d] < dims[d]) {
                    break;
                }
                s -= srcStrides[d] * dims[d];
                t -= dstStrides[d] * dims[d];
                idx[d] = 0;
                d--;
            }
            if (d < 0) {
                return;
            }
        }
    }

    /**
     * Adds the box {@code dims} of {@code src} into {@code dst}, with the same addressing as {@link #copy}. A
     * destination stride of 0 sums the source elements along that dimension into one (the gradient of a broadcast);
     * elements are added in row-major order of the box, so the result does not depend on threads.
     */
    public static void addInto(float[] src, int srcOff, int[] srcStrides, float[] dst, int dstOff, int[] dstStrides,
                               int[] dims) {
        int rank = dims.length;
        if (rank == 0) {
            dst[dstOff] += src[srcOff];
            return;
        }
        for (int d : dims) {
            if (d == 0) {
                return;
            }
        }
        int last = rank - 1;
        int len = dims[last];
        int ss = srcStrides[last];
        int ds = dstStrides[last];
        int[] idx = new int[rank];
        int s = srcOff;
        int t = dstOff;
        while (true) {
            if (ds == 0) {
                float acc = dst[t];
                for (int i = 0; i < len; i++) {
                    acc += src[s + i * ss];
                }
                dst[t] = acc;
            } else {
                for (int i = 0; i < len; i++) {
                    dst[t + i * ds] += src[s + i * ss];
                }
            }
            int d = last - 1;
            while (d >= 0) {
                idx[d]++;
                s += srcStrides[d];
                t += dstStrides[d];
                if (idx[d] < dims[d]) {
                    break;
                }
                s -= srcStrides[d] * dims[d];
                t -= dstStrides[d] * dims[d];
                idx[d] = 0;
                d--;
            }
            if (d < 0) {
                return;
            }
        }
    }

    /**
     * Groups the entries of {@code offsets} (as from {@link #batchOffsets}) by value: each row of the result lists, in
     * ascending order, the batch entries that read the same operand matrix. Gradients of a broadcast operand are summed
     * over a row; distinct rows write disjoint matrices and can run in parallel.
     */
    public static int[][] groupByOffset(int[] offsets) {
        int[] sorted = offsets.clone();
        Arrays.sort(sorted);
        int distinct = 0;
        for (int i = 0; i < sorted.length; i++) {
            if (i == 0 || sorted[i] != sorted[i - 1]) {
                sorted[distinct++] = sorted[i];
            }
        }
        int[] keys = Arrays.copyOf(sorted, distinct);
        int[] counts = new int[distinct];
        int[] slot = new int[offsets.length];
        for (int b = 0; b < offsets.length; b++) {
            slot[b] = Arrays.binarySearch(keys, offsets[b]);
            counts[slot[b]]++;
        }
        int[][] groups = new int[distinct][];
        for (int g = 0; g < distinct; g++) {
            groups[g] = new int[counts[g]];
            counts[g] = 0;
        }
        for (int b = 0; b < offsets.length; b++) {
            int g = slot[b];
            groups[g][counts[g]++] = b;
        }
        return groups;
    }

    /**
     * The strides with which {@code operand} is read when broadcast to {@code target} (aligned from the right):
     * its row-major stride where its dimension equals the target's, 0 where it is 1 or absent. The caller has
     * checked that the shapes broadcast.
     */
    public static int[] broadcastStrides(Shape operand, Shape target) {
        int rank = target.rank();
        int lead = rank - operand.rank();
        int[] st = operand.strides();
        int[] out = new int[rank];
        for (int i = Math.max(0, lead); i < rank; i++) {
            int d = operand.dim(i - lead);
            out[i] = d == 1 && target.dim(i) != 1 ? 0 : st[i - lead];
        }
        return out;
    }

    /**
     * For a batch of matrices: the offset of each output batch entry in an operand whose batch dimensions
     * {@code operandBatch} broadcast to {@code outBatch}, each operand matrix holding {@code matrixSize} elements.
     * Entry {@code b} of the result is the start of the operand's matrix used for output matrix {@code b}.
     */
    public static int[] batchOffsets(Shape outBatch, Shape operandBatch, int matrixSize) {
        int count = outBatch.numel();
        int[] offsets = new int[count];
        int rank = outBatch.rank();
        int[] strides = broadcastStrides(operandBatch, outBatch);
        int[] dims = outBatch.dims();
        for (int b = 0; b < count; b++) {
            int r = b;
            long off = 0;
            for (int d = rank - 1; d >= 0; d--) {
                off += (long) (r % dims[d]) * strides[d];
                r /= dims[d];
            }
            offsets[b] = Math.toIntExact(off * matrixSize);
        }
        return offsets;
    }

    /**
     * Maps a possibly negative dimension to {@code [0, rank)} as PyTorch does, or throws naming the op:
     * {@code "Transpose: dimension 3 is out of range for a 3-D input (expected -3 to 2)"}.
     */
    public static int normalizeDim(Op op, int dim, int rank) {
        int d = dim < 0 ? dim + rank : dim;
        if (d < 0 || d >= rank) {
            throw new IllegalArgumentException(op.type() + ": dimension " + dim + " is out of range for a " + rank
                    + "-D input (expected " + (-rank) + " to " + (rank - 1) + ")");
        }
        return d;
    }

    /** Python tuple syntax for ints: {@code (1,)}, {@code (2, 3)}, {@code ()}. */
    public static String tuple(int[] values) {
        if (values.length == 1) {
            return "(" + values[0] + ",)";
        }
        String s = Arrays.toString(values);
        return "(" + s.substring(1, s.length() - 1) + ")";
    }
}
