package dev.jprune.train;

import java.util.Iterator;

/** The batches of one epoch of a {@link BatchSource}; closing it stops any background work. */
public interface BatchIterator extends Iterator<Batch>, AutoCloseable {

    /** Stops background work and releases buffers; no exception. Idempotent. */
    @Override
    void close();
}
