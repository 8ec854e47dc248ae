/**
 * The vocabulary of axis rules: how an op couples removals along the axes of its inputs, outputs and parameters.
 * Ops declare their rules with {@link dev.jprune.ir.Op#linkAxes} and apply removals with
 * {@link dev.jprune.ir.Op#pruneAxes}; {@code dev.jprune.depgraph} builds the dependency graph from them.
 */
package dev.jprune.ir.axis;
