package dev.jprune.train;

import dev.jprune.tensor.Tensor;

/**
 * The result of a loss: its scalar value and its gradient with respect to the loss input (the model output), of the
 * input's shape, ready for {@link dev.jprune.exec.Tape#backward}. The gradient is a fresh tensor owned by the caller.
 */
public record LossValue(double value, Tensor grad) {

    public LossValue {
        if (grad == null) {
            throw new IllegalArgumentException("loss gradient must not be null");
        }
    }
}
