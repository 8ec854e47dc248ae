package dev.jprune.depgraph;

import dev.jprune.ir.Node;
import dev.jprune.ir.axis.Indices;
import dev.jprune.ir.axis.Port;

/**
 * One member of a pruning group: a node, which of its channels ({@link Side#OUT} for parameter-free ops, which are
 * one member), the port and axis that carry them, and the indices in that port's coordinates with their roots.
 */
public record Member(Node node, Side side, Port port, int axis, Indices indices) {

    /** The layer name (CLI.md naming). */
    public String layer() {
        return node.name();
    }

    /** One line as {@code group.details()} prints it. */
    public String describe() {
        return String.format("%s %s (%s) axis %d of %s, indices %s", side.label(), node.name(), node.op().type(), axis,
                port, indices);
    }
}
