/**
 * Helpers behind {@link dev.jprune.io.onnx.OnnxModelFile}: external data reading and writing and element decoding.
 * Internal: not part of the public API and free to change.
 */
package dev.jprune.io.onnx.internal;
