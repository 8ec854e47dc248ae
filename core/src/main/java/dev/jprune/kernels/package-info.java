/**
 * The engine's hot loops behind one interface, {@link dev.jprune.kernels.Kernels}: a scalar reference and a
 * {@code jdk.incubator.vector} implementation chosen at run time. All types are non-null unless stated.
 */
package dev.jprune.kernels;
