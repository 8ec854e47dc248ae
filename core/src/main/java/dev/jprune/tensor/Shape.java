package dev.jprune.tensor;

import java.util.Arrays;

/**
 * An immutable tensor shape, for example {@code (N, C, H, W)}. Dimensions are non-negative; rank 0 is a scalar.
 * The array given to the constructor is copied, and {@link #dims()} returns a copy.
 */
public record Shape(int[] dims) {

    /** Validates the dimensions and takes a defensive copy. */
    public Shape {
        dims = dims.clone();
        for (int i = 0; i < dims.length; i++) {
            if (dims[i] < 0) {
                throw new IllegalArgumentException("dimension " + i + " of shape " + Arrays.toString(dims) + " is negative");
            }
        }
    }

    /** A shape from its dimensions. */
    public static Shape of(int... dims) {
        return new Shape(dims);
    }

    /** The dimensions, copied. */
    @Override
    public int[] dims() {
        return dims.clone();
    }

    /** The number of dimensions. */
    public int rank() {
        return dims.length;
    }

    /** Dimension {@code axis}; a negative axis counts from the end as in PyTorch ({@code -1} is the last). */
    public int dim(int axis) {
        return dims[normalizeAxis(axis)];
    }

    /** Maps a possibly negative axis to {@code [0, rank)}, or throws naming the shape. */
    public int normalizeAxis(int axis) {
        int a = axis < 0 ? axis + dims.length : axis;
        if (a < 0 || a >= dims.length) {
            throw new IllegalArgumentException("axis " + axis + " is out of range for shape " + this);
        }
        return a;
    }

    /** The number of elements (1 for a scalar). */
    public long numelLong() {
        long n = 1;
        for (int d : dims) {
            n *= d;
        }
        return n;
    }

    /** The number of elements, which must fit a Java array. */
    public int numel() {
        long n = numelLong();
        if (n > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("shape " + this + " has " + n + " elements, more than a Java array holds");
        }
        return (int) n;
    }

    /** The product of dimensions {@code [from, to)}. */
    public int product(int from, int to) {
        long n = 1;
        for (int i = from; i < to; i++) {
            n *= dims[i];
        }
        return Math.toIntExact(n);
    }

    /** A copy with dimension {@code axis} set to {@code size}. */
    public Shape with(int axis, int size) {
        int[] d = dims.clone();
        d[normalizeAxis(axis)] = size;
        return new Shape(d);
    }

    /** Row-major strides (elements) for this shape. */
    public int[] strides() {
        int[] s = new int[dims.length];
        int acc = 1;
        for (int i = dims.length - 1; i >= 0; i--) {
            s[i] = acc;
            acc *= dims[i];
        }
        return s;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Shape other && Arrays.equals(dims, other.dims);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(dims);
    }

    /** {@code (1, 3, 224, 224)}. */
    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("(");
        for (int i = 0; i < dims.length; i++) {
            if (i > 0) {
                sb.append(", ");
            }
            sb.append(dims[i]);
        }
        return sb.append(dims.length == 1 ? ",)" : ")").toString();
    }
}
