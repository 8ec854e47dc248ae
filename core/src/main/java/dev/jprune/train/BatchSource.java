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
}
