package dev.jprune.train;

/**
 * What one training epoch did.
 *
 * @param epoch    the epoch, from 0
 * @param steps    optimisation steps taken in this call (fewer than the epoch's batches when it was resumed)
 * @param samples  samples seen in this call
 * @param meanLoss mean of the steps' losses
 * @param top1     training top-1 accuracy of the steps' outputs (train mode, before each update)
 * @param seconds  wall time of the call
 */
public record EpochResult(int epoch, int steps, int samples, double meanLoss, double top1, double seconds) {

    /** One line for people, the epoch counted from 1 as progress lines count it. */
    @Override
    public String toString() {
        return String.format(java.util.Locale.ROOT, "epoch %d: %d steps, loss %.4f, train top-1 %.4f, %.1f s",
                epoch + 1, steps, meanLoss, top1, seconds);
    }
}
