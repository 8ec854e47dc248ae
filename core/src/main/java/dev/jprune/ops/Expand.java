package dev.jprune.ops;

import dev.jprune.exec.BackwardContext;
import dev.jprune.exec.ForwardContext;
import dev.jprune.ir.Node;
import dev.jprune.ir.Op;
import dev.jprune.ir.axis.AxisCut;
import dev.jprune.ir.axis.AxisLinks;
import dev.jprune.ir.axis.Indices;
import dev.jprune.ir.axis.Port;
import dev.jprune.ops.internal.LayoutSupport;
import dev.jprune.tensor.Shape;
import dev.jprune.tensor.Tensor;

import java.util.Arrays;

/**
 * {@code Tensor.expand}: repeats size-1 dimensions to a larger shape, e.g. the class token {@code (1, 1, E) →
 * (N, 1, E)} with {@code (N, -1, -1)}. The target may have more dimensions than the input (new ones are prepended);
 * {@code −1} keeps an existing dimension's size and is not allowed for a prepended one; every existing dimension must
 * equal its target or be 1.
 *
 * <p>PyTorch returns a view with stride 0; here the output is a materialised copy, since tensors are always dense.
 */
public record Expand(int[] shape) implements Op {

    /** Validates the entries (positive or −1) and takes a defensive copy. */
    public Expand {
        shape = shape.clone();
        for (int s : shape) {
            if (s < 1 && s != -1) {
                throw new IllegalArgumentException("Expand: target sizes must be positive or -1, got "
                        + LayoutSupport.tuple(shape));
            }
        }
    }

    /** {@code x.expand(shape)}. */
    public static Expand of(int... shape) {
        return new Expand(shape);
    }

    /** The target as given (copied). */
    @Override
    public int[] shape() {
        return shape.clone();
    }

    /** A copy with another target (pruning). */
    public Expand withShape(int... newShape) {
        return new Expand(newShape);
    }

    @Override
    public String type() {
        return "Expand";
    }

    /** The target with every −1 replaced by the input's size. */
    @Override
    public Shape[] inferShapes(Shape[] inputs) {
        Shapes.requireCount(this, inputs, 1);
        Shape in = inputs[0];
        int lead = shape.length - in.rank();
        if (lead < 0) {
            throw new IllegalArgumentException("Expand to " + LayoutSupport.tuple(shape) + " expects an input of at most "
                    + shape.length + " dimensions, got " + in);
        }
        int[] out = new int[shape.length];
        for (int i = 0; i < shape.length; i++) {
            if (i < lead) {
                if (shape[i] == -1) {
                    throw new IllegalArgumentException("Expand: -1 is not allowed for the new leading dimension " + i
                            + " in " + LayoutSupport.tuple(shape));
                }
                out[i] = shape[i];
                continue;
            }
            int d = in.dim(i - lead);
            int t = shape[i] == -1 ? d : shape[i];
            if (d != t && d != 1) {
                throw new IllegalArgumentException("Expand: cannot expand input " + in + " to " + LayoutSupport.tuple(shape)
                        + ": dimension " + i + " has size " + d + ", expected 1 or " + t);
            }
            out[i] = t;
        }
        return new Shape[] {Shape.of(out)};
    }

    /** A new tensor of the target shape, each input element repeated along the expanded dimensions. */
    @Override
    public Tensor[] forward(Node node, Tensor[] inputs, ForwardContext ctx) {
        Tensor x = inputs[0];
        Shape os = inferShapes(new Shape[] {x.shape()})[0];
        Tensor out = Tensor.zeros(os);
        LayoutSupport.copy(x.data(), 0, LayoutSupport.broadcastStrides(x.shape(), os), out.data(), 0, os.strides(),
                os.dims());
        return new Tensor[] {out};
    }

    /** The output gradient summed over every expanded (or prepended) dimension, back to the input's shape. */
    @Override
    public Tensor[] backward(Node node, BackwardContext ctx) {
        Tensor dy = ctx.gradOutput(0);
        Shape in = node.input(0).shape();
        Shape os = dy.shape();
        Tensor dx = Tensor.zeros(in);
        LayoutSupport.addInto(dy.data(), 0, os.strides(), dx.data(), 0, LayoutSupport.broadcastStrides(in, os),
                os.dims());
        return new Tensor[] {dx};
    }

    /**
     * Broadcasting: an input axis kept at its size is the identity with its output axis (aligned from the right);
     * an input axis of size 1 expanded to a larger size, and a new leading axis, are not coupled — their single
     * input element serves every output index, and only the target size changes ({@link #pruneAxes}).
     */
    @Override
    public void linkAxes(Node node, Port from, int axis, Indices removed, AxisLinks links) {
        Shape in = node.input(0).shape();
        Shape out = node.output(0).shape();
        int lead = out.rank() - in.rank();
        if (from.input()) {
            if (in.dim(axis) != 1 || out.dim(axis + lead) == 1) {
                links.link(Port.out(0), axis + lead, removed);
            }
        } else {
            int a = axis - lead;
            if (a >= 0 && (in.dim(a) != 1 || out.dim(axis) == 1)) {
                links.link(Port.in(0), a, removed);
            }
        }
    }

    /** The explicit target sizes become the pruned output's; entries given as −1 stay −1. */
    @Override
    public Op pruneAxes(Node node, AxisCut cut) {
        Shape after = cut.after(Port.out(0));
        if (after.equals(node.output(0).shape())) {
            return this;
        }
        int[] t = shape.clone();
        for (int i = 0; i < t.length; i++) {
            if (t[i] != -1) {
                t[i] = after.dim(i);
            }
        }
        return withShape(t);
    }

    /** {@code Expand(size=(2, -1, -1))}. */
    @Override
    public String describe() {
        return "Expand(size=" + LayoutSupport.tuple(shape) + ")";
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Expand e && Arrays.equals(shape, e.shape);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(shape);
    }

    @Override
    public String toString() {
        return describe();
    }
}
