package dev.jprune.ops;

import dev.jprune.exec.Executor;
import dev.jprune.exec.ForwardContext;
import dev.jprune.exec.Mode;
import dev.jprune.ir.Graph;
import dev.jprune.ir.GraphBuilder;
import dev.jprune.ir.Op;
import dev.jprune.ir.Parameter;
import dev.jprune.ir.Value;
import dev.jprune.kernels.Kernels;
import dev.jprune.tensor.Shape;
import dev.jprune.tensor.Tensor;
import dev.jprune.testing.GradCheck;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;

import java.util.SplittableRandom;

import static dev.jprune.ops.StructuralOpTesting.KERNELS;
import static dev.jprune.ops.StructuralOpTesting.SEED;
import static dev.jprune.ops.StructuralOpTesting.random;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Gradient checks of Linear, ConvTranspose2d, MatMul, ScaledDotProductAttention and the multi-head attention subgraph.
 *
 * <p>Tolerances, as |analytic − numeric| ≤ rtol·max|numeric| + atol per tensor: ops linear in each input and parameter
 * (Linear, ConvTranspose2d, MatMul) are exact under central differences up to float rounding, so step 1e-1, rtol 2e-3,
 * atol 1e-4; the softmax in attention is not, so step 1e-2, rtol 1e-2, atol 2e-4 (truncation O(h²) ≈ 1e-5, rounding
 * noise ≈ 1e-7·|L|/h ≈ 1e-5). Linear and MatMul are also checked on the vector kernels when available.
 */
class LinearAlgebraBackwardTest {

    private static final double LINEAR_STEP = 1e-1;
    private static final double LINEAR_RTOL = 2e-3;
    private static final double LINEAR_ATOL = 1e-4;
    private static final double SMOOTH_STEP = 1e-2;
    private static final double SMOOTH_RTOL = 1e-2;
    private static final double SMOOTH_ATOL = 2e-4;

    /** A graph with one module call {@code m} (or function call when the op has no parameters) on inputs of these shapes. */
    private static Graph graph(Op op, Shape... shapes) {
        GraphBuilder b = new GraphBuilder(op.type().toLowerCase());
        Value[] in = new Value[shapes.length];
        for (int i = 0; i < shapes.length; i++) {
            in[i] = b.input("x" + i, shapes[i]);
        }
        Value out = op.parameters().isEmpty() ? b.call("op", op, in) : b.module("m", op, in);
        Graph g = b.build(out);
        randomise(g, SEED);
        return g;
    }

    /** Every float parameter uniform in [-0.5, 0.5), seeded. */
    private static void randomise(Graph g, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        for (Parameter p : g.stateDict().values()) {
            Tensor t = Tensor.zeros(p.value().shape());
            float[] d = t.data();
            for (int i = 0; i < d.length; i++) {
                d[i] = (float) (r.nextDouble() - 0.5);
            }
            p.setValue(t);
        }
    }

    private static Tensor rand(long salt, int... dims) {
        return random(new SplittableRandom(SEED + salt), dims);
    }

    private static void checkLinear(Graph g, Kernels k, Tensor... inputs) {
        GradCheck.of(g, Mode.TRAIN, k).step(LINEAR_STEP).tolerance(LINEAR_RTOL, LINEAR_ATOL).seed(SEED).run(inputs);
    }

    @ParameterizedTest(name = "input {0}, bias {1}, names {2}/{3}")
    @CsvSource({
        "'4, 5',    true,  weight,         bias",
        "'4, 5',    false, weight,         bias",
        "'2, 3, 5', true,  weight,         bias",
        "'2, 3, 5', false, weight,         bias",
        "'2, 3, 5', true,  in_proj_weight, in_proj_bias",
        "'5',       true,  weight,         bias",
    })
    void linear(String dims, boolean bias, String weightName, String biasName) {
        int[] d = java.util.Arrays.stream(dims.split(",")).map(String::trim).mapToInt(Integer::parseInt).toArray();
        Linear op = new Linear(5, 4, bias, weightName, biasName);
        Graph g = graph(op, Shape.of(d));
        for (Kernels k : KERNELS) {
            checkLinear(g, k, rand(1, d));
            assertNotNull(g.node("m").parameter(weightName).grad(), "weight gradient under " + weightName);
            if (bias) {
                assertNotNull(g.node("m").parameter(biasName).grad(), "bias gradient under " + biasName);
            }
        }
    }

    @Test
    void linearBiasGradientIsTheSumOfOutputGradientsOverRows() {
        Graph g = graph(Linear.of(3, 2, true), Shape.of(2, 4, 3));
        Tensor dy = rand(2, 2, 4, 2);
        Executor.forward(g, ForwardContext.train(SEED), rand(3, 2, 4, 3)).tape().backward(dy);
        float[] db = g.node("m").parameter("bias").grad().data();
        for (int o = 0; o < 2; o++) {
            double s = 0;
            for (int r = 0; r < 8; r++) {
                s += dy.data()[r * 2 + o];
            }
            assertEquals(s, db[o], 1e-5, "bias gradient " + o);
        }
    }

    @ParameterizedTest(name = "{0}->{1} k{2} stride {3} pad {4} outpad {5} dil {6} groups {7} bias {8}")
    @CsvSource({
        "4, 6, 3, 2, 1, 1, 1, 1, true",   // stride 2, padding 1, output_padding 1
        "4, 6, 3, 1, 0, 0, 1, 2, false",  // groups 2
        "2, 3, 3, 1, 1, 0, 2, 1, true",   // dilation 2
        "4, 4, 3, 2, 1, 1, 2, 2, true",   // all together
        "2, 2, 2, 1, 0, 1, 2, 1, false",  // output_padding >= stride (allowed by dilation 2)
        "3, 2, 1, 1, 0, 0, 1, 1, true",   // 1x1
    })
    void convTranspose2d(int cin, int cout, int k, int stride, int pad, int outPad, int dil, int groups, boolean bias) {
        ConvTranspose2d op = new ConvTranspose2d(cin, cout, k, k, stride, stride, pad, pad, outPad, outPad, dil, dil,
                groups, bias);
        Shape in = Shape.of(2, cin, 4, 3);
        checkLinear(graph(op, in), Kernels.scalar(), rand(4, 2, cin, 4, 3));
    }

    @ParameterizedTest(name = "({0}) @ ({1})")
    @CsvSource({
        "'2, 1, 3, 4', '5, 4, 6'",
        "'4',          '4, 6'",
        "'3, 4',       '4'",
        "'4',          '4'",
        "'2, 3, 4',    '4, 5'",
        "'3, 4',       '2, 4, 5'",
        "'2, 3, 4',    '4'",
    })
    void matMul(String a, String b) {
        int[] da = java.util.Arrays.stream(a.split(",")).map(String::trim).mapToInt(Integer::parseInt).toArray();
        int[] db = java.util.Arrays.stream(b.split(",")).map(String::trim).mapToInt(Integer::parseInt).toArray();
        Graph g = graph(new MatMul(), Shape.of(da), Shape.of(db));
        for (Kernels k : KERNELS) {
            checkLinear(g, k, rand(5, da), rand(6, db));
        }
    }

    @Test
    void matMulGradientOfABroadcastOperandSumsOverTheBatch() {
        // (3, 1, 2) @ (2, 1): dB = Σ_b A_bᵀ·dC_b; with dC = 1 that is the column sums of all A rows
        Graph g = graph(new MatMul(), Shape.of(3, 1, 2), Shape.of(2, 1));
        Tensor a = rand(7, 3, 1, 2);
        ForwardContext ctx = new ForwardContext(Mode.TRAIN, true, Kernels.scalar(), SEED).trackInputGradients(true);
        var tape = Executor.forward(g, ctx, a, rand(8, 2, 1)).tape();
        tape.backward(Tensor.full(Shape.of(3, 1, 1), 1f));
        float[] dB = tape.inputGrad(1).data();
        for (int j = 0; j < 2; j++) {
            double s = 0;
            for (int bIdx = 0; bIdx < 3; bIdx++) {
                s += a.data()[bIdx * 2 + j];
            }
            assertEquals(s, dB[j], 1e-6, "dB[" + j + "]");
        }
    }

    @ParameterizedTest(name = "q ({0}) k ({1}) v ({2}) scale {3}")
    @CsvSource({
        "'2, 2, 3, 4', '2, 2, 5, 4', '2, 2, 5, 3', ",
        "'2, 2, 3, 4', '2, 1, 5, 4', '1, 2, 5, 3', 0.7",  // broadcast batch dimensions
        "'3, 4',       '3, 4',       '3, 2',       ",     // no batch
    })
    void scaledDotProductAttention(String q, String k, String v, Double scale) {
        int[] dq = java.util.Arrays.stream(q.split(",")).map(String::trim).mapToInt(Integer::parseInt).toArray();
        int[] dk = java.util.Arrays.stream(k.split(",")).map(String::trim).mapToInt(Integer::parseInt).toArray();
        int[] dv = java.util.Arrays.stream(v.split(",")).map(String::trim).mapToInt(Integer::parseInt).toArray();
        Graph g = graph(new ScaledDotProductAttention(scale), Shape.of(dq), Shape.of(dk), Shape.of(dv));
        for (Kernels kern : KERNELS) {
            GradCheck.of(g, Mode.TRAIN, kern).step(SMOOTH_STEP).tolerance(SMOOTH_RTOL, SMOOTH_ATOL).seed(SEED)
                    .run(rand(9, dq), rand(10, dk), rand(11, dv));
        }
    }

    @ParameterizedTest
    @EnumSource(Attention.Width.class)
    void multiheadAttentionSubgraphInEvalMode(Attention.Width width) {
        Shape in = Shape.of(2, 3, 8);
        GraphBuilder b = new GraphBuilder("mha");
        Value x = b.input("x", in);
        Graph g = b.build(Attention.multiheadAttention(b, "attn", 8, 2, x, width));
        randomise(g, SEED + 1);
        assertEquals(4, g.stateDict().size(), "in_proj_weight, in_proj_bias, out_proj.weight, out_proj.bias");
        GradCheck.of(g, Mode.EVAL).step(SMOOTH_STEP).tolerance(SMOOTH_RTOL, SMOOTH_ATOL).samples(60).seed(SEED)
                .run(rand(12, 2, 3, 8));
        for (Parameter p : g.stateDict().values()) {
            assertNotNull(p.grad(), "gradient of " + p.name());
            assertTrue(p.grad().maxAbs() > 0f, "non-zero gradient of " + p.name());
        }
    }
}
