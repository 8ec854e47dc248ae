/**
 * Side-by-side comparison of jprune's pure-Java engine with libtorch, reached through DJL's PyTorch engine.
 *
 * <p>{@link dev.jprune.bench.libtorch.TorchModel} evaluates a jprune {@link dev.jprune.ir.Graph} node by node with
 * DJL {@code NDArray} ops, holding copies of the graph's parameters as libtorch tensors;
 * {@link dev.jprune.bench.libtorch.VsLibtorch} checks that outputs and parameter gradients agree and times inference
 * and a training step on both engines. Run it with {@code bench/vs-libtorch}; it is not part of the default build.
 *
 * <p>This adapter is the only place that knows both engines; nothing else in jprune depends on DJL. Arguments are
 * non-null unless stated otherwise.
 */
package dev.jprune.bench.libtorch;
