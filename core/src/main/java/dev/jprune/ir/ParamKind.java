package dev.jprune.ir;

/** Whether a named tensor is a trainable parameter or a buffer (PyTorch's distinction). */
public enum ParamKind {
    /** Trained, counted by parameter counts, carries a gradient during training. */
    PARAMETER,
    /** Part of the state but not trained or counted ({@code running_mean}, {@code num_batches_tracked}). */
    BUFFER
}
