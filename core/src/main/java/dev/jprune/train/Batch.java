package dev.jprune.train;

import dev.jprune.tensor.Tensor;

import java.util.Objects;

/**
 * One mini-batch: inputs {@code (N, ...)} and targets {@code (N)} holding class indices as whole-number floats (the
 * layout {@link CrossEntropyLoss} takes). The tensors are shared, not copied.
 *
 * @param inputs  the model input, batch first
 * @param targets one class index per sample
 */
public record Batch(Tensor inputs, Tensor targets) {

    /** Validates that both are present and agree on the batch size. */
    public Batch {
        Objects.requireNonNull(inputs, "inputs");
        Objects.requireNonNull(targets, "targets");
        if (inputs.rank() < 1 || targets.rank() != 1 || inputs.dim(0) != targets.dim(0)) {
            throw new IllegalArgumentException("Batch: expected inputs (N, ...) and targets (N) with the same N, got "
                    + inputs.shape() + " and " + targets.shape());
        }
    }

    /** The number of samples N. */
    public int size() {
        return targets.dim(0);
    }
}
