package dev.jprune.prune;

import dev.jprune.depgraph.Group;
import dev.jprune.depgraph.Member;
import dev.jprune.ir.Graph;
import dev.jprune.ir.axis.ChannelParams;

import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Torch-Pruning's {@code GrowingRegPruner}: growing regularisation (Wang et al., ICLR 2021, arXiv 2012.09243) on top
 * of {@link BasePruner}'s pruning. Each group has a per-channel coefficient {@code λ}, starting at {@code reg};
 * {@link #regularize()} adds {@code λ_c·w} to the gradients of channel {@code c}'s convolution and linear out-rows
 * and in-columns and affine BatchNorm scales (biases too with {@code bias(true)}), skipping ignored layers; each
 * {@link #updateRegularizer()} (call once per epoch) re-collects the groups and then grows
 * <pre>  λ_c += deltaReg · (max(I) − I_c) / (max(I) − min(I) + 1e-8)</pre>
 * with {@code I} the group's importance, so weak channels are pushed ever harder.
 *
 * <p>Differences from Torch-Pruning 1.6.1: there the growth is a separate {@code update_reg()} and the re-collection
 * is {@code update_regularizor()} (which resets every {@code λ} to {@code reg}, and which the base class's
 * {@code update_regularizer()} never reaches); here one call per epoch does both, a group keeping its {@code λ} while
 * its channel count is unchanged (a pruned group restarts at {@code reg}). Torch-Pruning's BatchNorm branch adds to an
 * advanced-index copy of the gradient and so changes nothing; here BatchNorm scales are regularised.
 */
public final class GrowingRegPruner extends BasePruner {

    private final double reg;
    private final double deltaReg;
    private final boolean bias;
    private List<Group> groups;
    private final Map<String, double[]> lambda = new HashMap<>();

    private GrowingRegPruner(Builder b) {
        super(b);
        this.reg = b.reg;
        this.deltaReg = b.deltaReg;
        this.bias = b.bias;
        collect();
    }

    /** A builder for a {@code GrowingRegPruner} of {@code graph}. */
    public static Builder builder(Graph graph) {
        return new Builder(graph);
    }

    private void collect() {
        groups = collectGroups();
        Map<String, double[]> keep = new HashMap<>(lambda);
        lambda.clear();
        for (Group g : groups) {
            double[] l = keep.get(g.root().name());
            if (l == null || l.length != g.rootIndices().size()) {
                l = new double[g.rootIndices().size()];
                Arrays.fill(l, reg);
            }
            lambda.put(g.root().name(), l);
        }
    }

    /** The current coefficients of the group rooted at {@code layer} (a copy), or {@code null}. */
    public double[] lambda(String layer) {
        double[] l = lambda.get(layer);
        return l == null ? null : l.clone();
    }

    @Override
    public void updateRegularizer() {
        collect();
        for (Group g : groups) {
            double[] imp = ChannelGradients.toDouble(importance.score(g));
            if (imp == null) {
                continue;
            }
            double[] l = lambda.get(g.root().name());
            if (imp.length != l.length) {
                throw new IllegalStateException("importance gave " + imp.length + " scores for the " + l.length
                        + " channels of the group of " + g.root().name());
            }
            double max = Arrays.stream(imp).max().orElse(0);
            double min = Arrays.stream(imp).min().orElse(0);
            for (int i = 0; i < l.length; i++) {
                l[i] += deltaReg * (max - imp[i]) / (max - min + 1e-8);
            }
        }
    }

    @Override
    public void regularize() {
        for (Group g : groups) {
            double[] l = lambda.get(g.root().name());
            for (Member m : g.members()) {
                ChannelParams cp = ChannelGradients.regularised(m);
                if (cp != null && !isIgnored(m.node())) {
                    ChannelGradients.addToMember(g, m, cp, bias, l, ChannelGradients.SCALED);
                }
            }
        }
    }

    @Override
    protected void extraSettings(StringBuilder sb) {
        sb.append(", reg=").append(reg).append(", deltaReg=").append(deltaReg).append(", bias=").append(bias);
    }

    /** Builds a {@link GrowingRegPruner}: the {@link BasePruner} settings plus {@code reg}, {@code deltaReg}, {@code bias}. */
    public static final class Builder extends PrunerBuilder<GrowingRegPruner, Builder> {

        private double reg = 1e-5;
        private double deltaReg = 1e-5;
        private boolean bias;

        Builder(Graph graph) {
            super(graph);
        }

        /** The starting coefficient; default 1e-5. */
        public Builder reg(double reg) {
            this.reg = reg;
            return this;
        }

        /** The largest growth per {@link GrowingRegPruner#updateRegularizer()}; default 1e-5. */
        public Builder deltaReg(double deltaReg) {
            this.deltaReg = deltaReg;
            return this;
        }

        /** Whether biases are regularised too; default false. */
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
            if (!(reg >= 0) || Double.isInfinite(reg) || !(deltaReg >= 0) || Double.isInfinite(deltaReg)) {
                throw new IllegalArgumentException("reg and deltaReg must be non-negative numbers, got " + reg + ", "
                        + deltaReg);
            }
        }

        @Override
        protected GrowingRegPruner create() {
            return new GrowingRegPruner(this);
        }
    }
}
