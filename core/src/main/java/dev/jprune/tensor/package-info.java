/**
 * Dense float32 tensors ({@link dev.jprune.tensor.Tensor}) and their immutable shapes
 * ({@link dev.jprune.tensor.Shape}). Everything is non-null unless stated.
 */
package dev.jprune.tensor;
