package dev.jprune.tensor;

import java.util.Arrays;

/**
 * A dense float32 tensor: an immutable {@link Shape} over a row-major {@code float[]}.
 *
 * <p>The storage is deliberately exposed ({@link #data()}) so kernels can work on it without copies; the
 * contents are mutable, the shape is not. Methods say whether they copy or share storage.
 */
public final class Tensor {

    private final Shape shape;
    private final float[] data;

    private Tensor(Shape shape, float[] data) {
        if (data.length != shape.numel()) {
            throw new IllegalArgumentException("shape " + shape + " needs " + shape.numel() + " values, got " + data.length);
        }
        this.shape = shape;
        this.data = data;
    }

    /** A tensor of zeros. */
    public static Tensor zeros(Shape shape) {
        return new Tensor(shape, new float[shape.numel()]);
    }

    /** A tensor of zeros. */
    public static Tensor zeros(int... dims) {
        return zeros(Shape.of(dims));
    }

    /** A tensor filled with {@code value}. */
    public static Tensor full(Shape shape, float value) {
        float[] d = new float[shape.numel()];
        Arrays.fill(d, value);
        return new Tensor(shape, d);
    }

    /** Wraps {@code data} without copying: the tensor shares the array. */
    public static Tensor wrap(Shape shape, float[] data) {
        return new Tensor(shape, data);
    }

    /** A tensor holding a copy of {@code data}. */
    public static Tensor of(Shape shape, float... data) {
        return new Tensor(shape, data.clone());
    }

    /** A 0-dimensional tensor. */
    public static Tensor scalar(float value) {
        return new Tensor(Shape.of(), new float[] {value});
    }

    /** The shape. */
    public Shape shape() {
        return shape;
    }

    /** The backing storage, shared (not a copy). */
    public float[] data() {
        return data;
    }

    /** The number of elements. */
    public int numel() {
        return data.length;
    }

    /** Dimension {@code axis} (negative counts from the end). */
    public int dim(int axis) {
        return shape.dim(axis);
    }

    /** The number of dimensions. */
    public int rank() {
        return shape.rank();
    }

    /** The element at a multi-dimensional index. */
    public float get(int... index) {
        return data[offset(index)];
    }

    /** Sets the element at a multi-dimensional index. */
    public void set(float value, int... index) {
        data[offset(index)] = value;
    }

    private int offset(int... index) {
        if (index.length != shape.rank()) {
            throw new IllegalArgumentException("index of rank " + index.length + " for a tensor of shape " + shape);
        }
        int[] st = shape.strides();
        int off = 0;
        for (int i = 0; i < index.length; i++) {
            if (index[i] < 0 || index[i] >= shape.dim(i)) {
                throw new IndexOutOfBoundsException("index " + Arrays.toString(index) + " outside shape " + shape);
            }
            off += index[i] * st[i];
        }
        return off;
    }

    /** A deep copy. */
    public Tensor copy() {
        return new Tensor(shape, data.clone());
    }

    /** The same storage viewed with another shape of equal element count (shares data). */
    public Tensor reshape(Shape newShape) {
        if (newShape.numel() != data.length) {
            throw new IllegalArgumentException("cannot reshape " + shape + " to " + newShape);
        }
        return new Tensor(newShape, data);
    }

    /**
     * Copies out the indices {@code keep} along {@code axis} (in the given order), as {@code index_select}.
     * Used to slice parameters when pruning.
     */
    public Tensor select(int axis, int[] keep) {
        int ax = shape.normalizeAxis(axis);
        int outer = shape.product(0, ax);
        int size = shape.dim(ax);
        int inner = shape.product(ax + 1, shape.rank());
        float[] out = new float[outer * keep.length * inner];
        for (int o = 0; o < outer; o++) {
            for (int j = 0; j < keep.length; j++) {
                int k = keep[j];
                if (k < 0 || k >= size) {
                    throw new IndexOutOfBoundsException("index " + k + " outside axis " + ax + " of size " + size);
                }
                System.arraycopy(data, (o * size + k) * inner, out, (o * keep.length + j) * inner, inner);
            }
        }
        return new Tensor(shape.with(ax, keep.length), out);
    }

    /** The largest absolute value (0 for an empty tensor). */
    public float maxAbs() {
        float m = 0f;
        for (float v : data) {
            m = Math.max(m, Math.abs(v));
        }
        return m;
    }

    @Override
    public String toString() {
        int n = Math.min(8, data.length);
        StringBuilder sb = new StringBuilder("Tensor").append(shape).append(" [");
        for (int i = 0; i < n; i++) {
            if (i > 0) {
                sb.append(", ");
            }
            sb.append(data[i]);
        }
        return sb.append(data.length > n ? ", ...]" : "]").toString();
    }
}
