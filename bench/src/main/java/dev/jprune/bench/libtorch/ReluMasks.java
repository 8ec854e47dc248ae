package dev.jprune.bench.libtorch;

import dev.jprune.exec.ForwardContext;
import dev.jprune.exec.Mode;
import dev.jprune.ir.Graph;
import dev.jprune.ir.Node;
import dev.jprune.kernels.Kernels;
import dev.jprune.ops.ReLU;
import dev.jprune.ops.ReLU6;
import dev.jprune.tensor.Tensor;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.BiConsumer;

/**
 * jprune's ReLU and ReLU6 decisions on one forward (eval or train mode): for each such node a branch code per input
 * element ({@link #BELOW} 0, {@link #INSIDE} 1, {@link #ABOVE} 2: at or above ReLU6's upper kink), and a count of
 * inputs so close to a kink (within δ · max|x| of that tensor) that single-precision rounding can decide the branch.
 */
final class ReluMasks {

    /** The input is at or below 0: output 0, no gradient. */
    static final float BELOW = 0f;
    /** The input passes: output x, gradient passes. */
    static final float INSIDE = 1f;
    /** ReLU6 only: the input is at or above 6: output 6, no gradient. */
    static final float ABOVE = 2f;

    private ReluMasks() {
    }

    /** Node name → branch codes of jprune's ReLU/ReLU6 decisions (PyTorch's: gradient only strictly inside). */
    static Map<String, float[]> of(Graph g, Tensor x, Kernels kernels, Mode mode) {
        Map<String, float[]> masks = new LinkedHashMap<>();
        visit(g, x, kernels, mode, (n, in) -> {
            float[] d = in.data();
            float[] m = new float[d.length];
            boolean six = n.op() instanceof ReLU6;
            for (int i = 0; i < d.length; i++) {
                m[i] = d[i] <= 0f ? BELOW : six && d[i] >= 6f ? ABOVE : INSIDE;
            }
            masks.put(n.name(), m);
        });
        return masks;
    }

    /** How many ReLU/ReLU6 inputs lie within {@code delta · max|x|} of a kink (0, and 6 for ReLU6). */
    static long nearKink(Graph g, Tensor x, Kernels kernels, Mode mode, double delta) {
        long[] count = new long[1];
        visit(g, x, kernels, mode, (n, in) -> {
            double bound = delta * in.maxAbs();
            boolean six = n.op() instanceof ReLU6;
            for (float v : in.data()) {
                if (Math.abs(v) <= bound || six && Math.abs(v - 6f) <= bound) {
                    count[0]++;
                }
            }
        });
        return count[0];
    }

    /**
     * Runs the graph node by node and hands every ReLU and ReLU6 node its input. In train mode this updates BatchNorm's running
     * statistics, which train-mode outputs do not read.
     */
    private static void visit(Graph g, Tensor x, Kernels kernels, Mode mode, BiConsumer<Node, Tensor> onRelu) {
        ForwardContext ctx = new ForwardContext(mode, false, kernels, 0L);
        Tensor[] values = new Tensor[g.valueCount()];
        values[g.inputs().get(0).id()] = x;
        for (Node n : g.nodes()) {
            Tensor[] args = new Tensor[n.inputs().size()];
            for (int i = 0; i < args.length; i++) {
                args[i] = values[n.input(i).id()];
            }
            if (n.op() instanceof ReLU || n.op() instanceof ReLU6) {
                onRelu.accept(n, args[0]);
            }
            Tensor[] out = n.op().forward(n, args, ctx);
            for (int i = 0; i < out.length; i++) {
                values[n.output(i).id()] = out[i];
            }
        }
    }
}
