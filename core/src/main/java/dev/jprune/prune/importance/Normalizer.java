package dev.jprune.prune.importance;

/**
 * How the reduced group score vector {@code s} is normalised (Torch-Pruning's {@code normalizer}); all arithmetic
 * in {@code float}, like PyTorch's float32.
 */
public enum Normalizer {
    /** {@code s} unchanged (Torch-Pruning's {@code None}). */
    NONE,
    /** {@code s / mean(s)}. */
    MEAN,
    /** {@code s / max(s)}. */
    MAX,
    /** {@code s / sum(s)}. */
    SUM,
    /** {@code (s - min) / (max - min + 1e-8)} (Torch-Pruning's {@code 'standarization'}). */
    STANDARDIZATION,
    /**
     * {@code (s - mean) / (std + 1e-8)} with the unbiased standard deviation ({@code torch.std}'s default), which
     * is NaN for a single channel, as in PyTorch.
     */
    GAUSSIAN,
    /**
     * {@code s / (s[k] + 1e-8)} where {@code k} is the channel at position {@code floor(q·n)} of the ascending order
     * (Torch-Pruning's {@code 'sentinel_q'}; {@code q = 0.5} is the median). Set through the builder's
     * {@code sentinel(q)}.
     */
    SENTINEL,
    /**
     * LAMP (arXiv 2010.07611): with the scores sorted ascending, {@code s(i) / sum over j >= i of s(j)}, put back in
     * the original order.
     */
    LAMP
}
