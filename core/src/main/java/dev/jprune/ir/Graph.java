package dev.jprune.ir;

import dev.jprune.tensor.Shape;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * A model: input values, nodes in topological order, output values, and the parameters the nodes own, named as in
 * a PyTorch {@code state_dict}. Built with {@link GraphBuilder}. The structure (nodes and edges) is fixed; ops,
 * parameter values and shapes change when the model is pruned, after which {@link #inferShapes()} is called.
 */
public final class Graph {

    private final String name;
    private final List<Value> inputs;
    private final List<Node> nodes;
    private final List<Value> outputs;
    private final int valueCount;
    private final Map<String, Node> byName = new LinkedHashMap<>();
    private final Map<String, Parameter> stateDict = new LinkedHashMap<>();

    /**
     * A graph over {@code nodes}. The {@code state_dict} lists {@code order} first (the order in which the model
     * declared its parameters, as PyTorch's registration order), then any other parameter of the nodes in node
     * order; every parameter in {@code order} must belong to a node.
     */
    Graph(String name, List<Value> inputs, List<Node> nodes, List<Value> outputs, int valueCount,
          List<Parameter> order) {
        this.name = name;
        this.inputs = List.copyOf(inputs);
        this.nodes = List.copyOf(nodes);
        this.outputs = List.copyOf(outputs);
        this.valueCount = valueCount;
        Map<String, Parameter> held = new LinkedHashMap<>();
        for (Node n : nodes) {
            if (byName.put(n.name(), n) != null) {
                throw new IllegalStateException("duplicate node name " + n.name());
            }
            for (Parameter p : n.params().values()) {
                Parameter prev = held.putIfAbsent(p.name(), p);
                if (prev != null && prev != p) {
                    throw new IllegalStateException("two different tensors are named " + p.name());
                }
            }
        }
        for (Parameter p : order) {
            if (held.get(p.name()) != p) {
                throw new IllegalStateException("parameter " + p.name() + " is declared but no node uses it");
            }
            stateDict.put(p.name(), p);
        }
        held.forEach(stateDict::putIfAbsent);
    }

    /** The model's name ({@code resnet18}). */
    public String name() {
        return name;
    }

    /** Graph inputs (unmodifiable). */
    public List<Value> inputs() {
        return inputs;
    }

    /** Nodes in topological order (unmodifiable). */
    public List<Node> nodes() {
        return nodes;
    }

    /** Graph outputs (unmodifiable). */
    public List<Value> outputs() {
        return outputs;
    }

    /** One more than the largest value id. */
    public int valueCount() {
        return valueCount;
    }

    /** The node with this name, or {@code null}. */
    public Node node(String nodeName) {
        return byName.get(nodeName);
    }

    /** The node with this name; throws naming it and the model when absent. */
    public Node requireNode(String nodeName) {
        Node n = byName.get(nodeName);
        if (n == null) {
            throw new IllegalArgumentException("model " + name + " has no layer named '" + nodeName + "'");
        }
        return n;
    }

    /**
     * Every parameter and buffer by full name, each once, in model order (unmodifiable): the order in which the
     * {@link GraphBuilder} created them, which is node order unless a module was declared ahead of its first use
     * ({@link GraphBuilder#declare}), as a PyTorch {@code state_dict} follows registration rather than call order.
     */
    public Map<String, Parameter> stateDict() {
        return Collections.unmodifiableMap(stateDict);
    }

    /** The number of trainable parameter elements (buffers excluded), as {@code sum(p.numel())} in PyTorch. */
    public long parameterCount() {
        long n = 0;
        for (Parameter p : stateDict.values()) {
            if (p.trainable()) {
                n += p.shape().numelLong();
            }
        }
        return n;
    }

    /** Clears every parameter's gradient (PyTorch's {@code zero_grad(set_to_none=True)}). */
    public void zeroGrad() {
        for (Parameter p : stateDict.values()) {
            p.setGrad(null);
        }
    }

    /**
     * Re-infers every value's shape from the inputs, node by node, and checks each node's parameters against its
     * op. Throws {@link IllegalStateException} naming the node when anything no longer fits; the shapes are then
     * left as they were.
     */
    public void inferShapes() {
        Shape[] shapes = infer(Node::op, Parameter::shape);
        for (Node n : nodes) {
            for (Value v : n.outputs()) {
                v.setShape(shapes[v.id()]);
            }
        }
    }

    /**
     * Checks, changing nothing, that the graph would fit together if each node had the op {@code ops.apply(node)}
     * and each parameter the shape {@code paramShapes.apply(parameter)}: what {@link #inferShapes()} would find
     * after such a change (a pruning step checks its cut with it before slicing any tensor). Throws
     * {@link IllegalStateException} naming the node, as {@link #inferShapes()} does.
     */
    public void checkShapes(Function<Node, Op> ops, Function<Parameter, Shape> paramShapes) {
        infer(ops, paramShapes);
    }

    private Shape[] infer(Function<Node, Op> ops, Function<Parameter, Shape> paramShapes) {
        Shape[] shapes = new Shape[valueCount()];
        for (Value v : inputs) {
            shapes[v.id()] = v.shape();
        }
        for (Node n : nodes) {
            Op op = ops.apply(n);
            n.validateParameters(op, paramShapes);
            Shape[] in = new Shape[n.inputs().size()];
            for (int i = 0; i < in.length; i++) {
                in[i] = shapes[n.input(i).id()];
            }
            Shape[] out;
            try {
                out = op.inferShapes(in);
            } catch (IllegalArgumentException e) {
                throw new IllegalStateException("node " + n.name() + " (" + op.describe() + "): " + e.getMessage(), e);
            }
            if (out.length != n.outputs().size()) {
                throw new IllegalStateException("node " + n.name() + " produced " + out.length + " shapes for "
                        + n.outputs().size() + " outputs");
            }
            for (int i = 0; i < out.length; i++) {
                shapes[n.output(i).id()] = out[i];
            }
        }
        return shapes;
    }

    /**
     * The same model for other input shapes (another batch size): a structural copy whose nodes share this graph's
     * ops and {@link Parameter} objects — so gradients computed on it land in this graph's parameters — with every
     * value's shape re-inferred. Throws {@link IllegalArgumentException} naming the node when an op does not accept
     * the new shapes (a reshape with a fixed batch, for example).
     */
    public Graph withInputShapes(Shape... shapes) {
        if (shapes.length != inputs.size()) {
            throw new IllegalArgumentException("model " + name + " takes " + inputs.size() + " inputs, got "
                    + shapes.length + " shapes");
        }
        Value[] map = new Value[valueCount];
        for (int i = 0; i < shapes.length; i++) {
            Value v = inputs.get(i);
            map[v.id()] = new Value(v.id(), v.name(), shapes[i]);
        }
        List<Node> copies = new ArrayList<>(nodes.size());
        for (Node n : nodes) {
            List<Value> in = new ArrayList<>(n.inputs().size());
            Shape[] inShapes = new Shape[n.inputs().size()];
            for (int i = 0; i < inShapes.length; i++) {
                in.add(map[n.input(i).id()]);
                inShapes[i] = map[n.input(i).id()].shape();
            }
            Shape[] outShapes;
            try {
                outShapes = n.op().inferShapes(inShapes);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("node " + n.name() + " (" + n.op().describe() + ") does not accept "
                        + Arrays.toString(inShapes) + ": " + e.getMessage(), e);
            }
            List<Value> out = new ArrayList<>(outShapes.length);
            for (int j = 0; j < outShapes.length; j++) {
                Value v = n.output(j);
                Value c = new Value(v.id(), v.name(), outShapes[j]);
                map[v.id()] = c;
                out.add(c);
            }
            Node copy = new Node(n.name(), n.moduleName(), n.op(), in, out, n.params(), n.isModuleCall());
            for (Value v : in) {
                v.addConsumer(copy);
            }
            for (Value v : out) {
                v.setProducer(copy);
            }
            copies.add(copy);
        }
        List<Value> newInputs = new ArrayList<>();
        for (Value v : inputs) {
            newInputs.add(map[v.id()]);
        }
        List<Value> newOutputs = new ArrayList<>();
        for (Value v : outputs) {
            newOutputs.add(map[v.id()]);
        }
        return new Graph(name, newInputs, copies, newOutputs, valueCount, List.copyOf(stateDict.values()));
    }

    /** A listing of the nodes, one per line: name, op, input and output shapes. */
    public String describe() {
        StringBuilder sb = new StringBuilder(name).append('\n');
        for (Value v : inputs) {
            sb.append("  input ").append(v).append('\n');
        }
        for (Node n : nodes) {
            sb.append("  ").append(n.name()).append(": ").append(n.op().describe());
            sb.append("  ").append(java.util.Arrays.toString(n.inputShapes())).append(" -> ")
                    .append(java.util.Arrays.toString(n.outputShapes())).append('\n');
        }
        for (Value v : outputs) {
            sb.append("  output ").append(v).append('\n');
        }
        return sb.toString();
    }

    @Override
    public String toString() {
        return "Graph " + name + " (" + nodes.size() + " nodes, " + parameterCount() + " parameters)";
    }
}
