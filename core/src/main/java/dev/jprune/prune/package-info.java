/**
 * High-level pruners with Torch-Pruning 1.6's semantics: which channels to remove from every group, by ratio,
 * scope and schedule, and the sparse-training regularisers.
 */
package dev.jprune.prune;
