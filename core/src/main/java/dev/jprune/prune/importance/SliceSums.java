package dev.jprune.prune.importance;

import dev.jprune.ir.Parameter;
import dev.jprune.ir.axis.ChannelParams;
import dev.jprune.ir.axis.Indices;
import dev.jprune.tensor.Shape;
import dev.jprune.tensor.Tensor;

/**
 * Per-channel sums over the parameter slices of {@link ChannelParams.Slice}, each term in float as PyTorch computes
 * it and the sum accumulated in double, then rounded once: within rounding of the exact sum, so it agrees with
 * PyTorch's pairwise float sums to about 1e-7 relative, which a sequential float sum over a 25088-wide row
 * would not. Channel {@code i} is every element at
 * position {@code slice.position(i)} along the slice's axis, visited in row-major order of the remaining axes (the
 * order of Torch-Pruning's {@code W[i].flatten()} for rows and {@code W.transpose(0, 1)[j].flatten()} for columns).
 */
final class SliceSums {

    /** The term summed for one element: the value {@code w} and the matching element {@code g} of a second tensor. */
    @FunctionalInterface
    interface Term {
        float apply(float w, float g);
    }

    private SliceSums() {
    }

    /**
     * For each index of {@code indices}, the sum of {@code term(w, g)} over its slice of {@code value} (and the same
     * elements of {@code second}, which may be {@code null}); with {@code absOfSum} the absolute value of that sum.
     */
    static float[] sums(Parameter param, Tensor value, Tensor second, ChannelParams.Slice slice, Indices indices,
            Term term, boolean absOfSum) {
        Shape s = value.shape();
        if (second != null && !second.shape().equals(s)) {
            throw new IllegalStateException("parameter " + param.name() + " has shape " + s
                    + " but its gradient data has shape " + second.shape());
        }
        int axis = s.normalizeAxis(slice.axis());
        int outer = s.product(0, axis);
        int size = s.dim(axis);
        int inner = s.product(axis + 1, s.rank());
        float[] w = value.data();
        float[] g = second == null ? null : second.data();
        float[] out = new float[indices.size()];
        for (int k = 0; k < out.length; k++) {
            int pos = position(param, slice, indices.index(k), size);
            double acc = 0;
            for (int o = 0; o < outer; o++) {
                int base = (o * size + pos) * inner;
                for (int e = base; e < base + inner; e++) {
                    acc += term.apply(w[e], g == null ? 0f : g[e]);
                }
            }
            float sum = (float) acc;
            out[k] = absOfSum ? Math.abs(sum) : sum;
        }
        return out;
    }

    /** The elements of channel {@code channel}'s slice of {@code value}, in the order {@link #sums} visits them. */
    static float[] row(Parameter param, Tensor value, ChannelParams.Slice slice, int channel) {
        Shape s = value.shape();
        int axis = s.normalizeAxis(slice.axis());
        int outer = s.product(0, axis);
        int size = s.dim(axis);
        int inner = s.product(axis + 1, s.rank());
        int pos = position(param, slice, channel, size);
        float[] w = value.data();
        float[] out = new float[outer * inner];
        for (int o = 0; o < outer; o++) {
            System.arraycopy(w, (o * size + pos) * inner, out, o * inner, inner);
        }
        return out;
    }

    private static int position(Parameter param, ChannelParams.Slice slice, int channel, int size) {
        int pos = slice.position(channel);
        if (pos >= size) {
            throw new IllegalStateException("channel " + channel + " is position " + pos + " of axis " + slice.axis()
                    + " of parameter " + param.name() + " " + param.value().shape() + ", which has only " + size);
        }
        return pos;
    }

    /** {@code |x|^p} in float: exact for p = 1 and 2 (as {@code torch.pow}), {@code Math.pow} otherwise. */
    static float absPow(float x, double p) {
        float a = Math.abs(x);
        if (p == 1.0) {
            return a;
        }
        if (p == 2.0) {
            return a * a;
        }
        return (float) Math.pow(a, p);
    }
}
