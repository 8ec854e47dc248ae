package dev.jprune.cli;

import dev.jprune.train.ProgressLog;
import dev.jprune.train.TrainListener;

import java.io.PrintStream;

/**
 * Progress display for long work (training, evaluation, pruning steps): a live bar when the output is a terminal,
 * plain periodic lines otherwise (logs, pipes, tests).
 */
final class Progress {

    private Progress() {
    }

    /** A listener writing to {@code out} under {@code label}. */
    static TrainListener of(PrintStream out, String label) {
        return new ProgressLog(out, label, 10);
    }
}
