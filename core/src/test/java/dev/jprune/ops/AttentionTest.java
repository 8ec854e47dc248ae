package dev.jprune.ops;

import dev.jprune.count.OpCounter;
import dev.jprune.exec.Executor;
import dev.jprune.exec.ForwardContext;
import dev.jprune.exec.Mode;
import dev.jprune.ir.Graph;
import dev.jprune.ir.GraphBuilder;
import dev.jprune.ir.Node;
import dev.jprune.ir.Parameter;
import dev.jprune.ir.Value;
import dev.jprune.kernels.Kernels;
import dev.jprune.tensor.Shape;
import dev.jprune.tensor.Tensor;
import dev.jprune.testing.Tolerance;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.util.List;
import java.util.SplittableRandom;

import static dev.jprune.ops.StructuralOpTesting.KERNELS;
import static dev.jprune.ops.StructuralOpTesting.SEED;
import static dev.jprune.ops.StructuralOpTesting.assertMessage;
import static dev.jprune.ops.StructuralOpTesting.d;
import static dev.jprune.ops.StructuralOpTesting.random;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link Attention#multiheadAttention} against a naive double-precision implementation of
 * {@code nn.MultiheadAttention}'s math, and a small ViT-like graph end to end through {@link Executor}.
 * Tolerance |a − b| ≤ 1e-4·max|ref| + 1e-5 (two float GEMM chains and a softmax).
 */
class AttentionTest {

    private static final double RTOL = 1e-4;
    private static final double ATOL = 1e-5;

    /** y[n, l, :] = W·x[n, l, :] + b for a row-major (rows, in) x and (out, in) W. */
    private static double[] linear(double[] x, float[] w, float[] b, int rows, int in, int out) {
        double[] y = new double[rows * out];
        for (int r = 0; r < rows; r++) {
            for (int o = 0; o < out; o++) {
                double s = b[o];
                for (int i = 0; i < in; i++) {
                    s += x[r * in + i] * w[o * in + i];
                }
                y[r * out + o] = s;
            }
        }
        return y;
    }

    /**
     * nn.MultiheadAttention (batch_first, self-attention, eval): q/k/v = x·W{q,k,v}ᵀ + b{q,k,v} with W{q,k,v} the
     * three row blocks of in_proj_weight; head h uses features [h·D, (h+1)·D); per head softmax(q kᵀ/√D) v; heads
     * concatenated; out_proj.
     */
    static double[] referenceMha(double[] x, int n, int l, int e, int heads, float[] inW, float[] inB, float[] outW,
                                 float[] outB) {
        int dh = e / heads;
        double[] qkv = linear(x, inW, inB, n * l, e, 3 * e);
        double[] concat = new double[n * l * e];
        for (int b = 0; b < n; b++) {
            for (int h = 0; h < heads; h++) {
                for (int i = 0; i < l; i++) {
                    double[] w = new double[l];
                    double max = Double.NEGATIVE_INFINITY;
                    for (int j = 0; j < l; j++) {
                        double dot = 0;
                        for (int p = 0; p < dh; p++) {
                            double q = qkv[(b * l + i) * 3 * e + h * dh + p];
                            double k = qkv[(b * l + j) * 3 * e + e + h * dh + p];
                            dot += q * k;
                        }
                        w[j] = dot / Math.sqrt(dh);
                        max = Math.max(max, w[j]);
                    }
                    double sum = 0;
                    for (int j = 0; j < l; j++) {
                        w[j] = Math.exp(w[j] - max);
                        sum += w[j];
                    }
                    for (int p = 0; p < dh; p++) {
                        double acc = 0;
                        for (int j = 0; j < l; j++) {
                            acc += w[j] / sum * qkv[(b * l + j) * 3 * e + 2 * e + h * dh + p];
                        }
                        concat[(b * l + i) * e + h * dh + p] = acc;
                    }
                }
            }
        }
        return linear(concat, outW, outB, n * l, e, e);
    }

    /** Fills every parameter with seeded uniform values in [-1, 1). */
    private static void randomize(Graph g, SplittableRandom r) {
        for (Parameter p : g.stateDict().values()) {
            p.setValue(random(r, p.value().shape().dims()));
        }
    }

    private static float[] param(Graph g, String name) {
        return g.stateDict().get(name).value().data();
    }

    @ParameterizedTest
    @EnumSource(Attention.Width.class)
    void multiheadAttentionMatchesNaiveReference(Attention.Width width) {
        int n = 2;
        int l = 5;
        int e = 12;
        int heads = 3;
        GraphBuilder b = new GraphBuilder("mha");
        Value x = b.input("x", Shape.of(n, l, e));
        Value y;
        try (GraphBuilder.Scope s = b.scope("encoder")) {
            y = Attention.multiheadAttention(b, "self_attention", e, heads, x, width);
        }
        Graph g = b.build(y);
        SplittableRandom r = new SplittableRandom(SEED);
        randomize(g, r);
        Tensor input = random(r, n, l, e);
        double[] ref = referenceMha(d(input), n, l, e, heads,
                param(g, "encoder.self_attention.in_proj_weight"), param(g, "encoder.self_attention.in_proj_bias"),
                param(g, "encoder.self_attention.out_proj.weight"), param(g, "encoder.self_attention.out_proj.bias"));
        for (Kernels k : KERNELS) {
            Tensor out = Executor.run(g, new ForwardContext(Mode.EVAL, k, 0L), input)[0];
            assertEquals(Shape.of(n, l, e), out.shape());
            Tolerance.assertClose(ref, d(out), RTOL, ATOL, "MHA " + width + " on " + k.name() + " seed " + SEED);
        }
    }

    @ParameterizedTest
    @EnumSource(Attention.Width.class)
    void namesMatchTorchvisionStateDict(Attention.Width width) {
        GraphBuilder b = new GraphBuilder("mha");
        Value x = b.input("x", Shape.of(1, 4, 8));
        Value y;
        try (GraphBuilder.Scope s = b.scope("encoder_layer_0")) {
            y = Attention.multiheadAttention(b, "self_attention", 8, 2, x, width);
        }
        Graph g = b.build(y);
        assertEquals(List.of("encoder_layer_0.self_attention.in_proj_weight", "encoder_layer_0.self_attention.in_proj_bias",
                "encoder_layer_0.self_attention.out_proj.weight", "encoder_layer_0.self_attention.out_proj.bias"),
                List.copyOf(g.stateDict().keySet()));
        assertEquals(List.of(Shape.of(24, 8), Shape.of(24), Shape.of(8, 8), Shape.of(8)),
                g.stateDict().values().stream().map(p -> p.value().shape()).toList());
        String p = "encoder_layer_0.self_attention";
        assertEquals(List.of(p, p + ".split", p + ".reshape", p + ".permute", p + ".reshape#1", p + ".permute#1",
                p + ".reshape#2", p + ".permute#2", p + ".attention", p + ".permute#3", p + ".reshape#3", p + ".out_proj"),
                g.nodes().stream().map(Node::name).toList());
        assertTrue(g.node(p).isModuleCall());
        assertEquals(width == Attention.Width.TIED ? new MultiheadInProjection(8, 2, true)
                : new Linear(8, 24, true, "in_proj_weight", "in_proj_bias"), g.node(p).op());
        assertTrue(g.node(p + ".out_proj").isModuleCall());
        assertFalse(g.node(p + ".attention").isModuleCall());
        assertEquals(Shape.of(1, 2, 4, 4), g.node(p + ".attention").output(0).shape());
        assertEquals(Reshape.of(1, 4, 2, 4), g.node(p + ".reshape").op());
    }

    @Test
    void badArgumentsNameTheModule() {
        GraphBuilder b = new GraphBuilder("bad");
        Value x = b.input("x", Shape.of(1, 4, 8));
        assertMessage(() -> Attention.multiheadAttention(b, "attn", 8, 3, x), "MultiheadAttention attn",
                "embed_dim 8", "num_heads 3");
        assertMessage(() -> Attention.multiheadAttention(b, "attn", 6, 2, x), "MultiheadAttention attn", "(N, L, 6)",
                "(1, 4, 8)");
    }

    /**
     * A tiny ViT-like head end to end: x (2, 6, 8) → MultiheadAttention(8, 2) → class token x[:, 0:1] → flatten →
     * Linear(8, 3); checked against the references and counted like Torch-Pruning.
     */
    @ParameterizedTest
    @EnumSource(Attention.Width.class)
    void smallGraphRunsEndToEnd(Attention.Width width) {
        GraphBuilder b = new GraphBuilder("tiny_vit");
        Value x = b.input("x", Shape.of(2, 6, 8));
        Value h = Attention.multiheadAttention(b, "attn", 8, 2, x, width);
        Value cls = b.call("getitem", Slice.of(1, 0, 1), h);
        Value flat = b.call("flatten", new Flatten(1, -1), cls);
        Value logits = b.module("head", Linear.of(8, 3, true), flat);
        Graph g = b.build(logits);
        SplittableRandom r = new SplittableRandom(SEED + 7);
        randomize(g, r);
        Tensor input = random(r, 2, 6, 8);
        double[] attn = referenceMha(d(input), 2, 6, 8, 2, param(g, "attn.in_proj_weight"), param(g, "attn.in_proj_bias"),
                param(g, "attn.out_proj.weight"), param(g, "attn.out_proj.bias"));
        double[] token = new double[2 * 8];
        for (int n = 0; n < 2; n++) {
            System.arraycopy(attn, n * 6 * 8, token, n * 8, 8);
        }
        double[] ref = linear(token, param(g, "head.weight"), param(g, "head.bias"), 2, 8, 3);
        Tensor out = Executor.run(g, input)[0];
        assertEquals(Shape.of(2, 3), out.shape());
        Tolerance.assertClose(ref, d(out), RTOL, ATOL, "tiny ViT seed " + (SEED + 7));

        OpCounter.Count c = OpCounter.count(g);
        // Linear counts only: in_proj 2·6·8·24 + 24, out_proj 2·6·8·8 + 8, head 2·8·3 + 3; total / batch 2
        long total = (2 * 6 * 8 * 24 + 24) + (2 * 6 * 8 * 8 + 8) + (2 * 8 * 3 + 3);
        assertEquals(total / 2, c.ops());
        assertEquals(24 * 8 + 24 + 8 * 8 + 8 + 3 * 8 + 3, c.params());
        // conv/linear MACs also include the attention products: 2 batches · 2 heads · 6·6·(4 + 4)
        long macs = 2 * 6 * 8 * 24 + 2 * 6 * 8 * 8 + 2 * 8 * 3 + 2 * 2 * 6 * 6 * 8;
        assertEquals(macs / 2, c.convLinearMacs());
    }
}
