package dev.jprune.cli;

import dev.jprune.train.EpochResult;
import dev.jprune.train.ProgressLog;
import dev.jprune.train.TrainListener;

import java.io.PrintStream;
import java.util.Locale;
import java.util.function.LongSupplier;

/**
 * Progress display for long work (training, evaluation, pruning steps): a single-line bar redrawn in place
 * ({@code label [#####.....] 123/468 loss 0.4123 eta 1m02s}) when the output is an interactive terminal, plain
 * periodic lines otherwise (logs, pipes, tests: {@link ProgressLog}).
 */
final class Progress {

    /** Characters of the bar between the brackets. */
    static final int BAR = 30;
    /** The shortest time between two redraws of the bar, except for the last batch. */
    static final long REDRAW_NANOS = 100_000_000L;

    private Progress() {
    }

    /** A listener writing to {@code out} under {@code label}: the bar when {@code out} is the terminal's stdout. */
    static TrainListener of(PrintStream out, String label) {
        return of(out, label, isTerminal(out));
    }

    /** {@link #of(PrintStream, String)} with the choice made by the caller (for tests). */
    static TrainListener of(PrintStream out, String label, boolean terminal) {
        return terminal ? new Bar(out, label, System::nanoTime) : new ProgressLog(out, label, 10);
    }

    /**
     * A display of pruning steps (or other counted work without a loss): the bar on a terminal, nothing otherwise
     * (the commands print their own summary lines).
     */
    static TrainListener steps(PrintStream out, String label) {
        return steps(out, label, isTerminal(out));
    }

    /** {@link #steps(PrintStream, String)} with the choice made by the caller (for tests). */
    static TrainListener steps(PrintStream out, String label, boolean terminal) {
        return terminal ? new Bar(out, label, System::nanoTime) : new TrainListener() { };
    }

    /** Ends the bar's line if {@code progress} is a bar stopped before its last unit (a run that ended early). */
    static void end(TrainListener progress) {
        if (progress instanceof Bar bar) {
            bar.end();
        }
    }

    /** Whether {@code out} is this process's stdout and that is an interactive terminal. */
    static boolean isTerminal(PrintStream out) {
        return out == System.out && System.console() != null;
    }

    /** The terminal bar: redraws one line with {@code \r}, ends it with a newline at the end of an epoch or run. */
    static final class Bar implements TrainListener {

        private final PrintStream out;
        private final String label;
        private final LongSupplier clock;
        private long start = -1;
        private long lastDraw;
        private int firstBatch;
        private double lossSum;
        private int losses;
        private int lastWidth;

        Bar(PrintStream out, String label, LongSupplier clock) {
            this.out = out;
            this.label = label;
            this.clock = clock;
        }

        @Override
        public void onStep(int epoch, int batch, int batchCount, double loss, double lr) {
            long now = clock.getAsLong();
            if (start < 0) {
                start = now;
                lastDraw = now - REDRAW_NANOS;
                firstBatch = batch;
                lossSum = 0;
                losses = 0;
            }
            if (!Double.isNaN(loss)) {
                lossSum += loss;
                losses++;
            }
            draw(now, batch, batchCount, losses == 0 ? Double.NaN : lossSum / losses);
        }

        @Override
        public void onEvalBatch(int batch, int batchCount, int samples) {
            long now = clock.getAsLong();
            if (start < 0) {
                start = now;
                lastDraw = now - REDRAW_NANOS;
                firstBatch = batch;
            }
            draw(now, batch, batchCount, Double.NaN);
        }

        @Override
        public void onEpochEnd(EpochResult result) {
            clear();
            out.printf(Locale.ROOT, "%s %s%n", label, result);
            out.flush();
            start = -1;
        }

        private void draw(long now, int batch, int batchCount, double meanLoss) {
            boolean last = batch >= batchCount;
            if (!last && now - lastDraw < REDRAW_NANOS) {
                return;
            }
            lastDraw = now;
            String line = line(label, batch, batchCount, meanLoss,
                    eta((now - start) / 1e9, batch - firstBatch + 1, batchCount - batch));
            int pad = Math.max(0, lastWidth - line.length());
            out.print("\r" + line + " ".repeat(pad));
            lastWidth = line.length();
            if (last) {
                out.print("\n");
                lastWidth = 0;
                start = -1;
            }
            out.flush();
        }

        /** Ends the current line, if a frame is on it. */
        void end() {
            if (lastWidth > 0) {
                out.print("\n");
                out.flush();
                lastWidth = 0;
            }
            start = -1;
        }

        private void clear() {
            if (lastWidth > 0) {
                out.print("\r" + " ".repeat(lastWidth) + "\r");
                lastWidth = 0;
            }
        }
    }

    /** {@code label [#####.....] 123/468 loss 0.4123 eta 1m02s} (no loss part for {@code NaN}, no eta for null). */
    static String line(String label, int done, int total, double loss, String eta) {
        int filled = total <= 0 ? 0 : (int) Math.min(BAR, (long) BAR * Math.max(0, done) / total);
        StringBuilder sb = new StringBuilder(label).append(" [").append("#".repeat(filled))
                .append(".".repeat(BAR - filled)).append("] ").append(done).append('/').append(total);
        if (!Double.isNaN(loss)) {
            sb.append(String.format(Locale.ROOT, " loss %.4f", loss));
        }
        if (eta != null) {
            sb.append(" eta ").append(eta);
        }
        return sb.toString();
    }

    /** The time left after {@code done} units took {@code seconds}, {@code remaining} units to go. */
    static String eta(double seconds, int done, int remaining) {
        if (done <= 0) {
            return null;
        }
        return ProgressLog.duration(seconds / done * Math.max(0, remaining));
    }
}
