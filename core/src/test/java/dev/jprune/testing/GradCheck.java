package dev.jprune.testing;

import dev.jprune.exec.Executor;
import dev.jprune.exec.ForwardContext;
import dev.jprune.exec.Mode;
import dev.jprune.exec.Tape;
import dev.jprune.ir.Graph;
import dev.jprune.ir.Parameter;
import dev.jprune.kernels.Kernels;
import dev.jprune.tensor.Tensor;
import org.junit.jupiter.api.Assertions;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Gradient check by central differences. The scalar loss is {@code L = Σ r·y} over every output with fixed random
 * weights {@code r}; analytic gradients come from the {@link Tape}, numeric ones from
 * {@code (L(θ + h) − L(θ − h)) / 2h} evaluated in double over float forwards. Up to {@code samples} coordinates of
 * each input and each trainable parameter are checked, and each group must satisfy
 * {@code |analytic − numeric| ≤ rtol · max|numeric| + atol}. Every forward uses a fresh context with the same seed,
 * so dropout masks are identical across evaluations.
 */
public final class GradCheck {

    private final Graph graph;
    private final Mode mode;
    private final Kernels kernels;
    private double step = 1e-2;
    private double rtol = 1e-2;
    private double atol = 1e-4;
    private int samples = 40;
    private long seed = 1;

    private GradCheck(Graph graph, Mode mode, Kernels kernels) {
        this.graph = graph;
        this.mode = mode;
        this.kernels = kernels;
    }

    /** A check of {@code graph} in {@code mode} on the scalar kernels. */
    public static GradCheck of(Graph graph, Mode mode) {
        return new GradCheck(graph, mode, Kernels.scalar());
    }

    /** A check of {@code graph} in {@code mode} on the given kernels. */
    public static GradCheck of(Graph graph, Mode mode, Kernels kernels) {
        return new GradCheck(graph, mode, kernels);
    }

    /** The finite-difference step (default 1e-2). */
    public GradCheck step(double h) {
        this.step = h;
        return this;
    }

    /** The tolerance (defaults rtol 1e-2, atol 1e-4). */
    public GradCheck tolerance(double relative, double absolute) {
        this.rtol = relative;
        this.atol = absolute;
        return this;
    }

    /** How many coordinates per tensor to check (default 40; all when the tensor is smaller). */
    public GradCheck samples(int n) {
        this.samples = n;
        return this;
    }

    /** The seed for the loss weights, the sampled coordinates and the forward context. */
    public GradCheck seed(long s) {
        this.seed = s;
        return this;
    }

    private ForwardContext ctx(boolean record) {
        return new ForwardContext(mode, record, kernels, seed).trackInputGradients(record);
    }

    /** Runs the check on these inputs; fails naming the tensor, coordinate, both values and the seed. */
    public void run(Tensor... inputs) {
        SplittableRandom rnd = new SplittableRandom(seed);
        Tensor[] probe = Executor.run(graph, ctx(false), inputs);
        Tensor[] weights = new Tensor[probe.length];
        for (int i = 0; i < probe.length; i++) {
            weights[i] = Tensor.zeros(probe[i].shape());
            float[] w = weights[i].data();
            for (int j = 0; j < w.length; j++) {
                w[j] = (float) (rnd.nextDouble() * 2 - 1);
            }
        }
        graph.zeroGrad();
        Executor.Forward f = Executor.forward(graph, ctx(true), inputs);
        Tape tape = f.tape();
        tape.backward(weights);
        for (int i = 0; i < inputs.length; i++) {
            Tensor g = tape.inputGrad(i);
            float[] analytic = g == null ? new float[inputs[i].numel()] : g.data();
            compare("input " + graph.inputs().get(i).name(), inputs[i].data(), analytic, rnd, inputs, weights);
        }
        for (Parameter p : graph.stateDict().values()) {
            if (!p.trainable()) {
                continue;
            }
            float[] analytic = p.grad() == null ? new float[p.value().numel()] : p.grad().data().clone();
            compare("parameter " + p.name(), p.value().data(), analytic, rnd, inputs, weights);
        }
    }

    private void compare(String what, float[] data, float[] analytic, SplittableRandom rnd, Tensor[] inputs, Tensor[] weights) {
        List<Integer> coords = new ArrayList<>();
        if (data.length <= samples) {
            for (int j = 0; j < data.length; j++) {
                coords.add(j);
            }
        } else {
            for (int j = 0; j < samples; j++) {
                coords.add(rnd.nextInt(data.length));
            }
        }
        double[] numeric = new double[coords.size()];
        double maxNum = 0;
        for (int c = 0; c < coords.size(); c++) {
            int j = coords.get(c);
            float orig = data[j];
            data[j] = (float) (orig + step);
            double plus = loss(inputs, weights);
            data[j] = (float) (orig - step);
            double minus = loss(inputs, weights);
            data[j] = orig;
            double actualStep = ((double) (float) (orig + step) - (double) (float) (orig - step)) / 2;
            numeric[c] = (plus - minus) / (2 * actualStep);
            maxNum = Math.max(maxNum, Math.abs(numeric[c]));
        }
        double tol = rtol * maxNum + atol;
        for (int c = 0; c < coords.size(); c++) {
            int j = coords.get(c);
            double d = Math.abs(analytic[j] - numeric[c]);
            if (!(d <= tol)) {
                Assertions.fail(String.format("%s of %s [%d]: analytic %.6g, numeric %.6g, |diff| %.3g > %.3g (rtol %g, atol %g, step %g, seed %d)",
                        what, graph.name(), j, analytic[j], numeric[c], d, tol, rtol, atol, step, seed));
            }
        }
    }

    private double loss(Tensor[] inputs, Tensor[] weights) {
        Tensor[] out = Executor.run(graph, ctx(false), inputs);
        double l = 0;
        for (int i = 0; i < out.length; i++) {
            float[] y = out[i].data();
            float[] w = weights[i].data();
            for (int j = 0; j < y.length; j++) {
                l += (double) y[j] * w[j];
            }
        }
        return l;
    }
}
