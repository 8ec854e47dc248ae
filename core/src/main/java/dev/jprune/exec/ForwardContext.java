package dev.jprune.exec;

import dev.jprune.kernels.Kernels;

import java.util.SplittableRandom;

/**
 * What a forward pass needs besides inputs and parameters: the mode, the kernels to use and a seeded random
 * source for dropout. Not thread-safe: one context per forward pass.
 */
public final class ForwardContext {

    private final Mode mode;
    private final Kernels kernels;
    private final SplittableRandom random;

    /** A context with explicit kernels and random seed. */
    public ForwardContext(Mode mode, Kernels kernels, long seed) {
        this.mode = mode;
        this.kernels = kernels;
        this.random = new SplittableRandom(seed);
    }

    /** An evaluation context on the fastest kernels. */
    public static ForwardContext eval() {
        return new ForwardContext(Mode.EVAL, Kernels.get(), 0L);
    }

    /** The mode. */
    public Mode mode() {
        return mode;
    }

    /** Whether the mode is {@link Mode#TRAIN}. */
    public boolean training() {
        return mode == Mode.TRAIN;
    }

    /** The kernels. */
    public Kernels kernels() {
        return kernels;
    }

    /** The random source (dropout masks). */
    public SplittableRandom random() {
        return random;
    }
}
