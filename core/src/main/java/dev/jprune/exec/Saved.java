package dev.jprune.exec;

/** Which of a node's tensors the tape keeps for the op's backward. Keep as little as the backward needs. */
public enum Saved {
    /** Nothing (Add, Reshape, ...). */
    NONE,
    /** The inputs (Conv2d, Linear, Mul, ...). */
    INPUTS,
    /** The outputs (ReLU, Sigmoid, Softmax, ...). */
    OUTPUTS,
    /** Both. */
    INPUTS_AND_OUTPUTS;

    boolean inputs() {
        return this == INPUTS || this == INPUTS_AND_OUTPUTS;
    }

    boolean outputs() {
        return this == OUTPUTS || this == INPUTS_AND_OUTPUTS;
    }
}
