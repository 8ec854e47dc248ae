package dev.jprune.prune.importance;

import dev.jprune.depgraph.Group;
import dev.jprune.ir.axis.ChannelParams.Kind;

/**
 * Network Slimming's criterion (arXiv 1708.06519; Torch-Pruning's {@code BNScaleImportance}): group magnitude with
 * {@code p = 1} over BatchNorm layers only, so the reduced mean of {@code |gamma|} over every BatchNorm of the group;
 * {@code null} for groups without one.
 */
public final class BNScaleImportance implements Importance {

    private final GroupMagnitudeImportance magnitude;

    /** Mean reduction and mean normalisation (Torch-Pruning's defaults). */
    public BNScaleImportance() {
        this(Reduction.MEAN, Normalizer.MEAN);
    }

    /** The given reduction and normaliser. */
    public BNScaleImportance(Reduction reduction, Normalizer normalizer) {
        this.magnitude = GroupMagnitudeImportance.builder().p(1).reduction(reduction).normalizer(normalizer)
                .bias(false).targetKinds(Kind.BATCH_NORM).build();
    }

    @Override
    public float[] score(Group group) {
        return magnitude.score(group);
    }

    @Override
    public String toString() {
        return "BNScaleImportance{p=1.0, reduction=" + magnitude.reduction() + ", normalizer="
                + magnitude.normalizer() + ", bias=false, targetKinds=" + magnitude.targetKinds() + "}";
    }
}
