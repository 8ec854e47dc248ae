package dev.jprune.depgraph;

import dev.jprune.exec.Executor;
import dev.jprune.ir.Graph;
import dev.jprune.tensor.Shape;
import dev.jprune.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Whole-head pruning ({@link HeadMode#WHOLE}) on {@link ScenarioVitTest}'s encoder block (embedding 16, 2 heads of
 * 8): a channel of the fused projection takes its whole head, in queries, keys and values, and the output
 * projection's columns of that head. Unlike in-head pruning, this keeps the function of the zeroed model exactly
 * (the head dimension, hence the scale, is unchanged).
 */
class ScenarioVitHeadsTest {

    private static final long SEED = 79;

    private static int[] range(int from, int to) {
        return IntStream.range(from, to).toArray();
    }

    private static int[] concat(int[]... parts) {
        return java.util.Arrays.stream(parts).flatMapToInt(java.util.Arrays::stream).toArray();
    }

    @Test
    void aChannelTakesItsWholeHeadInQueriesKeysAndValues() {
        Graph g = ScenarioVitTest.vit();
        DependencyGraph dg = new DependencyGraph(g, HeadMode.WHOLE);
        // key channel 16 + 8 + 3: head 1
        Group group = dg.pruningGroup("self_attention", Side.OUT, 27);
        assertTrue(dg.touchesHeads(group), group.details());
        assertArrayEquals(concat(range(8, 16), range(24, 32), range(40, 48)),
                group.member("self_attention", Side.OUT).indices().indices(), group.details());
        assertArrayEquals(range(8, 16), group.member("self_attention.out_proj", Side.IN).indices().indices());
        Member attention = group.member("self_attention.attention", Side.OUT);
        assertEquals(1, attention.axis(), attention.describe());
        assertArrayEquals(new int[] {1}, attention.indices().indices());

        group.zeroOutChannels();
        Tensor x = ScenarioVitTest.randomInput(SEED);
        Tensor ref = Executor.run(g, x)[0];
        group.prune();
        assertEquals(Shape.of(24, 16), g.stateDict().get("self_attention.in_proj_weight").value().shape());
        assertEquals(Shape.of(16, 8), g.stateDict().get("self_attention.out_proj.weight").value().shape());
        for (String p : new String[] {"self_attention.permute", "self_attention.permute#1", "self_attention.permute#2"}) {
            assertEquals(Shape.of(2, 1, 5, 8), g.requireNode(p).output(0).shape(), p);
        }
        Tensor out = Executor.run(g, x)[0];
        assertEquals(ref.shape(), out.shape());
        float tol = 1e-5f * ref.maxAbs() + 1e-6f;
        for (int i = 0; i < ref.numel(); i++) {
            assertEquals(ref.data()[i], out.data()[i], tol, "element " + i + " (seed " + SEED + ")");
        }
        assertTrue(ref.maxAbs() > 0, "the reference output is not trivially zero");
    }

    @Test
    void inHeadModeIsTheDefaultAndGroupsOtherwise() {
        Graph g = ScenarioVitTest.vit();
        DependencyGraph dims = new DependencyGraph(g);
        assertEquals(HeadMode.DIMS, dims.headMode());
        Group group = dims.pruningGroup("self_attention", Side.OUT, 27);
        assertArrayEquals(new int[] {3, 11, 19, 27}, group.member("self_attention", Side.OUT).indices().indices(),
                group.details());
        assertTrue(dims.touchesHeads(group));
        // the MLP does not go through the heads
        assertFalse(dims.touchesHeads(dims.pruningGroup("mlp.0", Side.OUT, 1)));
    }
}
