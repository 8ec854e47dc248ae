package dev.jprune.prune.importance;

import dev.jprune.depgraph.Group;

import java.util.SplittableRandom;

/**
 * Uniform random scores in {@code [0, 1)}, one per root index (Torch-Pruning's {@code RandomImportance}); a
 * baseline. Every group gets scores, with or without parameters. Calls draw successive numbers from one stream
 * seeded at construction, so two instances with the same seed score the same sequence of groups identically.
 * Thread-safe.
 */
public final class RandomImportance implements Importance {

    private final long seed;
    private final SplittableRandom random;

    /** A stream seeded with {@code seed}. */
    public RandomImportance(long seed) {
        this.seed = seed;
        this.random = new SplittableRandom(seed);
    }

    @Override
    public synchronized float[] score(Group group) {
        float[] s = new float[group.rootIndices().size()];
        for (int i = 0; i < s.length; i++) {
            s[i] = random.nextFloat();
        }
        return s;
    }

    @Override
    public String toString() {
        return "RandomImportance{seed=" + seed + "}";
    }
}
