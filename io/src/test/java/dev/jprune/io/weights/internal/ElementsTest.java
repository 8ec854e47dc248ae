package dev.jprune.io.weights.internal;

import dev.jprune.io.internal.HalfFloats;
import dev.jprune.io.weights.ElementType;
import dev.jprune.io.weights.StoredTensor;
import dev.jprune.tensor.Shape;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Element decoding: half floats, byte order, storage offsets and strides, views outside their storage. */
class ElementsTest {

    @Test
    void halfFloatsConvertExactly() {
        assertEquals(1.0f, HalfFloats.halfToFloat((short) 0x3C00));
        assertEquals(-2.0f, HalfFloats.halfToFloat((short) 0xC000));
        assertEquals(65504.0f, HalfFloats.halfToFloat((short) 0x7BFF));
        assertEquals(0x1p-24f, HalfFloats.halfToFloat((short) 0x0001), "smallest subnormal");
        assertEquals(0x1.ff8p-15f, HalfFloats.halfToFloat((short) 0x03FF), "largest subnormal");
        assertEquals(0x1p-14f, HalfFloats.halfToFloat((short) 0x0400), "smallest normal");
        assertEquals(Float.floatToIntBits(-0.0f), Float.floatToIntBits(HalfFloats.halfToFloat((short) 0x8000)));
        assertEquals(Float.POSITIVE_INFINITY, HalfFloats.halfToFloat((short) 0x7C00));
        assertEquals(Float.NEGATIVE_INFINITY, HalfFloats.halfToFloat((short) 0xFC00));
        assertTrue(Float.isNaN(HalfFloats.halfToFloat((short) 0x7E00)));
        assertEquals(0.333251953125f, HalfFloats.halfToFloat((short) 0x3555));
    }

    @Test
    void everyTypeDecodesInEitherByteOrder() {
        for (ByteOrder order : new ByteOrder[] {ByteOrder.LITTLE_ENDIAN, ByteOrder.BIG_ENDIAN}) {
            ByteBuffer b = ByteBuffer.allocate(16).order(order);
            b.putDouble(0, 0.1).putDouble(8, -3);
            assertArrayEquals(new float[] {0.1f, -3f}, floats(ElementType.F64, b, 2));
            b.putShort(0, (short) 0x3C00).putShort(2, (short) 0xBF80);
            assertArrayEquals(new float[] {1f, -1.875f}, Elements.decode(ElementType.F16, b, 0, Shape.of(2),
                    new long[] {1}).floatValues());
            assertArrayEquals(new float[] {0.0078125f, -1f}, Elements.decode(ElementType.BF16, b, 0, Shape.of(2),
                    new long[] {1}).floatValues());
            b.putLong(0, -5_000_000_000L);
            assertArrayEquals(new long[] {-5_000_000_000L}, Elements.decode(ElementType.I64, b, 0, Shape.of(),
                    new long[0]).longValues());
            b.putInt(0, -7).putShort(4, (short) -300).put(6, (byte) -1).put(7, (byte) 2).put(8, (byte) 0);
            assertArrayEquals(new long[] {-7}, Elements.decode(ElementType.I32, b, 0, Shape.of(1), new long[] {1})
                    .longValues());
            assertArrayEquals(new long[] {-300}, Elements.decode(ElementType.I16, b, 2, Shape.of(1), new long[] {1})
                    .longValues());
            assertArrayEquals(new long[] {-1, 2}, Elements.decode(ElementType.I8, b, 6, Shape.of(2), new long[] {1})
                    .longValues());
            assertArrayEquals(new long[] {255, 2}, Elements.decode(ElementType.U8, b, 6, Shape.of(2), new long[] {1})
                    .longValues());
            assertArrayEquals(new long[] {1, 1, 0}, Elements.decode(ElementType.BOOL, b, 6, Shape.of(3),
                    new long[] {1}).longValues());
        }
    }

    private static float[] floats(ElementType t, ByteBuffer b, int n) {
        return Elements.decode(t, b, 0, Shape.of(n), new long[] {1}).floatValues();
    }

    @Test
    void stridesAndOffsetsSelectTheView() {
        ByteBuffer b = ByteBuffer.allocate(4 * 14).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < 14; i++) {
            b.putFloat(4 * i, i);
        }
        // a (3, 4) tensor at offset 2, transposed: shape (4, 3), stride (1, 4)
        StoredTensor t = Elements.decode(ElementType.F32, b, 2, Shape.of(4, 3), new long[] {1, 4});
        assertArrayEquals(new float[] {2, 6, 10, 3, 7, 11, 4, 8, 12, 5, 9, 13}, t.floatValues());
        // a broadcast (stride 0) view and an empty one
        assertArrayEquals(new float[] {5, 5, 5}, Elements.decode(ElementType.F32, b, 5, Shape.of(3), new long[] {0})
                .floatValues());
        assertEquals(0, Elements.decode(ElementType.F32, b, 99, Shape.of(0, 3), new long[] {3, 1}).numel());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Elements.decode(ElementType.F32, b, 3, Shape.of(4, 3), new long[] {1, 4}));
        assertTrue(e.getMessage().contains("needs element 14 of a storage holding 14 float32 elements"), e.getMessage());
        assertThrows(IllegalArgumentException.class,
                () -> Elements.decode(ElementType.F32, b, 0, Shape.of(2, 2), new long[] {Long.MAX_VALUE, 1}));
    }
}
