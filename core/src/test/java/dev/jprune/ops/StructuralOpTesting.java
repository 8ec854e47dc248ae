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
import org.junit.jupiter.api.function.Executable;

import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Test support for the layout, linear and attention op tests: running one op as a graph, random data, messages. */
final class StructuralOpTesting {

    /** The seed every test of these ops starts from (printed in failure messages). */
    static final long SEED = 0x5EED_2024L;

    /** The kernels each numeric test runs on: the scalar reference and the fastest available. */
    static final List<Kernels> KERNELS = List.of(Kernels.scalar(), Kernels.get());

    private StructuralOpTesting() {
    }

    /** Uniform values in [-1, 1). */
    static Tensor random(SplittableRandom r, int... dims) {
        Tensor t = Tensor.zeros(dims);
        float[] d = t.data();
        for (int i = 0; i < d.length; i++) {
            d[i] = (float) (r.nextDouble() * 2 - 1);
        }
        return t;
    }

    /** 0, 1, 2, … in row-major order: makes every layout mistake visible. */
    static Tensor iota(int... dims) {
        Tensor t = Tensor.zeros(dims);
        float[] d = t.data();
        for (int i = 0; i < d.length; i++) {
            d[i] = i;
        }
        return t;
    }

    /**
     * Builds a one-node graph applying {@code op} to inputs of the given tensors' shapes (a module call named
     * {@code m} when the op has parameters, else a function call), sets the parameters and runs it with {@code k}.
     */
    static Tensor[] run(Op op, Kernels k, Map<String, Tensor> params, Tensor... inputs) {
        GraphBuilder b = new GraphBuilder("single");
        Value[] in = new Value[inputs.length];
        for (int i = 0; i < inputs.length; i++) {
            in[i] = b.input("x" + i, inputs[i].shape());
        }
        Value[] out = op.parameters().isEmpty() ? b.callMulti("op", op, in) : b.moduleMulti("m", op, in);
        Graph g = b.build(out);
        for (Map.Entry<String, Tensor> e : params.entrySet()) {
            g.node("m").parameter(e.getKey()).setValue(e.getValue());
        }
        return Executor.run(g, new ForwardContext(Mode.EVAL, k, 0L), inputs);
    }

    /** {@link #run} for a parameter-free op on the fastest kernels. */
    static Tensor[] run(Op op, Tensor... inputs) {
        return run(op, Kernels.get(), Map.of(), inputs);
    }

    /** The tensor's values as doubles. */
    static double[] d(Tensor t) {
        double[] out = new double[t.numel()];
        for (int i = 0; i < out.length; i++) {
            out[i] = t.data()[i];
        }
        return out;
    }

    /** Asserts that {@code body} throws an IllegalArgumentException whose message contains every fragment. */
    static IllegalArgumentException assertMessage(Executable body, String... fragments) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, body);
        for (String f : fragments) {
            assertTrue(e.getMessage().contains(f), "message '" + e.getMessage() + "' lacks '" + f + "'");
        }
        return e;
    }

    /** One shape inference. */
    static Shape infer(Op op, Shape... in) {
        Shape[] out = op.inferShapes(in);
        return out[0];
    }
}
