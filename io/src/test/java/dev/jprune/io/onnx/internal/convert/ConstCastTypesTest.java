package dev.jprune.io.onnx.internal.convert;

import dev.jprune.io.onnx.OnnxDataType;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

/** {@link ConstOps#cast} to every float and integer ONNX type: that type's rounding or wrapping (exact, tolerance 0). */
class ConstCastTypesTest {

    private static Const f(float... v) {
        return Const.ofFloats(new int[] {v.length}, v);
    }

    private static Const l(long... v) {
        return Const.ofLongs(new int[] {v.length}, v);
    }

    @Test
    void floatTypesRoundToTheirPrecision() {
        // 1/3 as a half is 0x3555 = 0.333251953125; 70000 is beyond the largest half (65504): infinity
        assertArrayEquals(new float[] {0.333251953125f, Float.POSITIVE_INFINITY, 0x1p-24f, 0f},
                ConstOps.cast(f(1f / 3, 70000f, 0x1p-24f, 0x1p-26f), OnnxDataType.FLOAT16).floats());
        // bfloat16 keeps 8 significant bits: 1/3 = 0x3EAAAAAB → 0x3EAB; 257 → 256 (tie to even)
        assertArrayEquals(new float[] {Float.intBitsToFloat(0x3EAB0000), 256f},
                ConstOps.cast(f(1f / 3, 257f), OnnxDataType.BFLOAT16).floats());
        assertArrayEquals(new float[] {1f / 3}, ConstOps.cast(f(1f / 3), OnnxDataType.DOUBLE).floats());
        assertArrayEquals(new float[] {2049f}, ConstOps.cast(l(2049), OnnxDataType.FLOAT).floats());
        assertArrayEquals(new float[] {2048f}, ConstOps.cast(l(2049), OnnxDataType.FLOAT16).floats()); // 11 bits: tie → even
    }

    @Test
    void integerTypesTruncateAndWrap() {
        assertArrayEquals(new long[] {1, -2, 127, -128}, ConstOps.cast(f(1.9f, -2.7f, 127.5f, -128.9f), OnnxDataType.INT8).longs());
        assertArrayEquals(new long[] {-1, 0}, ConstOps.cast(l(255, 256), OnnxDataType.INT8).longs());
        assertArrayEquals(new long[] {255, 0}, ConstOps.cast(l(-1, 256), OnnxDataType.UINT8).longs());
        assertArrayEquals(new long[] {-32768, -1}, ConstOps.cast(l(32768, 65535), OnnxDataType.INT16).longs());
        assertArrayEquals(new long[] {65535}, ConstOps.cast(l(-1), OnnxDataType.UINT16).longs());
        assertArrayEquals(new long[] {Integer.MIN_VALUE, 3}, ConstOps.cast(l(1L << 31, 3), OnnxDataType.INT32).longs());
        assertArrayEquals(new long[] {4294967295L}, ConstOps.cast(l(-1), OnnxDataType.UINT32).longs());
        assertArrayEquals(new long[] {7, -7}, ConstOps.cast(f(7.99f, -7.99f), OnnxDataType.INT64).longs());
        assertArrayEquals(new long[] {1, 0, 1, 1}, ConstOps.cast(f(0.5f, 0f, Float.NaN, -3f), OnnxDataType.BOOL).longs());
        assertArrayEquals(new long[] {1, 0}, ConstOps.cast(l(-5, 0), OnnxDataType.BOOL).longs());
    }
}
