package dev.jprune.depgraph;

import dev.jprune.ir.Graph;
import dev.jprune.ir.Node;
import dev.jprune.ir.Op;
import dev.jprune.ir.Parameter;
import dev.jprune.ir.Value;
import dev.jprune.ir.axis.AxisLinks;
import dev.jprune.ir.axis.Indices;
import dev.jprune.ir.axis.Port;
import dev.jprune.ir.axis.UnsupportedAxisException;
import dev.jprune.tensor.Shape;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Deque;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The dependency graph of a {@link Graph} on tensor axes (Torch-Pruning's {@code DependencyGraph}). A group is
 * the closure of a root — a layer's output (or input) channels — under the ops' axis rules
 * ({@link Op#linkAxes}): every value axis that must lose the same channels, each with its indices mapped back to
 * the root's. Nodes that share parameters (a module applied more than once) are coupled through them.
 *
 * <p>The graph is read when a group is built, so groups built after pruning see the pruned shapes.
 */
public final class DependencyGraph {

    /** The op types that root groups in {@link #allGroups()}: Torch-Pruning's default plus transposed convolution. */
    public static final Set<String> DEFAULT_ROOT_TYPES = Set.of("Conv2d", "ConvTranspose2d", "Linear");

    private final Graph graph;
    private final Map<Node, List<Node>> siblings = new IdentityHashMap<>();
    private final Map<Value, List<Use>> uses = new IdentityHashMap<>();
    private final Map<Node, Integer> order = new IdentityHashMap<>();

    /** One place a value is attached to: a node's port. */
    record Use(Node node, Port port) {
    }

    private final HeadMode headMode;
    private final Set<Node> headReshapes;

    /** Builds the dependency graph of {@code graph}; attention heads keep their count ({@link HeadMode#DIMS}). */
    public DependencyGraph(Graph graph) {
        this(graph, HeadMode.DIMS);
    }

    /**
     * Builds the dependency graph of {@code graph}, following attention head splits along the in-head axis
     * ({@link HeadMode#DIMS}: a removed dimension goes from every head) or along the head axis
     * ({@link HeadMode#WHOLE}: a removed channel takes its whole head, in q, k and v).
     */
    public DependencyGraph(Graph graph, HeadMode headMode) {
        if (headMode == null) {
            throw new IllegalArgumentException("headMode must not be null");
        }
        this.graph = graph;
        this.headMode = headMode;
        this.headReshapes = AttentionHeads.find(graph);
        Map<Parameter, List<Node>> owners = new IdentityHashMap<>();
        int k = 0;
        for (Node n : graph.nodes()) {
            order.put(n, k++);
            for (int i = 0; i < n.inputs().size(); i++) {
                uses.computeIfAbsent(n.input(i), v -> new ArrayList<>()).add(new Use(n, Port.in(i)));
            }
            for (int j = 0; j < n.outputs().size(); j++) {
                uses.computeIfAbsent(n.output(j), v -> new ArrayList<>()).add(new Use(n, Port.out(j)));
            }
            for (Parameter p : n.params().values()) {
                owners.computeIfAbsent(p, x -> new ArrayList<>()).add(n);
            }
        }
        for (List<Node> nodes : owners.values()) {
            for (Node n : nodes) {
                for (Node other : nodes) {
                    if (other != n) {
                        List<Node> s = siblings.computeIfAbsent(n, x -> new ArrayList<>());
                        if (!s.contains(other)) {
                            s.add(other);
                        }
                    }
                }
            }
        }
    }

    /** The graph. */
    public Graph graph() {
        return graph;
    }

    /** How attention head splits are followed. */
    public HeadMode headMode() {
        return headMode;
    }

    /** Whether {@code group} goes through an attention head split or merge (its channels are grouped by head). */
    public boolean touchesHeads(Group group) {
        for (Member m : group.members()) {
            if (headReshapes.contains(m.node())) {
                return true;
            }
        }
        return false;
    }

    /**
     * The group rooted at {@code layer}'s output channels ({@link Side#OUT}) or input channels ({@link Side#IN})
     * with the given indices. Throws {@link IllegalArgumentException} for an unknown layer or an index outside the
     * layer's channels, and {@link UnsupportedAxisException} when an op on the way cannot follow the channels.
     */
    public Group pruningGroup(String layer, Side side, int... indices) {
        return pruningGroup(graph.requireNode(layer), side, Indices.of(indices));
    }

    /** As {@link #pruningGroup(String, Side, int...)} for a node and an index set. */
    public Group pruningGroup(Node root, Side side, Indices indices) {
        Port port = side == Side.OUT ? Port.out(0) : Port.in(0);
        int axis = rootAxis(root, side);
        int size = (side == Side.OUT ? root.output(0) : root.input(0)).shape().dim(axis);
        if (!indices.isEmpty() && indices.max() >= size) {
            throw new IllegalArgumentException("index " + indices.max() + " is outside the " + size + " "
                    + side.label() + "-channels of " + root.name());
        }
        Map<AxisKey, Indices> closure = close(root, port, axis, indices);
        return new Group(this, root, side, indices, closure);
    }

    /** The channel axis of {@code node}'s output (OUT) or input (IN). */
    int rootAxis(Node node, Side side) {
        int axis = node.op().rootAxis(node);
        if (axis < 0) {
            throw new IllegalArgumentException(node.name() + " (" + node.op().type() + ") has no channels to prune");
        }
        if (side == Side.IN) {
            // the channel axis of the input: the same position counted from the end as the output's
            int outRank = node.output(0).shape().rank();
            return axis - outRank + node.input(0).shape().rank();
        }
        return axis;
    }

    /**
     * Every group rooted at the output channels of an op of {@link #DEFAULT_ROOT_TYPES}, except those that would
     * change a graph input or output, or the output channels of a layer named in {@code ignored}. Roots are tried
     * in graph order; a layer that appeared as an out-member of an earlier group roots no group of its own (a
     * residual stage is one group).
     */
    public List<Group> allGroups(Collection<String> ignored) {
        return allGroups(ignored, DEFAULT_ROOT_TYPES, new ArrayList<>());
    }

    /** {@link #allGroups(Collection)} with no layer ignored. */
    public List<Group> allGroups() {
        return allGroups(List.of());
    }

    /**
     * As {@link #allGroups(Collection)} with a choice of root op types; roots whose channels no rule can follow
     * are skipped and described in {@code skipped}.
     */
    public List<Group> allGroups(Collection<String> ignored, Set<String> rootTypes, List<String> skipped) {
        return allGroups(ignored, rootTypes, skipped, RootOrder.GRAPH);
    }

    /** The order in which {@link #allGroups} tries roots, which decides the root of a group with several. */
    public enum RootOrder {
        /** Graph order: a group is rooted at its layer nearest the input (a residual stage at its first conv). */
        GRAPH,
        /**
         * Torch-Pruning's order ({@link #traceOrder()}): the layer its tracer meets first, walking back from the
         * outputs. Pruners use it, because criteria that score the root alone (the {@code first} reduction) then
         * decide as Torch-Pruning does.
         */
        TRACE
    }

    /** As {@link #allGroups(Collection, Set, List)}, trying roots in {@code order}. */
    public List<Group> allGroups(Collection<String> ignored, Set<String> rootTypes, List<String> skipped,
                                 RootOrder order) {
        Set<String> ignoredSet = new LinkedHashSet<>(ignored);
        for (String name : ignoredSet) {
            if (graph.node(name) == null && graph.nodes().stream().noneMatch(n -> n.moduleName().equals(name))) {
                throw new IllegalArgumentException("ignored layer '" + name + "' is not in " + graph.name());
            }
        }
        Set<Node> visited = java.util.Collections.newSetFromMap(new IdentityHashMap<>());
        List<Group> groups = new ArrayList<>();
        for (Node n : order == RootOrder.TRACE ? traceOrder() : graph.nodes()) {
            if (!rootTypes.contains(n.op().type()) || visited.contains(n) || isIgnored(n, ignoredSet)
                    || n.op().rootAxis(n) < 0) {
                continue;
            }
            Group g;
            try {
                int axis = n.op().rootAxis(n);
                g = pruningGroup(n, Side.OUT, Indices.range(n.output(0).shape().dim(axis)));
            } catch (UnsupportedAxisException e) {
                skipped.add(n.name() + ": " + e.getMessage());
                continue;
            }
            boolean ignoredOut = false;
            for (Member m : g.members()) {
                if (m.side() == Side.OUT) {
                    visited.add(m.node());
                    ignoredOut |= isIgnored(m.node(), ignoredSet) && m.node().op().separatesInAndOut();
                }
            }
            if (!ignoredOut && !g.touchesGraphBoundary()) {
                groups.add(g);
            }
        }
        return groups;
    }

    /**
     * The nodes in the order Torch-Pruning's tracer first meets them ({@code module2node}'s insertion order), which
     * is the order {@link #allGroups} tries roots in: from each graph output backwards, a node's inputs are met
     * (in argument order) when the node is taken from a stack, and the last input met is taken next. So the root of
     * a residual stage is its convolution nearest the output, as in Torch-Pruning; it matters where only the
     * root's own scores count (the {@code first} reduction). Nodes that do not lead to an output are appended in
     * graph order.
     */
    public List<Node> traceOrder() {
        return trace(new LinkedHashSet<>());
    }

    /**
     * The rank at which Torch-Pruning's tracer takes {@code node} from its stack: the order in which a value's
     * consumers become its node's outputs there (lower first).
     */
    int takenRank(Node node) {
        if (takenRanks == null) {
            Set<Node> taken = new LinkedHashSet<>();
            trace(taken);
            Map<Node, Integer> r = new IdentityHashMap<>();
            for (Node n : taken) {
                r.put(n, r.size());
            }
            takenRanks = r;
        }
        return takenRanks.getOrDefault(node, Integer.MAX_VALUE);
    }

    private Map<Node, Integer> takenRanks;

    /** Runs the trace; fills {@code taken} in the order nodes leave the stack and returns the met order. */
    private List<Node> trace(Set<Node> taken) {
        Set<Node> met = new LinkedHashSet<>();
        for (Value out : graph.outputs()) {
            Node start = out.producer();
            if (start == null) {
                continue;
            }
            Deque<Node> stack = new ArrayDeque<>();
            stack.push(start);
            while (!stack.isEmpty()) {
                Node n = stack.pop();
                if (!taken.add(n)) {
                    continue;
                }
                met.add(n);
                for (Value in : n.inputs()) {
                    Node p = in.producer();
                    if (p != null) {
                        met.add(p);
                        stack.push(p);
                    }
                }
            }
        }
        met.addAll(graph.nodes());
        return List.copyOf(met);
    }

    /**
     * The layers that produce the graph's outputs (the classifier), which pruners and {@code jprune groups} ignore by
     * default: walking back from each output through parameter-free ops (a softmax, a reshape), the first node with
     * parameters on every path.
     */
    public static Set<String> outputLayers(Graph graph) {
        Set<String> out = new LinkedHashSet<>();
        Deque<Value> work = new ArrayDeque<>(graph.outputs());
        Set<Value> seen = java.util.Collections.newSetFromMap(new IdentityHashMap<>());
        while (!work.isEmpty()) {
            Value v = work.poll();
            if (!seen.add(v) || v.producer() == null) {
                continue;
            }
            Node p = v.producer();
            if (!p.params().isEmpty()) {
                out.add(p.name());
            } else {
                work.addAll(p.inputs());
            }
        }
        return out;
    }

    private static boolean isIgnored(Node n, Set<String> ignored) {
        return ignored.contains(n.name()) || ignored.contains(n.moduleName());
    }

    /** A value axis. */
    record AxisKey(Value value, int axis) {
    }

    /** The closure of removing {@code indices} along {@code axis} of {@code port} of {@code root}. */
    Map<AxisKey, Indices> close(Node root, Port port, int axis, Indices indices) {
        Map<AxisKey, Indices> reached = new LinkedHashMap<>();
        Deque<AxisKey> work = new ArrayDeque<>();
        Map<AxisKey, Indices> pending = new HashMap<>();
        Value start = port.input() ? root.input(port.index()) : root.output(port.index());
        offer(new AxisKey(start, axis), indices, reached, pending, work);
        while (!work.isEmpty()) {
            AxisKey key = work.poll();
            Indices add = pending.remove(key);
            Indices have = reached.get(key);
            Indices now = have == null ? add : have.union(add);
            if (have != null && have.equals(now)) {
                continue;
            }
            reached.put(key, now);
            for (Use use : uses.getOrDefault(key.value(), List.of())) {
                apply(use.node(), use.port(), key.axis(), now, reached, pending, work);
                for (Node sib : siblings.getOrDefault(use.node(), List.of())) {
                    Value v = use.port().input() ? sib.input(use.port().index()) : sib.output(use.port().index());
                    offer(new AxisKey(v, key.axis()), now, reached, pending, work);
                }
            }
        }
        return reached;
    }

    private void apply(Node node, Port port, int axis, Indices idx, Map<AxisKey, Indices> reached,
                       Map<AxisKey, Indices> pending, Deque<AxisKey> work) {
        node.op().linkAxes(node, port, axis, idx, new AxisLinks() {
            @Override
            public void link(Port p, int a, Indices linked) {
                if (linked.isEmpty()) {
                    return;
                }
                Value v = p.input() ? node.input(p.index()) : node.output(p.index());
                if (a < 0 || a >= v.shape().rank()) {
                    throw new IllegalStateException(node.op().type() + " at " + node.name() + " linked axis " + a
                            + " of " + p + " " + v.shape());
                }
                offer(new AxisKey(v, a), linked, reached, pending, work);
            }

            @Override
            public int blockAxis(Node n, Shape shape, int[] axes, int ruleChoice) {
                if (!headReshapes.contains(n)) {
                    return ruleChoice;
                }
                // heads are laid out (..., heads, head_dim): the last split axis is in-head, the one before is heads
                return headMode == HeadMode.WHOLE ? axes[axes.length - 2] : axes[axes.length - 1];
            }
        });
    }

    private static void offer(AxisKey key, Indices idx, Map<AxisKey, Indices> reached, Map<AxisKey, Indices> pending,
                              Deque<AxisKey> work) {
        Indices have = reached.get(key);
        if (have != null && have.containsAll(idx)) {
            return;
        }
        Indices p = pending.get(key);
        if (p == null) {
            pending.put(key, idx);
            work.add(key);
        } else {
            pending.put(key, p.union(idx));
        }
    }

    /** Where {@code value} is attached. */
    List<Use> uses(Value value) {
        return uses.getOrDefault(value, List.of());
    }

    /** The position of {@code node} in the graph's order. */
    int order(Node node) {
        return order.get(node);
    }
}
