package dev.jprune.ops;

import dev.jprune.exec.BackwardContext;
import dev.jprune.exec.ForwardContext;
import dev.jprune.exec.Saved;
import dev.jprune.ir.DType;
import dev.jprune.ir.Node;
import dev.jprune.ir.Op;
import dev.jprune.ir.ParamKind;
import dev.jprune.ir.ParamSpec;
import dev.jprune.ir.axis.AxisCut;
import dev.jprune.ir.axis.AxisLinks;
import dev.jprune.ir.axis.Indices;
import dev.jprune.ir.axis.Port;
import dev.jprune.tensor.Shape;
import dev.jprune.tensor.Tensor;

import java.util.List;

/**
 * A buffer used directly rather than through a layer: a tensor a module registers with {@code register_buffer} and
 * reads in its {@code forward}, such as Swin's {@code relative_position_index} (integer) or Swin V2's
 * {@code relative_coords_table} (float). It is in the {@code state_dict} but is not trained, not counted as a
 * parameter and gets no gradient; {@link FreeParameter} is the trainable counterpart. The node has no inputs and
 * outputs the buffer, so the dependency graph couples its axes with whatever consumes it, and pruning slices the
 * buffer along a coupled axis (an index buffer then loses the positions whose gathered rows are removed).
 *
 * <p>Integer buffers are held as floats with whole values, as every integer tensor in jprune
 * ({@link DType#INT64}); {@link dev.jprune.weights.Parity} leaves them as the architecture built them.
 *
 * @param name  the buffer's local name ({@code relative_position_index})
 * @param shape the buffer's shape
 * @param dtype its element type in PyTorch ({@code INT64} for an index)
 */
public record FreeBuffer(String name, Shape shape, DType dtype) implements Op {

    /** Validates the name. */
    public FreeBuffer {
        if (name.isEmpty() || name.contains(".")) {
            throw new IllegalArgumentException("FreeBuffer: name must be non-empty and without dots, got '" + name + "'");
        }
    }

    /** A float buffer. */
    public static FreeBuffer of(String name, int... dims) {
        return new FreeBuffer(name, Shape.of(dims), DType.FLOAT32);
    }

    /** An integer buffer (an index), stored as whole-valued floats. */
    public static FreeBuffer index(String name, int... dims) {
        return new FreeBuffer(name, Shape.of(dims), DType.INT64);
    }

    @Override
    public String type() {
        return "Buffer";
    }

    @Override
    public List<ParamSpec> parameters() {
        return List.of(new ParamSpec(name, shape, ParamKind.BUFFER, dtype));
    }

    @Override
    public Shape[] inferShapes(Shape[] inputs) {
        Shapes.requireCount(this, inputs, 0);
        return new Shape[] {shape};
    }

    /** The buffer's value (shared, not copied: consumers never modify their inputs). */
    @Override
    public Tensor[] forward(Node node, Tensor[] inputs, ForwardContext ctx) {
        return new Tensor[] {node.param(name)};
    }

    @Override
    public Saved saved() {
        return Saved.NONE;
    }

    /** No inputs and nothing trainable: an empty array. */
    @Override
    public Tensor[] backward(Node node, BackwardContext ctx) {
        return new Tensor[0];
    }

    /** No other port: the buffer itself follows its output ({@link #pruneAxes}). */
    @Override
    public void linkAxes(Node node, Port from, int axis, Indices removed, AxisLinks links) {
        // nothing to couple: no inputs
    }

    /** Slices the buffer along the pruned axis. */
    @Override
    public Op pruneAxes(Node node, AxisCut cut) {
        int axis = cut.axis(Port.out(0));
        if (axis < 0) {
            return this;
        }
        cut.sliceParam(name, axis, cut.removed(Port.out(0), axis).indices());
        return new FreeBuffer(name, cut.after(Port.out(0)), dtype);
    }

    @Override
    public String describe() {
        return "Buffer(" + name + ", " + shape + (dtype == DType.INT64 ? ", int64" : "") + ")";
    }
}
