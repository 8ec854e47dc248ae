package dev.jprune.prune.importance;

import dev.jprune.depgraph.Member;
import dev.jprune.ir.Parameter;
import dev.jprune.ir.axis.ChannelParams;

import java.util.ArrayList;
import java.util.List;

/**
 * Group magnitude importance (Torch-Pruning's {@code GroupMagnitudeImportance}, alias {@code MagnitudeImportance}):
 * each scored member gives {@code sum |w|^p} over each channel's weight slice — a convolution or linear row for
 * out-channels, a column for in-channels (a grouped convolution's columns repeat every {@code in/groups}), the
 * scale {@code |gamma|^p} for BatchNorm and LayerNorm — and with {@link Builder#bias(boolean) bias} a separate item
 * {@code |b|^p}; the items are reduced and normalised as {@link GroupImportance} describes.
 *
 * <p>{@link Builder#tpCompat(boolean) tpCompat}: Torch-Pruning leaves depthwise convolutions unscored (their pruning
 * handler is not among those it scores); by default jprune scores their weight rows like any convolution's
 * out-channels. Recipes from Torch-Pruning: L1 of the first layer is {@code p(1).normalizer(NONE).reduction(FIRST)};
 * group L1 is {@code p(1).normalizer(NONE)}.
 */
public final class GroupMagnitudeImportance extends GroupImportance {

    private final double p;

    private GroupMagnitudeImportance(Builder b) {
        super(b);
        this.p = b.p;
    }

    /** A builder with Torch-Pruning's defaults ({@code p = 2}, mean, mean, no bias). */
    public static Builder builder() {
        return new Builder();
    }

    /** The norm degree. */
    public double p() {
        return p;
    }

    @Override
    List<float[]> scoreMember(Member m, ChannelParams cp) {
        List<float[]> items = new ArrayList<>(2);
        ChannelParams.Slice w = cp.weight();
        if (w != null) {
            Parameter param = param(m, w);
            items.add(SliceSums.sums(param, param.value(), null, w, m.indices(),
                    (x, unused) -> SliceSums.absPow(x, p), false));
        }
        ChannelParams.Slice b = cp.bias();
        if (bias() && b != null) {
            Parameter param = param(m, b);
            items.add(SliceSums.sums(param, param.value(), null, b, m.indices(),
                    (x, unused) -> SliceSums.absPow(x, p), false));
        }
        return items;
    }

    @Override
    public String toString() {
        return "GroupMagnitudeImportance{p=" + p + ", " + commonSettings() + "}";
    }

    /** Settings of {@link GroupMagnitudeImportance}. */
    public static final class Builder extends GroupImportance.Builder<Builder> {

        private double p = 2;

        private Builder() {
            super(defaultKinds());
        }

        @Override
        Builder self() {
            return this;
        }

        /** The norm degree (default 2); positive and finite. */
        public Builder p(double degree) {
            this.p = degree;
            return this;
        }

        /** Validates the settings and builds the criterion. */
        public GroupMagnitudeImportance build() {
            validate();
            if (!(p > 0) || Double.isInfinite(p)) {
                throw new IllegalArgumentException("p must be positive and finite, got " + p);
            }
            return new GroupMagnitudeImportance(this);
        }
    }
}
