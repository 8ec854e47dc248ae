package dev.jprune.ir.axis;

import dev.jprune.ir.Node;
import dev.jprune.tensor.Shape;

/** Receives the removals an op's axis rule forces on the node's other ports (or on the same port, widened). */
public interface AxisLinks {

    /** Removing {@code indices} (in that port's coordinates) along {@code axis} of {@code port} is forced too. */
    void link(Port port, int axis, Indices indices);

    /**
     * Which axis of a block loses indices where a reshape splits one axis into several or merges several into one
     * ({@code axes} of {@code shape}, the several-axes side, in order): by default the rule's own choice
     * {@code ruleChoice}. The dependency graph overrides it on attention head splits, to choose between the in-head
     * axis and the head axis. The answer must be one of {@code axes}.
     */
    default int blockAxis(Node node, Shape shape, int[] axes, int ruleChoice) {
        return ruleChoice;
    }
}
