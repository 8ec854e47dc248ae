package dev.jprune.prune.importance;

/**
 * How the per-member scores of a group are combined into one score per root channel (Torch-Pruning's
 * {@code group_reduction}). Each scored member contributes one item (and one more for its bias when biases are
 * scored); an item's scores land on the root channels its indices map back to.
 *
 * <p>Where one item maps several of its indices to the same root channel (a flatten), {@link #SUM} and
 * {@link #MEAN} add them all, {@link #MAX} and {@link #PROD} take all of them in turn, and {@link #FIRST} and
 * {@link #GATE} keep the last; Torch-Pruning's {@code scatter_} leaves that case unspecified.
 */
public enum Reduction {
    /** Start from zeros and add every item's scores, then divide by the number of items (not per channel). */
    MEAN,
    /** Start from zeros and add every item's scores. */
    SUM,
    /** Start from -99999 and keep the largest score. */
    MAX,
    /** Start from ones and multiply by every item's scores. */
    PROD,
    /** Only the first item (the root's own weights when the root is scored): the classic one-layer criterion. */
    FIRST,
    /** Only the last item. */
    GATE
}
