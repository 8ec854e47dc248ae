package dev.jprune.train;

import dev.jprune.exec.Executor;
import dev.jprune.exec.ForwardContext;
import dev.jprune.exec.Mode;
import dev.jprune.ir.Graph;
import dev.jprune.ir.Parameter;
import dev.jprune.kernels.Kernels;
import dev.jprune.tensor.Shape;
import dev.jprune.tensor.Tensor;

import java.util.IdentityHashMap;
import java.util.Map;

/**
 * Gradients of a loss without an optimiser step, for data-driven importance (Taylor, Hessian) and calibration:
 * {@code loss.backward()} in PyTorch terms.
 */
public final class Gradients {

    private Gradients() {
    }

    /**
     * Runs the model on {@code input} in {@code mode} (eval mode keeps BatchNorm's running statistics and switches
     * dropout off, as Torch-Pruning's reference runs do), computes {@code loss} of output 0 against {@code target} and
     * back-propagates, <em>adding</em> the gradients into the parameters (clear them with {@link Graph#zeroGrad()}
     * first for a fresh gradient). Returns the loss.
     *
     * <p>The batch of {@code input} may differ from the one the graph was built for. The graph is then re-run at that
     * batch ({@link Graph#withInputShapes}); where it cannot be (a reshape or expand whose target fixes the batch, as
     * in models built for one input shape), eval mode computes the same mean-loss gradient from chunks of the graph's
     * own batch, since samples are independent in eval mode, and train mode (whose batch statistics couple the
     * samples) throws {@link IllegalArgumentException}.
     */
    public static double backward(Graph graph, Loss loss, Tensor input, Tensor target, Mode mode, long seed) {
        Shape built = graph.inputs().get(0).shape();
        Shape given = input.shape();
        if (given.equals(built)) {
            return backwardOnce(graph, loss, input, target, mode, seed);
        }
        Graph resized;
        try {
            resized = graph.withInputShapes(given);
        } catch (IllegalArgumentException e) {
            int chunk = built.dim(0);
            boolean chunkable = mode == Mode.EVAL && given.rank() == built.rank() && given.dim(0) % chunk == 0
                    && given.with(0, chunk).equals(built);
            if (!chunkable) {
                throw e;
            }
            return backwardInChunks(graph, loss, input, target, mode, seed, chunk);
        }
        return backwardOnce(resized, loss, input, target, mode, seed);
    }

    private static double backwardOnce(Graph graph, Loss loss, Tensor input, Tensor target, Mode mode, long seed) {
        ForwardContext ctx = new ForwardContext(mode, true, Kernels.get(), seed);
        Executor.Forward f = Executor.forward(graph, ctx, input);
        LossValue lv = loss.compute(f.output(), target);
        Tensor[] grads = new Tensor[f.outputs().length];
        grads[0] = lv.grad();
        f.tape().backward(grads);
        return lv.value();
    }

    /**
     * The gradient of the batch's mean loss as the mean of the chunks' gradients (each chunk's loss is its own mean):
     * existing gradients are set aside, the chunks accumulate, the sum is scaled by {@code chunk / N}, and the
     * existing gradients are added back.
     */
    private static double backwardInChunks(Graph graph, Loss loss, Tensor input, Tensor target, Mode mode, long seed,
                                           int chunk) {
        int n = input.shape().dim(0);
        int chunks = n / chunk;
        Map<Parameter, Tensor> before = new IdentityHashMap<>();
        for (Parameter p : graph.stateDict().values()) {
            if (p.grad() != null) {
                before.put(p, p.grad());
                p.setGrad(null);
            }
        }
        int perInput = input.numel() / n * chunk;
        int perTarget = target.numel() / n * chunk;
        Shape targetShape = target.shape().with(0, chunk);
        double lossSum = 0;
        for (int c = 0; c < chunks; c++) {
            float[] x = new float[perInput];
            System.arraycopy(input.data(), c * perInput, x, 0, perInput);
            float[] t = new float[perTarget];
            System.arraycopy(target.data(), c * perTarget, t, 0, perTarget);
            lossSum += backwardOnce(graph, loss, Tensor.wrap(input.shape().with(0, chunk), x),
                    Tensor.wrap(targetShape, t), mode, seed);
        }
        float scale = 1f / chunks;
        for (Parameter p : graph.stateDict().values()) {
            Tensor g = p.grad();
            Tensor old = before.get(p);
            if (g != null) {
                float[] d = g.data();
                float[] o = old == null ? null : old.data();
                for (int i = 0; i < d.length; i++) {
                    d[i] = d[i] * scale + (o == null ? 0f : o[i]);
                }
            } else if (old != null) {
                p.setGrad(old);
            }
        }
        return lossSum / chunks;
    }
}
