/**
 * JMH benchmarks of the engine's kernels: {@link dev.jprune.bench.GemmBenchmark} (1024³ single-precision
 * GEMM) and {@link dev.jprune.bench.ConvBenchmark} (ResNet-50 {@code layer1.0.conv2}), each for the
 * scalar and the vector kernels. Run them with {@code bench/run-kernels}, which prints GFLOP/s.
 */
package dev.jprune.bench;
