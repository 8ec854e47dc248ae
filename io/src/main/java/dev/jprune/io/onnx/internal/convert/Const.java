package dev.jprune.io.onnx.internal.convert;

import dev.jprune.tensor.Shape;
import dev.jprune.tensor.Tensor;

import java.util.Arrays;

/**
 * A value known at import time (an initializer, a {@code Constant} node's output, or a folded result): its dims and
 * either float elements or int64 elements (ONNX's integer and boolean types, widened).
 *
 * @param dims    the dims, {@code []} for a scalar
 * @param floats  the float elements, or {@code null} for an integer constant
 * @param longs   the int64 elements, or {@code null} for a float constant
 */
public record Const(int[] dims, float[] floats, long[] longs) {

    public Const {
        if ((floats == null) == (longs == null)) {
            throw new IllegalArgumentException("a constant holds either floats or longs");
        }
    }

    /** A float constant. */
    public static Const ofFloats(int[] dims, float[] values) {
        return new Const(dims, values, null);
    }

    /** An int64 constant. */
    public static Const ofLongs(int[] dims, long[] values) {
        return new Const(dims, null, values);
    }

    /** Whether the elements are int64. */
    public boolean isInteger() {
        return longs != null;
    }

    /** The number of elements. */
    public int size() {
        return floats != null ? floats.length : longs.length;
    }

    /** The value as a float tensor (a copy; integers converted). */
    public Tensor tensor() {
        return Tensor.wrap(Shape.of(dims), floatValues());
    }

    /** The elements as floats (a copy). */
    public float[] floatValues() {
        if (floats != null) {
            return floats.clone();
        }
        float[] f = new float[longs.length];
        for (int i = 0; i < f.length; i++) {
            f[i] = longs[i];
        }
        return f;
    }

    /** The elements as int64 (a copy; floats truncated toward zero, as ONNX's Cast does). */
    public long[] longValues() {
        if (longs != null) {
            return longs.clone();
        }
        long[] l = new long[floats.length];
        for (int i = 0; i < l.length; i++) {
            l[i] = (long) floats[i];
        }
        return l;
    }

    @Override
    public String toString() {
        String d = Arrays.toString(dims);
        return size() <= 8 ? d + (floats != null ? Arrays.toString(floats) : Arrays.toString(longs))
                : d + (floats != null ? " float" : " int64");
    }
}
