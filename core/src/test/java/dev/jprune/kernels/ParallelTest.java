package dev.jprune.kernels;

import org.junit.jupiter.api.Test;

import java.util.Collections;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicIntegerArray;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/** The pool: every block once, nested calls, exceptions, thread naming and size overrides. */
class ParallelTest {

    @Test
    void runsEveryBlockExactlyOnce() {
        for (int threads : new int[] {1, 2, 3}) {
            Parallel.withThreads(threads, () -> {
                assertEquals(threads, Parallel.threads());
                for (int blocks : new int[] {0, 1, 2, 5, 97}) {
                    AtomicIntegerArray seen = new AtomicIntegerArray(Math.max(blocks, 1));
                    Parallel.forRange(blocks, i -> seen.incrementAndGet(i));
                    for (int i = 0; i < blocks; i++) {
                        assertEquals(1, seen.get(i), "block " + i + " of " + blocks + " with " + threads + " threads");
                    }
                }
            });
        }
    }

    @Test
    void nestedCallsRunInlineWithoutDeadlock() {
        Parallel.withThreads(2, () -> {
            AtomicIntegerArray seen = new AtomicIntegerArray(8 * 8);
            Parallel.forRange(8, outer -> {
                Thread me = Thread.currentThread();
                Parallel.forRange(8, inner -> {
                    assertSame(me, Thread.currentThread(), "nested blocks must run on the calling thread");
                    seen.incrementAndGet(outer * 8 + inner);
                });
            });
            for (int i = 0; i < 64; i++) {
                assertEquals(1, seen.get(i), "nested block " + i);
            }
        });
    }

    @Test
    void propagatesTheFirstExceptionWithOthersSuppressed() {
        Parallel.withThreads(2, () -> {
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> Parallel.forRange(16, i -> {
                if (i % 4 == 1) {
                    throw new IllegalStateException("block " + i);
                }
            }));
            assertTrue(e.getMessage().startsWith("block "), e.getMessage());
            AssertionError error = assertThrows(AssertionError.class,
                    () -> Parallel.forRange(1, i -> fail("inline failure")));
            assertEquals("inline failure", error.getMessage());
        });
        assertThrows(IllegalArgumentException.class, () -> Parallel.forRange(-1, i -> { }));
        assertThrows(IllegalArgumentException.class, () -> Parallel.withThreads(0, () -> { }));
    }

    @Test
    void workersAreDaemonsWithProjectNames() throws InterruptedException {
        if (Parallel.threads() < 2) {
            // With one thread the caller runs everything; check only that it still works.
            int[] count = new int[1];
            Parallel.forRange(3, i -> count[0]++);
            assertEquals(3, count[0]);
            return;
        }
        // Block 0 waits until another block has started, which forces a second thread to take part.
        CountDownLatch otherStarted = new CountDownLatch(1);
        Set<Thread> threads = Collections.synchronizedSet(new HashSet<>());
        Parallel.forRange(2, i -> {
            threads.add(Thread.currentThread());
            if (i == 0) {
                try {
                    assertTrue(otherStarted.await(10, TimeUnit.SECONDS), "second block never started");
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            } else {
                otherStarted.countDown();
            }
        });
        assertEquals(2, threads.size());
        boolean sawWorker = false;
        for (Thread t : threads) {
            if (t != Thread.currentThread()) {
                assertTrue(t.getName().startsWith("jprune-worker-"), t.getName());
                assertTrue(t.isDaemon(), t.getName() + " must be a daemon");
                sawWorker = true;
            }
        }
        assertTrue(sawWorker);
    }
}
