package dev.jprune.depgraph;

/**
 * How a pruner treats attention heads, which it finds from the graph (a reshape that splits a projection into
 * {@code (…, heads, head_dim)} on its way to an attention product, and the reshape that merges them back).
 */
public enum HeadMode {
    /**
     * Remove the same in-head dimensions from every head and keep the head count (the default; Torch-Pruning's
     * {@code prune_head_dims=True} with {@code num_heads} as channel groups).
     */
    DIMS,
    /**
     * Remove whole heads, ranked by the mean score of their channels, at the head pruning ratio; the in-head
     * dimensions are kept (Torch-Pruning's {@code prune_num_heads=True, prune_head_dims=False}).
     */
    WHOLE;

    /** The CLI spelling: {@code dims} or {@code whole}. */
    public String label() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }

    /** Parses {@code dims} or {@code whole} (any case). */
    public static HeadMode parse(String s) {
        for (HeadMode m : values()) {
            if (m.label().equalsIgnoreCase(s.trim())) {
                return m;
            }
        }
        throw new IllegalArgumentException("head mode must be dims or whole, got '" + s + "'");
    }
}
