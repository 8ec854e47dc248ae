package dev.jprune.depgraph;

import dev.jprune.ir.Graph;
import dev.jprune.ir.Node;
import dev.jprune.ir.Op;
import dev.jprune.ir.Parameter;
import dev.jprune.ir.Value;
import dev.jprune.ir.axis.Indices;
import dev.jprune.train.Optimizer;

import java.util.IdentityHashMap;
import java.util.Map;

/**
 * Low-level pruning of one layer on its own, the counterparts of Torch-Pruning's {@code prune_conv_out_channels},
 * {@code prune_batchnorm_out_channels}, {@code prune_linear_in_channels} and the rest: the layer's parameters (with
 * gradients and optimiser state) lose the indices and its op gets the new channel counts, through the same
 * {@link Op#pruneAxes} that groups use. Nothing else changes, so — as in Torch-Pruning — the graph is inconsistent
 * until every coupled layer has been pruned too; {@link Graph#inferShapes()} then re-infers and validates it. A
 * layer whose inputs and outputs are the same channels (BatchNorm, depthwise convolution) loses them on both sides.
 * Prefer {@link DependencyGraph#pruningGroup}, which finds the coupled layers.
 */
public final class LayerPruning {

    private LayerPruning() {
    }

    /** Removes output channels {@code indices} of {@code layer} alone. */
    public static void pruneOutChannels(Graph graph, String layer, int[] indices, Optimizer... optimizers) {
        prune(graph.requireNode(layer), Side.OUT, indices, optimizers);
    }

    /** Removes input channels {@code indices} of {@code layer} alone. */
    public static void pruneInChannels(Graph graph, String layer, int[] indices, Optimizer... optimizers) {
        prune(graph.requireNode(layer), Side.IN, indices, optimizers);
    }

    private static void prune(Node node, Side side, int[] indices, Optimizer... optimizers) {
        int outAxis = node.op().rootAxis(node);
        if (outAxis < 0) {
            throw new IllegalArgumentException(node.name() + " (" + node.op().type() + ") has no channels to prune");
        }
        int inAxis = outAxis - node.output(0).shape().rank() + node.input(0).shape().rank();
        Value outValue = node.output(0);
        Value inValue = node.input(0);
        int size = side == Side.OUT ? outValue.shape().dim(outAxis) : inValue.shape().dim(inAxis);
        Indices removed = Indices.of(indices);
        if (removed.isEmpty()) {
            return;
        }
        if (removed.max() >= size || removed.size() >= size) {
            throw new IllegalArgumentException(node.name() + " has " + size + " " + side.label() + "-channels; cannot remove "
                    + removed + (removed.max() >= size ? " (out of range)" : " (all of them)"));
        }
        boolean both = !node.op().separatesInAndOut();
        boolean out = side == Side.OUT || both;
        boolean in = side == Side.IN || both;
        Map<Parameter, Map<Integer, int[]>> slices = new IdentityHashMap<>();
        NodeCut cut = new NodeCut(node, (v, a) -> (out && v == outValue && a == outAxis)
                || (in && v == inValue && a == inAxis) ? removed : null, slices);
        Op pruned = node.op().pruneAxes(node, cut);
        NodeCut.apply(slices, optimizers);
        node.setOp(pruned);
    }
}
