package dev.jprune.ops;

import dev.jprune.ops.internal.ElementwiseSupport;
import dev.jprune.ops.internal.ModuleRepr;
import dev.jprune.ops.internal.PoolSupport;
import org.junit.jupiter.api.Test;

import java.util.concurrent.atomic.AtomicIntegerArray;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The shared helpers in {@code ops.internal} used by the element-wise, pooling and norm ops. */
class ElementwiseSupportTest {

    @Test
    void pyFloatPrintsLikePythonRepr() {
        // Expected strings are Python 3's repr(float).
        assertEquals("1e-05", ModuleRepr.pyFloat(1e-5));
        assertEquals("1e-06", ModuleRepr.pyFloat(1e-6));
        assertEquals("2.5e-07", ModuleRepr.pyFloat(2.5e-7));
        assertEquals("0.0001", ModuleRepr.pyFloat(1e-4));
        assertEquals("0.001", ModuleRepr.pyFloat(0.001));
        assertEquals("0.1", ModuleRepr.pyFloat(0.1));
        assertEquals("1.0", ModuleRepr.pyFloat(1.0));
        assertEquals("-0.5", ModuleRepr.pyFloat(-0.5));
        assertEquals("123.25", ModuleRepr.pyFloat(123.25));
        assertEquals("1000000.0", ModuleRepr.pyFloat(1e6));
        assertEquals("1e+16", ModuleRepr.pyFloat(1e16));
        assertEquals("0.0", ModuleRepr.pyFloat(0.0));
        assertEquals("-0.0", ModuleRepr.pyFloat(-0.0));
        assertEquals("inf", ModuleRepr.pyFloat(Double.POSITIVE_INFINITY));
        assertEquals("nan", ModuleRepr.pyFloat(Double.NaN));
        assertEquals("(3, 2)", ModuleRepr.pair(3, 2));
        assertEquals("3", ModuleRepr.pair(3, 3));
    }

    @Test
    void forItemsVisitsEveryItemOnce() {
        for (int[] c : new int[][] {{0, 5}, {1, 1}, {100000, 1}, {7, 100000}, {3000, 64}}) {
            AtomicIntegerArray seen = new AtomicIntegerArray(c[0]);
            ElementwiseSupport.forItems(c[0], c[1], seen::incrementAndGet);
            for (int i = 0; i < c[0]; i++) {
                assertEquals(1, seen.get(i), "item " + i + " of " + c[0]);
            }
        }
    }

    @Test
    void adaptiveWindowsCoverTheInput() {
        // 7 → 3: [0, 3), [2, 5), [4, 7); 5 → 2: [0, 3), [2, 5); 2 → 4: [0, 1), [0, 1), [1, 2), [1, 2)
        int[][] expected = {{0, 3}, {2, 5}, {4, 7}};
        for (int i = 0; i < 3; i++) {
            assertEquals(expected[i][0], PoolSupport.adaptiveStart(i, 7, 3));
            assertEquals(expected[i][1], PoolSupport.adaptiveEnd(i, 7, 3));
        }
        assertEquals(2, PoolSupport.adaptiveStart(1, 5, 2));
        assertEquals(3, PoolSupport.adaptiveEnd(0, 5, 2));
        assertEquals(0, PoolSupport.adaptiveStart(1, 2, 4));
        assertEquals(1, PoolSupport.adaptiveEnd(1, 2, 4));
        assertEquals(3, PoolSupport.outputSize(5, 2, 2, 1, 1, true), "ceil-mode correction");
        assertEquals(0, PoolSupport.outputSize(2, 3, 2, 0, 1, false), "too small gives < 1");
    }
}
