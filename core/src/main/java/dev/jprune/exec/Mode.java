package dev.jprune.exec;

/** Inference or training behaviour of BatchNorm, Dropout and StochasticDepth. */
public enum Mode {
    /** Running statistics, no dropout. */
    EVAL,
    /** Batch statistics, dropout active. */
    TRAIN
}
