package dev.jprune.train;

/**
 * Classification figures over a dataset, as Torch-Pruning's {@code eval}: top-1 and top-5 accuracy as fractions
 * and the mean cross-entropy loss.
 *
 * @param samples how many samples were evaluated
 * @param top1    the fraction whose highest logit is the target
 * @param top5    the fraction whose target is among the five highest logits (all of them when there are fewer
 *                than five classes)
 * @param loss    mean cross-entropy per sample
 */
public record Accuracy(int samples, double top1, double top5, double loss) {

    @Override
    public String toString() {
        return String.format(java.util.Locale.ROOT, "top-1 %.4f, top-5 %.4f, loss %.4f over %d samples",
                top1, top5, loss, samples);
    }
}
