package dev.jprune.io.onnx;

import com.google.protobuf.ByteString;
import dev.jprune.io.internal.HalfFloats;
import dev.jprune.io.onnx.internal.proto.Onnx.StringStringEntryProto;
import dev.jprune.io.onnx.internal.proto.Onnx.TensorProto;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.function.Consumer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link OnnxTensor#toFloats()} and {@link OnnxTensor#toLongs()} on every numeric ONNX type, from {@code raw_data}
 * (written here with {@link ByteBuffer}), from the typed field the ONNX spec stores the type in, and from external
 * data; half and bfloat16 conversions against bit patterns worked out by hand from IEEE 754. Expected values are
 * exact (tolerance 0) unless stated.
 */
class OnnxTensorTypesTest {

    private static TensorProto.Builder proto(OnnxDataType type, long... dims) {
        TensorProto.Builder b = TensorProto.newBuilder().setName("t_" + type).setDataType(type.code());
        for (long d : dims) {
            b.addDims(d);
        }
        return b;
    }

    private static OnnxTensor raw(OnnxDataType type, int count, Consumer<ByteBuffer> fill) {
        ByteBuffer bb = ByteBuffer.allocate(count * type.byteSize()).order(ByteOrder.LITTLE_ENDIAN);
        fill.accept(bb);
        return new OnnxTensor(proto(type, count).setRawData(ByteString.copyFrom(bb.array())).build(), null);
    }

    private static OnnxTensor typed(TensorProto.Builder b) {
        return new OnnxTensor(b.build(), null);
    }

    // ---- half and bfloat16 ----

    @Test
    void halfBitPatternsDecodeToTheirIeeeValues() {
        int[] bits = {0x3C00, 0xC000, 0x7BFF, 0x0001, 0x03FF, 0x0400, 0x3555, 0x8000, 0x7C00, 0xFC00};
        float[] want = {1f, -2f, 65504f, 0x1p-24f, 1023 * 0x1p-24f, 0x1p-14f, 0.333251953125f, -0f,
                Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY};
        for (int i = 0; i < bits.length; i++) {
            assertEquals(Float.floatToIntBits(want[i]), Float.floatToIntBits(HalfFloats.halfToFloat(bits[i])),
                    Integer.toHexString(bits[i]));
        }
        assertTrue(Float.isNaN(HalfFloats.halfToFloat(0x7E00)));
        assertTrue(Float.isNaN(HalfFloats.halfToFloat(0xFC01)));
    }

    @Test
    void everyFiniteHalfMatchesTheFormulaAndRoundTrips() {
        for (int h = 0; h < 0x10000; h++) {
            int e = (h >>> 10) & 0x1F;
            int m = h & 0x3FF;
            if (e == 0x1F) {
                continue;
            }
            double mag = e == 0 ? Math.scalb((double) m, -24) : Math.scalb(1 + m / 1024.0, e - 15);
            double v = (h & 0x8000) != 0 ? -mag : mag;
            float f = HalfFloats.halfToFloat(h);
            assertEquals(v, f, 0.0, Integer.toHexString(h));
            assertEquals(h, HalfFloats.floatToHalf(f), "round trip of " + Integer.toHexString(h));
        }
    }

    @Test
    void floatToHalfRoundsToNearestEven() {
        assertEquals(0x3555, HalfFloats.floatToHalf(1f / 3));
        assertEquals(0x3C00, HalfFloats.floatToHalf(1 + 0x1p-11f));          // tie → even (1.0)
        assertEquals(0x3C02, HalfFloats.floatToHalf(1 + 3 * 0x1p-11f));      // tie → even (1 + 2⁻⁹)
        assertEquals(0x3C01, HalfFloats.floatToHalf(1 + 0x1p-11f + 0x1p-20f)); // above the tie
        assertEquals(0x7BFF, HalfFloats.floatToHalf(65519f));
        assertEquals(0x7C00, HalfFloats.floatToHalf(65520f));                // tie at the top → infinity
        assertEquals(0xFC00, HalfFloats.floatToHalf(-1e10f));
        assertEquals(0x0000, HalfFloats.floatToHalf(0x1p-25f));              // tie below the smallest subnormal → 0
        assertEquals(0x0001, HalfFloats.floatToHalf(1.5f * 0x1p-25f));
        assertEquals(0x0400, HalfFloats.floatToHalf(0x1p-14f - 0x1p-26f));   // subnormal rounding carries into a normal
        assertEquals(0x8000, HalfFloats.floatToHalf(-1e-30f));
        assertEquals(0x7C00, HalfFloats.floatToHalf(Float.POSITIVE_INFINITY));
        assertTrue(Float.isNaN(HalfFloats.halfToFloat(HalfFloats.floatToHalf(Float.NaN))));
    }

    @Test
    void bfloat16IsTheUpperHalfAndRoundsToNearestEven() {
        assertEquals(1f, HalfFloats.bfloat16ToFloat(0x3F80), 0f);
        assertEquals(-3.140625f, HalfFloats.bfloat16ToFloat(0xC049), 0f);
        assertEquals(Float.intBitsToFloat(0x00010000), HalfFloats.bfloat16ToFloat(0x0001), 0f); // float subnormal
        assertEquals(Float.POSITIVE_INFINITY, HalfFloats.bfloat16ToFloat(0x7F80), 0f);
        assertTrue(Float.isNaN(HalfFloats.bfloat16ToFloat(0x7FC0)));
        assertEquals(0x3F80, HalfFloats.floatToBfloat16(Float.intBitsToFloat(0x3F808000))); // tie → even
        assertEquals(0x3F82, HalfFloats.floatToBfloat16(Float.intBitsToFloat(0x3F818000))); // tie → even
        assertEquals(0x3F81, HalfFloats.floatToBfloat16(Float.intBitsToFloat(0x3F808001)));
        assertEquals(0x7F80, HalfFloats.floatToBfloat16(Float.MAX_VALUE));
        assertTrue(Float.isNaN(HalfFloats.bfloat16ToFloat(HalfFloats.floatToBfloat16(Float.NaN))));
    }

    // ---- floating types ----

    @Test
    void floatRawAndTyped() {
        float[] want = {1.5f, -2f, 0x1p-130f};
        assertArrayEquals(want, raw(OnnxDataType.FLOAT, 3, b -> { for (float f : want) { b.putFloat(f); } }).toFloats());
        assertArrayEquals(want, typed(proto(OnnxDataType.FLOAT, 3).addFloatData(1.5f).addFloatData(-2f)
                .addFloatData(0x1p-130f)).toFloats());
    }

    @Test
    void doubleRawAndTypedRoundToFloat() {
        double[] d = {0.1, -1e300, 3.0, 1e-50};
        float[] want = {0.1f, Float.NEGATIVE_INFINITY, 3f, 0f};
        assertArrayEquals(want, raw(OnnxDataType.DOUBLE, 4, b -> { for (double v : d) { b.putDouble(v); } }).toFloats());
        TensorProto.Builder t = proto(OnnxDataType.DOUBLE, 4);
        for (double v : d) {
            t.addDoubleData(v);
        }
        assertArrayEquals(want, typed(t).toFloats());
    }

    @Test
    void float16RawAndTypedIncludingSubnormalInfNaN() {
        short[] bits = {0x3C00, (short) 0xC000, 0x0001, 0x03FF, 0x7C00, (short) 0xFC00, 0x7E00, (short) 0x8000};
        float[] want = {1f, -2f, 0x1p-24f, 1023 * 0x1p-24f, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY,
                Float.NaN, -0f};
        float[] fromRaw = raw(OnnxDataType.FLOAT16, 8, b -> { for (short s : bits) { b.putShort(s); } }).toFloats();
        TensorProto.Builder t = proto(OnnxDataType.FLOAT16, 2, 4);
        for (short s : bits) {
            t.addInt32Data(s & 0xFFFF); // the spec stores the bit pattern, zero-extended
        }
        float[] fromTyped = typed(t).toFloats();
        for (int i = 0; i < want.length; i++) {
            assertEquals(Float.floatToIntBits(want[i]), Float.floatToIntBits(fromRaw[i]), "raw element " + i);
            assertEquals(Float.floatToIntBits(want[i]), Float.floatToIntBits(fromTyped[i]), "typed element " + i);
        }
    }

    @Test
    void bfloat16RawAndTyped() {
        short[] bits = {0x3F80, (short) 0xC049, 0x7F80, 0x0001};
        float[] want = {1f, -3.140625f, Float.POSITIVE_INFINITY, Float.intBitsToFloat(0x00010000)};
        assertArrayEquals(want, raw(OnnxDataType.BFLOAT16, 4, b -> { for (short s : bits) { b.putShort(s); } }).toFloats());
        TensorProto.Builder t = proto(OnnxDataType.BFLOAT16, 4);
        for (short s : bits) {
            t.addInt32Data(s & 0xFFFF);
        }
        assertArrayEquals(want, typed(t).toFloats());
    }

    // ---- integer types ----

    @Test
    void signedIntegersRawAndTyped() {
        assertArrayEquals(new long[] {-128, 127, -1}, raw(OnnxDataType.INT8, 3,
                b -> b.put((byte) -128).put((byte) 127).put((byte) -1)).toLongs());
        assertArrayEquals(new long[] {-128, 127, -1}, typed(proto(OnnxDataType.INT8, 3).addInt32Data(-128)
                .addInt32Data(127).addInt32Data(-1)).toLongs());
        assertArrayEquals(new long[] {-32768, 1234}, raw(OnnxDataType.INT16, 2,
                b -> b.putShort((short) -32768).putShort((short) 1234)).toLongs());
        assertArrayEquals(new long[] {-32768, 1234}, typed(proto(OnnxDataType.INT16, 2).addInt32Data(-32768)
                .addInt32Data(1234)).toLongs());
        assertArrayEquals(new long[] {Integer.MIN_VALUE, 7}, raw(OnnxDataType.INT32, 2,
                b -> b.putInt(Integer.MIN_VALUE).putInt(7)).toLongs());
        assertArrayEquals(new long[] {Integer.MIN_VALUE, 7}, typed(proto(OnnxDataType.INT32, 2)
                .addInt32Data(Integer.MIN_VALUE).addInt32Data(7)).toLongs());
        assertArrayEquals(new long[] {Long.MIN_VALUE, 5}, raw(OnnxDataType.INT64, 2,
                b -> b.putLong(Long.MIN_VALUE).putLong(5)).toLongs());
        assertArrayEquals(new long[] {Long.MIN_VALUE, 5}, typed(proto(OnnxDataType.INT64, 2)
                .addInt64Data(Long.MIN_VALUE).addInt64Data(5)).toLongs());
    }

    @Test
    void unsignedIntegersAndBoolRawAndTyped() {
        assertArrayEquals(new long[] {255, 0, 128}, raw(OnnxDataType.UINT8, 3,
                b -> b.put((byte) 0xFF).put((byte) 0).put((byte) 0x80)).toLongs());
        assertArrayEquals(new long[] {255, 0, 128}, typed(proto(OnnxDataType.UINT8, 3).addInt32Data(255)
                .addInt32Data(0).addInt32Data(128)).toLongs());
        assertArrayEquals(new long[] {65535, 1}, raw(OnnxDataType.UINT16, 2,
                b -> b.putShort((short) 0xFFFF).putShort((short) 1)).toLongs());
        assertArrayEquals(new long[] {65535, 1}, typed(proto(OnnxDataType.UINT16, 2).addInt32Data(65535)
                .addInt32Data(1)).toLongs());
        assertArrayEquals(new long[] {4294967295L, 2}, raw(OnnxDataType.UINT32, 2,
                b -> b.putInt(0xFFFFFFFF).putInt(2)).toLongs());
        assertArrayEquals(new long[] {4294967295L, 2}, typed(proto(OnnxDataType.UINT32, 2)
                .addUint64Data(4294967295L).addUint64Data(2)).toLongs());
        assertArrayEquals(new long[] {Long.MAX_VALUE, 9}, raw(OnnxDataType.UINT64, 2,
                b -> b.putLong(Long.MAX_VALUE).putLong(9)).toLongs());
        assertArrayEquals(new long[] {Long.MAX_VALUE, 9}, typed(proto(OnnxDataType.UINT64, 2)
                .addUint64Data(Long.MAX_VALUE).addUint64Data(9)).toLongs());
        assertArrayEquals(new long[] {1, 0, 1}, raw(OnnxDataType.BOOL, 3,
                b -> b.put((byte) 1).put((byte) 0).put((byte) 1)).toLongs());
        assertArrayEquals(new long[] {1, 0, 1}, typed(proto(OnnxDataType.BOOL, 3).addInt32Data(1).addInt32Data(0)
                .addInt32Data(1)).toLongs());
        // integers read as floats, exactly where float holds them
        assertArrayEquals(new float[] {255f, 0f, 128f}, typed(proto(OnnxDataType.UINT8, 3).addInt32Data(255)
                .addInt32Data(0).addInt32Data(128)).toFloats());
        assertArrayEquals(new float[] {-32768f, 1234f}, raw(OnnxDataType.INT16, 2,
                b -> b.putShort((short) -32768).putShort((short) 1234)).toFloats());
    }

    @Test
    void uint64BeyondInt64IsAnErrorNamingTheTensor() {
        IllegalStateException raw = assertThrows(IllegalStateException.class, () -> raw(OnnxDataType.UINT64, 1,
                b -> b.putLong(Long.MIN_VALUE)).toLongs());
        assertTrue(raw.getMessage().contains("t_UINT64") && raw.getMessage().contains("9223372036854775808"),
                raw.getMessage());
        IllegalStateException typed = assertThrows(IllegalStateException.class,
                () -> typed(proto(OnnxDataType.UINT64, 1).addUint64Data(-1L)).toLongs());
        assertTrue(typed.getMessage().contains("t_UINT64") && typed.getMessage().contains("18446744073709551615"),
                typed.getMessage());
    }

    @Test
    void externalDataIsDecodedByType() {
        byte[] bytes = ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putShort((short) 0x3C00)
                .putShort((short) 0xBC00).array();
        TensorProto p = proto(OnnxDataType.FLOAT16, 2).setDataLocation(TensorProto.DataLocation.EXTERNAL)
                .addExternalData(StringStringEntryProto.newBuilder().setKey("location").setValue("w.bin")).build();
        assertArrayEquals(new float[] {1f, -1f}, new OnnxTensor(p, bytes).toFloats());
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> new OnnxTensor(p, null).toFloats());
        assertTrue(e.getMessage().contains("not read"), e.getMessage());
    }

    // ---- errors and the strict accessors ----

    @Test
    void unsupportedTypesAndMismatchesNameTheTensorAndType() {
        IllegalStateException s = assertThrows(IllegalStateException.class,
                () -> typed(proto(OnnxDataType.STRING, 1).addStringData(ByteString.copyFromUtf8("a"))).toFloats());
        assertTrue(s.getMessage().contains("t_STRING") && s.getMessage().contains("STRING"), s.getMessage());
        IllegalStateException c = assertThrows(IllegalStateException.class,
                () -> typed(proto(OnnxDataType.COMPLEX64, 1).addFloatData(1).addFloatData(2)).toLongs());
        assertTrue(c.getMessage().contains("t_COMPLEX64") && c.getMessage().contains("COMPLEX64"), c.getMessage());
        IllegalStateException f = assertThrows(IllegalStateException.class,
                () -> typed(proto(OnnxDataType.FLOAT, 1).addFloatData(1)).toLongs());
        assertTrue(f.getMessage().contains("t_FLOAT") && f.getMessage().contains("not an integer"), f.getMessage());
        IllegalStateException size = assertThrows(IllegalStateException.class,
                () -> new OnnxTensor(proto(OnnxDataType.FLOAT16, 3).setRawData(ByteString.copyFrom(new byte[4]))
                        .build(), null).toFloats());
        assertTrue(size.getMessage().contains("t_FLOAT16") && size.getMessage().contains("expected 6"),
                size.getMessage());
        IllegalStateException count = assertThrows(IllegalStateException.class,
                () -> typed(proto(OnnxDataType.INT32, 3).addInt32Data(1)).toLongs());
        assertTrue(count.getMessage().contains("3 elements"), count.getMessage());
    }

    @Test
    void floatsAndLongsStayStrict() {
        OnnxTensor half = typed(proto(OnnxDataType.FLOAT16, 1).addInt32Data(0x3C00));
        assertThrows(IllegalStateException.class, half::floats);
        assertEquals(1f, half.toFloats()[0], 0f);
        OnnxTensor i32 = typed(proto(OnnxDataType.INT32, 1).addInt32Data(3));
        assertThrows(IllegalStateException.class, i32::longs);
        assertEquals(3L, i32.toLongs()[0]);
    }
}
