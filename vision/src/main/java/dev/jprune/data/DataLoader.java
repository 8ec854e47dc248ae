package dev.jprune.data;

import dev.jprune.internal.Seeds;
import dev.jprune.tensor.Shape;
import dev.jprune.tensor.Tensor;
import dev.jprune.train.Batch;
import dev.jprune.train.BatchIterator;
import dev.jprune.train.BatchSource;

import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.SplittableRandom;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * Batches of a {@link Dataset}, as {@code torch.utils.data.DataLoader}: optional shuffling, a per-image
 * {@link Transform}, images stacked into {@code (N, C, H, W)} and labels into targets {@code (N)}, optionally
 * dropping the last partial batch, built ahead on a background thread.
 *
 * <p>Everything random is a function of the seed: epoch {@code e}'s order is a Fisher–Yates shuffle drawn from a
 * generator seeded by ({@code seed}, {@code e}), and the transform of the sample at dataset index {@code i} in epoch
 * {@code e} draws from a generator seeded by ({@code seed}, {@code e}, {@code i}). So an epoch's batches do not depend
 * on threads, prefetching or where the epoch was started, and a resumed run sees the same batches as an uninterrupted
 * one. Build with {@link #builder(Dataset)}.
 */
public final class DataLoader implements BatchSource {

    private static final long ORDER_STREAM = 0x6A09E667F3BCC909L;
    private static final long SAMPLE_STREAM = 0xBB67AE8584CAA73BL;

    private final Dataset dataset;
    private final int batchSize;
    private final boolean shuffle;
    private final boolean dropLast;
    private final long seed;
    private final Transform transform;
    private final int prefetch;

    private DataLoader(Builder b) {
        this.dataset = b.dataset;
        this.batchSize = b.batchSize;
        this.shuffle = b.shuffle;
        this.dropLast = b.dropLast;
        this.seed = b.seed;
        this.transform = b.transform;
        this.prefetch = b.prefetch;
    }

    /** A loader of {@code dataset} with batch size 1, no shuffling, identity transform, seed 0, prefetch 2. */
    public static Builder builder(Dataset dataset) {
        return new Builder(dataset);
    }

    /** The dataset. */
    public Dataset dataset() {
        return dataset;
    }

    /** The batch size. */
    public int batchSize() {
        return batchSize;
    }

    @Override
    public int batchCount() {
        int n = dataset.size();
        return dropLast ? n / batchSize : (n + batchSize - 1) / batchSize;
    }

    @Override
    public int sampleCount() {
        return dropLast ? batchCount() * batchSize : dataset.size();
    }

    /** The dataset indices of epoch {@code epoch} in visiting order (all of them, including a dropped tail). */
    public int[] order(int epoch) {
        int n = dataset.size();
        int[] order = new int[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        if (shuffle) {
            SplittableRandom rng = new SplittableRandom(Seeds.derive(seed ^ ORDER_STREAM, epoch));
            for (int i = n - 1; i > 0; i--) {
                int j = rng.nextInt(i + 1);
                int t = order[i];
                order[i] = order[j];
                order[j] = t;
            }
        }
        return order;
    }

    /** Batch {@code index} of epoch {@code epoch}, built on the calling thread. */
    public Batch batch(int epoch, int index) {
        checkEpoch(epoch, index);
        return build(epoch, index, order(epoch));
    }

    @Override
    public BatchIterator epoch(int epoch, int fromBatch) {
        if (epoch < 0) {
            throw new IllegalArgumentException("DataLoader: epoch must be >= 0, got " + epoch);
        }
        if (fromBatch < 0 || fromBatch > batchCount()) {
            throw new IllegalArgumentException("DataLoader: start batch must be in [0, " + batchCount() + "], got " + fromBatch);
        }
        return new Prefetching(epoch, fromBatch);
    }

    private void checkEpoch(int epoch, int index) {
        if (epoch < 0) {
            throw new IllegalArgumentException("DataLoader: epoch must be >= 0, got " + epoch);
        }
        if (index < 0 || index >= Math.max(1, batchCount())) {
            throw new IllegalArgumentException("DataLoader: batch index must be in [0, " + batchCount() + "), got " + index);
        }
    }

    private Batch build(int epoch, int index, int[] order) {
        int from = index * batchSize;
        int n = Math.min(batchSize, dataset.size() - from);
        Tensor first = null;
        float[] images = null;
        float[] targets = new float[n];
        int per = 0;
        for (int j = 0; j < n; j++) {
            int di = order[from + j];
            Example ex = dataset.get(di);
            Tensor img = transform.apply(ex.image(), new SplittableRandom(Seeds.derive(Seeds.derive(seed ^ SAMPLE_STREAM, epoch), di)));
            if (first == null) {
                first = img;
                per = img.shape().numel();
                images = new float[n * per];
            } else if (!img.shape().equals(first.shape())) {
                throw new IllegalArgumentException("DataLoader: sample " + di + " is " + img.shape() + " after the transform,"
                        + " the batch's first sample " + order[from] + " is " + first.shape()
                        + "; images of different sizes need a resize or crop transform");
            }
            System.arraycopy(img.data(), 0, images, j * per, per);
            targets[j] = ex.label();
        }
        Shape s = first.shape();
        return new Batch(Tensor.wrap(Shape.of(n, s.dim(0), s.dim(1), s.dim(2)), images), Tensor.wrap(Shape.of(n), targets));
    }

    @Override
    public String toString() {
        return "DataLoader(" + dataset.size() + " samples, batch " + batchSize + ", shuffle " + shuffle + ", drop_last "
                + dropLast + ", seed " + seed + ")";
    }

    /** One epoch's batches, built by a daemon thread at most {@code prefetch} ahead of the consumer. */
    private final class Prefetching implements BatchIterator {
        private final BlockingQueue<Object> queue;
        private final Thread worker;
        private final int end;
        private int next;
        private volatile boolean closed;

        Prefetching(int epoch, int fromBatch) {
            this.end = batchCount();
            this.next = fromBatch;
            this.queue = new ArrayBlockingQueue<>(prefetch);
            this.worker = new Thread(() -> produce(epoch, fromBatch), "jprune-data-e" + epoch);
            worker.setDaemon(true);
            if (fromBatch < end) {
                worker.start();
            }
        }

        private void produce(int epoch, int fromBatch) {
            try {
                int[] order = null;
                for (int i = fromBatch; i < end && !closed; i++) {
                    Object item;
                    try {
                        if (order == null) {
                            order = order(epoch);
                        }
                        item = build(epoch, i, order);
                    } catch (RuntimeException | Error e) {
                        // handed to the consumer, who would otherwise wait for this batch for ever
                        item = e;
                    }
                    while (!closed && !queue.offer(item, 100, TimeUnit.MILLISECONDS)) {
                        // wait for the consumer, checking for close
                    }
                    if (item instanceof Throwable) {
                        return;
                    }
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }

        @Override
        public boolean hasNext() {
            return !closed && next < end;
        }

        @Override
        public Batch next() {
            if (!hasNext()) {
                throw new NoSuchElementException();
            }
            Object item;
            try {
                item = queue.take();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("DataLoader: interrupted while waiting for a batch", e);
            }
            if (item instanceof RuntimeException re) {
                close();
                throw re;
            }
            if (item instanceof Error err) {
                close();
                throw err;
            }
            next++;
            return (Batch) item;
        }

        @Override
        public void close() {
            if (!closed) {
                closed = true;
                worker.interrupt();
                queue.clear();
            }
        }
    }

    /** Settings of a {@link DataLoader}; {@link #build()} validates them. */
    public static final class Builder {
        private final Dataset dataset;
        private int batchSize = 1;
        private boolean shuffle;
        private boolean dropLast;
        private long seed;
        private Transform transform = Transform.identity();
        private int prefetch = 2;

        private Builder(Dataset dataset) {
            this.dataset = Objects.requireNonNull(dataset, "dataset");
        }

        /** Samples per batch, ≥ 1 (default 1). */
        public Builder batchSize(int value) {
            this.batchSize = value;
            return this;
        }

        /** Whether each epoch visits the samples in a new seeded order (default false). */
        public Builder shuffle(boolean value) {
            this.shuffle = value;
            return this;
        }

        /** Whether to drop the last batch when it is not full (default false). */
        public Builder dropLast(boolean value) {
            this.dropLast = value;
            return this;
        }

        /** The seed of shuffling and random transforms (default 0). */
        public Builder seed(long value) {
            this.seed = value;
            return this;
        }

        /** The per-image transform (default identity). */
        public Builder transform(Transform value) {
            this.transform = Objects.requireNonNull(value, "transform");
            return this;
        }

        /** How many batches the background thread may build ahead, ≥ 1 (default 2). */
        public Builder prefetch(int value) {
            this.prefetch = value;
            return this;
        }

        /** The loader; throws {@link IllegalArgumentException} naming an invalid setting. */
        public DataLoader build() {
            if (batchSize < 1) {
                throw new IllegalArgumentException("DataLoader: batch size must be >= 1, got " + batchSize);
            }
            if (prefetch < 1) {
                throw new IllegalArgumentException("DataLoader: prefetch must be >= 1, got " + prefetch);
            }
            if (dataset.size() == 0) {
                throw new IllegalArgumentException("DataLoader: the dataset is empty");
            }
            if (dropLast && dataset.size() < batchSize) {
                throw new IllegalArgumentException("DataLoader: drop_last with batch size " + batchSize + " leaves no batch of "
                        + dataset.size() + " samples");
            }
            return new DataLoader(this);
        }
    }
}
