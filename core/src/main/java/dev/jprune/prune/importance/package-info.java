/**
 * Importance criteria: a score per channel of a pruning group, with Torch-Pruning 1.6's meaning (see
 * {@code reference/TP-SEMANTICS.md} §1.1).
 */
package dev.jprune.prune.importance;
