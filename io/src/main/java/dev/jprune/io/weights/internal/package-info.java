/**
 * Readers and writers behind {@link dev.jprune.io.weights.StateDicts}: the {@code torch.save} zip reader and its
 * data-only pickle interpreter, the safetensors reader and writer, and element decoding (byte order, half floats,
 * strided views). Internal: not part of the public API and free to change.
 */
package dev.jprune.io.weights.internal;
