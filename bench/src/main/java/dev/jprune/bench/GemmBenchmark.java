package dev.jprune.bench;

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

import java.util.Random;
import java.util.concurrent.TimeUnit;

/**
 * Single-precision GEMM {@code C = A · B}, {@code 1024 × 1024 × 1024}, on the scalar or the vector kernels
 * with the project's thread pool ({@code -Djprune.threads}, default all processors).
 *
 * <p>JMH reports the average time per call; one call is {@code 2 · 1024³} floating-point operations, so
 * {@code GFLOP/s = 2.147 / (ms per op)}. The tear-down also prints that figure as a {@code GFLOP/s} line.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "-Xmx4g"})
public class GemmBenchmark {

    /** Which kernels: {@code scalar} or {@code vector}. */
    @Param({"vector", "scalar"})
    public String kernels;

    /** Matrix size: m = n = k. */
    @Param({"1024"})
    public int size;

    private Kernels impl;
    private float[] a;
    private float[] b;
    private float[] c;
    private long calls;
    private long nanos;
    private long start;

    /** Creates the benchmark; JMH fills in the parameters. */
    public GemmBenchmark() {
    }

    /** Allocates and fills the matrices. */
    @Setup(Level.Trial)
    public void setUp() {
        impl = KernelChoice.of(kernels);
        Random rnd = new Random(1);
        a = new float[size * size];
        b = new float[size * size];
        c = new float[size * size];
        for (int i = 0; i < a.length; i++) {
            a[i] = rnd.nextFloat() - 0.5f;
            b[i] = rnd.nextFloat() - 0.5f;
        }
    }

    /** Starts timing one iteration, for the printed GFLOP/s line. */
    @Setup(Level.Iteration)
    public void startIteration() {
        calls = 0;
        start = System.nanoTime();
    }

    /** Prints the GFLOP/s of the iteration just measured. */
    @TearDown(Level.Iteration)
    public void endIteration() {
        nanos = System.nanoTime() - start;
        double flops = 2.0 * size * size * size * calls;
        System.out.printf("%nGFLOP/s gemm %d^3 %s (%s, %d threads): %.1f%n",
                size, kernels, impl.name(), Parallel.threads(), flops / nanos);
    }

    /** One GEMM; returns C so the work cannot be eliminated. */
    @Benchmark
    public float[] gemm() {
        impl.gemm(false, false, size, size, size, a, 0, size, b, 0, size, 0f, c, 0, size);
        calls++;
        return c;
    }
}
