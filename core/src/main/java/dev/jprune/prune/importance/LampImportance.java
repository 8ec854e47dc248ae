package dev.jprune.prune.importance;

import dev.jprune.depgraph.Group;

/**
 * Layer-adaptive sparsity for magnitude pruning (LAMP, arXiv 2010.07611; Torch-Pruning's {@code LAMPImportance}):
 * group magnitude with the {@link Normalizer#LAMP} normaliser.
 */
public final class LampImportance implements Importance {

    private final GroupMagnitudeImportance magnitude;

    /** {@code p = 2}, mean reduction, no bias (Torch-Pruning's defaults). */
    public LampImportance() {
        this(2, Reduction.MEAN, false);
    }

    /** The given norm degree, reduction and bias setting. */
    public LampImportance(double p, Reduction reduction, boolean bias) {
        this(p, reduction, bias, false);
    }

    /**
     * The given norm degree, reduction and bias setting; {@code tpCompat} leaves depthwise convolutions unscored, as
     * {@link GroupMagnitudeImportance.Builder#tpCompat(boolean)} does.
     */
    public LampImportance(double p, Reduction reduction, boolean bias, boolean tpCompat) {
        this.magnitude = GroupMagnitudeImportance.builder().p(p).reduction(reduction).normalizer(Normalizer.LAMP)
                .bias(bias).tpCompat(tpCompat).build();
    }

    @Override
    public float[] score(Group group) {
        return magnitude.score(group);
    }

    @Override
    public String toString() {
        return "LampImportance{p=" + magnitude.p() + ", reduction=" + magnitude.reduction() + ", normalizer=LAMP, bias="
                + magnitude.bias() + ", targetKinds=" + magnitude.targetKinds() + ", tpCompat=" + magnitude.tpCompat() + "}";
    }
}
