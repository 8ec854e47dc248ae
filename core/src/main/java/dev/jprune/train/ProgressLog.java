package dev.jprune.train;

import java.io.PrintStream;
import java.util.Locale;
import java.util.Objects;

/**
 * A {@link TrainListener} writing plain progress lines (for logs and pipes): one line every {@code intervalSeconds}
 * during an epoch with the batch, running mean loss, learning rate, throughput and time left, and one line per
 * finished epoch.
 */
public final class ProgressLog implements TrainListener {

    private final PrintStream out;
    private final String label;
    private final long intervalNanos;
    private long epochStart;
    private long lastLine;
    private double lossSum;
    private int losses;
    private int firstBatch = -1;

    /** Lines prefixed with {@code label} to {@code out}, at most one per {@code intervalSeconds} within an epoch. */
    public ProgressLog(PrintStream out, String label, double intervalSeconds) {
        this.out = Objects.requireNonNull(out, "out");
        this.label = Objects.requireNonNull(label, "label");
        this.intervalNanos = (long) (intervalSeconds * 1e9);
    }

    @Override
    public void onStep(int epoch, int batch, int batchCount, double loss, double lr) {
        long now = System.nanoTime();
        if (firstBatch < 0) {
            firstBatch = batch;
            epochStart = now;
            lastLine = now;
            lossSum = 0;
            losses = 0;
        }
        lossSum += loss;
        losses++;
        if (now - lastLine >= intervalNanos || batch == batchCount) {
            lastLine = now;
            double secs = (now - epochStart) / 1e9;
            double perBatch = secs / (batch - firstBatch + 1);
            out.printf(Locale.ROOT, "%s epoch %d batch %d/%d loss %.4f lr %.5f %.2f s/batch eta %s%n", label, epoch + 1,
                    batch, batchCount, lossSum / losses, lr, perBatch, duration(perBatch * (batchCount - batch)));
        }
    }

    @Override
    public void onEpochEnd(EpochResult result) {
        firstBatch = -1;
        out.printf(Locale.ROOT, "%s %s%n", label, result);
    }

    /** A duration for people: {@code 1h02m}, {@code 3m20s} or {@code 12s}. */
    public static String duration(double seconds) {
        long s = Math.round(seconds);
        if (s >= 3600) {
            return String.format(Locale.ROOT, "%dh%02dm", s / 3600, s % 3600 / 60);
        }
        if (s >= 60) {
            return String.format(Locale.ROOT, "%dm%02ds", s / 60, s % 60);
        }
        return s + "s";
    }
}
