package dev.jprune.ir;

import dev.jprune.exec.BackwardContext;
import dev.jprune.exec.ForwardContext;
import dev.jprune.exec.Saved;
import dev.jprune.ir.axis.AxisCut;
import dev.jprune.ir.axis.AxisLinks;
import dev.jprune.ir.axis.ChannelParams;
import dev.jprune.ir.axis.Indices;
import dev.jprune.ir.axis.Port;
import dev.jprune.ir.axis.UnsupportedAxisException;
import dev.jprune.tensor.Shape;
import dev.jprune.tensor.Tensor;

import java.util.List;

/**
 * One operator: everything about it lives in its class — attributes, the parameters it declares, shape inference,
 * forward, backward, its op count and its axis rules for the dependency graph.
 *
 * <p>Op instances are immutable attribute holders (usually records); pruning replaces a node's op by a copy with
 * new channel counts. Adding an operator means adding one class; no other code switches on op types.
 */
public interface Op {

    /**
     * The operator's name: the PyTorch module class for module-like ops ({@code Conv2d}, {@code BatchNorm2d},
     * {@code ReLU}), otherwise the function ({@code Add}, {@code Concat}).
     */
    String type();

    /** The parameters and buffers this op needs, in {@code state_dict} order. */
    default List<ParamSpec> parameters() {
        return List.of();
    }

    /** The number of outputs (1 for most ops). */
    default int outputCount() {
        return 1;
    }

    /**
     * Output shapes for the given input shapes. Throws {@link IllegalArgumentException} naming the op and the
     * expected and actual shapes when the inputs do not fit.
     */
    Shape[] inferShapes(Shape[] inputs);

    /**
     * Computes the outputs. {@code node} gives access to the parameters ({@link Node#param(String)});
     * inputs must not be modified unless the op documents it.
     */
    Tensor[] forward(Node node, Tensor[] inputs, ForwardContext ctx);

    /** Which forward tensors the tape keeps for {@link #backward}; as few as the backward reads. */
    default Saved saved() {
        return Saved.NONE;
    }

    /**
     * Gradients of the node's inputs from the gradients of its outputs ({@link BackwardContext#gradOutput}), one per
     * input ({@code null} where not needed or not differentiable); parameter gradients are added into
     * {@link BackwardContext#paramGrad}. Called only when at least one output received a gradient.
     */
    default Tensor[] backward(Node node, BackwardContext ctx) {
        throw new UnsupportedOperationException(type() + " (" + node.name() + ") has no backward yet");
    }

    /**
     * The operations Torch-Pruning's {@code count_ops_and_params} attributes to this op when it is applied as a
     * module ({@code nn.Conv2d}, {@code nn.ReLU}, ...), for the whole batch (the counter divides by the batch size).
     * Ops the reference does not count (SiLU, Sigmoid, Dropout, functional ops) return 0.
     */
    default long countOps(Shape[] inputs, Shape[] outputs) {
        return 0;
    }

    /**
     * The multiply-accumulates of the op's weighted products alone (convolution, linear, matrix product), for the
     * whole batch, bias excluded; 0 for every other op. This is the "conv/linear MACs" figure.
     */
    default long macs(Shape[] inputs, Shape[] outputs) {
        return 0;
    }

    /**
     * The axis rules for the dependency graph: removing {@code removed} along {@code axis} of port {@code from} of
     * {@code node} forces which removals on the node's other ports ({@link AxisLinks#link}); a rule may also widen
     * the set on the same port when only a larger set is a legal slice (same positions in every convolution group
     * or head). Parameters follow their ports and are sliced in {@link #pruneAxes}. Throws
     * {@link UnsupportedAxisException} naming the node and axis when the op cannot lose indices there.
     */
    default void linkAxes(Node node, Port from, int axis, Indices removed, AxisLinks links) {
        throw new UnsupportedAxisException(type() + " at " + node.name() + " has no axis rules");
    }

    /**
     * Applies the removals of {@code cut} to this op: slices the node's parameters through
     * {@link AxisCut#sliceParam} and returns the op with its new attributes (channel counts, split sizes, reshape
     * targets), or this op when no attribute depends on the removed axes.
     */
    default Op pruneAxes(Node node, AxisCut cut) {
        return this;
    }

    /**
     * Whether the op's inputs and outputs are separate members of a pruning group (convolution and linear layers,
     * whose in- and out-channels are different weight axes), rather than one member.
     */
    default boolean separatesInAndOut() {
        return false;
    }

    /**
     * The axis of output {@code port} whose indices a pruning group rooted at this node removes (the output channels),
     * or -1 when the op cannot be a root.
     */
    default int rootAxis(Node node) {
        return -1;
    }

    /**
     * What the channels along {@code axis} of {@code port} are in this node's parameters (for importance criteria and
     * regularisers), or {@code null} when the op has no parameters per channel there.
     */
    default ChannelParams channelParams(Node node, Port port, int axis) {
        return null;
    }

    /** A one-line description with the attributes, as in PyTorch's module repr. */
    default String describe() {
        return type();
    }
}
