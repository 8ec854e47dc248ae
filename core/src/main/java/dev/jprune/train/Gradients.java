package dev.jprune.train;

import dev.jprune.exec.Executor;
import dev.jprune.exec.ForwardContext;
import dev.jprune.exec.Mode;
import dev.jprune.ir.Graph;
import dev.jprune.kernels.Kernels;
import dev.jprune.tensor.Tensor;

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
     */
    public static double backward(Graph graph, Loss loss, Tensor input, Tensor target, Mode mode, long seed) {
        ForwardContext ctx = new ForwardContext(mode, true, Kernels.get(), seed);
        Executor.Forward f = Executor.forward(graph, ctx, input);
        LossValue lv = loss.compute(f.output(), target);
        Tensor[] grads = new Tensor[f.outputs().length];
        grads[0] = lv.grad();
        f.tape().backward(grads);
        return lv.value();
    }
}
