package dev.jprune.io.weights.internal;

import dev.jprune.io.internal.HalfFloats;
import dev.jprune.io.weights.ElementType;
import dev.jprune.io.weights.StoredTensor;
import dev.jprune.tensor.Shape;

import java.nio.ByteBuffer;
import java.util.Arrays;

/** Decodes tensors from raw storage bytes: element types, byte order, storage offsets and strides. */
public final class Elements {

    private Elements() {
    }

    /** Row-major strides of a contiguous tensor of this shape. */
    public static long[] contiguousStrides(Shape shape) {
        long[] s = new long[shape.rank()];
        long step = 1;
        for (int i = s.length - 1; i >= 0; i--) {
            s[i] = step;
            step *= Math.max(1, shape.dim(i));
        }
        return s;
    }

    /**
     * The tensor of {@code shape} whose element {@code (i0, i1, ...)} is storage element
     * {@code offset + i0·stride[0] + i1·stride[1] + ...} of {@code storage} (byte 0 of the buffer is element 0; its
     * byte order is the file's). Throws {@link IllegalArgumentException} saying what does not fit when the view
     * reaches outside the storage.
     */
    public static StoredTensor decode(ElementType type, ByteBuffer storage, long offset, Shape shape, long[] stride) {
        if (stride.length != shape.rank()) {
            throw new IllegalArgumentException("stride " + Arrays.toString(stride) + " does not match shape " + shape);
        }
        long storageNumel = storage.capacity() / type.byteSize();
        int n = shape.numel();
        if (offset < 0) {
            throw new IllegalArgumentException("negative storage offset " + offset);
        }
        long last = offset;
        try {
            for (int d = 0; d < stride.length; d++) {
                if (stride[d] < 0) {
                    throw new IllegalArgumentException("negative stride " + Arrays.toString(stride));
                }
                if (shape.dim(d) > 0) {
                    last = Math.addExact(last, Math.multiplyExact(shape.dim(d) - 1L, stride[d]));
                }
            }
        } catch (ArithmeticException e) {
            throw new IllegalArgumentException("stride " + Arrays.toString(stride) + " overflows");
        }
        if (n > 0 && last >= storageNumel) {
            throw new IllegalArgumentException("the view (offset " + offset + ", shape " + shape + ", stride "
                    + Arrays.toString(stride) + ") needs element " + last + " of a storage holding " + storageNumel
                    + " " + type + " elements");
        }
        boolean contiguous = isContiguous(shape, stride);
        if (type.isFloatingPoint()) {
            float[] out = new float[n];
            if (contiguous) {
                for (int i = 0; i < n; i++) {
                    out[i] = readFloat(storage, type, (int) ((offset + i) * type.byteSize()));
                }
            } else {
                long[] pos = positions(offset, shape, stride);
                for (int i = 0; i < n; i++) {
                    out[i] = readFloat(storage, type, (int) (pos[i] * type.byteSize()));
                }
            }
            return StoredTensor.ofFloats(type, shape, out);
        }
        long[] out = new long[n];
        if (contiguous) {
            for (int i = 0; i < n; i++) {
                out[i] = readLong(storage, type, (int) ((offset + i) * type.byteSize()));
            }
        } else {
            long[] pos = positions(offset, shape, stride);
            for (int i = 0; i < n; i++) {
                out[i] = readLong(storage, type, (int) (pos[i] * type.byteSize()));
            }
        }
        return StoredTensor.ofLongs(type, shape, out);
    }

    private static boolean isContiguous(Shape shape, long[] stride) {
        long expected = 1;
        for (int d = stride.length - 1; d >= 0; d--) {
            if (shape.dim(d) != 1 && stride[d] != expected) {
                return false;
            }
            expected *= shape.dim(d);
        }
        return true;
    }

    /** Storage element positions of the elements in row-major order (an odometer over the index). */
    private static long[] positions(long offset, Shape shape, long[] stride) {
        int n = shape.numel();
        int rank = shape.rank();
        long[] pos = new long[n];
        int[] index = new int[rank];
        long p = offset;
        for (int i = 0; i < n; i++) {
            pos[i] = p;
            for (int d = rank - 1; d >= 0; d--) {
                if (++index[d] < shape.dim(d)) {
                    p += stride[d];
                    break;
                }
                p -= (long) (shape.dim(d) - 1) * stride[d];
                index[d] = 0;
            }
        }
        return pos;
    }

    private static float readFloat(ByteBuffer b, ElementType type, int at) {
        switch (type) {
            case F64:
                return (float) b.getDouble(at);
            case F32:
                return b.getFloat(at);
            case F16:
                return HalfFloats.halfToFloat(b.getShort(at));
            case BF16:
                return HalfFloats.bfloat16ToFloat(b.getShort(at));
            default:
                throw new IllegalStateException("not a float type: " + type);
        }
    }

    private static long readLong(ByteBuffer b, ElementType type, int at) {
        switch (type) {
            case I64:
                return b.getLong(at);
            case I32:
                return b.getInt(at);
            case I16:
                return b.getShort(at);
            case I8:
                return b.get(at);
            case U8:
                return b.get(at) & 0xFF;
            case BOOL:
                return b.get(at) != 0 ? 1 : 0;
            default:
                throw new IllegalStateException("not an integer type: " + type);
        }
    }
}
