package dev.jprune.bench.libtorch;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.training.GradientCollector;
import dev.jprune.exec.Executor;
import dev.jprune.exec.ForwardContext;
import dev.jprune.ir.Graph;
import dev.jprune.ir.Parameter;
import dev.jprune.tensor.Shape;
import dev.jprune.tensor.Tensor;
import dev.jprune.weights.Parity;
import dev.jprune.zoo.Zoo;

import java.util.Arrays;
import java.util.Locale;

/**
 * Images per second of jprune and libtorch on one zoo model at 224×224: each engine runs {@code warmup} untimed
 * iterations, then {@code iters} timed ones each, alternating between the engines. Prints one line per engine and
 * returns jprune's images/s divided by libtorch's, both from the median iteration time (robust to a busy machine).
 */
final class Throughput {

    private final NDManager root;
    private final int warmup;
    private final int iters;
    private double lastBestRatio = Double.NaN;

    Throughput(NDManager root, int warmup, int iters) {
        this.root = root;
        this.warmup = warmup;
        this.iters = iters;
    }

    /**
     * The ratio of the last comparison from each engine's fastest iteration, the figure least disturbed by other
     * load on the machine.
     */
    double lastBestRatio() {
        return lastBestRatio;
    }

    /** One unit of timed work. */
    @FunctionalInterface
    private interface Step {
        void run();
    }

    /** Eval-mode forward without gradients, batch {@code batch}. */
    double forward(String model, int batch) {
        Shape shape = Shape.of(batch, 3, 224, 224);
        Graph g = Zoo.build(model, shape, 1000);
        Parity.fill(g);
        Tensor x = Parity.input(shape);
        String what = "forward " + model + " batch " + batch + " eval";
        try (TorchModel tm = new TorchModel(g, root, false)) {
            System.out.println("libtorch_grad_mode=" + JniUtils.isGradMode() + " libtorch_threads=" + JniUtils.getNumThreads()
                    + " libtorch_interop_threads=" + JniUtils.getNumInteropThreads());
            return compare(what, batch, () -> Executor.run(g, ForwardContext.eval(), x), () -> {
                try (NDManager pass = tm.manager().newSubManager()) {
                    NDArray out = tm.forward(pass.create(x.data(), TorchModel.shapeOf(shape)), false);
                    out.toFloatArray();
                }
            });
        }
    }

    /**
     * A training step, batch {@code batch}: forward in train mode, backward of {@code sum(output · w)}, then
     * {@code p -= lr · grad} for every trainable parameter.
     */
    double train(String model, int batch, float lr) {
        Shape shape = Shape.of(batch, 3, 224, 224);
        Graph g = Zoo.build(model, shape, 1000);
        Parity.fill(g);
        VsLibtorch.removeDropout(g);
        Tensor x = Parity.input(shape);
        Shape outShape = g.outputs().get(0).shape();
        float[] w = VsLibtorch.lossWeights(outShape);
        Tensor gradOut = Tensor.wrap(outShape, w);
        String what = "train step " + model + " batch " + batch;
        // libtorch copies the parameters before jprune's steps change them.
        try (TorchModel tm = new TorchModel(g, root, true); NDManager fixed = tm.manager().newSubManager()) {
            NDArray wt = fixed.create(w, TorchModel.shapeOf(outShape));
            long[] seed = {1};
            Engine engine = Engine.getEngine("PyTorch");
            return compare(what, batch, () -> {
                g.zeroGrad();
                Executor.Forward f = Executor.forward(g, ForwardContext.train(seed[0]++), x);
                f.tape().backward(gradOut);
                for (Parameter p : g.stateDict().values()) {
                    if (p.trainable() && p.grad() != null) {
                        float[] v = p.value().data();
                        float[] d = p.grad().data();
                        for (int i = 0; i < v.length; i++) {
                            v[i] -= lr * d[i];
                        }
                    }
                }
            }, () -> {
                try (NDManager pass = tm.manager().newSubManager()) {
                    NDArray in = pass.create(x.data(), TorchModel.shapeOf(shape));
                    try (GradientCollector gc = engine.newGradientCollector()) {
                        NDArray out = tm.forward(in, true);
                        gc.backward(out.mul(wt).sum());
                    }
                    tm.sgdStep(lr);
                }
            });
        }
    }

    /**
     * Warms up each engine, then alternates timed iterations (jprune, libtorch, jprune, …) so that any background
     * load falls on both alike. Prints one line per engine and returns the ratio of median images/s.
     */
    private double compare(String what, int batch, Step ours, Step theirs) {
        for (int i = 0; i < warmup; i++) {
            ours.run();
        }
        for (int i = 0; i < warmup; i++) {
            theirs.run();
        }
        double[] a = new double[iters];
        double[] b = new double[iters];
        for (int i = 0; i < iters; i++) {
            a[i] = seconds(ours);
            b[i] = seconds(theirs);
        }
        double oursRate = report("jprune", what, batch, a);
        double theirsRate = report("libtorch", what, batch, b);
        lastBestRatio = Arrays.stream(b).min().orElseThrow() / Arrays.stream(a).min().orElseThrow();
        return oursRate / theirsRate;
    }

    private static double seconds(Step step) {
        long t0 = System.nanoTime();
        step.run();
        return (System.nanoTime() - t0) / 1e9;
    }

    /** Prints images/s from the median and the mean iteration time; returns the median-based figure. */
    private double report(String engine, String what, int batch, double[] seconds) {
        double[] sorted = seconds.clone();
        Arrays.sort(sorted);
        double median = sorted.length % 2 == 1 ? sorted[sorted.length / 2]
                : (sorted[sorted.length / 2 - 1] + sorted[sorted.length / 2]) / 2;
        double mean = Arrays.stream(seconds).sum() / seconds.length;
        System.out.println(String.format(Locale.ROOT,
                "timing engine=%s %s: %.2f images/s (median %.1f ms, mean %.1f ms = %.2f images/s, min %.1f ms, max %.1f ms;"
                        + " %d warm-up, %d timed)",
                engine, what, batch / median, median * 1e3, mean * 1e3, batch / mean, sorted[0] * 1e3,
                sorted[sorted.length - 1] * 1e3, warmup, iters));
        return batch / median;
    }
}
