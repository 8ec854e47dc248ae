package dev.jprune.depgraph;

import dev.jprune.exec.Executor;
import dev.jprune.ir.Graph;
import dev.jprune.ops.Attention;
import dev.jprune.ops.MultiheadInProjection;
import dev.jprune.tensor.Shape;
import dev.jprune.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link ScenarioVitTest}'s encoder block (embedding 16, 2 heads of 8) with the attention's widths
 * {@link Attention.Width#TIED tied} to the embedding, as PyTorch's {@code nn.MultiheadAttention} has them: an
 * embedding position is also a query, key and value dimension, so the residual stream's group runs through the
 * attention (Torch-Pruning's {@code prune_multihead_attention_out_channels}) and there is no group inside it.
 */
class ScenarioVitTiedTest {

    private static final long SEED = 83;

    private static Graph tied() {
        return ScenarioVitTest.vit(Attention.Width.TIED);
    }

    private static void assertLoadableAsMultiheadAttention(Graph g, int embed, int heads) {
        assertEquals(new MultiheadInProjection(embed, heads, true), g.requireNode("self_attention").op());
        assertEquals(Shape.of(3 * embed, embed), g.stateDict().get("self_attention.in_proj_weight").value().shape());
        assertEquals(Shape.of(3 * embed), g.stateDict().get("self_attention.in_proj_bias").value().shape());
        assertEquals(Shape.of(embed, embed), g.stateDict().get("self_attention.out_proj.weight").value().shape());
        for (String p : new String[] {"self_attention.permute", "self_attention.permute#1", "self_attention.permute#2"}) {
            assertEquals(Shape.of(2, heads, 5, embed / heads), g.requireNode(p).output(0).shape(), p);
        }
        Tensor out = Executor.run(g, ScenarioVitTest.randomInput(SEED))[0];
        assertEquals(Shape.of(2, 5, 4), out.shape());
        for (float v : out.data()) {
            assertTrue(Float.isFinite(v), "finite output");
        }
    }

    @Test
    void anEmbeddingPositionTakesItsQueryKeyAndValueRowsInEveryHead() {
        Graph g = tied();
        Group group = new DependencyGraph(g).pruningGroup("embed", Side.OUT, 3);
        assertEquals(List.of("embed out", "ln_1 out", "self_attention out", "self_attention.split out",
                        "self_attention.reshape out", "self_attention.permute out", "self_attention.reshape#1 out",
                        "self_attention.permute#1 out", "self_attention.reshape#2 out", "self_attention.permute#2 out",
                        "self_attention.attention out", "self_attention.permute#3 out", "self_attention.reshape#3 out",
                        "self_attention.out_proj in", "self_attention.out_proj out", "add out", "ln_2 out", "mlp.0 in",
                        "mlp.3 out", "add#1 out", "head in"),
                ScenarioVitTest.names(group), group.details());
        // in-head position 3 of both heads (the default head mode): embedding positions 3 and 11
        assertArrayEquals(new int[] {3, 11}, group.member("embed", Side.OUT).indices().indices(), group.details());
        Member proj = group.member("self_attention", Side.OUT);
        assertArrayEquals(new int[] {3, 11, 19, 27, 35, 43}, proj.indices().indices(), group.details());
        assertArrayEquals(new int[] {3, 3, 3, 3, 3, 3}, proj.indices().roots());
        assertArrayEquals(new int[] {3, 11}, group.member("self_attention.out_proj", Side.IN).indices().indices());
        assertArrayEquals(new int[] {3, 11}, group.member("self_attention.out_proj", Side.OUT).indices().indices());
        assertTrue(new DependencyGraph(g).touchesHeads(group));

        group.prune();
        assertLoadableAsMultiheadAttention(g, 14, 2);
    }

    @Test
    void theAttentionHasNoGroupOfItsOwn() {
        Graph g = tied();
        List<String> roots = new DependencyGraph(g).allGroups(List.of("head")).stream().map(x -> x.root().name())
                .toList();
        assertEquals(List.of("embed", "mlp.0"), roots);
    }

    @Test
    void wholeHeadModeTakesTheWholeHeadOutOfTheEmbedding() {
        Graph g = tied();
        Group group = new DependencyGraph(g, HeadMode.WHOLE).pruningGroup("embed", Side.OUT, 11);
        assertArrayEquals(java.util.stream.IntStream.range(8, 16).toArray(),
                group.member("embed", Side.OUT).indices().indices(), group.details());
        group.prune();
        assertLoadableAsMultiheadAttention(g, 8, 1);
    }

    @Test
    void layerPruningRemovesTheColumnAndItsThreeRows() {
        Graph g = tied();
        float[] w = g.stateDict().get("self_attention.in_proj_weight").value().data().clone();
        float[] bias = g.stateDict().get("self_attention.in_proj_bias").value().data().clone();
        LayerPruning.pruneInChannels(g, "self_attention", new int[] {1, 9});
        float[] kept = g.stateDict().get("self_attention.in_proj_weight").value().data();
        assertEquals(Shape.of(42, 14), g.stateDict().get("self_attention.in_proj_weight").value().shape());
        // row 1 of the pruned weight is the old row 2 (row 1 went), column 1 the old column 2
        assertEquals(w[2 * 16 + 2], kept[14 + 1]);
        // rows 1, 9, 17, 25, 33 and 41 went: the old key row 16 + 2 = 18 is now row 15
        assertEquals(w[18 * 16], kept[15 * 14]);
        float[] keptBias = g.stateDict().get("self_attention.in_proj_bias").value().data();
        assertEquals(42, keptBias.length);
        assertEquals(bias[47], keptBias[41]);
        assertEquals(bias[16], keptBias[14]);
        assertEquals(new MultiheadInProjection(14, 2, true), g.requireNode("self_attention").op());
    }

    @Test
    void removingUnevenlyFromTheHeadsIsRefused() {
        Graph g = tied();
        IllegalStateException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalStateException.class,
                () -> LayerPruning.pruneInChannels(g, "self_attention", new int[] {1, 2, 9}));
        assertTrue(e.getMessage().contains("self_attention") && e.getMessage().contains("2 heads of 8"),
                e.getMessage());
        assertEquals(Shape.of(48, 16), g.stateDict().get("self_attention.in_proj_weight").value().shape(),
                "nothing changed");
        assertFalse(g.requireNode("self_attention").op().describe().isEmpty());
    }
}
