/**
 * High-level pruners with Torch-Pruning 1.6's semantics ({@code reference/TP-SEMANTICS.md} §1.2–1.3): which channels
 * to remove from every group, by ratio, scope and schedule ({@link dev.jprune.prune.BasePruner}, built with a
 * validating {@link dev.jprune.prune.PrunerBuilder}); the pruning history that replays on a fresh model
 * ({@link dev.jprune.prune.PruningHistory}); and the sparse-training regularisers
 * ({@link dev.jprune.prune.GroupNormPruner}, {@link dev.jprune.prune.BNScalePruner},
 * {@link dev.jprune.prune.GrowingRegPruner}) that add to parameter gradients between the backward pass and the
 * optimiser step ({@link dev.jprune.train.Trainer}'s after-backward hook); and stepping a pruner until a MAC
 * speed-up is reached ({@link dev.jprune.prune.ProgressivePruning}). Arguments and results are non-null unless documented otherwise.
 */
package dev.jprune.prune;
