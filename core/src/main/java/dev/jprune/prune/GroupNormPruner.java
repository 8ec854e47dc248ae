package dev.jprune.prune;

import dev.jprune.depgraph.Group;
import dev.jprune.depgraph.Member;
import dev.jprune.ir.Graph;
import dev.jprune.ir.axis.ChannelParams;

import java.util.List;

/**
 * Torch-Pruning's {@code GroupNormPruner}: the group-sparsity training of DepGraph (Fang et al., CVPR 2023) on top of
 * {@link BasePruner}'s pruning. {@link #regularize()} adds, for each group, {@code reg·γ_c·w} to the gradient of
 * every weight slice of channel {@code c} — convolution and linear out-rows and in-columns, affine BatchNorm scales
 * (and biases with {@code bias(true)}) — with
 * <pre>  imp = sqrt(importance(group)),  γ_c = (2^alpha)^((max(imp) − imp_c) / (max(imp) − min(imp)))</pre>
 * so {@code γ ∈ [1, 2^alpha]}: the weakest channels shrink fastest (the gradient of {@code reg/2·Σ γ_c‖w_c‖²}).
 * Depthwise convolutions, LayerNorm and GroupNorm are left alone, as in Torch-Pruning. Call {@code regularize()}
 * after the backward pass and before the optimiser step, with weight decay off, and {@link #updateRegularizer()}
 * after the structure changed.
 *
 * <p>Differences from Torch-Pruning 1.6.1: its constructor's {@code alpha=4} is stored but unused, and the base of
 * the power is {@code regularize}'s own argument {@code alpha=2**4}; here the stored {@code alpha} is the exponent of
 * the range, so the default {@code alpha = 4} gives Torch-Pruning's default {@code γ ∈ [1, 16]}. When every score of
 * a group is equal Torch-Pruning divides 0 by 0 and writes NaN into the gradients; here {@code γ = 1}. A group the
 * importance does not score is skipped (Torch-Pruning fails on it). Torch-Pruning's {@code update_regularizor} is
 * spelled so that its base class's {@code update_regularizer()} stays a no-op; here {@code updateRegularizer()}
 * re-collects the groups.
 */
public final class GroupNormPruner extends BasePruner {

    private final double reg;
    private final double alpha;
    private final boolean bias;
    private List<Group> groups;

    private GroupNormPruner(Builder b) {
        super(b);
        this.reg = b.reg;
        this.alpha = b.alpha;
        this.bias = b.bias;
        this.groups = collectGroups();
    }

    /** A builder for a {@code GroupNormPruner} of {@code graph}. */
    public static Builder builder(Graph graph) {
        return new Builder(graph);
    }

    /** The per-channel factors {@code γ} for a group's scores (aligned with its root indices), or {@code null}. */
    double[] gamma(Group g) {
        double[] imp = ChannelGradients.toDouble(importance.score(g));
        if (imp == null) {
            return null;
        }
        if (imp.length != g.rootIndices().size()) {
            throw new IllegalStateException("importance gave " + imp.length + " scores for the "
                    + g.rootIndices().size() + " channels of the group of " + g.root().name());
        }
        double max = Double.NEGATIVE_INFINITY;
        double min = Double.POSITIVE_INFINITY;
        for (int i = 0; i < imp.length; i++) {
            imp[i] = Math.sqrt(imp[i]);
            max = Math.max(max, imp[i]);
            min = Math.min(min, imp[i]);
        }
        if (ChannelGradients.hasNaN(imp)) {
            return null;
        }
        double base = Math.pow(2, alpha);
        double[] gamma = new double[imp.length];
        for (int i = 0; i < imp.length; i++) {
            gamma[i] = max > min ? Math.pow(base, (max - imp[i]) / (max - min)) : 1;
        }
        return gamma;
    }

    @Override
    public void regularize() {
        for (Group g : groups) {
            double[] gamma = gamma(g);
            if (gamma == null) {
                continue;
            }
            double[] coef = new double[gamma.length];
            for (int i = 0; i < coef.length; i++) {
                coef[i] = reg * gamma[i];
            }
            for (Member m : g.members()) {
                ChannelParams cp = ChannelGradients.regularised(m);
                if (cp != null) {
                    ChannelGradients.addToMember(g, m, cp, bias, coef, ChannelGradients.SCALED);
                }
            }
        }
    }

    @Override
    public void updateRegularizer() {
        groups = collectGroups();
    }

    @Override
    protected void extraSettings(StringBuilder sb) {
        sb.append(", reg=").append(reg).append(", alpha=").append(alpha).append(", bias=").append(bias);
    }

    /** Builds a {@link GroupNormPruner}: the {@link BasePruner} settings plus {@code reg}, {@code alpha}, {@code bias}. */
    public static final class Builder extends PrunerBuilder<GroupNormPruner, Builder> {

        private double reg = 1e-4;
        private double alpha = 4;
        private boolean bias;

        Builder(Graph graph) {
            super(graph);
        }

        /** The regularisation coefficient; default 1e-4 (Torch-Pruning's code; its docstring says 1e-5). */
        public Builder reg(double reg) {
            this.reg = reg;
            return this;
        }

        /** The exponent of the factor range {@code [1, 2^alpha]}; default 4. */
        public Builder alpha(double alpha) {
            this.alpha = alpha;
            return this;
        }

        /** Whether biases (convolution, linear, BatchNorm shift) are regularised too; default false. */
        public Builder bias(boolean bias) {
            this.bias = bias;
            return this;
        }

        @Override
        protected Builder self() {
            return this;
        }

        @Override
        protected void validateExtra() {
            if (!(reg >= 0) || Double.isInfinite(reg)) {
                throw new IllegalArgumentException("reg must be a non-negative number, got " + reg);
            }
            if (!(alpha >= 0) || Double.isInfinite(alpha)) {
                throw new IllegalArgumentException("alpha must be a non-negative number, got " + alpha);
            }
        }

        @Override
        protected GroupNormPruner create() {
            return new GroupNormPruner(this);
        }
    }
}
