package dev.jprune.io.checkpoint;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Where a training run stands, saved beside its model so it resumes exactly: the next epoch and batch to run, the
 * seed every random choice derives from (data order, augmentation, dropout: see {@code DataLoader} and
 * {@code Trainer}), and free-form strings for the caller (a phase name, the best accuracy so far, ...).
 *
 * @param epoch the epoch to continue with, from 0
 * @param batch the batch of that epoch to continue with (0 at an epoch boundary)
 * @param seed  the run's seed
 * @param extra caller strings, copied
 */
public record TrainingState(int epoch, int batch, long seed, Map<String, String> extra) {

    /** Validates the counters and copies {@code extra}. */
    public TrainingState {
        if (epoch < 0 || batch < 0) {
            throw new IllegalArgumentException("TrainingState: epoch and batch must be >= 0, got " + epoch + " and " + batch);
        }
        extra = Collections.unmodifiableMap(new LinkedHashMap<>(extra));
    }

    /** A state at the start of {@code epoch} with no extra strings. */
    public static TrainingState atEpoch(int epoch, long seed) {
        return new TrainingState(epoch, 0, seed, Map.of());
    }

    /** A copy with {@code key} set to {@code value} in {@link #extra()}. */
    public TrainingState with(String key, String value) {
        Map<String, String> m = new LinkedHashMap<>(extra);
        m.put(key, value);
        return new TrainingState(epoch, batch, seed, m);
    }
}
