/**
 * Pruning-quality experiments on real data, end to end on jprune's engine: train a base model, prune it with each
 * criterion, fine-tune, and write the accuracies, MACs and parameters ({@link
 * dev.jprune.bench.experiment.FashionMnistExperiment}). Resumable: every stage checkpoints and a re-run continues
 * where the last one stopped.
 */
package dev.jprune.bench.experiment;
