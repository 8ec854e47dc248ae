package dev.jprune.ir.axis;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class IndicesTest {

    @Test
    void ofSortsAndDropsDuplicates() {
        Indices i = Indices.of(9, 2, 6, 2);
        assertArrayEquals(new int[] {2, 6, 9}, i.indices());
        assertArrayEquals(new int[] {2, 6, 9}, i.roots());
        assertEquals(3, i.size());
        assertEquals(9, i.max());
        assertTrue(i.contains(6));
        assertFalse(i.contains(5));
        assertThrows(IllegalArgumentException.class, () -> Indices.of(-1));
    }

    @Test
    void pairsKeepTheSmallerRootForARepeatedIndex() {
        Indices i = Indices.pairs(new int[] {4, 1, 4}, new int[] {7, 3, 2});
        assertArrayEquals(new int[] {1, 4}, i.indices());
        assertArrayEquals(new int[] {3, 2}, i.roots());
    }

    @Test
    void mappingsCarryTheRoots() {
        Indices root = Indices.of(1, 3);
        Indices shifted = root.shift(10);
        assertArrayEquals(new int[] {11, 13}, shifted.indices());
        assertArrayEquals(new int[] {1, 3}, shifted.roots());

        Indices blocks = root.flatMap(c -> new int[] {4 * c, 4 * c + 1, 4 * c + 2, 4 * c + 3});
        assertArrayEquals(new int[] {4, 5, 6, 7, 12, 13, 14, 15}, blocks.indices());
        assertArrayEquals(new int[] {1, 1, 1, 1, 3, 3, 3, 3}, blocks.roots());

        Indices back = blocks.map(f -> f / 4);
        assertArrayEquals(new int[] {1, 3}, back.indices());
        assertArrayEquals(new int[] {1, 3}, back.roots());

        Indices dropped = Indices.of(0, 5, 8).map(i -> i < 6 ? i : -1);
        assertArrayEquals(new int[] {0, 5}, dropped.indices());
    }

    @Test
    void windowSelectsAStridedRangeInItsOwnCoordinates() {
        Indices i = Indices.of(1, 2, 4, 6, 9);
        Indices w = i.window(2, 9, 2);
        assertArrayEquals(new int[] {0, 1, 2}, w.indices()); // 2, 4, 6 → positions 0, 1, 2 of 2:9:2
        assertArrayEquals(new int[] {2, 4, 6}, w.roots());
    }

    @Test
    void unionAndContainment() {
        Indices a = Indices.of(1, 5);
        Indices b = Indices.pairs(new int[] {5, 7}, new int[] {0, 7});
        Indices u = a.union(b);
        assertArrayEquals(new int[] {1, 5, 7}, u.indices());
        assertArrayEquals(new int[] {1, 0, 7}, u.roots());
        assertTrue(u.containsAll(a));
        assertFalse(a.containsAll(u));
        assertEquals(a, a.union(Indices.empty()));
    }

    @Test
    void complementIsWhatASliceKeeps() {
        assertArrayEquals(new int[] {0, 3, 4}, Indices.of(1, 2).complement(5));
        assertArrayEquals(new int[] {0, 1, 2}, Indices.empty().complement(3));
        assertThrows(IllegalArgumentException.class, () -> Indices.of(5).complement(5));
    }
}
