package dev.jprune.exec;

import dev.jprune.kernels.Kernels;

import java.util.SplittableRandom;

/**
 * What a forward pass needs besides inputs and parameters: the mode, whether to record a {@link Tape} for
 * gradients, the kernels to use and a seeded random source for dropout. Not thread-safe: one context per forward
 * pass.
 *
 * <p>Mode and recording are independent, as in PyTorch: Torch-Pruning's Taylor importance takes gradients of a model
 * in eval mode ({@code new ForwardContext(Mode.EVAL, true, ...)}); training uses {@link #train(long)}.
 */
public final class ForwardContext {

    private final Mode mode;
    private final boolean recording;
    private final Kernels kernels;
    private final SplittableRandom random;
    private boolean trackInputGradients;
    private Object stash;

    /** A context with explicit settings. */
    public ForwardContext(Mode mode, boolean recording, Kernels kernels, long seed) {
        this.mode = mode;
        this.recording = recording;
        this.kernels = kernels;
        this.random = new SplittableRandom(seed);
    }

    /** An inference context (eval mode, no recording) with explicit kernels and seed. */
    public ForwardContext(Mode mode, Kernels kernels, long seed) {
        this(mode, false, kernels, seed);
    }

    /** An evaluation context on the fastest kernels, recording nothing. */
    public static ForwardContext eval() {
        return new ForwardContext(Mode.EVAL, false, Kernels.get(), 0L);
    }

    /** A training context: train mode, recording a tape, dropout masks drawn from {@code seed}. */
    public static ForwardContext train(long seed) {
        return new ForwardContext(Mode.TRAIN, true, Kernels.get(), seed);
    }

    /** The mode. */
    public Mode mode() {
        return mode;
    }

    /** Whether the mode is {@link Mode#TRAIN}. */
    public boolean training() {
        return mode == Mode.TRAIN;
    }

    /** Whether a tape is recorded: ops should then stash what their backward needs. */
    public boolean recording() {
        return recording;
    }

    /** Also computes gradients for the graph inputs (gradient checks, input saliency); off by default. */
    public ForwardContext trackInputGradients(boolean on) {
        this.trackInputGradients = on;
        return this;
    }

    boolean tracksInputGradients() {
        return trackInputGradients;
    }

    /** The kernels. */
    public Kernels kernels() {
        return kernels;
    }

    /** The random source (dropout masks). */
    public SplittableRandom random() {
        return random;
    }

    /**
     * Keeps {@code state} for the current node's backward (batch statistics, a dropout mask, pooling arg-max);
     * ignored when not recording. One object per node call; a second call replaces the first.
     */
    public void stash(Object state) {
        if (recording) {
            this.stash = state;
        }
    }

    Object takeStash() {
        Object s = stash;
        stash = null;
        return s;
    }
}
