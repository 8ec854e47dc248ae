package dev.jprune.ops;

import dev.jprune.exec.BackwardContext;
import dev.jprune.exec.ForwardContext;
import dev.jprune.exec.Saved;
import dev.jprune.ir.Node;
import dev.jprune.ir.Op;
import dev.jprune.ir.ParamSpec;
import dev.jprune.ir.axis.AxisCut;
import dev.jprune.ir.axis.AxisLinks;
import dev.jprune.ir.axis.ChannelParams;
import dev.jprune.ir.axis.Indices;
import dev.jprune.ir.axis.Port;
import dev.jprune.ops.internal.AxisSupport;
import dev.jprune.tensor.Shape;
import dev.jprune.tensor.Tensor;

import java.util.List;

/**
 * A parameter used directly rather than through a layer — a class token, a position embedding, ConvNeXt's
 * {@code layer_scale} (Torch-Pruning's {@code unwrapped_parameters}). The node has no inputs and outputs the
 * parameter {@code name}, so the dependency graph couples its axes with whatever consumes it; pruning slices the
 * parameter along the coupled axis. {@code prunableAxis} restricts pruning to one axis, as Torch-Pruning's
 * {@code (parameter, pruning_dim)} declaration does; -1 lets the graph decide.
 *
 * @param name         the parameter's local name ({@code layer_scale}, {@code class_token})
 * @param shape        the parameter's shape
 * @param prunableAxis the only axis that may lose indices, or -1 for any
 */
public record FreeParameter(String name, Shape shape, int prunableAxis) implements Op {

    /** Validates the name and axis. */
    public FreeParameter {
        if (name.isEmpty() || name.contains(".")) {
            throw new IllegalArgumentException("FreeParameter: name must be non-empty and without dots, got '" + name + "'");
        }
        if (prunableAxis < -1 || prunableAxis >= shape.rank()) {
            throw new IllegalArgumentException("FreeParameter " + name + ": prunable axis " + prunableAxis
                    + " outside a rank-" + shape.rank() + " parameter");
        }
    }

    /** A parameter whose axes the graph may prune wherever its consumers couple them. */
    public static FreeParameter of(String name, int... dims) {
        return new FreeParameter(name, Shape.of(dims), -1);
    }

    @Override
    public String type() {
        return "Parameter";
    }

    @Override
    public List<ParamSpec> parameters() {
        return List.of(ParamSpec.param(name, shape.dims()));
    }

    @Override
    public Shape[] inferShapes(Shape[] inputs) {
        Shapes.requireCount(this, inputs, 0);
        return new Shape[] {shape};
    }

    /** The parameter's value (shared, not copied: consumers never modify their inputs). */
    @Override
    public Tensor[] forward(Node node, Tensor[] inputs, ForwardContext ctx) {
        return new Tensor[] {node.param(name)};
    }

    @Override
    public Saved saved() {
        return Saved.NONE;
    }

    /** Adds the output's gradient to the parameter's. */
    @Override
    public Tensor[] backward(Node node, BackwardContext ctx) {
        Tensor g = ctx.paramGrad(name);
        if (g != null) {
            ctx.kernels().add(g.data(), 0, ctx.gradOutput(0).data(), 0, g.data(), 0, g.numel());
        }
        return new Tensor[0];
    }

    /** No other port: the parameter itself follows its output ({@link #pruneAxes}). */
    @Override
    public void linkAxes(Node node, Port from, int axis, Indices removed, AxisLinks links) {
        if (prunableAxis >= 0) {
            AxisSupport.requireAxis(node, from, axis, "the parameter is declared prunable along axis " + prunableAxis,
                    prunableAxis);
        }
    }

    /** Slices the parameter along the pruned axis. */
    @Override
    public Op pruneAxes(Node node, AxisCut cut) {
        int axis = cut.axis(Port.out(0));
        if (axis < 0) {
            return this;
        }
        cut.sliceParam(name, axis, cut.removed(Port.out(0), axis).indices());
        return new FreeParameter(name, cut.after(Port.out(0)), prunableAxis);
    }

    /** The parameter itself along the axis. */
    @Override
    public ChannelParams channelParams(Node node, Port port, int axis) {
        return new ChannelParams(ChannelParams.Kind.OTHER, List.of(new ChannelParams.Slice(name, axis, 0, false)));
    }

    @Override
    public String describe() {
        return "Parameter(" + name + ", " + shape + (prunableAxis >= 0 ? ", pruning_dim=" + prunableAxis : "") + ")";
    }
}
