package dev.jprune.ir;

import dev.jprune.tensor.Shape;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Builds a {@link Graph} the way a PyTorch {@code forward} reads: module calls under a module path that the
 * builder tracks, so node and parameter names come out as in torchvision's {@code state_dict}.
 *
 * <pre>{@code
 * GraphBuilder b = new GraphBuilder("net");
 * Value x = b.input("input", Shape.of(1, 3, 224, 224));
 * x = b.module("conv1", new Conv2d(3, 64, 7, 2, 3, false), x);     // node conv1, parameter conv1.weight
 * try (GraphBuilder.Scope s = b.scope("layer1")) {
 *     try (GraphBuilder.Scope t = b.scope("0")) { ... }          // names under layer1.0
 * }
 * }</pre>
 *
 * Shapes are inferred as nodes are added, so {@link Value#shape()} is available immediately. Parameters are
 * created with zero values, allocated only when first read ({@link Parameter#zeros}); fill them afterwards (seeded,
 * parity or from a file). A module's own parameters and buffers (not a sub-module's: {@code class_token}, a
 * registered index) are applied with {@link #own}; a module registered before the modules that run ahead of it is
 * declared with {@link #declare}, so the {@code state_dict} keeps PyTorch's registration order.
 */
public final class GraphBuilder {

    private final String name;
    private final Deque<String> path = new ArrayDeque<>();
    private final List<Value> inputs = new ArrayList<>();
    private final List<Node> nodes = new ArrayList<>();
    private final Map<String, Integer> uses = new HashMap<>();
    private final Map<String, Map<String, Parameter>> moduleParams = new HashMap<>();
    private final Map<String, Op> moduleOps = new HashMap<>();
    private final Map<String, Parameter> ownParams = new HashMap<>();
    private final List<Parameter> created = new ArrayList<>();
    private int nextValueId;
    private boolean built;

    /** A builder for a model with this name. */
    public GraphBuilder(String name) {
        this.name = name;
    }

    /** A scope that pops itself on close. */
    public final class Scope implements AutoCloseable {
        private final int depth;

        private Scope(int depth) {
            this.depth = depth;
        }

        /** Leaves the scope. */
        @Override
        public void close() {
            if (path.size() != depth) {
                throw new IllegalStateException("scopes closed out of order at " + currentPath());
            }
            path.removeLast();
        }
    }

    /** Enters a sub-module named {@code child} (a field name or a Sequential index). */
    public Scope scope(String child) {
        checkNotBuilt();
        if (child.isEmpty() || child.contains(".")) {
            throw new IllegalArgumentException("module name must be non-empty without dots: '" + child + "'");
        }
        path.addLast(child);
        return new Scope(path.size());
    }

    /** Enters the Sequential index {@code index}. */
    public Scope scope(int index) {
        return scope(Integer.toString(index));
    }

    /** The current module path ({@code layer1.0}, or empty at the top). */
    public String currentPath() {
        return String.join(".", path);
    }

    private String qualify(String local) {
        return path.isEmpty() ? local : currentPath() + "." + local;
    }

    /** Declares a graph input. */
    public Value input(String inputName, Shape shape) {
        checkNotBuilt();
        Value v = new Value(nextValueId++, inputName, shape);
        inputs.add(v);
        return v;
    }

    /**
     * Applies the module {@code local} (relative to the current path) once more. The first call creates its
     * parameters from the op's declaration; later calls get {@code #k} node names and share those parameters
     * (the op must then declare the same parameters).
     */
    public Value module(String local, Op op, Value... in) {
        return single(moduleMulti(local, op, in));
    }

    /** {@link #module} for ops with several outputs. */
    public Value[] moduleMulti(String local, Op op, Value... in) {
        String moduleName = qualify(local);
        return add(uniqueName(moduleName), moduleName, op, moduleParams(moduleName, op), true, in);
    }

    /**
     * Declares the module {@code local} (relative to the current path) without applying it: its parameters are
     * created now, so they take this place in the {@code state_dict}, as a PyTorch module's parameters follow the
     * order in which {@code __init__} registered its sub-modules rather than the order {@code forward} calls them.
     * A later {@link #module} call with the same parameters applies it. A declared module that is never applied is
     * an error when the graph is built.
     */
    public void declare(String local, Op op) {
        checkNotBuilt();
        moduleParams(qualify(local), op);
    }

    private Map<String, Parameter> moduleParams(String moduleName, Op op) {
        Map<String, Parameter> params = moduleParams.get(moduleName);
        if (params == null) {
            params = new LinkedHashMap<>();
            for (ParamSpec spec : op.parameters()) {
                params.put(spec.name(), create(moduleName + "." + spec.name(), spec));
            }
            moduleParams.put(moduleName, params);
            moduleOps.put(moduleName, op);
        } else if (!moduleOps.get(moduleName).parameters().equals(op.parameters())) {
            throw new IllegalArgumentException("module " + moduleName + " is reused with different parameters: "
                    + moduleOps.get(moduleName).describe() + " vs " + op.describe());
        }
        return params;
    }

    private Parameter create(String fullName, ParamSpec spec) {
        Parameter p = Parameter.zeros(fullName, spec.kind(), spec.dtype(), spec.shape());
        created.add(p);
        return p;
    }

    /**
     * Applies an op whose parameters belong to the current module itself rather than to a sub-module: a parameter
     * or buffer the module registers directly and reads in {@code forward} ({@code self.class_token},
     * {@code self.encoder.pos_embedding}, a registered {@code relative_position_index}). Each parameter is named
     * {@code <current path>.<its local name>} (its local name alone at the top level); the node is named
     * {@code <current path>.<local>} and is not a module call. Applying an op again with a parameter of the same name
     * shares it (the spec must then be the same).
     *
     * <pre>{@code
     * Value token = b.own("class_token", FreeParameter.of("class_token", 1, 1, 768));  // parameter class_token
     * }</pre>
     */
    public Value own(String local, Op op, Value... in) {
        return single(ownMulti(local, op, in));
    }

    /** {@link #own} for ops with several outputs. */
    public Value[] ownMulti(String local, Op op, Value... in) {
        checkNotBuilt();
        Map<String, Parameter> params = new LinkedHashMap<>();
        for (ParamSpec spec : op.parameters()) {
            String fullName = qualify(spec.name());
            Parameter p = ownParams.get(fullName);
            if (p == null) {
                p = create(fullName, spec);
                ownParams.put(fullName, p);
            } else if (p.kind() != spec.kind() || p.dtype() != spec.dtype() || !p.value().shape().equals(spec.shape())) {
                throw new IllegalArgumentException("parameter " + fullName + " is reused with another declaration: "
                        + spec + " vs " + p.kind() + " " + p.dtype() + " " + p.value().shape());
            }
            params.put(spec.name(), p);
        }
        String base = qualify(local);
        return add(uniqueName(base), base, op, params, false, in);
    }

    /**
     * Applies a function that is not a module ({@code x + y}, {@code torch.cat}, {@code F.relu}); the node is named
     * after the enclosing module and {@code opName} ({@code layer1.0.add}). Such ops must not declare parameters.
     */
    public Value call(String opName, Op op, Value... in) {
        return single(callMulti(opName, op, in));
    }

    /** {@link #call} for ops with several outputs. */
    public Value[] callMulti(String opName, Op op, Value... in) {
        if (!op.parameters().isEmpty()) {
            throw new IllegalArgumentException("functional op " + op.describe() + " cannot own parameters; use module()");
        }
        String base = qualify(opName);
        return add(uniqueName(base), base, op, Map.of(), false, in);
    }

    private String uniqueName(String base) {
        int k = uses.merge(base, 1, Integer::sum) - 1;
        return k == 0 ? base : base + "#" + k;
    }

    private Value[] add(String nodeName, String moduleName, Op op, Map<String, Parameter> params, boolean module,
                        Value... in) {
        checkNotBuilt();
        Shape[] shapes = new Shape[in.length];
        for (int i = 0; i < in.length; i++) {
            shapes[i] = in[i].shape();
        }
        Shape[] out;
        try {
            out = op.inferShapes(shapes);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("layer " + nodeName + " (" + op.describe() + "): " + e.getMessage(), e);
        }
        if (out.length != op.outputCount()) {
            throw new IllegalStateException(op.type() + " inferred " + out.length + " shapes but declares "
                    + op.outputCount() + " outputs");
        }
        List<Value> outs = new ArrayList<>(out.length);
        for (int i = 0; i < out.length; i++) {
            outs.add(new Value(nextValueId++, out.length == 1 ? nodeName : nodeName + ":" + i, out[i]));
        }
        Node node = new Node(nodeName, moduleName, op, List.of(in), outs, params, module);
        node.validateParameters();
        for (Value v : in) {
            v.addConsumer(node);
        }
        for (Value v : outs) {
            v.setProducer(node);
        }
        nodes.add(node);
        return outs.toArray(new Value[0]);
    }

    private static Value single(Value[] v) {
        if (v.length != 1) {
            throw new IllegalArgumentException("op has " + v.length + " outputs; use the *Multi method");
        }
        return v[0];
    }

    /** Finishes the graph with these outputs. The builder cannot be used afterwards. */
    public Graph build(Value... outputs) {
        checkNotBuilt();
        if (!path.isEmpty()) {
            throw new IllegalStateException("unclosed scope " + currentPath());
        }
        built = true;
        return new Graph(name, inputs, nodes, List.of(outputs), nextValueId, created);
    }

    private void checkNotBuilt() {
        if (built) {
            throw new IllegalStateException("graph " + name + " is already built");
        }
    }
}
