package dev.jprune.prune;

import dev.jprune.depgraph.DependencyGraph;
import dev.jprune.depgraph.HeadMode;
import dev.jprune.ir.Graph;
import dev.jprune.prune.importance.Importance;

import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.DoubleUnaryOperator;

/**
 * The settings every pruner shares, Torch-Pruning's {@code BasePruner} arguments; {@link #build()} validates
 * them.
 *
 * @param <P> the pruner built
 * @param <B> the concrete builder
 */
public abstract class PrunerBuilder<P extends BasePruner, B extends PrunerBuilder<P, B>> {

    /** A {@code ratioFor} setting: layers that form one user scope, and their target ratio. */
    record UserRatio(List<String> layers, double ratio) {
    }

    final Graph graph;
    Importance importance;
    double pruningRatio = 0.5;
    boolean globalPruning;
    final List<UserRatio> userRatios = new ArrayList<>();
    double maxPruningRatio = 1.0;
    int iterativeSteps = 1;
    DoubleUnaryOperator scheduleFn = t -> t;
    List<Double> scheduleList;
    int roundTo;
    final List<String> ignoredLayers = new ArrayList<>();
    boolean defaultIgnore = true;
    boolean isomorphic;
    Set<String> rootTypes = DependencyGraph.DEFAULT_ROOT_TYPES;
    final Map<String, Integer> outChannelGroups = new LinkedHashMap<>();
    final Map<String, Integer> inChannelGroups = new LinkedHashMap<>();
    HeadMode headMode = HeadMode.DIMS;
    double headPruningRatio = Double.NaN;

    /** Starts the settings for pruning {@code graph}, which the pruner changes in place. */
    protected PrunerBuilder(Graph graph) {
        if (graph == null) {
            throw new IllegalArgumentException("graph must not be null");
        }
        this.graph = graph;
    }

    /** This builder, as its concrete type. */
    protected abstract B self();

    /** The pruner, once {@link #build()} has validated the settings. */
    protected abstract P create();

    /** The channel scorer (required). */
    public B importance(Importance importance) {
        this.importance = importance;
        return self();
    }

    /**
     * The fraction of each scope's channels removed by the last step, in [0, 1]; default 0.5. 1.0 is for
     * progressive pruning (Torch-Pruning's CIFAR recipe: ratio 1.0 in many steps, stopped at a MAC target, see
     * {@link ProgressivePruning}); a step never empties a layer, it skips the group instead.
     */
    public B pruningRatio(double ratio) {
        this.pruningRatio = ratio;
        return self();
    }

    /** Rank all groups together (one scope) instead of each group on its own; default false. */
    public B globalPruning(boolean global) {
        this.globalPruning = global;
        return self();
    }

    /**
     * A ratio for the prunable layers {@code layers} cover (node names or module paths; a module covers its
     * sub-modules), Torch-Pruning's {@code pruning_ratio_dict}. The layers of one call form one user scope: with
     * global pruning they compete together, otherwise each is its own scope. Repeatable; for a layer named by
     * several calls the last wins.
     */
    public B ratioFor(Collection<String> layers, double ratio) {
        if (layers == null || layers.isEmpty()) {
            throw new IllegalArgumentException("ratioFor needs at least one layer, got " + layers);
        }
        userRatios.add(new UserRatio(List.copyOf(layers), ratio));
        return self();
    }

    /** Caps every scheduled ratio and stops pruning a group once a layer is below {@code init·(1 − max)}. */
    public B maxPruningRatio(double max) {
        this.maxPruningRatio = max;
        return self();
    }

    /** The number of {@code step()} calls that reach the target ratio; default 1. */
    public B iterativeSteps(int steps) {
        this.iterativeSteps = steps;
        return self();
    }

    /**
     * The schedule as the fraction of the target ratio reached after a fraction {@code t = step/steps} of the
     * steps; default linear ({@code t -> t}, Torch-Pruning's {@code linear_scheduler}).
     */
    public B schedule(DoubleUnaryOperator fractionOfTarget) {
        this.scheduleFn = fractionOfTarget;
        this.scheduleList = null;
        return self();
    }

    /**
     * The schedule as the fraction of the target ratio at steps {@code 0 .. iterativeSteps}
     * ({@code iterativeSteps + 1} values in [0, 1]), as a Torch-Pruning scheduler's list divided by the ratio.
     */
    public B schedule(List<Double> fractionsOfTarget) {
        this.scheduleList = List.copyOf(fractionsOfTarget);
        return self();
    }

    /** Keep a multiple of {@code multiple} channels in each pruned group's root; 0 (default) for none. */
    public B roundTo(int multiple) {
        this.roundTo = multiple;
        return self();
    }

    /** Layers (node names or module paths) whose output channels are never pruned, added to the default. */
    public B ignoredLayers(Collection<String> layers) {
        this.ignoredLayers.addAll(layers);
        return self();
    }

    /** Whether to ignore the layers producing the graph outputs (default true). */
    public B defaultIgnore(boolean ignoreOutputLayers) {
        this.defaultIgnore = ignoreOutputLayers;
        return self();
    }

    /** Rank within scopes of structurally identical groups (isomorphic pruning, arXiv 2407.04616). */
    public B isomorphic(boolean iso) {
        this.isomorphic = iso;
        return self();
    }

    /** The op types that root groups; default {@link DependencyGraph#DEFAULT_ROOT_TYPES}. */
    public B rootTypes(Set<String> types) {
        this.rootTypes = Set.copyOf(types);
        return self();
    }

    /**
     * Channel groups of the output channels of the layers {@code layer} covers (Torch-Pruning's
     * {@code out_channel_groups}, into which its {@code num_heads} are copied): their positions are scored by the
     * mean over the groups and removed in every group together. Grouped convolutions and GroupNorm are found
     * without it; a group takes the largest count of its members.
     */
    public B outChannelGroups(String layer, int groups) {
        outChannelGroups.put(layer, groups);
        return self();
    }

    /** As {@link #outChannelGroups} for input channels (Torch-Pruning's {@code in_channel_groups}). */
    public B inChannelGroups(String layer, int groups) {
        inChannelGroups.put(layer, groups);
        return self();
    }

    /**
     * How attention heads found in the graph are pruned: {@link HeadMode#DIMS} (default) removes the same in-head
     * dimensions from every head at the channel ratio; {@link HeadMode#WHOLE} removes whole heads at the
     * {@link #headPruningRatio head pruning ratio}.
     */
    public B headMode(HeadMode mode) {
        if (mode == null) {
            throw new IllegalArgumentException("headMode must not be null");
        }
        this.headMode = mode;
        return self();
    }

    /**
     * The fraction of each attention's heads removed by the last step with {@link HeadMode#WHOLE}, in [0, 1),
     * scheduled like the channel ratio (Torch-Pruning's {@code head_pruning_ratio}); default the
     * {@link #pruningRatio pruning ratio}.
     */
    public B headPruningRatio(double ratio) {
        this.headPruningRatio = ratio;
        return self();
    }

    double[] scheduleFractions() {
        double[] f = new double[iterativeSteps + 1];
        for (int i = 0; i <= iterativeSteps; i++) {
            f[i] = scheduleList != null ? scheduleList.get(i) : scheduleFn.applyAsDouble(i / (double) iterativeSteps);
        }
        return f;
    }

    /** Checks the settings and builds the pruner. */
    public final P build() {
        if (importance == null) {
            throw new IllegalArgumentException("importance is required");
        }
        if (!(pruningRatio >= 0 && pruningRatio <= 1)) {
            throw new IllegalArgumentException("pruningRatio must be in [0, 1], got " + pruningRatio);
        }
        if (!Double.isNaN(headPruningRatio)) {
            checkRatio("headPruningRatio", headPruningRatio);
        }
        for (UserRatio r : userRatios) {
            checkRatio("ratioFor " + r.layers(), r.ratio());
        }
        if (!(maxPruningRatio > 0 && maxPruningRatio <= 1)) {
            throw new IllegalArgumentException("maxPruningRatio must be in (0, 1], got " + maxPruningRatio);
        }
        if (iterativeSteps < 1) {
            throw new IllegalArgumentException("iterativeSteps must be at least 1, got " + iterativeSteps);
        }
        if (scheduleList != null && scheduleList.size() != iterativeSteps + 1) {
            throw new IllegalArgumentException("schedule must have iterativeSteps + 1 = " + (iterativeSteps + 1)
                    + " values (steps 0.." + iterativeSteps + "), got " + scheduleList.size());
        }
        double[] f = scheduleFractions();
        for (int i = 0; i < f.length; i++) {
            if (!(f[i] >= 0 && f[i] <= 1)) {
                throw new IllegalArgumentException("schedule value at step " + i + " must be in [0, 1], got " + f[i]);
            }
        }
        if (roundTo < 0) {
            throw new IllegalArgumentException("roundTo must be positive (or 0 for none), got " + roundTo);
        }
        if (rootTypes.isEmpty()) {
            throw new IllegalArgumentException("rootTypes must not be empty");
        }
        for (Map<String, Integer> m : List.of(outChannelGroups, inChannelGroups)) {
            m.forEach((layer, n) -> {
                if (n < 1) {
                    throw new IllegalArgumentException("channel groups of " + layer + " must be positive, got " + n);
                }
            });
        }
        validateExtra();
        return create();
    }

    /** Validates a subclass's settings; throws {@link IllegalArgumentException}. */
    protected void validateExtra() {
    }

    private static void checkRatio(String what, double r) {
        if (!(r >= 0 && r < 1)) {
            throw new IllegalArgumentException(what + " must be in [0, 1), got " + r);
        }
    }
}
