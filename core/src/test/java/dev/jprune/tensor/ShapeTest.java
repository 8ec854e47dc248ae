package dev.jprune.tensor;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ShapeTest {

    @Test
    void basicsAndDefensiveCopies() {
        int[] d = {2, 3, 4};
        Shape s = new Shape(d);
        d[0] = 99;
        assertEquals(2, s.dim(0));
        s.dims()[1] = 99;
        assertEquals(3, s.dim(1));
        assertEquals(4, s.dim(-1));
        assertEquals(24, s.numel());
        assertArrayEquals(new int[] {12, 4, 1}, s.strides());
        assertEquals(Shape.of(2, 5, 4), s.with(1, 5));
        assertEquals("(2, 3, 4)", s.toString());
        assertEquals("(7,)", Shape.of(7).toString());
        assertEquals(1, Shape.of().numel());
        assertNotEquals(Shape.of(2, 3), Shape.of(3, 2));
    }

    @Test
    void rejectsBadDimsAndAxes() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Shape.of(2, -1));
        assertTrue(e.getMessage().contains("negative"));
        e = assertThrows(IllegalArgumentException.class, () -> Shape.of(2, 3).dim(2));
        assertTrue(e.getMessage().contains("axis 2"), e.getMessage());
    }

    @Test
    void tensorSelectCopiesIndicesAlongAxis() {
        Tensor t = Tensor.of(Shape.of(2, 3, 2), 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11);
        Tensor s = t.select(1, new int[] {2, 0});
        assertEquals(Shape.of(2, 2, 2), s.shape());
        assertArrayEquals(new float[] {4, 5, 0, 1, 10, 11, 6, 7}, s.data());
        assertEquals(7f, t.get(1, 0, 1));
        assertThrows(IndexOutOfBoundsException.class, () -> t.select(0, new int[] {2}));
        assertThrows(IllegalArgumentException.class, () -> t.reshape(Shape.of(5)));
    }
}
