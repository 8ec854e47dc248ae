package dev.jprune.prune;

import dev.jprune.depgraph.DependencyGraph;
import dev.jprune.depgraph.Group;
import dev.jprune.depgraph.HeadMode;
import dev.jprune.depgraph.Member;
import dev.jprune.depgraph.Side;
import dev.jprune.ir.Graph;
import dev.jprune.ir.Node;
import dev.jprune.ir.Value;
import dev.jprune.ir.axis.ChannelParams;
import dev.jprune.ir.axis.Indices;
import dev.jprune.prune.importance.Importance;
import dev.jprune.train.Optimizer;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Set;

/**
 * Torch-Pruning's {@code BasePruner} (alias {@code MagnitudePruner}, {@code MetaPruner}): each {@link #step()}
 * scores every group of the dependency graph with an {@link Importance}, ranks the scores within scopes and removes
 * the lowest-ranked channels, so that after {@code iterativeSteps} steps each scope has lost its target fraction of
 * channels. The rules are Torch-Pruning 1.6.1's ({@code reference/TP-SEMANTICS.md} §1.3):
 *
 * <ol>
 * <li>A group is skipped when a member layer has fewer than {@code init·(1 − maxPruningRatio)} channels or just
 *     one, or when the importance returns {@code null}. Its {@code ch_groups} is the largest channel-group count of
 *     its members (grouped convolutions, GroupNorm; 1 for depthwise); the scores are averaged over the groups
 *     ({@code imp.view(ch_groups, −1).mean(0)}).</li>
 * <li>Scope: the user scope of {@link PrunerBuilder#ratioFor} when an out-member lies in one, else the isomorphic
 *     scope (groups with the same member structure), else one global scope, else one scope per group.</li>
 * <li>Per scope: {@code n = len − int(initial·(1 − ratio))}, {@code initial} the scope's length at the first step
 *     it was seen. Global pruning removes every score {@code ≤} the {@code n}-th smallest (ties can remove more);
 *     local pruning removes the {@code n} lowest positions. {@code roundTo} then removes the
 *     {@code argsort(imp)[:n']} that leave a multiple of {@code roundTo} of the root's current channels; with
 *     {@code ch_groups > 1} each index is repeated in every channel group.</li>
 * <li>Each chosen group is rebuilt from its root and pruned, unless it would empty a layer (then skipped). The
 *     rebuilt group sees what earlier groups of the step pruned, but has the members it was scored with: a grouped
 *     convolution that an earlier group left with one output per group keeps its inputs a separate member, which
 *     loses the chosen positions in every group ({@link dev.jprune.ops.Conv2d#separatesInAndOut()}). Torch-Pruning
 *     builds its dependency graph once, so a layer keeps the kind it was traced with; RegNet's {@code f.a} groups,
 *     which come after their {@code f.b} groups, depend on this.</li>
 * </ol>
 *
 * <p>Differences from Torch-Pruning 1.6.1, deliberate: the default ratio is capped by {@code maxPruningRatio}
 * as the user ratios are (Torch-Pruning caps only the latter); local pruning with several groups in one scope
 * ({@code isomorphic} without {@code globalPruning}) gives each group the lowest positions of the scope that fall
 * in its own range (Torch-Pruning hands every group the concatenation's positions); the isomorphic tag is the
 * member layers' op types and sides in group order rather than Torch-Pruning's per-dependency module types.
 * Ties are broken by position (lower first) wherever Torch-Pruning's {@code topk}/{@code argsort} leaves the order
 * open. A user scope is found through the first out-member in group order (root first, then graph order).
 *
 * <p>Attention heads are found from the graph ({@link DependencyGraph#touchesHeads}). A group that goes through a
 * head split is ranked by units of root channels that must go together, each scored by the mean of its channels'
 * scores. With {@link HeadMode#DIMS} (the default) a unit is one in-head dimension of every head (query and key
 * dimensions together, value dimensions on their own); each kind is ranked on its own (so neither can be
 * emptied) in the group's usual scope at the channel ratio, and {@code roundTo} keeps a multiple of in-head
 * dimensions of each kind. With {@link HeadMode#WHOLE} a unit
 * is a whole head (its queries, keys, values and output-projection columns); heads are ranked per attention (local)
 * or across all attentions in one head scope (global) at the head pruning ratio, scheduled and capped like the
 * channel ratio; {@code ratioFor} and {@code roundTo} do not apply to heads. An {@code nn.MultiheadAttention}
 * whose widths are tied to its embedding ({@code Attention.Width.TIED}, torchvision's ViT) has no group of its own:
 * the embedding's group goes through its head split, so its units are the embedding positions that share an
 * in-head position (one per head), ranked like channels — Torch-Pruning's {@code channel_groups = {mha: num_heads}}
 * and {@code imp.view(num_heads, −1).mean(0)}. Not implemented: ignoring single
 * parameters ({@code ignored_layers} holding an {@code nn.Parameter}).
 *
 * <pre>{@code
 * BasePruner pruner = BasePruner.builder(graph)
 *         .importance(importance)            // required
 *         .pruningRatio(0.5)
 *         .iterativeSteps(5)
 *         .ignoredLayers(List.of("fc"))      // node names or module paths
 *         .build();
 * for (int i = 0; i < 5; i++) {
 *     pruner.step();                         // or stepInteractive() to prune each group yourself
 * }
 * pruner.saveHistory(Path.of("history.json"));
 * }</pre>
 *
 * <p>Not thread-safe. The graph is changed in place.
 */
public class BasePruner {

    private static final System.Logger LOG = System.getLogger(BasePruner.class.getName());

    /** The graph being pruned (changed in place). */
    protected final Graph graph;
    /** The channel scorer. */
    protected final Importance importance;
    private final double pruningRatio;
    private final boolean globalPruning;
    private final double maxPruningRatio;
    private final int iterativeSteps;
    private final double[] schedule;
    private final int roundTo;
    private final boolean isomorphic;
    private final boolean defaultIgnore;
    private final Set<String> rootTypes;
    private final HeadMode headMode;
    private final double headPruningRatio;
    private final List<String> userIgnored;
    private final Set<String> ignored;
    private final List<PrunerBuilder.UserRatio> userRatios;
    private final Map<String, String> layerScope = new HashMap<>();
    private final Map<String, Double> layerRatio = new HashMap<>();
    private final Map<String, Integer> outGroups = new HashMap<>();
    private final Map<String, Integer> inGroups = new HashMap<>();
    private final Map<Node, Map<Side, Integer>> initChannels = new IdentityHashMap<>();
    private final Map<String, Integer> scopeInitial = new HashMap<>();
    private final List<PruningHistory.Entry> history = new ArrayList<>();
    private List<String> unsupportedRoots = List.of();
    private int currentStep;

    /**
     * A pruner with the validated settings of {@code b}: resolves the layer names (unknown ones throw
     * {@link IllegalArgumentException}) and records every layer's initial channel counts.
     */
    protected BasePruner(PrunerBuilder<?, ?> b) {
        this.graph = b.graph;
        this.importance = b.importance;
        this.pruningRatio = b.pruningRatio;
        this.globalPruning = b.globalPruning;
        this.maxPruningRatio = b.maxPruningRatio;
        this.iterativeSteps = b.iterativeSteps;
        this.schedule = b.scheduleFractions();
        this.roundTo = b.roundTo;
        this.isomorphic = b.isomorphic;
        this.defaultIgnore = b.defaultIgnore;
        this.rootTypes = Set.copyOf(b.rootTypes);
        this.headMode = b.headMode;
        this.headPruningRatio = Double.isNaN(b.headPruningRatio) ? b.pruningRatio : b.headPruningRatio;
        this.userIgnored = List.copyOf(b.ignoredLayers);
        this.userRatios = List.copyOf(b.userRatios);
        Set<String> ig = new LinkedHashSet<>();
        if (defaultIgnore) {
            ig.addAll(DependencyGraph.outputLayers(graph));
        }
        for (Node n : LayerNames.resolve(graph, userIgnored, "ignoredLayers")) {
            ig.add(n.name());
        }
        this.ignored = Set.copyOf(ig);
        for (int u = 0; u < userRatios.size(); u++) {
            PrunerBuilder.UserRatio r = userRatios.get(u);
            int k = 0;
            for (Node n : LayerNames.resolve(graph, r.layers(), "ratioFor")) {
                if (n.params().isEmpty()) {
                    continue;
                }
                // global: the layers compete in one scope; local: each layer is its own scope
                layerScope.put(n.name(), globalPruning ? "user" + u : "user" + u + "_" + k++);
                layerRatio.put(n.name(), r.ratio());
            }
        }
        b.outChannelGroups.forEach((layer, n) -> LayerNames.resolve(graph, List.of(layer), "outChannelGroups")
                .forEach(node -> outGroups.put(node.name(), n)));
        b.inChannelGroups.forEach((layer, n) -> LayerNames.resolve(graph, List.of(layer), "inChannelGroups")
                .forEach(node -> inGroups.put(node.name(), n)));
        for (Group g : collectGroups()) {
            for (Member m : g.members()) {
                initialChannels(m);
            }
        }
    }

    /**
     * A builder for a {@link BasePruner} of {@code graph}. (Typed as the shared builder so that the regularising
     * pruners' {@code builder(graph)} can return their own; its {@code build()} returns a {@code BasePruner}.)
     */
    public static PrunerBuilder<? extends BasePruner, ?> builder(Graph graph) {
        return new Builder(graph);
    }

    // ------------------------------------------------------------------ stepping

    /**
     * One pruning step (Torch-Pruning's {@code step()}): chooses the channels of every group and prunes them,
     * slicing the state of {@code optimizers} too. Each pruned group is appended to the {@link #history()}. A step
     * after the last scheduled one prunes nothing and says so in the result (and logs a warning).
     */
    public StepResult step(Optimizer... optimizers) {
        Iterator<Group> it = stepInteractive();
        List<PruningHistory.Entry> done = new ArrayList<>();
        while (it.hasNext()) {
            Group g = it.next();
            g.pruneWith(optimizers);
            done.add(recordPruned(g));
        }
        return new StepResult(currentStep, pastSchedule(), done);
    }

    /**
     * One pruning step whose groups the caller prunes (Torch-Pruning's {@code step(interactive=True)}): every chosen
     * group is rebuilt from its root when {@link Iterator#hasNext()} reaches it, so earlier groups must be pruned
     * (or not) before asking for the next. The caller may {@link Group#prune()} it, prune other indices of its root
     * ({@link Group#prune(int...)}) or zero them ({@link Group#zeroOutChannels()}, soft pruning); to keep the
     * {@link #history()}, pass what was pruned to {@link #recordPruned(Group)}. The scores are computed now.
     */
    public Iterator<Group> stepInteractive() {
        currentStep++;
        if (pastSchedule()) {
            LOG.log(System.Logger.Level.WARNING, "step " + currentStep + " is past the " + iterativeSteps
                    + " scheduled steps; nothing is pruned");
            return java.util.Collections.emptyIterator();
        }
        DependencyGraph dg = new DependencyGraph(graph, headMode);
        List<Choice> choices = choose(dg);
        return new Iterator<>() {
            private int next;
            private Group ready;

            @Override
            public boolean hasNext() {
                while (ready == null && next < choices.size()) {
                    Choice c = choices.get(next++);
                    Group g = dg.pruningGroup(c.root(), c.side(), c.indices());
                    if (g.problems().isEmpty()) {
                        ready = g;
                    }
                }
                return ready != null;
            }

            @Override
            public Group next() {
                if (!hasNext()) {
                    throw new NoSuchElementException();
                }
                Group g = ready;
                ready = null;
                return g;
            }
        };
    }

    /** The number of scheduled steps (Torch-Pruning's {@code iterative_steps}). */
    public int iterativeSteps() {
        return iterativeSteps;
    }

    /** The number of steps taken (0 before the first; {@link #reset()} sets it back). */
    public int currentStep() {
        return currentStep;
    }

    /** Whether the last step came after the last scheduled one. */
    public boolean pastSchedule() {
        return currentStep > iterativeSteps;
    }

    /** Sets the step counter back to 0 (Torch-Pruning's {@code reset()}); scope lengths are kept. */
    public void reset() {
        currentStep = 0;
    }

    /**
     * Every ranking decision of the steps so far, in order: per scope the last score removed and the first kept
     * (see {@link ScopeDecision#nearTie}).
     */
    public List<ScopeDecision> decisions() {
        return List.copyOf(decisions);
    }

    private final List<ScopeDecision> decisions = new ArrayList<>();

    /** Groups rooted at layers whose channels no axis rule could follow, at the last collection. */
    public List<String> unsupportedRoots() {
        return unsupportedRoots;
    }

    /**
     * The target ratio of {@code layer} at {@code step} (Torch-Pruning's {@code get_target_pruning_ratio}): its
     * {@code ratioFor} ratio or the default, scheduled and capped by {@code maxPruningRatio}.
     */
    public double targetPruningRatio(String layer, int step) {
        if (step < 0 || step > iterativeSteps) {
            throw new IllegalArgumentException("step must be in [0, " + iterativeSteps + "], got " + step);
        }
        return Math.min(layerRatio.getOrDefault(layer, pruningRatio) * schedule[step], maxPruningRatio);
    }

    // ------------------------------------------------------------------ history

    /** Appends a pruned group to the history and returns its entry. */
    public PruningHistory.Entry recordPruned(Group pruned) {
        PruningHistory.Entry e = PruningHistory.Entry.of(pruned);
        history.add(e);
        return e;
    }

    /** Every pruned group so far, in order (a copy). */
    public List<PruningHistory.Entry> history() {
        return List.copyOf(history);
    }

    /** Writes the {@link #history()} to {@code file} as JSON, atomically, with this pruner's head mode. */
    public void saveHistory(Path file) throws IOException {
        PruningHistory.save(history, headMode, file);
    }

    /**
     * Reads a history saved by {@link #saveHistory} and applies it to {@code graph} (a fresh copy of the model), with
     * the head mode the history was made with.
     */
    public static void replayHistory(Graph graph, Path file) throws IOException {
        PruningHistory.replay(graph, PruningHistory.read(file));
    }

    /** How attention heads are pruned. */
    public HeadMode headMode() {
        return headMode;
    }

    // ------------------------------------------------------------------ regularisation (sparse training)

    /**
     * Adds this pruner's regularisation to the parameters' gradients; call between the backward pass and the
     * optimiser step. The base pruner adds nothing.
     */
    public void regularize() {
    }

    /** Collects the groups again after the structure changed (call per epoch). The base pruner has none. */
    public void updateRegularizer() {
    }

    // ------------------------------------------------------------------ helpers for subclasses

    /** Every group of the graph with this pruner's root types and ignored layers, freshly built. */
    protected final List<Group> collectGroups() {
        List<String> skipped = new ArrayList<>();
        List<Group> groups = new DependencyGraph(graph, headMode).allGroups(ignored, rootTypes, skipped,
                DependencyGraph.RootOrder.TRACE);
        unsupportedRoots = List.copyOf(skipped);
        return groups;
    }

    /** Whether {@code node} is ignored (named in {@code ignoredLayers}, or an output layer by default). */
    protected final boolean isIgnored(Node node) {
        return ignored.contains(node.name());
    }

    /**
     * Torch-Pruning's {@code ch_groups}: the largest channel-group count of the group's members (at least 1), from
     * the layers themselves and from {@code outChannelGroups}/{@code inChannelGroups}.
     */
    protected final int channelGroups(Group g) {
        int ch = 1;
        for (Member m : g.members()) {
            ChannelParams cp = channelParams(m);
            if (cp != null) {
                ch = Math.max(ch, cp.groups());
            }
            Integer set = (m.side() == Side.OUT ? outGroups : inGroups).get(m.node().name());
            if (set != null) {
                ch = Math.max(ch, set);
            }
        }
        return ch;
    }

    /** What a member's channels are in its node's parameters, or {@code null}. */
    protected static ChannelParams channelParams(Member m) {
        return m.node().op().channelParams(m.node(), m.port(), m.axis());
    }

    private static int channels(Member m) {
        Value v = m.port().input() ? m.node().input(m.port().index()) : m.node().output(m.port().index());
        return v.shape().dim(m.axis());
    }

    /** Whether a member is a layer whose channel count Torch-Pruning checks (not a free parameter, not an op). */
    private static boolean isCheckedLayer(Member m) {
        if (m.node().params().isEmpty()) {
            return false;
        }
        ChannelParams cp = channelParams(m);
        return cp == null || cp.kind() != ChannelParams.Kind.OTHER;
    }

    private int initialChannels(Member m) {
        return initChannels.computeIfAbsent(m.node(), x -> new HashMap<>()).computeIfAbsent(m.side(), s -> channels(m));
    }

    /** Torch-Pruning's {@code _check_pruning_ratio}. */
    private boolean withinMaxRatio(Group g) {
        for (Member m : g.members()) {
            if (!isCheckedLayer(m)) {
                continue;
            }
            int now = channels(m);
            if (now < initialChannels(m) * (1 - maxPruningRatio) || now == 1) {
                return false;
            }
        }
        return true;
    }

    // ------------------------------------------------------------------ choosing channels

    /**
     * A group of a scope with its averaged scores: one per channel position ({@code units == null}), or one per unit
     * of coupled root channels of an attention group ({@code units[u]}: in-head dimensions or whole heads).
     */
    private record Record(Group group, int chGroups, int groupSize, double ratio, float[] imp, int[][] units) {
    }

    /** What to prune: a root and its indices. */
    private record Choice(Node root, Side side, Indices indices) {
    }

    private double defaultRatio() {
        return Math.min(pruningRatio * schedule[currentStep], maxPruningRatio);
    }

    private List<Choice> choose(DependencyGraph dg) {
        List<String> skipped = new ArrayList<>();
        List<Group> groups = dg.allGroups(ignored, rootTypes, skipped, DependencyGraph.RootOrder.TRACE);
        unsupportedRoots = List.copyOf(skipped);
        Map<String, List<Record>> scopes = new LinkedHashMap<>();
        for (Group g : groups) {
            if (!withinMaxRatio(g)) {
                continue;
            }
            int chGroups = channelGroups(g);
            float[] imp = importance.score(g);
            if (imp == null) {
                continue;
            }
            int n = g.rootIndices().size();
            if (imp.length != n) {
                throw new IllegalStateException("importance gave " + imp.length + " scores for the " + n
                        + " channels of the group of " + g.root().name());
            }
            if (dg.touchesHeads(g)) {
                int[][] units = headUnits(dg, g);
                if (headMode == HeadMode.WHOLE) {
                    double ratio = Math.min(headPruningRatio * schedule[currentStep], maxPruningRatio);
                    String scope = globalPruning ? "heads" : "heads:" + g.root().name();
                    scopes.computeIfAbsent(scope, x -> new ArrayList<>())
                            .add(new Record(g, 1, n, ratio, unitMeans(imp, units), units));
                    continue;
                }
                // in-head dimensions: each kind (query/key dimensions, value dimensions) is ranked on its own
                String userLayer = userScopeLayer(g);
                double ratio = userLayer != null ? targetPruningRatio(userLayer, currentStep) : defaultRatio();
                for (int[][] kind : unitsBySize(units)) {
                    String scope = userLayer != null ? layerScope.get(userLayer)
                            : isomorphic ? "isomorphic:" + isomorphicTag(g) + kind[0].length
                            : globalPruning ? "global" : "layer:" + g.root().name() + ":" + kind[0].length;
                    scopes.computeIfAbsent(scope, x -> new ArrayList<>())
                            .add(new Record(g, 1, n, ratio, unitMeans(imp, kind), kind));
                }
                continue;
            }
            if (n % chGroups != 0) {
                throw new IllegalStateException("the " + n + " channels of the group of " + g.root().name()
                        + " do not split into " + chGroups + " channel groups");
            }
            int groupSize = n / chGroups;
            float[] dimImp = chGroups > 1 ? groupMean(imp, chGroups) : imp.clone();
            String userLayer = userScopeLayer(g);
            String scope;
            double ratio;
            if (userLayer != null) {
                scope = layerScope.get(userLayer);
                ratio = targetPruningRatio(userLayer, currentStep);
            } else {
                ratio = defaultRatio();
                scope = isomorphic ? "isomorphic:" + isomorphicTag(g) : globalPruning ? "global" : "layer:" + g.root().name();
            }
            scopes.computeIfAbsent(scope, x -> new ArrayList<>()).add(new Record(g, chGroups, groupSize, ratio, dimImp, null));
        }
        List<Choice> choices = new ArrayList<>();
        for (Map.Entry<String, List<Record>> e : scopes.entrySet()) {
            choose(e.getKey(), e.getValue(), choices);
        }
        return mergeByRoot(choices);
    }

    /**
     * One choice per root: an attention group's kinds of units are ranked apart but must be pruned together, since
     * the indices are the root's current ones.
     */
    private static List<Choice> mergeByRoot(List<Choice> choices) {
        Map<String, Choice> merged = new LinkedHashMap<>();
        for (Choice c : choices) {
            merged.merge(c.root().name() + " " + c.side(), c,
                    (a, b) -> new Choice(a.root(), a.side(), a.indices().union(b.indices())));
        }
        return new ArrayList<>(merged.values());
    }

    /** Units grouped by size (the kinds of in-head dimension), in order of size. */
    private static List<int[][]> unitsBySize(int[][] units) {
        Map<Integer, List<int[]>> bySize = new java.util.TreeMap<>();
        for (int[] u : units) {
            bySize.computeIfAbsent(u.length, k -> new ArrayList<>()).add(u);
        }
        List<int[][]> out = new ArrayList<>();
        for (List<int[]> l : bySize.values()) {
            out.add(l.toArray(new int[0][]));
        }
        return out;
    }

    private void choose(String scope, List<Record> records, List<Choice> choices) {
        int total = 0;
        for (Record r : records) {
            total += r.imp().length;
        }
        float[] concat = new float[total];
        int at = 0;
        for (Record r : records) {
            System.arraycopy(r.imp(), 0, concat, at, r.imp().length);
            at += r.imp().length;
        }
        int initial = scopeInitial.computeIfAbsent(scope, s -> concat.length);
        int nPruned = concat.length - (int) (initial * (1 - records.get(0).ratio()));
        if (nPruned <= 0) {
            return;
        }
        int[] order = argsort(concat);
        float thres = concat[order[Math.min(nPruned, concat.length) - 1]];
        decisions.add(new ScopeDecision(scope, Math.min(nPruned, concat.length), thres,
                nPruned < concat.length ? concat[order[nPruned]] : Float.NaN));
        boolean[] lowest = new boolean[concat.length];
        for (int k = 0; k < Math.min(nPruned, concat.length); k++) {
            lowest[order[k]] = true;
        }
        int offset = 0;
        for (Record r : records) {
            float[] imp = r.imp();
            int[] picked = new int[imp.length];
            int count = 0;
            for (int i = 0; i < imp.length; i++) {
                if (globalPruning ? imp[i] <= thres : lowest[offset + i]) {
                    picked[count++] = i;
                }
            }
            offset += imp.length;
            int[] idx = java.util.Arrays.copyOf(picked, count);
            if (r.units() != null) {
                if (idx.length > 0 && roundTo > 0 && headMode == HeadMode.DIMS) {
                    idx = roundUnits(idx, r, roundTo);
                }
                if (idx.length > 0) {
                    choices.add(new Choice(r.group().root(), r.group().side(), expand(idx, r.units())));
                }
                continue;
            }
            if (idx.length > 0 && roundTo > 0) {
                Node root = r.group().root();
                int current = root.output(0).shape().dim(root.op().rootAxis(root));
                int n = roundedPruneCount(idx.length, current, roundTo);
                int[] local = argsort(imp);
                idx = java.util.Arrays.copyOf(local, Math.min(n, imp.length));
                if (n > 0 && n != count) {
                    decisions.add(new ScopeDecision(scope + " round_to " + roundTo, Math.min(n, imp.length),
                            imp[local[Math.min(n, imp.length) - 1]], n < imp.length ? imp[local[n]] : Float.NaN));
                }
            }
            if (idx.length == 0) {
                continue;
            }
            int[] all = new int[idx.length * r.chGroups()];
            for (int gId = 0; gId < r.chGroups(); gId++) {
                for (int k = 0; k < idx.length; k++) {
                    all[gId * idx.length + k] = idx[k] + gId * r.groupSize();
                }
            }
            choices.add(new Choice(r.group().root(), r.group().side(), Indices.of(all)));
        }
    }

    /**
     * The units of an attention group: its root channels partitioned into the sets that go together (each found by
     * pruning one channel: an in-head dimension of every head, or a whole head), in order of their first channel.
     */
    private static int[][] headUnits(DependencyGraph dg, Group g) {
        int n = g.rootIndices().size();
        boolean[] done = new boolean[n];
        List<int[]> units = new ArrayList<>();
        for (int r = 0; r < n; r++) {
            if (done[r]) {
                continue;
            }
            Group probe = dg.pruningGroup(g.root(), g.side(), Indices.of(r));
            int[] unit = probe.member(g.root().name(), g.side()).indices().indices();
            for (int c : unit) {
                if (c >= n || done[c]) {
                    throw new IllegalStateException("the channels of the attention group of " + g.root().name()
                            + " do not split into disjoint units (channel " + c + " of " + n + ")");
                }
                done[c] = true;
            }
            units.add(unit);
        }
        return units.toArray(new int[0][]);
    }

    /** Each unit's mean channel score (Torch-Pruning averages channels pruned together). */
    private static float[] unitMeans(float[] imp, int[][] units) {
        float[] out = new float[units.length];
        for (int u = 0; u < units.length; u++) {
            double sum = 0;
            for (int c : units[u]) {
                sum += imp[c];
            }
            out[u] = (float) (sum / units[u].length);
        }
        return out;
    }

    /** The root channels of the chosen units. */
    private static Indices expand(int[] chosen, int[][] units) {
        int total = 0;
        for (int u : chosen) {
            total += units[u].length;
        }
        int[] all = new int[total];
        int at = 0;
        for (int u : chosen) {
            System.arraycopy(units[u], 0, all, at, units[u].length);
            at += units[u].length;
        }
        return Indices.of(all);
    }

    /**
     * {@code roundTo} on in-head dimensions: units of one size (query/key dimensions, value dimensions) keep a
     * multiple of {@code roundTo}, removing the lowest-scored units of that size.
     */
    private static int[] roundUnits(int[] chosen, Record r, int roundTo) {
        Map<Integer, Integer> pickedBySize = new HashMap<>();
        for (int u : chosen) {
            pickedBySize.merge(r.units()[u].length, 1, Integer::sum);
        }
        int[] order = argsort(r.imp());
        List<Integer> out = new ArrayList<>();
        for (Map.Entry<Integer, Integer> e : new java.util.TreeMap<>(pickedBySize).entrySet()) {
            int size = e.getKey();
            int total = 0;
            for (int[] unit : r.units()) {
                total += unit.length == size ? 1 : 0;
            }
            int n = roundedPruneCount(e.getValue(), total, roundTo);
            for (int k = 0; k < order.length && n > 0; k++) {
                if (r.units()[order[k]].length == size) {
                    out.add(order[k]);
                    n--;
                }
            }
        }
        return out.stream().mapToInt(Integer::intValue).sorted().toArray();
    }

    /**
     * Torch-Pruning's {@code _round_to}: how many of {@code current} channels to remove, near {@code nPruned}, so
     * that a multiple of {@code roundTo} remains (rounding the kept count down).
     */
    static int roundedPruneCount(int nPruned, int current, int roundTo) {
        int kept = current - nPruned;
        kept -= kept % roundTo;
        return Math.max(current - kept, 0);
    }

    /** The out-member layer that puts the group in a user scope, or {@code null}. */
    private String userScopeLayer(Group g) {
        for (Member m : g.members()) {
            if (m.side() == Side.OUT && layerScope.containsKey(m.node().name())) {
                return m.node().name();
            }
        }
        return null;
    }

    private static String isomorphicTag(Group g) {
        StringBuilder sb = new StringBuilder();
        for (Member m : g.members()) {
            sb.append(m.node().op().type()).append('_').append(m.side().label()).append(';');
        }
        return sb.toString();
    }

    private static float[] groupMean(float[] imp, int chGroups) {
        int size = imp.length / chGroups;
        float[] out = new float[size];
        for (int i = 0; i < size; i++) {
            double s = 0;
            for (int g = 0; g < chGroups; g++) {
                s += imp[g * size + i];
            }
            out[i] = (float) (s / chGroups);
        }
        return out;
    }

    /** Positions in ascending order of value, ties by position (a stable argsort). */
    static int[] argsort(float[] v) {
        Integer[] idx = new Integer[v.length];
        for (int i = 0; i < v.length; i++) {
            idx[i] = i;
        }
        java.util.Arrays.sort(idx, (a, b) -> {
            int c = Float.compare(v[a], v[b]);
            return c != 0 ? c : Integer.compare(a, b);
        });
        int[] out = new int[v.length];
        for (int i = 0; i < v.length; i++) {
            out[i] = idx[i];
        }
        return out;
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder(getClass().getSimpleName()).append('(');
        sb.append("graph=").append(graph.name());
        sb.append(", importance=").append(importance);
        sb.append(", pruningRatio=").append(pruningRatio);
        sb.append(", globalPruning=").append(globalPruning);
        sb.append(", ratioFor=[");
        for (int u = 0; u < userRatios.size(); u++) {
            sb.append(u == 0 ? "" : ", ").append(userRatios.get(u).layers()).append('=').append(userRatios.get(u).ratio());
        }
        sb.append("], maxPruningRatio=").append(maxPruningRatio);
        sb.append(", iterativeSteps=").append(iterativeSteps);
        sb.append(", schedule=").append(java.util.Arrays.toString(schedule));
        sb.append(", roundTo=").append(roundTo == 0 ? "none" : roundTo);
        sb.append(", ignoredLayers=").append(userIgnored);
        sb.append(", defaultIgnore=").append(defaultIgnore);
        sb.append(", ignored=").append(new java.util.TreeSet<>(ignored));
        sb.append(", isomorphic=").append(isomorphic);
        sb.append(", outChannelGroups=").append(new java.util.TreeMap<>(outGroups));
        sb.append(", inChannelGroups=").append(new java.util.TreeMap<>(inGroups));
        sb.append(", rootTypes=").append(new java.util.TreeSet<>(rootTypes));
        sb.append(", headMode=").append(headMode.label());
        sb.append(", headPruningRatio=").append(headPruningRatio);
        sb.append(", currentStep=").append(currentStep);
        extraSettings(sb);
        return sb.append(')').toString();
    }

    /** Appends a subclass's settings to {@link #toString()} as {@code ", name=value"}. */
    protected void extraSettings(StringBuilder sb) {
    }

    // ------------------------------------------------------------------ builders

    /** The builder of a plain {@link BasePruner}. */
    static final class Builder extends PrunerBuilder<BasePruner, Builder> {

        Builder(Graph graph) {
            super(graph);
        }

        @Override
        protected Builder self() {
            return this;
        }

        @Override
        protected BasePruner create() {
            return new BasePruner(this);
        }
    }
}
