package dev.jprune.io.onnx.internal.convert;

import java.util.Arrays;
import java.util.List;

/**
 * Import-time arithmetic on {@link Const}s, for folding shape sub-graphs: NumPy broadcasting, exact int64 arithmetic
 * on integer tensors (booleans are int64 0/1), float arithmetic otherwise (an integer operand meeting a float one is
 * widened). Every method returns a new constant and leaves its arguments alone; invalid arguments are an
 * {@link IllegalArgumentException} the caller turns into an error naming the node.
 */
final class ConstOps {

    private ConstOps() {
    }

    /** Element-wise binary operators. */
    enum Bin { ADD, SUB, MUL, DIV, MOD, FMOD, POW, MIN, MAX, EQUAL, LESS, GREATER, AND, OR }

    /** Row-major strides of {@code dims}. */
    static int[] strides(int[] dims) {
        int[] s = new int[dims.length];
        int acc = 1;
        for (int i = dims.length - 1; i >= 0; i--) {
            s[i] = acc;
            acc *= dims[i];
        }
        return s;
    }

    static int numel(int[] dims) {
        int n = 1;
        for (int d : dims) {
            n *= d;
        }
        return n;
    }

    /** The NumPy broadcast of two shapes. */
    static int[] broadcast(int[] a, int[] b) {
        int r = Math.max(a.length, b.length);
        int[] out = new int[r];
        for (int i = 0; i < r; i++) {
            int da = i < r - a.length ? 1 : a[i - (r - a.length)];
            int db = i < r - b.length ? 1 : b[i - (r - b.length)];
            if (da != db && da != 1 && db != 1) {
                throw new IllegalArgumentException("shapes " + Arrays.toString(a) + " and " + Arrays.toString(b)
                        + " do not broadcast");
            }
            out[i] = da == 1 ? db : da;
        }
        return out;
    }

    /** For each flat index of {@code out}, the flat index into a tensor of {@code dims} broadcast to it. */
    static int[] broadcastIndex(int[] dims, int[] out) {
        int n = numel(out);
        int[] idx = new int[n];
        int off = out.length - dims.length;
        int[] sIn = strides(dims);
        int[] sOut = strides(out);
        for (int k = 0; k < n; k++) {
            int src = 0;
            for (int i = 0; i < dims.length; i++) {
                int coord = (k / sOut[i + off]) % out[i + off];
                src += dims[i] == 1 ? 0 : coord * sIn[i];
            }
            idx[k] = src;
        }
        return idx;
    }

    static Const binary(Bin op, Const a, Const b) {
        int[] out = broadcast(a.dims(), b.dims());
        int[] ia = broadcastIndex(a.dims(), out);
        int[] ib = broadcastIndex(b.dims(), out);
        int n = ia.length;
        boolean logical = op == Bin.EQUAL || op == Bin.LESS || op == Bin.GREATER || op == Bin.AND || op == Bin.OR;
        if (a.isInteger() && b.isInteger()) {
            long[] x = a.longs();
            long[] y = b.longs();
            long[] r = new long[n];
            for (int k = 0; k < n; k++) {
                r[k] = longOp(op, x[ia[k]], y[ib[k]]);
            }
            return Const.ofLongs(out, r);
        }
        float[] x = a.floatValues();
        float[] y = b.floatValues();
        if (logical) {
            long[] r = new long[n];
            for (int k = 0; k < n; k++) {
                float u = x[ia[k]];
                float v = y[ib[k]];
                r[k] = switch (op) {
                    case EQUAL -> u == v ? 1 : 0;
                    case LESS -> u < v ? 1 : 0;
                    case GREATER -> u > v ? 1 : 0;
                    case AND -> u != 0 && v != 0 ? 1 : 0;
                    default -> u != 0 || v != 0 ? 1 : 0;
                };
            }
            return Const.ofLongs(out, r);
        }
        float[] r = new float[n];
        for (int k = 0; k < n; k++) {
            float u = x[ia[k]];
            float v = y[ib[k]];
            r[k] = switch (op) {
                case ADD -> u + v;
                case SUB -> u - v;
                case MUL -> u * v;
                case DIV -> u / v;
                case FMOD -> u % v;
                case MOD -> { // Python's: the sign of the divisor
                    float m = u % v;
                    yield m != 0 && (m < 0) != (v < 0) ? m + v : m;
                }
                case POW -> (float) Math.pow(u, v);
                case MIN -> Math.min(u, v);
                case MAX -> Math.max(u, v);
                default -> throw new IllegalStateException(op.name());
            };
        }
        return Const.ofFloats(out, r);
    }

    private static long longOp(Bin op, long u, long v) {
        return switch (op) {
            case ADD -> u + v;
            case SUB -> u - v;
            case MUL -> u * v;
            case DIV -> { // ONNX integer Div truncates toward zero, as Java's
                if (v == 0) {
                    throw new IllegalArgumentException("integer division by zero");
                }
                yield u / v;
            }
            case FMOD -> {
                if (v == 0) {
                    throw new IllegalArgumentException("integer modulo by zero");
                }
                yield u % v;
            }
            case MOD -> {
                if (v == 0) {
                    throw new IllegalArgumentException("integer modulo by zero");
                }
                yield Math.floorMod(u, v);
            }
            case POW -> {
                long r = 1;
                for (long i = 0; i < v; i++) {
                    r = Math.multiplyExact(r, u);
                }
                yield r;
            }
            case MIN -> Math.min(u, v);
            case MAX -> Math.max(u, v);
            case EQUAL -> u == v ? 1 : 0;
            case LESS -> u < v ? 1 : 0;
            case GREATER -> u > v ? 1 : 0;
            case AND -> u != 0 && v != 0 ? 1 : 0;
            case OR -> u != 0 || v != 0 ? 1 : 0;
        };
    }

    /** Logical not (int64 0/1). */
    static Const not(Const a) {
        long[] x = a.longValues();
        long[] r = new long[x.length];
        for (int i = 0; i < r.length; i++) {
            r[i] = x[i] == 0 ? 1 : 0;
        }
        return Const.ofLongs(a.dims(), r);
    }

    /** Square root, as floats. */
    static Const sqrt(Const a) {
        float[] x = a.floatValues();
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) Math.sqrt(x[i]);
        }
        return Const.ofFloats(a.dims(), x);
    }

    /** {@code where(cond, a, b)} with broadcasting. */
    static Const where(Const cond, Const a, Const b) {
        int[] out = broadcast(cond.dims(), broadcast(a.dims(), b.dims()));
        int[] ic = broadcastIndex(cond.dims(), out);
        int[] ia = broadcastIndex(a.dims(), out);
        int[] ib = broadcastIndex(b.dims(), out);
        long[] c = cond.longValues();
        if (a.isInteger() && b.isInteger()) {
            long[] r = new long[ic.length];
            for (int k = 0; k < r.length; k++) {
                r[k] = c[ic[k]] != 0 ? a.longs()[ia[k]] : b.longs()[ib[k]];
            }
            return Const.ofLongs(out, r);
        }
        float[] x = a.floatValues();
        float[] y = b.floatValues();
        float[] r = new float[ic.length];
        for (int k = 0; k < r.length; k++) {
            r[k] = c[ic[k]] != 0 ? x[ia[k]] : y[ib[k]];
        }
        return Const.ofFloats(out, r);
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

    /** {@code range(start, limit, delta)}: integers when all three are. */
    static Const range(Const start, Const limit, Const delta) {
        if (start.isInteger() && limit.isInteger() && delta.isInteger()) {
            long s = start.longs()[0];
            long l = limit.longs()[0];
            long d = delta.longs()[0];
            if (d == 0) {
                throw new IllegalArgumentException("range delta 0");
            }
            int n = (int) Math.max(0, -Math.floorDiv(-(l - s), d));
            long[] r = new long[n];
            for (int i = 0; i < n; i++) {
                r[i] = s + i * d;
            }
            return Const.ofLongs(new int[] {n}, r);
        }
        float s = start.floatValues()[0];
        float l = limit.floatValues()[0];
        float d = delta.floatValues()[0];
        int n = (int) Math.max(0, Math.ceil((l - s) / d));
        float[] r = new float[n];
        for (int i = 0; i < n; i++) {
            r[i] = s + i * d;
        }
        return Const.ofFloats(new int[] {n}, r);
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

    /** ONNX Cast: to float, or to int64 (floats truncated toward zero; {@code toBool}: non-zero → 1). */
    static Const cast(Const a, boolean toFloat, boolean toBool) {
        if (toFloat) {
            return Const.ofFloats(a.dims(), a.floatValues());
        }
        long[] l = a.longValues();
        if (toBool) {
            float[] f = a.floatValues();
            for (int i = 0; i < l.length; i++) {
                l[i] = f[i] != 0 ? 1 : 0;
            }
        }
        return Const.ofLongs(a.dims(), l);
    }
}
