package dev.jprune.train;

import dev.jprune.exec.Executor;
import dev.jprune.exec.ForwardContext;
import dev.jprune.ir.Graph;
import dev.jprune.tensor.Tensor;

/**
 * One optimisation step, the body of a PyTorch training loop: clear gradients, forward in train mode (recording a
 * tape; dropout masks from {@code seed}), loss on output 0, backward, optimiser step. Other outputs get no gradient.
 */
public final class TrainStep {

    private TrainStep() {
    }

    /**
     * Runs one step on a single-input model and returns the loss before the update. Every parameter gradient of
     * {@code graph} is cleared first; after the call they hold this step's gradients.
     */
    public static double run(Graph graph, Optimizer optimizer, Loss loss, Tensor input, Tensor target, long seed) {
        return run(graph, optimizer, loss, new Tensor[] {input}, target, seed);
    }

    /** {@link #run(Graph, Optimizer, Loss, Tensor, Tensor, long)} for a model with several inputs. */
    public static double run(Graph graph, Optimizer optimizer, Loss loss, Tensor[] inputs, Tensor target, long seed) {
        graph.zeroGrad();
        optimizer.zeroGrad();
        Executor.Forward f = Executor.forward(graph, ForwardContext.train(seed), inputs);
        LossValue lv = loss.compute(f.output(), target);
        Tensor[] grads = new Tensor[f.outputs().length];
        grads[0] = lv.grad();
        f.tape().backward(grads);
        optimizer.step();
        return lv.value();
    }
}
