package dev.jprune.depgraph;

import dev.jprune.exec.Executor;
import dev.jprune.ir.DType;
import dev.jprune.ir.Graph;
import dev.jprune.ir.GraphBuilder;
import dev.jprune.ir.Parameter;
import dev.jprune.ir.Value;
import dev.jprune.ops.Add;
import dev.jprune.ops.Attention;
import dev.jprune.ops.GELU;
import dev.jprune.ops.LayerNorm;
import dev.jprune.ops.Linear;
import dev.jprune.tensor.Shape;
import dev.jprune.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A vision-transformer encoder block (torchvision's {@code EncoderBlock}) between a token embedding and a head:
 * {@code ln_1 → self_attention → + → ln_2 → mlp (Linear, GELU, Linear) → +}. This file covers the MLP and the
 * embedding (residual-stream) groups; the attention projection's group is in {@code ScenarioVitAttentionTest}.
 */
public class ScenarioVitTest {

    private static final long SEED = 71;
    static final Shape INPUT = Shape.of(2, 5, 6);

    /**
     * x (2, 5, 6) → embed Linear(6, 16) → encoder block (16, 2 heads, MLP 32) → head Linear(16, 4), with the
     * attention's projections {@link Attention.Width#FREE free}.
     */
    public static Graph vit() {
        return vit(Attention.Width.FREE);
    }

    /** {@link #vit()} with the attention's widths free or {@link Attention.Width#TIED tied} to the embedding. */
    public static Graph vit(Attention.Width width) {
        GraphBuilder b = new GraphBuilder("vit_block");
        Value x = b.input("x", INPUT);
        Value e = b.module("embed", Linear.of(6, 16, true), x);
        Value a = Attention.multiheadAttention(b, "self_attention", 16, 2, b.module("ln_1", LayerNorm.of(16), e), width);
        Value r = b.call("add", new Add(), a, e);
        Value m = b.call("gelu", GELU.exact(), b.module("mlp.0", Linear.of(16, 32, true), b.module("ln_2", LayerNorm.of(16), r)));
        Value y = b.call("add", new Add(), b.module("mlp.3", Linear.of(32, 16, true), m), r);
        Graph g = b.build(b.module("head", Linear.of(16, 4, true), y));
        Random rnd = new Random(SEED);
        for (Parameter p : g.stateDict().values()) {
            if (p.dtype() == DType.FLOAT32) {
                float[] d = p.value().data();
                for (int i = 0; i < d.length; i++) {
                    d[i] = (float) (0.4 * rnd.nextGaussian());
                }
            }
        }
        return g;
    }

    public static Tensor randomInput(long seed) {
        Random r = new Random(seed);
        Tensor t = Tensor.zeros(INPUT);
        for (int i = 0; i < t.numel(); i++) {
            t.data()[i] = (float) r.nextGaussian();
        }
        return t;
    }

    static List<String> names(Group g) {
        return g.members().stream().map(m -> m.layer() + " " + m.side().label()).toList();
    }

    @Test
    void theMlpHiddenGroupKeepsTheFunctionOfTheZeroedModel() {
        Graph g = vit();
        Group group = new DependencyGraph(g).pruningGroup("mlp.0", Side.OUT, 1, 5, 30);
        assertEquals(List.of("mlp.0 out", "gelu out", "mlp.3 in"), names(group), group.details());
        group.zeroOutChannels();
        Tensor x = randomInput(1);
        Tensor ref = Executor.run(g, x)[0];
        group.prune();
        assertEquals(Linear.of(16, 29, true), g.requireNode("mlp.0").op());
        assertEquals(Linear.of(29, 16, true), g.requireNode("mlp.3").op());
        Tensor out = Executor.run(g, x)[0];
        assertEquals(ref.shape(), out.shape());
        float tol = 1e-5f * ref.maxAbs() + 1e-6f;
        for (int i = 0; i < ref.numel(); i++) {
            assertEquals(ref.data()[i], out.data()[i], tol, "element " + i + " (seed " + SEED + ")");
        }
        assertTrue(ref.maxAbs() > 0, "the reference output is not trivially zero");
    }

    @Test
    void theEmbeddingGroupRunsAlongTheResidualStream() {
        Graph g = vit();
        Group group = new DependencyGraph(g).pruningGroup("embed", Side.OUT, 3, 12);
        assertEquals(List.of("embed out", "ln_1 out", "self_attention in", "self_attention.out_proj out", "add out",
                "ln_2 out", "mlp.0 in", "mlp.3 out", "add#1 out", "head in"), names(group), group.details());
        for (Member m : group.members()) {
            assertArrayEquals(new int[] {3, 12}, m.indices().indices(), m.describe());
        }
        float[] ln2 = g.stateDict().get("ln_2.weight").value().data().clone();
        group.prune();
        assertEquals(LayerNorm.of(14), g.requireNode("ln_1").op());
        assertEquals(Shape.of(48, 14), g.stateDict().get("self_attention.in_proj_weight").value().shape());
        assertEquals(Shape.of(14, 16), g.stateDict().get("self_attention.out_proj.weight").value().shape());
        float[] kept = g.stateDict().get("ln_2.weight").value().data();
        assertEquals(14, kept.length);
        assertEquals(ln2[2], kept[2]);
        assertEquals(ln2[4], kept[3]);
        assertEquals(ln2[15], kept[13]);
        // the attention keeps its 16-wide embedding inside (2 heads of 8); only its input and output projections change
        Tensor out = Executor.run(g, randomInput(2))[0];
        assertEquals(Shape.of(2, 5, 4), out.shape());
        for (float v : out.data()) {
            assertTrue(Float.isFinite(v));
        }
    }
}
