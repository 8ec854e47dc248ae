package dev.jprune.io.onnx.internal.convert;

import dev.jprune.io.internal.HalfFloats;
import dev.jprune.io.onnx.OnnxDataType;
import dev.jprune.io.onnx.OnnxTensor;

import java.util.Arrays;

/**
 * Import-time element-wise arithmetic on {@link Const}s, for folding shape sub-graphs ({@link ConstLayout} has the
 * layout ops): NumPy broadcasting, exact int64 arithmetic on integer tensors (booleans are int64 0/1), float arithmetic otherwise (an integer operand meeting a float one is
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

    /**
     * ONNX Cast of a constant to {@code to}, a floating type (FLOAT, DOUBLE: float32 values as they are; FLOAT16,
     * BFLOAT16: each value rounded to the nearest of that type, ties to even) or an integer or BOOL type (floats
     * truncated toward zero, then every value wrapped to the type's width as two's complement, as C and NumPy
     * convert; BOOL: non-zero → 1, NaN → 1).
     */
    static Const cast(Const a, OnnxDataType to) {
        if (OnnxTensor.isFloating(to)) {
            float[] f = a.floatValues();
            if (to == OnnxDataType.FLOAT16) {
                for (int i = 0; i < f.length; i++) {
                    f[i] = HalfFloats.halfToFloat(HalfFloats.floatToHalf(f[i]));
                }
            } else if (to == OnnxDataType.BFLOAT16) {
                for (int i = 0; i < f.length; i++) {
                    f[i] = HalfFloats.bfloat16ToFloat(HalfFloats.floatToBfloat16(f[i]));
                }
            }
            return Const.ofFloats(a.dims(), f);
        }
        long[] l = a.longValues();
        float[] f = a.isInteger() ? null : a.floats();
        for (int i = 0; i < l.length; i++) {
            switch (to) {
                case BOOL: l[i] = (f != null ? f[i] != 0 : l[i] != 0) ? 1 : 0; break;
                case INT8: l[i] = (byte) l[i]; break;
                case UINT8: l[i] = l[i] & 0xFF; break;
                case INT16: l[i] = (short) l[i]; break;
                case UINT16: l[i] = l[i] & 0xFFFF; break;
                case INT32: l[i] = (int) l[i]; break;
                case UINT32: l[i] = l[i] & 0xFFFFFFFFL; break;
                case INT64: case UINT64: break;
                default: throw new IllegalArgumentException("Cast to " + to);
            }
        }
        return Const.ofLongs(a.dims(), l);
    }
}
