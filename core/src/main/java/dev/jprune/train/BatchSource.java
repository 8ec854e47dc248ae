package dev.jprune.train;

/**
 * Where a training or evaluation loop gets its batches, epoch by epoch (implemented by the vision module's
 * {@code DataLoader}). An epoch's batches are a function of the source's settings and the epoch number alone, so
 * a loop resumed at (epoch, batch) sees exactly the batches an uninterrupted run would have.
 */
public interface BatchSource {

    /** The number of batches in one epoch. */
    int batchCount();

    /** The number of samples one epoch visits (fewer than the dataset when the last partial batch is dropped). */
    int sampleCount();

    /**
     * The batches of {@code epoch} from index {@code fromBatch} on (0 for the whole epoch). Close the iterator when
     * done with it, whether or not it was exhausted: it may hold background threads.
     */
    BatchIterator epoch(int epoch, int fromBatch);

    /** All batches of {@code epoch}. */
    default BatchIterator epoch(int epoch) {
        return epoch(epoch, 0);
    }

    /**
     * This source with every epoch ending after its first {@code batches} batches: what a run interrupted there saw,
     * or a quick trial. {@link #batchCount()} and {@link #sampleCount()} stay this source's, so steps keep their
     * global numbers and schedules their length.
     */
    default BatchSource truncated(int batches) {
        if (batches < 0) {
            throw new IllegalArgumentException("truncated: the batch count must be >= 0, got " + batches);
        }
        BatchSource full = this;
        return new BatchSource() {
            @Override
            public int batchCount() {
                return full.batchCount();
            }

            @Override
            public int sampleCount() {
                return full.sampleCount();
            }

            @Override
            public BatchIterator epoch(int epoch, int fromBatch) {
                BatchIterator all = full.epoch(epoch, fromBatch);
                return new BatchIterator() {
                    private int next = fromBatch;

                    @Override
                    public boolean hasNext() {
                        return next < batches && all.hasNext();
                    }

                    @Override
                    public Batch next() {
                        if (!hasNext()) {
                            throw new java.util.NoSuchElementException();
                        }
                        next++;
                        return all.next();
                    }

                    @Override
                    public void close() {
                        all.close();
                    }
                };
            }
        };
    }

    /** The same {@code batches} (shared, not copied) every epoch. */
    static BatchSource of(java.util.List<Batch> batches) {
        java.util.List<Batch> list = java.util.List.copyOf(batches);
        return new BatchSource() {
            @Override
            public int batchCount() {
                return list.size();
            }

            @Override
            public int sampleCount() {
                return list.stream().mapToInt(Batch::size).sum();
            }

            @Override
            public BatchIterator epoch(int epoch, int fromBatch) {
                if (fromBatch < 0 || fromBatch > list.size()) {
                    throw new IllegalArgumentException("start batch must be in [0, " + list.size() + "], got " + fromBatch);
                }
                return BatchIterator.of(list.subList(fromBatch, list.size()).iterator());
            }
        };
    }
}
