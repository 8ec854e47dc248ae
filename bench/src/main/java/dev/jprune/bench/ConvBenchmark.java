package dev.jprune.bench;

import dev.jprune.kernels.Conv2dSpec;
import dev.jprune.kernels.Kernels;
import dev.jprune.kernels.Parallel;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.BenchmarkParams;

import java.util.Random;
import java.util.concurrent.TimeUnit;

/**
 * ResNet-50 {@code layer1.0.conv2}: 3×3 convolution, 64 → 64 channels, 56×56, padding 1, batch 8, with
 * bias, on the scalar or the vector kernels with the project's thread pool: the forward pass
 * ({@link #conv}) and its two gradients, with respect to the input ({@link #backwardInput}) and to the
 * weights and bias ({@link #backwardWeight}, which adds into its buffers as in training).
 *
 * <p>JMH reports the average time per call; each of the three calls counts the forward's multiply-adds,
 * {@code 2 · 8 · 56 · 56 · 64 · 64 · 9 = 1.850} GFLOP, so {@code GFLOP/s = 1850 / (ms per op)}. The
 * tear-down also prints that figure as a {@code GFLOP/s} line.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "-Xmx4g"})
public class ConvBenchmark {

    /** Which kernels: {@code scalar} or {@code vector}. */
    @Param({"vector", "scalar"})
    public String kernels;

    /** Batch size. */
    @Param({"8"})
    public int batch;

    private Kernels impl;
    private Conv2dSpec spec;
    private float[] input;
    private float[] weight;
    private float[] bias;
    private float[] output;
    private float[] gradOutput;
    private float[] gradInput;
    private float[] gradWeight;
    private float[] gradBias;
    private long calls;
    private long start;

    /** Creates the benchmark; JMH fills in the parameters. */
    public ConvBenchmark() {
    }

    /** Allocates and fills the tensors. */
    @Setup(Level.Trial)
    public void setUp() {
        impl = KernelChoice.of(kernels);
        spec = new Conv2dSpec(batch, 64, 56, 56, 64, 3, 3, 1, 1, 1, 1, 1, 1, 1);
        Random rnd = new Random(1);
        input = fill(rnd, batch * 64 * 56 * 56);
        weight = fill(rnd, 64 * 64 * 9);
        bias = fill(rnd, 64);
        output = new float[batch * 64 * spec.outH() * spec.outW()];
        gradOutput = fill(rnd, output.length);
        gradInput = new float[input.length];
        gradWeight = new float[weight.length];
        gradBias = new float[bias.length];
    }

    private static float[] fill(Random rnd, int n) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = rnd.nextFloat() - 0.5f;
        }
        return x;
    }

    /** Starts timing one iteration, for the printed GFLOP/s line. */
    @Setup(Level.Iteration)
    public void startIteration() {
        calls = 0;
        start = System.nanoTime();
    }

    /** Prints the GFLOP/s of the iteration just measured. */
    @TearDown(Level.Iteration)
    public void endIteration(BenchmarkParams params) {
        long nanos = System.nanoTime() - start;
        double flops = 2.0 * spec.macs() * calls;
        String method = params.getBenchmark().substring(params.getBenchmark().lastIndexOf('.') + 1);
        System.out.printf("%nGFLOP/s %s resnet50.layer1.0.conv2 batch %d %s (%s, %d threads): %.1f%n",
                method, batch, kernels, impl.name(), Parallel.threads(), flops / nanos);
    }

    /** One convolution; returns the output so the work cannot be eliminated. */
    @Benchmark
    public float[] conv() {
        impl.conv2d(spec, input, weight, bias, output);
        calls++;
        return output;
    }

    /** The input gradient of the convolution (overwrites its buffer). */
    @Benchmark
    public float[] backwardInput() {
        impl.conv2dBackwardInput(spec, gradOutput, weight, gradInput);
        calls++;
        return gradInput;
    }

    /** The weight and bias gradients of the convolution (added into their buffers). */
    @Benchmark
    public float[] backwardWeight() {
        impl.conv2dBackwardWeight(spec, input, gradOutput, gradWeight, gradBias);
        calls++;
        return gradWeight;
    }
}
