package dev.jprune.train;

import java.util.Iterator;
import java.util.Objects;

/** The batches of one epoch of a {@link BatchSource}; closing it stops any background work. */
public interface BatchIterator extends Iterator<Batch>, AutoCloseable {

    /** Stops background work and releases buffers; no exception. Idempotent. */
    @Override
    void close();

    /** An iterator over {@code batches} with nothing to close. */
    static BatchIterator of(Iterator<Batch> batches) {
        Objects.requireNonNull(batches, "batches");
        return new BatchIterator() {
            @Override
            public boolean hasNext() {
                return batches.hasNext();
            }

            @Override
            public Batch next() {
                return batches.next();
            }

            @Override
            public void close() {
            }
        };
    }
}
