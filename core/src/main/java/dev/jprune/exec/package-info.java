/**
 * Running graphs: {@link dev.jprune.exec.Executor} evaluates a graph node by node with a
 * {@link dev.jprune.exec.ForwardContext}. Everything is non-null unless stated.
 */
package dev.jprune.exec;
