package dev.jprune.prune;

import dev.jprune.depgraph.Group;
import dev.jprune.depgraph.Member;
import dev.jprune.ir.Graph;
import dev.jprune.ir.Node;
import dev.jprune.ir.Parameter;
import dev.jprune.ir.axis.ChannelParams;
import dev.jprune.ir.axis.Port;

import java.util.ArrayList;
import java.util.List;

/**
 * Torch-Pruning's {@code BNScalePruner}: Network Slimming (Liu et al., ICCV 2017, arXiv 1708.06519) on top of
 * {@link BasePruner}'s pruning. {@link #regularize()} adds to the gradient of every affine BatchNorm scale
 * {@code γ} outside the ignored layers either {@code reg·sign(γ)} (L1, the default) or, with
 * {@code groupLasso(true)}, per group {@code s_c·γ_c} with {@code s_c = reg / sqrt(mean over the group's BatchNorms
 * of γ_c² + 1e-9)} (group lasso). Call it between the backward pass and the optimiser step;
 * {@link #updateRegularizer()} re-collects the groups after the structure changed (Torch-Pruning's
 * {@code update_regularizor}, which its base class's {@code update_regularizer()} never reaches).
 */
public final class BNScalePruner extends BasePruner {

    private final double reg;
    private final boolean groupLasso;
    private List<Group> groups;

    private BNScalePruner(Builder b) {
        super(b);
        this.reg = b.reg;
        this.groupLasso = b.groupLasso;
        this.groups = collectGroups();
    }

    /** A builder for a {@code BNScalePruner} of {@code graph}. */
    public static Builder builder(Graph graph) {
        return new Builder(graph);
    }

    @Override
    public void regularize() {
        if (groupLasso) {
            groups.forEach(this::groupLasso);
            return;
        }
        for (Node n : graph.nodes()) {
            ChannelParams cp = n.op().channelParams(n, Port.out(0), 1);
            if (cp == null || cp.kind() != ChannelParams.Kind.BATCH_NORM || isIgnored(n)) {
                continue;
            }
            Parameter p = n.parameter(cp.weight().param());
            if (p == null || p.grad() == null) {
                continue;
            }
            float[] w = p.value().data();
            float[] g = p.grad().data();
            for (int i = 0; i < w.length; i++) {
                g[i] += (float) (reg * Math.signum(w[i]));
            }
        }
    }

    private void groupLasso(Group g) {
        List<Member> bns = new ArrayList<>();
        for (Member m : g.members()) {
            ChannelParams cp = BasePruner.channelParams(m);
            if (cp != null && cp.kind() == ChannelParams.Kind.BATCH_NORM && !isIgnored(m.node())) {
                bns.add(m);
            }
        }
        if (bns.isEmpty()) {
            return;
        }
        // Torch-Pruning's MagnitudeImportance(p=2, 'mean', normalizer=None) over the BatchNorms: Σ γ² / #BatchNorms
        int[] roots = g.rootIndices().indices();
        double[] sq = new double[roots.length];
        for (Member m : bns) {
            ChannelParams.Slice s = BasePruner.channelParams(m).weight();
            float[] w = m.node().parameter(s.param()).value().data();
            for (int k = 0; k < m.indices().size(); k++) {
                int r = java.util.Arrays.binarySearch(roots, m.indices().root(k));
                if (r >= 0) {
                    double v = w[s.position(m.indices().index(k))];
                    sq[r] += v * v;
                }
            }
        }
        double[] coef = new double[roots.length];
        for (int i = 0; i < coef.length; i++) {
            coef[i] = reg / Math.sqrt(sq[i] / bns.size() + 1e-9);
        }
        if (ChannelGradients.hasNaN(coef)) {
            return;
        }
        for (Member m : bns) {
            ChannelParams.Slice s = BasePruner.channelParams(m).weight();
            ChannelGradients.add(g, m, s, coef, ChannelGradients.SCALED);
        }
    }

    @Override
    public void updateRegularizer() {
        groups = collectGroups();
    }

    @Override
    protected void extraSettings(StringBuilder sb) {
        sb.append(", reg=").append(reg).append(", groupLasso=").append(groupLasso);
    }

    /** Builds a {@link BNScalePruner}: the {@link BasePruner} settings plus {@code reg} and {@code groupLasso}. */
    public static final class Builder extends PrunerBuilder<BNScalePruner, Builder> {

        private double reg = 1e-5;
        private boolean groupLasso;

        Builder(Graph graph) {
            super(graph);
        }

        /** The regularisation coefficient; default 1e-5. */
        public Builder reg(double reg) {
            this.reg = reg;
            return this;
        }

        /** Group lasso over each group's BatchNorms instead of L1 on every scale; default false. */
        public Builder groupLasso(boolean groupLasso) {
            this.groupLasso = groupLasso;
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
        }

        @Override
        protected BNScalePruner create() {
            return new BNScalePruner(this);
        }
    }
}
