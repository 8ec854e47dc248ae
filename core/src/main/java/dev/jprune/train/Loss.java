package dev.jprune.train;

import dev.jprune.tensor.Tensor;

/** A loss function of a model output and a target, as a {@code torch.nn} loss module with mean reduction. */
public interface Loss {

    /**
     * The loss of {@code output} against {@code target} and its gradient with respect to {@code output}. Neither
     * argument is modified.
     */
    LossValue compute(Tensor output, Tensor target);
}
