package dev.jprune.io.weights;

import dev.jprune.tensor.Shape;
import dev.jprune.tensor.Tensor;

import java.util.Arrays;

/**
 * A tensor as a weights file holds it: its element type in the file, its shape, and its values in row-major order
 * (views and strides already resolved). Floating-point values are held as float32 (float64 rounded to nearest,
 * float16 and bfloat16 exact); integer and boolean values as {@code long}s, exactly. Immutable: accessors copy.
 */
public final class StoredTensor {

    private final ElementType type;
    private final Shape shape;
    private final float[] floats;
    private final long[] longs;

    private StoredTensor(ElementType type, Shape shape, float[] floats, long[] longs) {
        this.type = type;
        this.shape = shape;
        this.floats = floats;
        this.longs = longs;
    }

    /** A floating-point tensor read as {@code type}; takes ownership of {@code values} (row-major, not copied). */
    public static StoredTensor ofFloats(ElementType type, Shape shape, float[] values) {
        if (!type.isFloatingPoint()) {
            throw new IllegalArgumentException("float values for integer type " + type);
        }
        checkCount(shape, values.length);
        return new StoredTensor(type, shape, values, null);
    }

    /** An integer or boolean tensor read as {@code type}; takes ownership of {@code values} (not copied). */
    public static StoredTensor ofLongs(ElementType type, Shape shape, long[] values) {
        if (type.isFloatingPoint()) {
            throw new IllegalArgumentException("integer values for floating-point type " + type);
        }
        checkCount(shape, values.length);
        return new StoredTensor(type, shape, null, values);
    }

    private static void checkCount(Shape shape, int count) {
        if (shape.numel() != count) {
            throw new IllegalArgumentException("shape " + shape + " needs " + shape.numel() + " values, got " + count);
        }
    }

    /** The element type in the file. */
    public ElementType type() {
        return type;
    }

    /** The shape, {@code ()} for a scalar such as {@code num_batches_tracked}. */
    public Shape shape() {
        return shape;
    }

    /** The number of elements. */
    public int numel() {
        return shape.numel();
    }

    /** Whether the values are floating point. */
    public boolean isFloatingPoint() {
        return type.isFloatingPoint();
    }

    /**
     * The values as a new float32 tensor (a copy). Integers convert to the nearest float, exactly up to 2^24 in
     * magnitude, as jprune stores integer buffers.
     */
    public Tensor toTensor() {
        return Tensor.wrap(shape, floatValues());
    }

    /** The values as floats (a copy), converted as {@link #toTensor()}. */
    public float[] floatValues() {
        if (floats != null) {
            return floats.clone();
        }
        float[] out = new float[longs.length];
        for (int i = 0; i < out.length; i++) {
            out[i] = longs[i];
        }
        return out;
    }

    /** The integer values (a copy); throws {@link IllegalStateException} for a floating-point tensor. */
    public long[] longValues() {
        if (longs == null) {
            throw new IllegalStateException("a " + type + " tensor has no integer values");
        }
        return longs.clone();
    }

    /** The float32 tensor without the defensive copy, for loading: the caller must not keep or alter the array. */
    Tensor toTensorOwned() {
        return floats != null ? Tensor.wrap(shape, floats) : toTensor();
    }

    @Override
    public String toString() {
        String head = floats != null
                ? Arrays.toString(Arrays.copyOf(floats, Math.min(6, floats.length)))
                : Arrays.toString(Arrays.copyOf(longs, Math.min(6, longs.length)));
        return type + shape.toString() + " " + head.substring(0, head.length() - 1) + (numel() > 6 ? ", ...]" : "]");
    }
}
