package dev.jprune.io.onnx.internal;

import dev.jprune.io.internal.HalfFloats;
import dev.jprune.io.onnx.OnnxDataType;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/** Decoding of little-endian element bytes ({@code raw_data}, external data). */
public final class Elements {

    private Elements() {
    }

    /** {@code bytes} as little-endian float32s. */
    public static float[] floatsLE(byte[] bytes) {
        if (bytes.length % 4 != 0) {
            throw new IllegalStateException("float32 data of " + bytes.length + " bytes is not a multiple of 4");
        }
        float[] out = new float[bytes.length / 4];
        ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(out);
        return out;
    }

    /** {@code bytes} as little-endian int64s. */
    public static long[] longsLE(byte[] bytes) {
        if (bytes.length % 8 != 0) {
            throw new IllegalStateException("int64 data of " + bytes.length + " bytes is not a multiple of 8");
        }
        long[] out = new long[bytes.length / 8];
        ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).asLongBuffer().get(out);
        return out;
    }

    /**
     * Little-endian {@code bytes} of {@code count} elements of a floating type as float32: FLOAT, FLOAT16, BFLOAT16,
     * DOUBLE (rounded to nearest float).
     *
     * @param what names the tensor in errors
     * @throws IllegalStateException when the type is not one of these or the byte count is not {@code count}
     *                               elements
     */
    public static float[] floatsLE(byte[] bytes, OnnxDataType type, long count, String what) {
        checkSize(bytes, type, count, what);
        ByteBuffer bb = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        float[] out = new float[(int) count];
        switch (type) {
            case FLOAT: bb.asFloatBuffer().get(out); break;
            case FLOAT16: for (int i = 0; i < out.length; i++) { out[i] = HalfFloats.halfToFloat(bb.getShort(2 * i)); } break;
            case BFLOAT16: for (int i = 0; i < out.length; i++) { out[i] = HalfFloats.bfloat16ToFloat(bb.getShort(2 * i)); } break;
            case DOUBLE: for (int i = 0; i < out.length; i++) { out[i] = (float) bb.getDouble(8 * i); } break;
            default: throw new IllegalStateException(what + " is " + type + ", not a floating type");
        }
        return out;
    }

    /**
     * Little-endian {@code bytes} of {@code count} elements of an integer or BOOL type as int64: INT8/16/32/64
     * sign-extended, UINT8/16/32 zero-extended, BOOL as 0/1 (any non-zero byte is 1), UINT64 when at most
     * {@link Long#MAX_VALUE}.
     *
     * @param what names the tensor in errors
     * @throws IllegalStateException when the type is not one of these, a UINT64 does not fit an int64, or the byte
     *                               count is not {@code count} elements
     */
    public static long[] longsLE(byte[] bytes, OnnxDataType type, long count, String what) {
        checkSize(bytes, type, count, what);
        ByteBuffer bb = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        long[] out = new long[(int) count];
        for (int i = 0; i < out.length; i++) {
            switch (type) {
                case INT8: out[i] = bb.get(i); break;
                case UINT8: out[i] = bb.get(i) & 0xFF; break;
                case BOOL: out[i] = bb.get(i) != 0 ? 1 : 0; break;
                case INT16: out[i] = bb.getShort(2 * i); break;
                case UINT16: out[i] = bb.getShort(2 * i) & 0xFFFF; break;
                case INT32: out[i] = bb.getInt(4 * i); break;
                case UINT32: out[i] = bb.getInt(4 * i) & 0xFFFFFFFFL; break;
                case INT64: out[i] = bb.getLong(8 * i); break;
                case UINT64: out[i] = uint64(bb.getLong(8 * i), i, what); break;
                default: throw new IllegalStateException(what + " is " + type + ", not an integer or BOOL type");
            }
        }
        return out;
    }

    /** A UINT64 element's bits as an int64; an error naming the tensor when it exceeds {@link Long#MAX_VALUE}. */
    public static long uint64(long bits, int index, String what) {
        if (bits < 0) {
            throw new IllegalStateException(what + ": UINT64 element " + index + " = " + Long.toUnsignedString(bits)
                    + " exceeds the largest int64 (" + Long.MAX_VALUE + ")");
        }
        return bits;
    }

    private static void checkSize(byte[] bytes, OnnxDataType type, long count, String what) {
        if (type.byteSize() > 0 && bytes.length != count * type.byteSize()) {
            throw new IllegalStateException(what + " (" + type + ", " + count + " elements of " + type.byteSize()
                    + " bytes) has " + bytes.length + " bytes of data, expected " + count * type.byteSize());
        }
    }
}
