package dev.jprune.depgraph;

import dev.jprune.exec.Executor;
import dev.jprune.ir.Graph;
import dev.jprune.tensor.Shape;
import dev.jprune.tensor.Tensor;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The attention projection's groups in {@link ScenarioVitTest}'s encoder block (embedding 16, 2 heads of 8): a
 * removal in the fused {@code in_proj} goes through the split and the head reshape, which removes the same in-head
 * dimensions from every head (Torch-Pruning's default) and keeps the head count. Query dimensions take the key
 * dimensions with them; value dimensions take the output projection's inputs.
 */
class ScenarioVitAttentionTest {

    private static final long SEED = 73;

    @Test
    void aQueryDimensionLeavesEveryHeadWithItsKeyDimension() {
        Graph g = ScenarioVitTest.vit();
        Group group = new DependencyGraph(g).pruningGroup("self_attention", Side.OUT, 1);
        Member proj = group.member("self_attention", Side.OUT);
        assertArrayEquals(new int[] {1, 9, 17, 25}, proj.indices().indices(), group.details());
        assertArrayEquals(new int[] {1, 1, 1, 1}, proj.indices().roots());
        Member attention = group.member("self_attention.attention", Side.OUT);
        assertEquals(3, attention.axis(), attention.describe());
        assertArrayEquals(new int[] {1}, attention.indices().indices());
        // the head views (N, L, H, D) of queries and keys lose in-head position 1, in both heads
        for (String view : new String[] {"self_attention.reshape", "self_attention.reshape#1"}) {
            Member m = group.member(view, Side.OUT);
            assertEquals(3, m.axis(), m.describe());
            assertArrayEquals(new int[] {1}, m.indices().indices(), m.describe());
        }
        // the values and the output projection are not involved
        assertNull(group.member("self_attention.reshape#2", Side.OUT), group.details());
        assertNull(group.member("self_attention.out_proj", Side.IN), group.details());

        group.prune();
        assertEquals(Shape.of(44, 16), g.stateDict().get("self_attention.in_proj_weight").value().shape());
        assertEquals(Shape.of(44), g.stateDict().get("self_attention.in_proj_bias").value().shape());
        // two heads of 7 for queries and keys, two heads of 8 for values
        assertEquals(Shape.of(2, 2, 5, 7), g.requireNode("self_attention.permute").output(0).shape());
        assertEquals(Shape.of(2, 2, 5, 7), g.requireNode("self_attention.permute#1").output(0).shape());
        assertEquals(Shape.of(2, 2, 5, 8), g.requireNode("self_attention.permute#2").output(0).shape());
        assertEquals(Shape.of(2, 2, 5, 8), g.requireNode("self_attention.attention").output(0).shape());
        // the 1/sqrt(d) scale now uses d = 7, so there is no exact invariant; the block still runs
        Tensor out = Executor.run(g, ScenarioVitTest.randomInput(SEED))[0];
        assertEquals(Shape.of(2, 5, 4), out.shape());
        for (float v : out.data()) {
            assertTrue(Float.isFinite(v), "finite output");
        }
    }

    @Test
    void aValueDimensionLeavesEveryHeadAndKeepsTheFunctionOfTheZeroedModel() {
        Graph g = ScenarioVitTest.vit();
        Group group = new DependencyGraph(g).pruningGroup("self_attention", Side.OUT, 32 + 3);
        assertArrayEquals(new int[] {35, 43}, group.member("self_attention", Side.OUT).indices().indices(),
                group.details());
        Member outProj = group.member("self_attention.out_proj", Side.IN);
        assertArrayEquals(new int[] {3, 11}, outProj.indices().indices(), group.details());
        assertArrayEquals(new int[] {35, 35}, outProj.indices().roots());
        assertArrayEquals(new int[] {3}, group.member("self_attention.permute#2", Side.OUT).indices().indices());
        assertNull(group.member("self_attention.reshape", Side.OUT), group.details());

        group.zeroOutChannels();
        Tensor x = ScenarioVitTest.randomInput(SEED + 1);
        Tensor ref = Executor.run(g, x)[0];
        group.prune();
        assertEquals(Shape.of(46, 16), g.stateDict().get("self_attention.in_proj_weight").value().shape());
        assertEquals(Shape.of(16, 14), g.stateDict().get("self_attention.out_proj.weight").value().shape());
        assertEquals(Shape.of(2, 2, 5, 7), g.requireNode("self_attention.attention").output(0).shape());
        Tensor out = Executor.run(g, x)[0];
        assertEquals(ref.shape(), out.shape());
        float tol = 1e-5f * ref.maxAbs() + 1e-6f;
        for (int i = 0; i < ref.numel(); i++) {
            assertEquals(ref.data()[i], out.data()[i], tol, "element " + i + " (seed " + SEED + ")");
        }
        assertTrue(ref.maxAbs() > 0, "the reference output is not trivially zero");
    }
}
