/**
 * Training checkpoints: the whole model as ONNX (structure and weights, pruned or not, BatchNorm statistics
 * included) with a sidecar safetensors file holding what an exact resume needs besides — the optimiser's
 * per-parameter state, the epoch and batch to continue from, the seed, and caller-defined strings
 * ({@link dev.jprune.io.checkpoint.TrainingCheckpoint}). Everything is non-null unless stated.
 */
package dev.jprune.io.checkpoint;
