package dev.jprune.kernels;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.IntConsumer;

/**
 * The one thread pool the project owns, and the only way its kernels run work in parallel.
 *
 * <p>Work is expressed as a number of blocks, {@code body(0) .. body(blocks - 1)}. Callers choose the
 * blocks from the problem alone (never from {@link #threads()}) and make each block's arithmetic
 * independent of the others, so results are identical whatever the thread count. The calling thread
 * takes part; a call made from inside a block (a nested call) runs its blocks inline on the current
 * thread, so nesting cannot deadlock.
 *
 * <p>The size comes from the system property {@code jprune.threads} (read once), by default
 * {@link Runtime#availableProcessors()}. The pool keeps {@code threads - 1} daemon threads named
 * {@code jprune-worker-N}, started lazily; they never keep the JVM alive.
 */
public final class Parallel {

    private static final String PROPERTY = "jprune.threads";

    /** Set on a thread while it runs a block of a loop spread over the pool, so nested calls run inline. */
    private static final ThreadLocal<Boolean> IN_BLOCK = ThreadLocal.withInitial(() -> Boolean.FALSE);

    /** A pool chosen for the current thread by {@link #withThreads}; null means the shared pool. */
    private static final ThreadLocal<Pool> OVERRIDE = new ThreadLocal<>();

    /** The shared pool; see {@link #shared()}. */
    private static volatile Pool shared;

    private Parallel() {
    }

    /**
     * The number of threads that run blocks, the caller included (at least 1).
     *
     * @throws IllegalArgumentException if the system property {@code jprune.threads} is not a positive integer
     */
    public static int threads() {
        Pool override = OVERRIDE.get();
        return override != null ? override.size : shared().size;
    }

    /**
     * Runs {@code body.accept(i)} for every {@code i} in {@code [0, blocks)}, spread over the pool, and
     * returns when all have finished. Blocks run in no particular order and possibly concurrently.
     * Runs inline, in ascending order, when {@code blocks == 1}, when the pool has one thread, or when
     * called from inside a block.
     *
     * <p>If blocks throw, the first exception (in time) is rethrown to the caller once every started
     * block has finished, with later ones attached as suppressed; blocks not yet started are skipped.
     * Unchecked exceptions and errors are rethrown as they are.
     *
     * @param blocks the number of blocks, {@code >= 0}
     * @param body   the work of one block
     * @throws IllegalArgumentException if {@code blocks < 0}, or if the system property
     *                                  {@code jprune.threads} is not a positive integer
     */
    public static void forRange(int blocks, IntConsumer body) {
        if (blocks < 0) {
            throw new IllegalArgumentException("blocks must be >= 0, got " + blocks);
        }
        if (blocks == 0) {
            return;
        }
        if (IN_BLOCK.get()) {
            // Nested: the pool's threads may all be busy with the enclosing loop, so stay on this thread.
            runInline(blocks, body);
            return;
        }
        Pool override = OVERRIDE.get();
        Pool pool = override != null ? override : shared();
        if (blocks == 1 || pool.size == 1) {
            // Not inside a block, so calls made by body may still use the pool.
            runInline(blocks, body);
        } else {
            pool.run(blocks, body);
        }
    }

    /**
     * Runs {@code action} on the current thread with a private pool of {@code threads} threads in place
     * of the shared one, then shuts that pool down. Meant for tests that check results do not depend on
     * the thread count; only kernels called from the current thread (and their nested calls) see it.
     *
     * @param threads the pool size, caller included, {@code >= 1}
     * @param action  the work to run
     * @throws IllegalArgumentException if {@code threads < 1}
     */
    static void withThreads(int threads, Runnable action) {
        if (threads < 1) {
            throw new IllegalArgumentException("threads must be >= 1, got " + threads);
        }
        Pool previous = OVERRIDE.get();
        Pool pool = new Pool(threads, "jprune-test-worker-");
        OVERRIDE.set(pool);
        try {
            action.run();
        } finally {
            if (previous == null) {
                OVERRIDE.remove();
            } else {
                OVERRIDE.set(previous);
            }
            pool.shutdown();
        }
    }

    private static void runInline(int blocks, IntConsumer body) {
        for (int i = 0; i < blocks; i++) {
            body.accept(i);
        }
    }

    private static int configuredThreads() {
        String value = System.getProperty(PROPERTY);
        if (value == null || value.isBlank()) {
            return Runtime.getRuntime().availableProcessors();
        }
        try {
            int n = Integer.parseInt(value.trim());
            if (n >= 1) {
                return n;
            }
        } catch (NumberFormatException e) {
            // fall through to the error below, which names the option and the value
        }
        throw new IllegalArgumentException("system property " + PROPERTY + " must be a positive integer, got '" + value + "'");
    }

    /** The shared pool, created on first use (a bad {@code jprune.threads} fails every call, clearly). */
    private static Pool shared() {
        Pool pool = shared;
        if (pool == null) {
            synchronized (Parallel.class) {
                pool = shared;
                if (pool == null) {
                    pool = new Pool(configuredThreads(), "jprune-worker-");
                    shared = pool;
                }
            }
        }
        return pool;
    }

    /** One parallel loop in flight: a block counter, a completion count and the first failure. */
    private static final class Job {
        final int blocks;
        final IntConsumer body;
        final AtomicInteger next = new AtomicInteger();
        final AtomicInteger done = new AtomicInteger();
        final AtomicReference<Throwable> failure = new AtomicReference<>();
        final ReentrantLock lock = new ReentrantLock();
        final Condition finished = lock.newCondition();

        Job(int blocks, IntConsumer body) {
            this.blocks = blocks;
            this.body = body;
        }

        /** Claims and runs blocks until none is left. */
        void work() {
            int i;
            while ((i = next.getAndIncrement()) < blocks) {
                try {
                    if (failure.get() == null) {
                        body.accept(i);
                    }
                } catch (Throwable t) {
                    if (!failure.compareAndSet(null, t)) {
                        Throwable first = failure.get();
                        if (first != t) {
                            synchronized (first) {
                                first.addSuppressed(t);
                            }
                        }
                    }
                } finally {
                    if (done.incrementAndGet() == blocks) {
                        lock.lock();
                        try {
                            finished.signalAll();
                        } finally {
                            lock.unlock();
                        }
                    }
                }
            }
        }

        void await() {
            if (done.get() == blocks) {
                return;
            }
            lock.lock();
            try {
                boolean interrupted = false;
                while (done.get() != blocks) {
                    try {
                        finished.await();
                    } catch (InterruptedException e) {
                        interrupted = true;
                    }
                }
                if (interrupted) {
                    Thread.currentThread().interrupt();
                }
            } finally {
                lock.unlock();
            }
        }
    }

    /** A fixed set of daemon workers taking helper tasks from a queue. */
    private static final class Pool {
        final int size;
        private final ExecutorService executor;

        Pool(int size, String prefix) {
            this.size = size;
            if (size > 1) {
                AtomicInteger counter = new AtomicInteger();
                this.executor = Executors.newFixedThreadPool(size - 1, r -> {
                    Thread t = new Thread(r, prefix + counter.incrementAndGet());
                    t.setDaemon(true);
                    return t;
                });
            } else {
                this.executor = null;
            }
        }

        void run(int blocks, IntConsumer body) {
            Job job = new Job(blocks, body);
            int helpers = Math.min(size - 1, blocks - 1);
            Runnable helper = () -> {
                IN_BLOCK.set(Boolean.TRUE);
                try {
                    job.work();
                } finally {
                    IN_BLOCK.set(Boolean.FALSE);
                }
            };
            for (int h = 0; h < helpers; h++) {
                executor.execute(helper);
            }
            IN_BLOCK.set(Boolean.TRUE);
            try {
                job.work();
            } finally {
                IN_BLOCK.set(Boolean.FALSE);
            }
            job.await();
            Throwable t = job.failure.get();
            if (t != null) {
                if (t instanceof RuntimeException) {
                    throw (RuntimeException) t;
                }
                if (t instanceof Error) {
                    throw (Error) t;
                }
                throw new IllegalStateException("parallel block failed", t);
            }
        }

        void shutdown() {
            if (executor != null) {
                executor.shutdown();
            }
        }
    }
}
