package dev.jprune.prune.importance;

import dev.jprune.depgraph.Group;
import dev.jprune.depgraph.Member;
import dev.jprune.ir.Parameter;
import dev.jprune.ir.axis.ChannelParams;
import dev.jprune.ir.axis.ChannelParams.Kind;
import dev.jprune.ir.axis.Indices;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Collections;
import java.util.EnumSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * A criterion that scores each member of a group on its own, then reduces the members' scores onto the root
 * channels and normalises them (the structure of Torch-Pruning's {@code GroupMagnitudeImportance} and the criteria
 * derived from it). Members are visited in group order (the root first); a member is scored when its op reports
 * {@link ChannelParams} of a {@link #targetKinds() target kind} for its port and axis. Each scored member contributes
 * one item for its weight slices and, when {@link #bias()} is set and it has one, one for its bias; item {@code k}'s
 * scores go to the root positions of the member's indices.
 *
 * <p>An {@code nn.MultiheadAttention} whose widths are tied to its embedding
 * ({@link dev.jprune.ops.MultiheadInProjection}) is one member, scored by default through its input projection's
 * rows (an embedding position's query, key and value rows make one score, as a linear layer's output row does);
 * its {@code out_proj} is scored as the linear layer it is. With {@link Builder#tpCompat(boolean) tpCompat} neither
 * is scored, as in Torch-Pruning 1.6.1: the module is not among its target types, and {@code out_proj} is not in
 * its graph at all, because the module uses that layer's weight directly instead of calling it, and the tracer
 * sees only module calls. The scores of the embedding group then come from the other layers alone (and the mean
 * reduction divides by their count).
 *
 * <p>Instances are immutable apart from the state a subclass documents (Hessian accumulation, random stream).
 */
public abstract class GroupImportance implements Importance {

    private final Reduction reduction;
    private final Normalizer normalizer;
    private final double sentinelQ;
    private final boolean bias;
    private final Set<Kind> targetKinds;
    private final boolean tpCompat;

    GroupImportance(Builder<?> b) {
        this.reduction = b.reduction;
        this.normalizer = b.normalizer;
        this.sentinelQ = b.sentinelQ;
        this.bias = b.bias;
        this.targetKinds = Collections.unmodifiableSet(EnumSet.copyOf(b.targetKinds));
        this.tpCompat = b.tpCompat;
    }

    /** The group reduction. */
    public Reduction reduction() {
        return reduction;
    }

    /** The normaliser. */
    public Normalizer normalizer() {
        return normalizer;
    }

    /** The sentinel fraction {@code q} (used only by {@link Normalizer#SENTINEL}). */
    public double sentinelQ() {
        return sentinelQ;
    }

    /** Whether biases are scored as separate items. */
    public boolean bias() {
        return bias;
    }

    /** The layer kinds that are scored (unmodifiable). */
    public Set<Kind> targetKinds() {
        return targetKinds;
    }

    /** Whether Torch-Pruning 1.6.1's quirks are reproduced (see the subclass). */
    public boolean tpCompat() {
        return tpCompat;
    }

    @Override
    public final float[] score(Group group) {
        int[] roots = group.rootIndices().indices();
        List<float[]> items = new ArrayList<>();
        List<int[]> positions = new ArrayList<>();
        List<String> attention = tpCompat ? attentionModules(group) : List.of();
        for (Member m : group.traceOrder()) { // Torch-Pruning's item order
            ChannelParams cp = m.node().op().channelParams(m.node(), m.port(), m.axis());
            if (cp == null || !scores(cp.kind()) || insideAttention(m, attention)) {
                continue;
            }
            List<float[]> local = scoreMember(m, cp);
            if (local.isEmpty()) {
                continue;
            }
            int[] pos = rootPositions(m, roots);
            for (float[] item : local) {
                if (item.length != pos.length) {
                    throw new IllegalStateException("member " + m.describe() + " gave " + item.length
                            + " scores for " + pos.length + " indices");
                }
                items.add(item);
                positions.add(pos);
            }
        }
        if (items.isEmpty()) {
            return null;
        }
        return ScoreMath.normalize(normalizer, sentinelQ, ScoreMath.reduce(reduction, items, positions, roots.length));
    }

    /** Whether members of layer kind {@code kind} are scored: a target kind, and not excluded by a quirk. */
    boolean scores(Kind kind) {
        return targetKinds.contains(kind)
                && !(tpCompat && (kind == Kind.DEPTHWISE_CONV || kind == Kind.MULTIHEAD_ATTENTION));
    }

    /** The module paths of the group's {@code nn.MultiheadAttention} members. */
    private static List<String> attentionModules(Group group) {
        List<String> out = new ArrayList<>();
        for (Member m : group.members()) {
            ChannelParams cp = m.node().op().channelParams(m.node(), m.port(), m.axis());
            if (cp != null && cp.kind() == Kind.MULTIHEAD_ATTENTION) {
                out.add(m.node().moduleName());
            }
        }
        return out;
    }

    /**
     * Whether {@code m} is a sub-module of one of the {@code attention} modules: {@code out_proj}, whose weight
     * PyTorch's module uses directly, so that Torch-Pruning never sees the layer called and never scores it.
     */
    private static boolean insideAttention(Member m, List<String> attention) {
        String name = m.node().moduleName();
        for (String a : attention) {
            if (name.startsWith(a + ".")) {
                return true;
            }
        }
        return false;
    }

    /**
     * The items of one member, each with one score per index of {@code m.indices()}: the weight item, then the
     * bias item if biases are scored; empty when the member contributes nothing.
     */
    abstract List<float[]> scoreMember(Member m, ChannelParams cp);

    /** The parameter {@code slice} refers to. */
    static Parameter param(Member m, ChannelParams.Slice slice) {
        Parameter p = m.node().parameter(slice.param());
        if (p == null) {
            throw new IllegalStateException("layer " + m.layer() + " has no parameter '" + slice.param() + "'");
        }
        return p;
    }

    private static int[] rootPositions(Member m, int[] roots) {
        Indices idx = m.indices();
        int[] pos = new int[idx.size()];
        for (int k = 0; k < pos.length; k++) {
            int p = Arrays.binarySearch(roots, idx.root(k));
            if (p < 0) {
                throw new IllegalStateException("member " + m.describe() + " maps index " + idx.index(k)
                        + " to root " + idx.root(k) + ", which is not among the group's root indices");
            }
            pos[k] = p;
        }
        return pos;
    }

    /** The settings, as {@code toString} lists them after the subclass's own. */
    String commonSettings() {
        return "reduction=" + reduction + ", normalizer=" + normalizer
                + (normalizer == Normalizer.SENTINEL ? ", sentinelQ=" + sentinelQ : "") + ", bias=" + bias
                + ", targetKinds=" + targetKinds + ", tpCompat=" + tpCompat;
    }

    /**
     * The default target kinds: convolutions (depthwise too), linear layers, BatchNorm, LayerNorm and
     * {@code nn.MultiheadAttention}'s input projection.
     */
    static Set<Kind> defaultKinds() {
        return EnumSet.of(Kind.CONV, Kind.DEPTHWISE_CONV, Kind.LINEAR, Kind.BATCH_NORM, Kind.LAYER_NORM,
                Kind.MULTIHEAD_ATTENTION);
    }

    /**
     * The settings common to group criteria; defaults are Torch-Pruning's: {@link Reduction#MEAN},
     * {@link Normalizer#MEAN}, no bias, {@code tpCompat = false}.
     *
     * @param <B> the concrete builder
     */
    public abstract static class Builder<B extends Builder<B>> {

        Reduction reduction = Reduction.MEAN;
        Normalizer normalizer = Normalizer.MEAN;
        double sentinelQ = 0.5;
        boolean bias;
        Set<Kind> targetKinds;
        boolean tpCompat;

        Builder(Set<Kind> defaultKinds) {
            this.targetKinds = EnumSet.copyOf(defaultKinds);
        }

        abstract B self();

        /** The group reduction (default {@link Reduction#MEAN}). */
        public B reduction(Reduction r) {
            this.reduction = Objects.requireNonNull(r, "reduction");
            return self();
        }

        /**
         * The normaliser (default {@link Normalizer#MEAN}); {@link Normalizer#SENTINEL} uses the fraction set by
         * {@link #sentinel(double)} (0.5 unless set).
         */
        public B normalizer(Normalizer n) {
            this.normalizer = Objects.requireNonNull(n, "normalizer");
            return self();
        }

        /** Normalises by the {@code floor(q·n)}-th smallest score (Torch-Pruning's {@code 'sentinel_q'}). */
        public B sentinel(double q) {
            this.normalizer = Normalizer.SENTINEL;
            this.sentinelQ = q;
            return self();
        }

        /** Whether biases are scored too, as separate items (default false). */
        public B bias(boolean on) {
            this.bias = on;
            return self();
        }

        /** The layer kinds to score (replacing the defaults). */
        public B targetKinds(Kind... kinds) {
            return targetKinds(Arrays.asList(kinds));
        }

        /** The layer kinds to score (replacing the defaults). */
        public B targetKinds(Collection<Kind> kinds) {
            if (kinds.isEmpty()) {
                throw new IllegalArgumentException("targetKinds must name at least one layer kind, got none");
            }
            for (Kind k : kinds) {
                Objects.requireNonNull(k, "targetKinds element");
            }
            this.targetKinds = EnumSet.copyOf(kinds);
            return self();
        }

        /** Reproduce Torch-Pruning 1.6.1's quirks (default false: the correct behaviour). */
        public B tpCompat(boolean on) {
            this.tpCompat = on;
            return self();
        }

        /** Checks the common settings; builders call it from {@code build()}. */
        void validate() {
            if (normalizer == Normalizer.SENTINEL && !(sentinelQ >= 0 && sentinelQ < 1)) {
                throw new IllegalArgumentException("sentinel q must be in [0, 1), got " + sentinelQ);
            }
        }
    }
}
