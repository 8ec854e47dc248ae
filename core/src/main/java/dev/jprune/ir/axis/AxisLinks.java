package dev.jprune.ir.axis;

/** Receives the removals an op's axis rule forces on the node's other ports (or on the same port, widened). */
public interface AxisLinks {

    /** Removing {@code indices} (in that port's coordinates) along {@code axis} of {@code port} is forced too. */
    void link(Port port, int axis, Indices indices);
}
