package dev.jprune.count;

import dev.jprune.ir.Graph;
import dev.jprune.ir.Node;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Counts operations and parameters the way Torch-Pruning's {@code count_ops_and_params} does: each node that stands
 * for a module call contributes its op's {@link dev.jprune.ir.Op#countOps} (convolution and linear MACs plus simple
 * element counts for norms, activations and pooling; functional ops count 0), the total is divided by the batch
 * size (dimension 0 of the first input), and parameters are the trainable elements, buffers excluded.
 */
public final class OpCounter {

    private OpCounter() {
    }

    /**
     * Counts for one example of the batch.
     *
     * @param ops       Torch-Pruning's "MACs" (its op count), per example
     * @param params    trainable parameter elements
     * @param convLinearMacs the multiply-accumulates of convolutions, linear layers and matrix products alone,
     *                  per example, bias excluded
     * @param perLayer  the op count of each counted node, per example, in graph order
     */
    public record Count(long ops, long params, long convLinearMacs, Map<String, Long> perLayer) {
        public Count {
            perLayer = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(perLayer));
        }
    }

    /** Counts the graph at its current shapes. */
    public static Count count(Graph graph) {
        long total = 0;
        long macs = 0;
        Map<String, Long> per = new LinkedHashMap<>();
        int batch = graph.inputs().isEmpty() || graph.inputs().get(0).shape().rank() == 0
                ? 1 : Math.max(1, graph.inputs().get(0).shape().dim(0));
        for (Node n : graph.nodes()) {
            macs += n.op().macs(n.inputShapes(), n.outputShapes());
            if (!n.isModuleCall()) {
                continue;
            }
            long c = n.op().countOps(n.inputShapes(), n.outputShapes());
            if (c != 0) {
                per.put(n.name(), c / batch);
            }
            total += c;
        }
        return new Count(total / batch, graph.parameterCount(), macs / batch, per);
    }
}
