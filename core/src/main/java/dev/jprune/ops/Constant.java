package dev.jprune.ops;

import dev.jprune.exec.BackwardContext;
import dev.jprune.exec.ForwardContext;
import dev.jprune.ir.Node;
import dev.jprune.ir.Op;
import dev.jprune.ir.axis.AxisCut;
import dev.jprune.ir.axis.AxisLinks;
import dev.jprune.ir.axis.Indices;
import dev.jprune.ir.axis.Port;
import dev.jprune.tensor.Shape;
import dev.jprune.tensor.Tensor;

import java.util.Arrays;

/**
 * A constant tensor with no inputs ({@code torch.tensor(...)} captured in a traced graph, ONNX {@code Constant}).
 * A scalar multiply {@code x * 0.5} is {@code Mul(x, Constant(0.5))}.
 *
 * <p>The constant is an attribute, not a parameter or buffer: it is not in the {@code state_dict}, not trained and
 * not counted. The tensor given to the constructor is copied, {@link #value()} returns a copy, and every forward
 * pass outputs a fresh copy, so no caller can change the constant. Two constants are equal when their shapes and
 * contents are (as {@link Arrays#equals(float[], float[])}: NaN equals NaN, 0.0 differs from -0.0).
 */
public record Constant(Tensor value) implements Op {

    /** Takes a defensive copy of {@code value}. */
    public Constant {
        value = value.copy();
    }

    /** A 0-dimensional constant. */
    public static Constant scalar(float v) {
        return new Constant(Tensor.scalar(v));
    }

    /** A copy of the constant tensor. */
    @Override
    public Tensor value() {
        return value.copy();
    }

    /** The constant's shape. */
    public Shape shape() {
        return value.shape();
    }

    @Override
    public String type() {
        return "Constant";
    }

    /** Takes no inputs; outputs the constant's shape. */
    @Override
    public Shape[] inferShapes(Shape[] inputs) {
        Shapes.requireCount(this, inputs, 0);
        return new Shape[] {value.shape()};
    }

    /** A fresh copy of the constant. */
    @Override
    public Tensor[] forward(Node node, Tensor[] inputs, ForwardContext ctx) {
        return new Tensor[] {value.copy()};
    }

    /** No inputs, so no input gradients: an empty array. */
    @Override
    public Tensor[] backward(Node node, BackwardContext ctx) {
        return new Tensor[0];
    }

    /**
     * Output only: a constant couples nothing by itself. The op that consumes it (an element-wise {@code Mul} by a
     * per-channel constant) links its output to the channels it meets, and {@link #pruneAxes} then slices it.
     */
    @Override
    public void linkAxes(Node node, Port from, int axis, Indices removed, AxisLinks links) {
        // nothing to couple: no inputs, no parameters
    }

    /** A new constant with the removed indices of its output sliced out of the tensor (the old one is untouched). */
    @Override
    public Op pruneAxes(Node node, AxisCut cut) {
        int axis = cut.axis(Port.out(0));
        if (axis < 0) {
            return this;
        }
        Indices gone = cut.removed(Port.out(0), axis);
        if (gone.isEmpty()) {
            return this;
        }
        return new Constant(value.select(axis, gone.complement(value.shape().dim(axis))));
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Constant c && c.value.shape().equals(value.shape())
                && Arrays.equals(c.value.data(), value.data());
    }

    @Override
    public int hashCode() {
        return 31 * value.shape().hashCode() + Arrays.hashCode(value.data());
    }

    /** {@code Constant(shape=(3,), values=[1.0, 2.0, 3.0])}, at most eight values then {@code ...}. */
    @Override
    public String toString() {
        return describe();
    }

    @Override
    public String describe() {
        float[] d = value.data();
        int n = Math.min(8, d.length);
        StringBuilder sb = new StringBuilder("Constant(shape=").append(value.shape()).append(", values=[");
        for (int i = 0; i < n; i++) {
            sb.append(i > 0 ? ", " : "").append(d[i]);
        }
        return sb.append(d.length > n ? ", ...])" : "])").toString();
    }
}
