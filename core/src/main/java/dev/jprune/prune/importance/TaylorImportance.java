package dev.jprune.prune.importance;

import dev.jprune.depgraph.Member;
import dev.jprune.ir.Parameter;
import dev.jprune.ir.axis.ChannelParams;
import dev.jprune.ir.axis.ChannelParams.Kind;
import dev.jprune.tensor.Tensor;

import java.util.ArrayList;
import java.util.List;

/**
 * First-order Taylor importance (Molchanov et al., CVPR 2019; Torch-Pruning's {@code GroupTaylorImportance}, alias
 * {@code TaylorImportance}): for each channel's weight slice {@code sum |w ⊙ g|}, or with
 * {@link Builder#multivariable(boolean) multivariable} {@code |sum w ⊙ g|}; BatchNorm and LayerNorm give
 * {@code |gamma ⊙ g_gamma|}; with {@link Builder#bias(boolean) bias} a separate item {@code |b ⊙ g_b|}. Reads
 * {@link Parameter#grad()}: run a backward pass on the loss first. A needed gradient that is missing is an
 * {@link IllegalStateException} naming the parameter.
 *
 * <p>{@link Builder#tpCompat(boolean) tpCompat}: Torch-Pruning 1.6.1 never scores BatchNorm (its BatchNorm branch
 * tests for the GroupNorm handler) nor depthwise convolutions; by default jprune scores both.
 */
public final class TaylorImportance extends GroupImportance {

    private final boolean multivariable;

    private TaylorImportance(Builder b) {
        super(b);
        this.multivariable = b.multivariable;
    }

    /** A builder with Torch-Pruning's defaults (mean, mean, not multivariable, no bias). */
    public static Builder builder() {
        return new Builder();
    }

    /** Whether a channel's score is {@code |sum w ⊙ g|} rather than {@code sum |w ⊙ g|}. */
    public boolean multivariable() {
        return multivariable;
    }

    @Override
    boolean scores(Kind kind) {
        return super.scores(kind) && !(tpCompat() && kind == Kind.BATCH_NORM);
    }

    @Override
    List<float[]> scoreMember(Member m, ChannelParams cp) {
        List<float[]> items = new ArrayList<>(2);
        ChannelParams.Slice w = cp.weight();
        if (w != null) {
            items.add(taylor(m, w, multivariable));
        }
        ChannelParams.Slice b = cp.bias();
        if (bias() && b != null) {
            items.add(taylor(m, b, false));
        }
        return items;
    }

    private static float[] taylor(Member m, ChannelParams.Slice slice, boolean absOfSum) {
        Parameter param = param(m, slice);
        Tensor grad = param.grad();
        if (grad == null) {
            throw new IllegalStateException("Taylor importance needs the gradient of parameter " + param.name()
                    + " (layer " + m.layer() + "), which has none: run a backward pass on the loss first");
        }
        return SliceSums.sums(param, param.value(), grad, slice, m.indices(),
                absOfSum ? (x, g) -> x * g : (x, g) -> Math.abs(x * g), absOfSum);
    }

    @Override
    public String toString() {
        return "TaylorImportance{multivariable=" + multivariable + ", " + commonSettings() + "}";
    }

    /** Settings of {@link TaylorImportance}. */
    public static final class Builder extends GroupImportance.Builder<Builder> {

        private boolean multivariable;

        private Builder() {
            super(defaultKinds());
        }

        @Override
        Builder self() {
            return this;
        }

        /** Whether a channel's score is {@code |sum w ⊙ g|} (default false: {@code sum |w ⊙ g|}). */
        public Builder multivariable(boolean on) {
            this.multivariable = on;
            return this;
        }

        /** Validates the settings and builds the criterion. */
        public TaylorImportance build() {
            validate();
            return new TaylorImportance(this);
        }
    }
}
