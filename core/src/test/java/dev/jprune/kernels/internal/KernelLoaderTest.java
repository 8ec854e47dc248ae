package dev.jprune.kernels.internal;

import dev.jprune.kernels.Kernels;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Which implementation the loader hands out, and that it caches it. */
class KernelLoaderTest {

    @Test
    void scalarIsAlwaysThereAndShared() {
        assertEquals("scalar", KernelLoader.scalar().name());
        assertSame(KernelLoader.scalar(), Kernels.scalar());
    }

    @Test
    void bestIsCachedAndVectorWhenTheModuleIsPresent() {
        Kernels best = Kernels.get();
        assertSame(best, KernelLoader.best());
        String forced = System.getProperty(KernelLoader.PROPERTY);
        if (forced == null && KernelLoader.vectorAvailable()) {
            assertTrue(best.name().startsWith("vector-"), "expected vector kernels, got " + best.name());
        } else if (forced == null) {
            assertEquals("scalar", best.name());
        }
    }

    @Test
    void vectorFactoryGivesEachWidthOrNullWithoutTheModule() {
        for (int bits : KernelTesting.WIDTHS) {
            Kernels k = KernelLoader.vector(bits);
            if (KernelLoader.vectorAvailable()) {
                assertEquals("vector-" + bits, k.name());
            } else {
                assertNull(k);
            }
        }
        assertThrows(IllegalArgumentException.class, () -> KernelLoader.vector(1024));
    }
}
