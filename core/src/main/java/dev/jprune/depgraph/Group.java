package dev.jprune.depgraph;

import dev.jprune.ir.Graph;
import dev.jprune.ir.Node;
import dev.jprune.ir.Op;
import dev.jprune.ir.Parameter;
import dev.jprune.ir.Value;
import dev.jprune.ir.axis.Indices;
import dev.jprune.ir.axis.Port;
import dev.jprune.tensor.Shape;
import dev.jprune.tensor.Tensor;
import dev.jprune.train.Optimizer;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A pruning group: every value axis that loses channels together with a root, each with its indices mapped back
 * to the root's, listed as {@link Member}s one per layer and side (Torch-Pruning's {@code Group}). {@link #prune}
 * slices every weight, bias, BatchNorm statistic, gradient and optimiser state of the members, updates the ops'
 * attributes and re-infers the graph's shapes.
 */
public final class Group {

    private final DependencyGraph dg;
    private final Node root;
    private final Side side;
    private final Indices rootIndices;
    private final Map<DependencyGraph.AxisKey, Indices> closure;
    private final List<Member> members;

    Group(DependencyGraph dg, Node root, Side side, Indices rootIndices, Map<DependencyGraph.AxisKey, Indices> closure) {
        this.dg = dg;
        this.root = root;
        this.side = side;
        this.rootIndices = rootIndices;
        this.closure = closure;
        this.members = buildMembers();
    }

    /** The root layer. */
    public Node root() {
        return root;
    }

    /** Whether the root's output or input channels. */
    public Side side() {
        return side;
    }

    /** The root indices the group was built with. */
    public Indices rootIndices() {
        return rootIndices;
    }

    /** The members, the root first, then in graph order (a layer's in-channels before its out-channels). */
    public List<Member> members() {
        return members;
    }

    /** The member for {@code layer} on {@code side}, or {@code null}. */
    public Member member(String layer, Side s) {
        for (Member m : members) {
            if (m.layer().equals(layer) && m.side() == s) {
                return m;
            }
        }
        return null;
    }

    /**
     * The members in the order Torch-Pruning's group lists them: a depth-first walk from the root over the layers
     * the channels pass through, a layer's inputs before its outputs, consumers in the tracer's order. Criteria
     * whose result depends on member order (the {@code first} and {@code gate} reductions) use it.
     */
    public List<Member> traceOrder() {
        List<Member> cached = traceOrder;
        if (cached != null) {
            return cached;
        }
        Map<Node, Map<Side, Member>> byNode = new IdentityHashMap<>();
        for (Member m : members) {
            byNode.computeIfAbsent(m.node(), x -> new LinkedHashMap<>()).put(m.side(), m);
        }
        Set<DependencyGraph.AxisKey> keys = closure.keySet();
        List<Member> order = new ArrayList<>();
        Set<Member> seen = java.util.Collections.newSetFromMap(new IdentityHashMap<>());
        Deque<Member> stack = new ArrayDeque<>();
        if (!members.isEmpty()) {
            order.add(members.get(0));
            seen.add(members.get(0));
            stack.push(members.get(0));
        }
        while (!stack.isEmpty()) {
            Member m = stack.pop();
            Node n = m.node();
            boolean separate = n.op().separatesInAndOut();
            List<Member> next = new ArrayList<>();
            if (!separate || m.side() == Side.IN) {
                for (Value v : n.inputs()) {
                    if (inClosure(keys, v) && v.producer() != null) {
                        next.add(memberOf(byNode, v.producer(), false));
                    }
                }
            }
            if (!separate || m.side() == Side.OUT) {
                for (Value v : n.outputs()) {
                    if (inClosure(keys, v)) {
                        List<Node> consumers = new ArrayList<>(new LinkedHashSet<>(v.consumers()));
                        consumers.sort((a, b) -> Integer.compare(dg.takenRank(a), dg.takenRank(b)));
                        for (Node c : consumers) {
                            next.add(memberOf(byNode, c, true));
                        }
                    }
                }
            }
            for (Member t : next) {
                if (t != null && seen.add(t)) {
                    order.add(t);
                    stack.push(t);
                }
            }
        }
        for (Member m : members) {
            if (seen.add(m)) {
                order.add(m);
            }
        }
        traceOrder = List.copyOf(order);
        return traceOrder;
    }

    private List<Member> traceOrder;

    private static boolean inClosure(Set<DependencyGraph.AxisKey> keys, Value v) {
        for (int a = 0; a < v.shape().rank(); a++) {
            if (keys.contains(new DependencyGraph.AxisKey(v, a))) {
                return true;
            }
        }
        return false;
    }

    /** The member of {@code n} reached from its input side ({@code asConsumer}) or output side. */
    private static Member memberOf(Map<Node, Map<Side, Member>> byNode, Node n, boolean asConsumer) {
        Map<Side, Member> m = byNode.get(n);
        if (m == null) {
            return null;
        }
        Side s = n.op().separatesInAndOut() && asConsumer ? Side.IN : Side.OUT;
        return m.get(s);
    }

    /** Whether the group reaches a graph input or output value (such a group cannot be pruned). */
    public boolean touchesGraphBoundary() {
        Graph g = dg.graph();
        for (DependencyGraph.AxisKey k : closure.keySet()) {
            if (g.inputs().contains(k.value()) || g.outputs().contains(k.value())) {
                return true;
            }
        }
        return false;
    }

    private List<Member> buildMembers() {
        Map<Node, Map<Side, Member>> byNode = new IdentityHashMap<>();
        List<Node> nodes = new ArrayList<>();
        for (Map.Entry<DependencyGraph.AxisKey, Indices> e : closure.entrySet()) {
            for (DependencyGraph.Use use : dg.uses(e.getKey().value())) {
                Node n = use.node();
                Side s = n.op().separatesInAndOut() && use.port().input() ? Side.IN : Side.OUT;
                Map<Side, Member> m = byNode.computeIfAbsent(n, x -> {
                    nodes.add(x);
                    return new LinkedHashMap<>();
                });
                Member have = m.get(s);
                if (have == null || prefer(use.port(), have.port())) {
                    m.put(s, new Member(n, s, use.port(), e.getKey().axis(), e.getValue()));
                }
            }
        }
        nodes.sort((a, b) -> Integer.compare(dg.order(a), dg.order(b)));
        List<Member> out = new ArrayList<>();
        Member rootMember = byNode.containsKey(root) ? byNode.get(root).get(side) : null;
        if (rootMember != null) {
            out.add(rootMember);
        }
        for (Node n : nodes) {
            for (Side s : new Side[] {Side.IN, Side.OUT}) {
                Member m = byNode.get(n).get(s);
                if (m != null && m != rootMember) {
                    out.add(m);
                }
            }
        }
        return List.copyOf(out);
    }

    /** Output 0 describes a one-member op best; otherwise the lowest-numbered port. */
    private static boolean prefer(Port candidate, Port current) {
        if (candidate.equals(current)) {
            return false;
        }
        if (!candidate.input() && candidate.index() == 0) {
            return true;
        }
        if (!current.input() && current.index() == 0) {
            return false;
        }
        if (candidate.input() != current.input()) {
            return candidate.input();
        }
        return candidate.index() < current.index();
    }

    /**
     * Why these removals cannot be applied, one line per problem (empty when they can): a value would lose all its
     * indices along an axis, an index is out of range, or a graph input or output would change.
     */
    public List<String> problems() {
        List<String> p = new ArrayList<>();
        Graph g = dg.graph();
        for (Map.Entry<DependencyGraph.AxisKey, Indices> e : closure.entrySet()) {
            Value v = e.getKey().value();
            int axis = e.getKey().axis();
            int size = v.shape().dim(axis);
            Indices idx = e.getValue();
            String at = "value " + v.name() + " " + v.shape() + " axis " + axis;
            if (idx.max() >= size) {
                p.add(at + ": index " + idx.max() + " out of range");
            } else if (idx.size() >= size) {
                p.add(at + ": all " + size + " indices would be removed");
            }
            if (g.inputs().contains(v)) {
                p.add(at + ": is a graph input");
            }
            if (g.outputs().contains(v)) {
                p.add(at + ": is a graph output");
            }
        }
        return p;
    }

    /**
     * Builds the group again from the same root with {@code indices} and prunes it (Torch-Pruning's
     * {@code group.prune(idxs)}); returns that group.
     */
    public Group prune(int... indices) {
        Group g = dg.pruningGroup(root, side, Indices.of(indices));
        g.prune();
        return g;
    }

    /** Removes this group's indices from every member ({@link #pruneWith} without optimisers). */
    public void prune() {
        pruneWith();
    }

    /**
     * Removes this group's indices from every member: slices parameters (with gradients, and the state of the
     * given optimisers), replaces the ops by their pruned copies and re-infers the graph's shapes. Nothing changes
     * when a {@link #problems() problem} or an op refuses the cut, or when the pruned graph's shapes would not fit
     * ({@link IllegalStateException}): the pruned ops and parameter shapes are checked against the whole graph
     * ({@link Graph#checkShapes}) before any tensor is sliced, so no copy of the old tensors is kept and the memory
     * needed is the model's plus the largest sliced tensor's.
     */
    public void pruneWith(Optimizer... optimizers) {
        List<String> problems = problems();
        if (!problems.isEmpty()) {
            throw new IllegalStateException("cannot prune the group of " + root.name() + " " + side.label() + " "
                    + rootIndices + ": " + String.join("; ", problems));
        }
        Map<Node, Op> newOps = new LinkedHashMap<>();
        Map<Parameter, Map<Integer, int[]>> slices = new IdentityHashMap<>();
        for (Member m : members) {
            Node n = m.node();
            if (newOps.containsKey(n)) {
                continue;
            }
            newOps.put(n, n.op().pruneAxes(n, cut(n, false, slices)));
        }
        Map<Parameter, Shape> after = NodeCut.shapesAfter(slices);
        dg.graph().checkShapes(n -> newOps.getOrDefault(n, n.op()), p -> after.getOrDefault(p, p.shape()));
        // from here on everything fits: slice, swap the ops, re-infer
        NodeCut.apply(slices, optimizers);
        newOps.forEach(Node::setOp);
        dg.graph().inferShapes();
    }

    /** The details, one line per member, like Torch-Pruning's {@code group.details()}. */
    public String details() {
        StringBuilder sb = new StringBuilder();
        sb.append("Pruning group of ").append(root.name()).append(' ').append(side.label()).append(" channels ")
                .append(rootIndices).append(", ").append(members.size()).append(" members\n");
        for (int i = 0; i < members.size(); i++) {
            sb.append('[').append(i).append("] ").append(members.get(i).describe());
            if (i == 0 && members.get(i).node() == root) {
                sb.append(" (root)");
            }
            sb.append('\n');
        }
        return sb.toString();
    }

    @Override
    public String toString() {
        return details();
    }

    /**
     * Zeroes, instead of removing, this group's indices in the trainable parameters of every {@link Side#OUT}
     * member: Torch-Pruning's soft pruning ({@code tests/test_soft_pruning.py}). Convolution and linear weight
     * rows and biases and BatchNorm weight and bias become zero, so each removed channel outputs zero (for
     * activations with {@code f(0) = 0}) and the model computes what the pruned model would; buffers (BatchNorm
     * running statistics), gradients, shapes and the ops stay as they are. (Torch-Pruning's test also zeroes the
     * in-members' weight columns; that changes no output, since the channels they read are then zero.)
     *
     * <p>Each out-member's op says what it would slice through {@link Op#pruneAxes}, called with the removals of
     * its output ports only (its input ports report none unless the op does not {@link Op#separatesInAndOut()
     * separate} inputs from outputs, as a depthwise convolution or a BatchNorm); the op it returns is discarded.
     * Each zeroed parameter gets a new value tensor (a copy), so tensors shared with other holders are not
     * changed. Nothing changes when an op refuses the removals or an index lies outside its parameter's axis
     * ({@link IllegalStateException}).
     */
    public void zeroOutChannels() {
        Map<Parameter, Map<Integer, int[]>> slices = new IdentityHashMap<>();
        List<Node> done = new ArrayList<>();
        for (Member m : members) {
            Node n = m.node();
            if (m.side() != Side.OUT || done.contains(n)) {
                continue;
            }
            done.add(n);
            n.op().pruneAxes(n, cut(n, n.op().separatesInAndOut(), slices));
        }
        Map<Parameter, Tensor> zeroed = new LinkedHashMap<>();
        for (Map.Entry<Parameter, Map<Integer, int[]>> e : slices.entrySet()) {
            Parameter p = e.getKey();
            if (p.trainable()) {
                Tensor t = p.value().copy();
                for (Map.Entry<Integer, int[]> s : e.getValue().entrySet()) {
                    zeroAlong(t, s.getKey(), s.getValue());
                }
                zeroed.put(p, t);
            }
        }
        zeroed.forEach(Parameter::setValue);
    }

    /** Sets the positions {@code removed} along {@code axis} of {@code t} to zero, in place. */
    private static void zeroAlong(Tensor t, int axis, int[] removed) {
        Shape s = t.shape();
        int ax = s.normalizeAxis(axis);
        int outer = s.product(0, ax);
        int size = s.dim(ax);
        int inner = s.product(ax + 1, s.rank());
        float[] d = t.data();
        for (int o = 0; o < outer; o++) {
            for (int k : removed) {
                if (k < 0 || k >= size) {
                    throw new IllegalStateException("index " + k + " outside axis " + ax + " of " + s);
                }
                Arrays.fill(d, (o * size + k) * inner, (o * size + k + 1) * inner, 0f);
            }
        }
    }

    /**
     * The removals at {@code node}, collecting parameter slices into {@code slices}; with {@code hideInputs} its
     * inputs report none (the out-channels alone, for soft pruning).
     */
    private NodeCut cut(Node node, boolean hideInputs, Map<Parameter, Map<Integer, int[]>> slices) {
        return new NodeCut(node, (v, a) -> hideInputs && node.inputs().contains(v) ? null
                : closure.get(new DependencyGraph.AxisKey(v, a)), slices);
    }
}
