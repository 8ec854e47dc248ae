package dev.jprune.depgraph;

import dev.jprune.ir.Node;
import dev.jprune.ir.Parameter;
import dev.jprune.ir.Value;
import dev.jprune.ir.axis.AxisCut;
import dev.jprune.ir.axis.Indices;
import dev.jprune.ir.axis.Port;
import dev.jprune.tensor.Shape;
import dev.jprune.train.Optimizer;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.BiFunction;

/**
 * The removals at one node, looked up per value axis, with the parameter slices its op asks for collected in a
 * shared map (so a parameter shared by several nodes is sliced once) and applied by {@link #apply}.
 */
final class NodeCut implements AxisCut {

    private final Node node;
    private final BiFunction<Value, Integer, Indices> removals;
    private final Map<Parameter, Map<Integer, int[]>> slices;

    /** {@code removals} gives the indices a value loses along an axis, or {@code null}. */
    NodeCut(Node node, BiFunction<Value, Integer, Indices> removals, Map<Parameter, Map<Integer, int[]>> slices) {
        this.node = node;
        this.removals = removals;
        this.slices = slices;
    }

    private Value value(Port port) {
        return port.input() ? node.input(port.index()) : node.output(port.index());
    }

    @Override
    public Indices removed(Port port, int axis) {
        Indices i = removals.apply(value(port), axis);
        return i == null ? Indices.empty() : i;
    }

    @Override
    public int axis(Port port) {
        Value v = value(port);
        int found = -1;
        for (int a = 0; a < v.shape().rank(); a++) {
            Indices i = removals.apply(v, a);
            if (i != null && !i.isEmpty()) {
                if (found >= 0) {
                    throw new IllegalStateException("value " + v.name() + " at " + node.name()
                            + " would lose indices along axes " + found + " and " + a);
                }
                found = a;
            }
        }
        return found;
    }

    @Override
    public Shape before(Port port) {
        return value(port).shape();
    }

    @Override
    public void sliceParam(String localName, int axis, int[] removed) {
        Parameter p = node.parameter(localName);
        Map<Integer, int[]> byAxis = slices.computeIfAbsent(p, x -> new LinkedHashMap<>());
        int[] have = byAxis.get(axis);
        if (have != null && !Arrays.equals(have, removed)) {
            throw new IllegalStateException("parameter " + p.name() + " would be sliced twice along axis " + axis
                    + " with different indices: " + Arrays.toString(have) + " and " + Arrays.toString(removed));
        }
        byAxis.put(axis, removed.clone());
    }

    /**
     * The shape each parameter of {@code slices} will have once sliced; throws {@link IllegalStateException} naming
     * the parameter when a position lies outside its axis or every position of an axis would go.
     */
    static Map<Parameter, Shape> shapesAfter(Map<Parameter, Map<Integer, int[]>> slices) {
        Map<Parameter, Shape> out = new java.util.IdentityHashMap<>();
        for (Map.Entry<Parameter, Map<Integer, int[]>> e : slices.entrySet()) {
            Parameter p = e.getKey();
            Shape s = p.shape();
            for (Map.Entry<Integer, int[]> a : e.getValue().entrySet()) {
                int axis = a.getKey();
                Indices removed = Indices.of(a.getValue());
                int size = s.dim(axis);
                if (removed.max() >= size || removed.size() >= size) {
                    throw new IllegalStateException("parameter " + p.name() + " " + p.shape() + " cannot lose "
                            + removed.size() + " positions up to " + removed.max() + " along axis " + axis);
                }
                s = s.with(axis, size - removed.size());
            }
            out.put(p, s);
        }
        return out;
    }

    /** Removes the collected positions from each parameter, its gradient and the optimisers' state for it. */
    static void apply(Map<Parameter, Map<Integer, int[]>> slices, Optimizer... optimizers) {
        for (Map.Entry<Parameter, Map<Integer, int[]>> e : slices.entrySet()) {
            Parameter p = e.getKey();
            for (Map.Entry<Integer, int[]> s : e.getValue().entrySet()) {
                int axis = s.getKey();
                int[] keep = Indices.of(s.getValue()).complement(p.value().shape().dim(axis));
                p.setValue(p.value().select(axis, keep));
                if (p.grad() != null) {
                    p.setGrad(p.grad().select(axis, keep));
                }
                for (Optimizer o : optimizers) {
                    if (o.optimises(p)) {
                        o.selectState(p, axis, keep);
                    }
                }
            }
        }
    }
}
