package dev.jprune.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jprune.train.Batch;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@link Subset}: index mapping (images and labels exactly), {@code first(n)}, and rejected indices. */
class SubsetTest {

    static final Dataset BASE = DataLoaderTest.numbered(10);

    @Test
    void mapsIndicesToTheBase() {
        int[] idx = {7, 2, 2, 9, 0};
        Subset s = new Subset(BASE, idx);
        assertEquals(5, s.size());
        for (int i = 0; i < idx.length; i++) {
            Example e = s.get(i);
            assertArrayEquals(BASE.get(idx[i]).image().data(), e.image().data(), "image of view index " + i);
            assertEquals(idx[i] % 3, e.label(), "label of view index " + i);
            assertEquals(idx[i] % 3, s.label(i));
        }
        assertEquals(BASE.classes(), s.classes());
        // Labels of 7, 2, 2, 9, 0: 1, 2, 2, 0, 0.
        assertArrayEquals(new int[] {2, 1, 2}, s.classCounts());
    }

    @Test
    void copiesTheIndexArray() {
        int[] idx = {3, 4};
        Subset s = new Subset(BASE, idx);
        idx[0] = 8;
        assertEquals(12f, s.get(0).image().data()[0], 0f, "still example 3 (pixel 0 = 4 * 3)");
    }

    @Test
    void viewIndexOutOfRange() {
        Subset s = new Subset(BASE, new int[] {1, 2});
        assertThrows(IndexOutOfBoundsException.class, () -> s.get(2));
        assertThrows(IndexOutOfBoundsException.class, () -> s.get(-1));
        assertThrows(IndexOutOfBoundsException.class, () -> s.label(2));
    }

    @Test
    void rejectsBadIndices() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new Subset(BASE, new int[] {0, 10}));
        assertTrue(e.getMessage().contains("10") && e.getMessage().contains("[0, 10)"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new Subset(BASE, new int[] {-1}));
        assertTrue(e.getMessage().contains("-1"), e.getMessage());
        assertThrows(NullPointerException.class, () -> new Subset(null, new int[] {0}));
        assertThrows(NullPointerException.class, () -> new Subset(BASE, null));
        assertEquals(0, new Subset(BASE, new int[0]).size(), "an empty view is allowed");
    }

    @Test
    void firstN() {
        Dataset three = Subset.first(BASE, 3);
        assertEquals(3, three.size());
        for (int i = 0; i < 3; i++) {
            assertArrayEquals(BASE.get(i).image().data(), three.get(i).image().data());
        }
        assertThrows(IndexOutOfBoundsException.class, () -> three.get(3));
        assertSame(BASE, Subset.first(BASE, 0), "0 means all of it");
        assertSame(BASE, Subset.first(BASE, 10));
        assertSame(BASE, Subset.first(BASE, 11));
        assertEquals(9, Subset.first(BASE, 9).size());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Subset.first(BASE, -2));
        assertTrue(e.getMessage().contains("-2"), e.getMessage());
    }

    @Test
    void loadsThroughADataLoader() {
        Subset s = new Subset(BASE, new int[] {9, 8, 1});
        List<Batch> batches = DataLoaderTest.all(DataLoader.builder(s).batchSize(2).build(), 0);
        assertArrayEquals(new int[] {9, 8}, DataLoaderTest.indices(batches.get(0)));
        assertArrayEquals(new int[] {1}, DataLoaderTest.indices(batches.get(1)));
        assertArrayEquals(new float[] {0, 2}, batches.get(0).targets().data());
    }
}
