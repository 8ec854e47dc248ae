package dev.jprune.ops;

import dev.jprune.exec.Executor;
import dev.jprune.exec.ForwardContext;
import dev.jprune.exec.Mode;
import dev.jprune.ir.Graph;
import dev.jprune.ir.GraphBuilder;
import dev.jprune.ir.Op;
import dev.jprune.ir.Value;
import dev.jprune.kernels.Kernels;
import dev.jprune.tensor.Shape;
import dev.jprune.tensor.Tensor;
import dev.jprune.testing.Tolerance;

import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.DoubleUnaryOperator;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Test helpers for the element-wise, norm, pooling and dropout op tests: every forward runs through a one-node
 * graph built with {@link GraphBuilder} and evaluated with {@link Executor#run}.
 */
final class ElementwiseTestSupport {

    /** Both kernel implementations, so ops that call kernels are checked on each. */
    static final List<Kernels> KERNELS = List.of(Kernels.scalar(), Kernels.get());

    private ElementwiseTestSupport() {
    }

    /** A graph {@code x0, x1, … → op → out}, the op applied as a module named {@code m}. */
    static Graph graph(Op op, Shape... inputShapes) {
        GraphBuilder b = new GraphBuilder("test");
        Value[] in = new Value[inputShapes.length];
        for (int i = 0; i < in.length; i++) {
            in[i] = b.input("x" + i, inputShapes[i]);
        }
        Value out = b.module("m", op, in);
        return b.build(out);
    }

    /** Runs {@code op} on {@code inputs} in eval mode with {@code kernels}. */
    static Tensor run(Op op, Kernels kernels, Tensor... inputs) {
        Shape[] shapes = Arrays.stream(inputs).map(Tensor::shape).toArray(Shape[]::new);
        return Executor.run(graph(op, shapes), new ForwardContext(Mode.EVAL, kernels, 0L), inputs)[0];
    }

    /** Runs {@code op} on {@code inputs} in eval mode with the fastest kernels. */
    static Tensor run(Op op, Tensor... inputs) {
        return run(op, Kernels.get(), inputs);
    }

    /** A tensor of uniform values in {@code [lo, hi)} from a seeded generator. */
    static Tensor uniform(long seed, float lo, float hi, int... dims) {
        SplittableRandom r = new SplittableRandom(seed);
        Tensor t = Tensor.zeros(dims);
        float[] d = t.data();
        for (int i = 0; i < d.length; i++) {
            d[i] = (float) (lo + (hi - lo) * r.nextDouble());
        }
        return t;
    }

    /** {@code f} applied in double to every element of {@code x}. */
    static double[] reference(Tensor x, DoubleUnaryOperator f) {
        double[] r = new double[x.numel()];
        for (int i = 0; i < r.length; i++) {
            r[i] = f.applyAsDouble(x.data()[i]);
        }
        return r;
    }

    /** Asserts {@code |actual − ref| <= rtol · max|ref| + atol} element-wise. */
    static void assertClose(double[] ref, Tensor actual, double rtol, double atol, String what) {
        Tolerance.assertClose(ref, Tolerance.toDouble(actual.data(), actual.numel()), rtol, atol, what);
    }

    /** Asserts that inferring shapes throws and that the message contains every fragment. */
    static void assertShapeError(Op op, Shape[] inputs, String... fragments) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> op.inferShapes(inputs));
        for (String f : fragments) {
            assertTrue(e.getMessage().contains(f), "message '" + e.getMessage() + "' lacks '" + f + "'");
        }
    }

    /** Asserts that the constructor call throws with a message containing every fragment. */
    static void assertInvalid(Runnable construct, String... fragments) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, construct::run);
        for (String f : fragments) {
            assertTrue(e.getMessage().contains(f), "message '" + e.getMessage() + "' lacks '" + f + "'");
        }
    }

    /**
     * erf by composite Simpson integration of {@code 2/√π · exp(−t²)} over {@code [0, x]} (4000 intervals),
     * independent of the production series/continued fraction; accurate to about 1e-14 for {@code |x| <= 6}.
     */
    static double erfBySimpson(double x) {
        int n = 4000;
        double h = x / n;
        double s = 1 + Math.exp(-x * x);
        for (int i = 1; i < n; i++) {
            double t = i * h;
            s += (i % 2 == 1 ? 4 : 2) * Math.exp(-t * t);
        }
        return s * h / 3 * 2 / Math.sqrt(Math.PI);
    }
}
