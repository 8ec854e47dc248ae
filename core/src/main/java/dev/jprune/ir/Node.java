package dev.jprune.ir;

import dev.jprune.tensor.Shape;
import dev.jprune.tensor.Tensor;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One application of an {@link Op} to input values, producing output values. The name is hierarchical
 * ({@code layer1.0.conv1}); a module applied more than once gets {@code #k} on its k-th extra use
 * ({@code layer1.0.relu#1}); an operation without a module is named after the enclosing module and the op
 * ({@code layer1.0.add}).
 */
public final class Node {

    private final String name;
    private final String moduleName;
    private Op op;
    private final List<Value> inputs;
    private final List<Value> outputs;
    private final Map<String, Parameter> params;
    private final boolean module;

    Node(String name, String moduleName, Op op, List<Value> inputs, List<Value> outputs,
         Map<String, Parameter> params, boolean module) {
        this.name = name;
        this.moduleName = moduleName;
        this.op = op;
        this.inputs = List.copyOf(inputs);
        this.outputs = List.copyOf(outputs);
        this.params = new LinkedHashMap<>(params);
        this.module = module;
    }

    /** The node's unique name. */
    public String name() {
        return name;
    }

    /**
     * The module path its parameters are named under ({@code layer1.0.relu} for the node {@code layer1.0.relu#1}),
     * equal to {@link #name()} for a single use.
     */
    public String moduleName() {
        return moduleName;
    }

    /** The op. */
    public Op op() {
        return op;
    }

    /**
     * Replaces the op, for example by one with fewer channels after pruning. The caller re-infers shapes
     * ({@link Graph#inferShapes()}) once all changes are made.
     */
    public void setOp(Op op) {
        this.op = op;
    }

    /** Input values, in order (unmodifiable). */
    public List<Value> inputs() {
        return inputs;
    }

    /** Input {@code i}. */
    public Value input(int i) {
        return inputs.get(i);
    }

    /** Output values, in order (unmodifiable). */
    public List<Value> outputs() {
        return outputs;
    }

    /** Output {@code i}. */
    public Value output(int i) {
        return outputs.get(i);
    }

    /** Parameters and buffers by local name ({@code weight}), in declaration order (unmodifiable). */
    public Map<String, Parameter> params() {
        return Collections.unmodifiableMap(params);
    }

    /** Whether the node has a parameter with this local name. */
    public boolean hasParam(String localName) {
        return params.containsKey(localName);
    }

    /** The parameter's current value; throws naming the node when absent. */
    public Tensor param(String localName) {
        Parameter p = params.get(localName);
        if (p == null) {
            throw new IllegalStateException("node " + name + " (" + op.type() + ") has no parameter '" + localName + "'");
        }
        return p.value();
    }

    /** The parameter object, or {@code null}. */
    public Parameter parameter(String localName) {
        return params.get(localName);
    }

    /**
     * Whether the node stands for a call of a module ({@code nn.ReLU}) rather than a function ({@code F.relu},
     * {@code +}). Torch-Pruning's op counter only counts module calls.
     */
    public boolean isModuleCall() {
        return module;
    }

    /** Input shapes, in order. */
    public Shape[] inputShapes() {
        Shape[] s = new Shape[inputs.size()];
        for (int i = 0; i < s.length; i++) {
            s[i] = inputs.get(i).shape();
        }
        return s;
    }

    /** Output shapes, in order. */
    public Shape[] outputShapes() {
        Shape[] s = new Shape[outputs.size()];
        for (int i = 0; i < s.length; i++) {
            s[i] = outputs.get(i).shape();
        }
        return s;
    }

    /** Checks that every declared parameter exists with the declared shape. */
    void validateParameters() {
        validateParameters(op, Parameter::shape);
    }

    /**
     * Checks that every parameter {@code withOp} declares exists here and would have the declared shape, with each
     * parameter's shape given by {@code shapes}.
     */
    void validateParameters(Op withOp, java.util.function.Function<Parameter, Shape> shapes) {
        for (ParamSpec spec : withOp.parameters()) {
            Parameter p = params.get(spec.name());
            if (p == null) {
                throw new IllegalStateException("node " + name + " (" + withOp.describe() + ") lacks parameter '"
                        + spec.name() + "'");
            }
            Shape have = shapes.apply(p);
            if (!have.equals(spec.shape())) {
                throw new IllegalStateException("parameter " + p.name() + " has shape " + have
                        + " but " + withOp.describe() + " expects " + spec.shape());
            }
        }
    }

    @Override
    public String toString() {
        return name + ": " + op.describe();
    }
}
