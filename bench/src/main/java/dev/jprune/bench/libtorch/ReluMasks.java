package dev.jprune.bench.libtorch;

import dev.jprune.exec.ForwardContext;
import dev.jprune.exec.Mode;
import dev.jprune.ir.Graph;
import dev.jprune.ir.Node;
import dev.jprune.kernels.Kernels;
import dev.jprune.ops.ReLU;
import dev.jprune.tensor.Tensor;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.BiConsumer;

/**
 * jprune's ReLU decisions on one eval-mode forward: for each ReLU node a 0/1 mask of its input, and a count of inputs
 * so close to the kink (|x| ≤ δ · max|x| of that tensor) that single-precision rounding can decide the branch.
 */
final class ReluMasks {

    private ReluMasks() {
    }

    /** Node name → mask (1 where jprune's ReLU passes its input). */
    static Map<String, float[]> of(Graph g, Tensor x, Kernels kernels) {
        Map<String, float[]> masks = new LinkedHashMap<>();
        visit(g, x, kernels, (n, in) -> {
            float[] d = in.data();
            float[] m = new float[d.length];
            for (int i = 0; i < d.length; i++) {
                m[i] = d[i] > 0f ? 1f : 0f;
            }
            masks.put(n.name(), m);
        });
        return masks;
    }

    /** How many ReLU inputs lie within {@code delta · max|x|} of zero, over all ReLU nodes. */
    static long nearKink(Graph g, Tensor x, Kernels kernels, double delta) {
        long[] count = new long[1];
        visit(g, x, kernels, (n, in) -> {
            double bound = delta * in.maxAbs();
            for (float v : in.data()) {
                if (Math.abs(v) <= bound) {
                    count[0]++;
                }
            }
        });
        return count[0];
    }

    /** Runs the graph node by node in eval mode and hands every ReLU node its input. */
    private static void visit(Graph g, Tensor x, Kernels kernels, BiConsumer<Node, Tensor> onRelu) {
        ForwardContext ctx = new ForwardContext(Mode.EVAL, false, kernels, 0L);
        Tensor[] values = new Tensor[g.valueCount()];
        values[g.inputs().get(0).id()] = x;
        for (Node n : g.nodes()) {
            Tensor[] args = new Tensor[n.inputs().size()];
            for (int i = 0; i < args.length; i++) {
                args[i] = values[n.input(i).id()];
            }
            if (n.op() instanceof ReLU) {
                onRelu.accept(n, args[0]);
            }
            Tensor[] out = n.op().forward(n, args, ctx);
            for (int i = 0; i < out.length; i++) {
                values[n.output(i).id()] = out[i];
            }
        }
    }
}
