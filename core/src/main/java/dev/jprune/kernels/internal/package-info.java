/**
 * Kernel implementations behind {@link dev.jprune.kernels.Kernels}: the scalar reference, the
 * {@code jdk.incubator.vector} kernels (the only classes here that import that module, loaded
 * reflectively) and the loader that picks one. Internal: users must not rely on these types.
 * All types are non-null unless stated.
 */
package dev.jprune.kernels.internal;
