package dev.jprune.io.onnx.internal;

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
}
