package dev.jprune.io.onnx.internal.convert;

import java.util.Arrays;
import java.util.List;

import static dev.jprune.io.onnx.internal.convert.ConstOps.broadcast;
import static dev.jprune.io.onnx.internal.convert.ConstOps.broadcastIndex;
import static dev.jprune.io.onnx.internal.convert.ConstOps.numel;
import static dev.jprune.io.onnx.internal.convert.ConstOps.strides;

/**
 * Import-time layout ops on {@link Const}s — Gather, Concat, Slice, Transpose, Expand, Reshape, ScatterND — with
 * ONNX's semantics (negative indices and steps, clamping); {@link ConstOps} holds the element-wise arithmetic.
 * Every method returns a new constant; invalid arguments are an {@link IllegalArgumentException}.
 */
final class ConstLayout {

    private ConstLayout() {
    }

    /** Copies the elements at flat positions {@code idx} into a constant of {@code dims}. */
    static Const pick(Const a, int[] dims, int[] idx) {
        if (a.isInteger()) {
            long[] r = new long[idx.length];
            for (int k = 0; k < r.length; k++) {
                r[k] = a.longs()[idx[k]];
            }
            return Const.ofLongs(dims, r);
        }
        float[] r = new float[idx.length];
        for (int k = 0; k < r.length; k++) {
            r[k] = a.floats()[idx[k]];
        }
        return Const.ofFloats(dims, r);
    }

    /** Broadcasts {@code a} to {@code broadcast(a.dims, shape)} (ONNX Expand). */
    static Const expand(Const a, int[] shape) {
        int[] out = broadcast(a.dims(), shape);
        return pick(a, out, broadcastIndex(a.dims(), out));
    }

    /** The same elements with other dims. */
    static Const reshape(Const a, int[] dims) {
        if (numel(dims) != a.size()) {
            throw new IllegalArgumentException("cannot reshape " + a.size() + " elements to " + Arrays.toString(dims));
        }
        return new Const(dims, a.floats(), a.longs());
    }

    /** Axes permuted: output axis {@code i} is input axis {@code perm[i]}. */
    static Const transpose(Const a, int[] perm) {
        int[] d = a.dims();
        int r = d.length;
        int[] out = new int[r];
        for (int i = 0; i < r; i++) {
            out[i] = d[perm[i]];
        }
        int[] sIn = strides(d);
        int[] sOut = strides(out);
        int n = a.size();
        int[] idx = new int[n];
        for (int k = 0; k < n; k++) {
            int src = 0;
            for (int i = 0; i < r; i++) {
                src += ((k / sOut[i]) % out[i]) * sIn[perm[i]];
            }
            idx[k] = src;
        }
        return pick(a, out, idx);
    }

    /** ONNX Gather along {@code axis} with (possibly negative) indices of any rank. */
    static Const gather(Const data, Const indices, int axis) {
        int[] d = data.dims();
        int size = d[axis];
        long[] ix = indices.longValues();
        int[] id = indices.dims();
        int outer = 1;
        for (int i = 0; i < axis; i++) {
            outer *= d[i];
        }
        int inner = 1;
        for (int i = axis + 1; i < d.length; i++) {
            inner *= d[i];
        }
        int[] out = new int[d.length - 1 + id.length];
        System.arraycopy(d, 0, out, 0, axis);
        System.arraycopy(id, 0, out, axis, id.length);
        System.arraycopy(d, axis + 1, out, axis + id.length, d.length - axis - 1);
        int[] idx = new int[outer * ix.length * inner];
        int k = 0;
        for (int o = 0; o < outer; o++) {
            for (long j : ix) {
                if (j < -size || j >= size) {
                    throw new IllegalArgumentException("index " + j + " is out of range for an axis of size " + size);
                }
                int p = (int) (j < 0 ? j + size : j);
                for (int i = 0; i < inner; i++) {
                    idx[k++] = (o * size + p) * inner + i;
                }
            }
        }
        return pick(data, out, idx);
    }

    /** Concatenation along {@code axis}. */
    static Const concat(List<Const> parts, int axis) {
        int[] d0 = parts.get(0).dims();
        int[] out = d0.clone();
        boolean integer = true;
        int total = 0;
        for (Const c : parts) {
            if (c.dims().length != d0.length) {
                throw new IllegalArgumentException("concat of ranks " + d0.length + " and " + c.dims().length);
            }
            total += c.dims()[axis];
            integer &= c.isInteger();
        }
        out[axis] = total;
        int outer = 1;
        for (int i = 0; i < axis; i++) {
            outer *= d0[i];
        }
        int inner = 1;
        for (int i = axis + 1; i < d0.length; i++) {
            inner *= d0[i];
        }
        int n = numel(out);
        long[] lr = integer ? new long[n] : null;
        float[] fr = integer ? null : new float[n];
        int k = 0;
        for (int o = 0; o < outer; o++) {
            for (Const c : parts) {
                int len = c.dims()[axis] * inner;
                float[] cf = integer ? null : c.floatValues();
                for (int i = 0; i < len; i++) {
                    int src = o * len + i;
                    if (integer) {
                        lr[k++] = c.longs()[src];
                    } else {
                        fr[k++] = cf[src];
                    }
                }
            }
        }
        return integer ? Const.ofLongs(out, lr) : Const.ofFloats(out, fr);
    }

    /**
     * ONNX Slice along each of {@code axes} (already non-negative) with {@code starts}, {@code ends}, {@code steps}
     * clamped as the specification says, negative steps included.
     */
    static Const slice(Const a, long[] starts, long[] ends, int[] axes, long[] steps) {
        int[] d = a.dims();
        int r = d.length;
        int[] first = new int[r];
        int[] step = new int[r];
        int[] out = d.clone();
        Arrays.fill(step, 1);
        for (int j = 0; j < axes.length; j++) {
            int ax = axes[j];
            int[] se = sliceRange(d[ax], starts[j], ends[j], steps[j]);
            first[ax] = se[0];
            step[ax] = (int) steps[j];
            out[ax] = se[1];
        }
        int[] sIn = strides(d);
        int[] sOut = strides(out);
        int n = numel(out);
        int[] idx = new int[n];
        for (int k = 0; k < n; k++) {
            int src = 0;
            for (int i = 0; i < r; i++) {
                int c = (k / sOut[i]) % out[i];
                src += (first[i] + c * step[i]) * sIn[i];
            }
            idx[k] = src;
        }
        return pick(a, out, idx);
    }

    /** The first index and the count of ONNX Slice on an axis of {@code size}. */
    static int[] sliceRange(int size, long start, long end, long step) {
        if (step == 0) {
            throw new IllegalArgumentException("slice step 0");
        }
        long s = start < 0 ? start + size : start;
        long e = end < 0 ? end + size : end;
        if (step > 0) {
            s = Math.max(0, Math.min(s, size));
            e = Math.max(0, Math.min(e, size));
            return new int[] {(int) s, (int) Math.max(0, (e - s + step - 1) / step)};
        }
        s = Math.max(-1, Math.min(s, size - 1));
        e = Math.max(-1, Math.min(e, size - 1));
        return new int[] {(int) s, (int) Math.max(0, (s - e + (-step) - 1) / (-step))};
    }

    /** ONNX ScatterND without reduction: {@code data} with the slices at {@code indices} replaced by {@code updates}. */
    static Const scatterND(Const data, Const indices, Const updates) {
        int[] d = data.dims();
        int[] id = indices.dims();
        int q = id[id.length - 1];
        int[] sd = strides(d);
        int slice = 1;
        for (int i = q; i < d.length; i++) {
            slice *= d[i];
        }
        int count = indices.size() / Math.max(q, 1);
        long[] ix = indices.longValues();
        boolean integer = data.isInteger();
        long[] lr = integer ? data.longs().clone() : null;
        float[] fr = integer ? null : data.floats().clone();
        long[] ul = integer ? updates.longValues() : null;
        float[] uf = integer ? null : updates.floatValues();
        if (updates.size() != count * slice) {
            throw new IllegalArgumentException("ScatterND updates hold " + updates.size() + " elements, expected "
                    + count * slice);
        }
        for (int c = 0; c < count; c++) {
            int base = 0;
            for (int j = 0; j < q; j++) {
                long v = ix[c * q + j];
                if (v < -d[j] || v >= d[j]) {
                    throw new IllegalArgumentException("ScatterND index " + v + " out of range for size " + d[j]);
                }
                base += (int) (v < 0 ? v + d[j] : v) * sd[j];
            }
            for (int i = 0; i < slice; i++) {
                if (integer) {
                    lr[base + i] = ul[c * slice + i];
                } else {
                    fr[base + i] = uf[c * slice + i];
                }
            }
        }
        return integer ? Const.ofLongs(d, lr) : Const.ofFloats(d, fr);
    }
}
