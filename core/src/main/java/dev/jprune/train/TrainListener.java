package dev.jprune.train;

/**
 * Receives progress from a {@link Trainer} and {@link Evaluation}: for progress displays and logs. Every method
 * does nothing by default.
 */
public interface TrainListener {

    /**
     * After each optimisation step.
     *
     * @param epoch      the epoch, from 0
     * @param batch      the batch just done, from 1
     * @param batchCount batches in the epoch
     * @param loss       this step's loss
     * @param lr         the learning rate of the optimiser's first group during the step
     */
    default void onStep(int epoch, int batch, int batchCount, double loss, double lr) {
    }

    /** After an epoch of training. */
    default void onEpochEnd(EpochResult result) {
    }

    /** After each evaluation batch: {@code batch} of {@code batchCount} done, {@code samples} evaluated so far. */
    default void onEvalBatch(int batch, int batchCount, int samples) {
    }
}
