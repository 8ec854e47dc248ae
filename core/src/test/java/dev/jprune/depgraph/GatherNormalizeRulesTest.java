package dev.jprune.depgraph;

import dev.jprune.ir.Graph;
import dev.jprune.ir.GraphBuilder;
import dev.jprune.ir.Node;
import dev.jprune.ir.Value;
import dev.jprune.ir.axis.Indices;
import dev.jprune.ir.axis.Port;
import dev.jprune.ir.axis.UnsupportedAxisException;
import dev.jprune.ops.Add;
import dev.jprune.ops.FreeBuffer;
import dev.jprune.ops.FreeParameter;
import dev.jprune.ops.Gather;
import dev.jprune.ops.Linear;
import dev.jprune.ops.Normalize;
import dev.jprune.tensor.Shape;
import dev.jprune.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.util.List;

import static dev.jprune.depgraph.ScenarioConcatTest.SEED;
import static dev.jprune.depgraph.ScenarioConcatTest.assertPruningKeepsTheFunction;
import static dev.jprune.depgraph.ScenarioConcatTest.indices;
import static dev.jprune.depgraph.ScenarioConcatTest.input;
import static dev.jprune.depgraph.ScenarioConcatTest.names;
import static dev.jprune.depgraph.ScenarioConcatTest.randomize;
import static dev.jprune.depgraph.StructuralConcatSplitSliceTest.links;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Swin's relative position bias in miniature: a bias table (a free parameter) gathered by a fixed index buffer,
 * added to a layer's output with a free float buffer, then {@link Normalize}d. Pruning the layer's features slices
 * the table's and the buffer's columns, leaves the index alone and keeps the function of the zeroed model (zero
 * entries add nothing to the norm); the gathered rows cannot be pruned.
 */
class GatherNormalizeRulesTest {

    private static final Shape IN = Shape.of(3, 4);

    /** x (3, 4) → fc1 (6) + table[index] + offset → normalize(-1) → fc2 (2); table (5, 6), index (3,) = [4, 0, 2]. */
    private static Graph biased() {
        GraphBuilder b = new GraphBuilder("biased");
        Value x = b.input("x", IN);
        Value table = b.own("relative_position_bias_table", FreeParameter.of("relative_position_bias_table", 5, 6));
        Value index = b.own("relative_position_index", FreeBuffer.index("relative_position_index", 3));
        Value offset = b.own("offset", FreeBuffer.of("offset", 1, 6));
        Value h = b.module("fc1", Linear.of(4, 6, true), x);
        h = b.call("add", new Add(), h, b.call("index", new Gather(0), table, index));
        h = b.call("add", new Add(), h, offset);
        h = b.call("normalize", Normalize.of(-1), h);
        Graph g = b.build(b.module("fc2", Linear.of(6, 2, true), h));
        randomize(g, SEED + 300);
        g.stateDict().get("relative_position_index").setValue(Tensor.of(Shape.of(3), 4, 0, 2));
        // soft pruning zeroes trained tensors only, so the buffer holds zeros where the tests remove features
        float[] off = g.stateDict().get("offset").value().data();
        for (int i = 0; i < off.length; i++) {
            off[i] = i == 1 || i == 4 ? 0f : 0.1f * (i + 1);
        }
        return g;
    }

    @Test
    void theTableAndTheBufferLoseTheLayersFeatures() {
        Graph g = biased();
        Group group = new DependencyGraph(g).pruningGroup("fc1", Side.OUT, 1, 4);
        assertEquals(List.of("fc1 out", "relative_position_bias_table out", "offset out", "index out", "add out",
                "add#1 out", "normalize out", "fc2 in"), names(group), group.details());
        assertArrayEquals(new int[] {1, 4}, indices(group, "relative_position_bias_table", Side.OUT));
        float[] table = g.stateDict().get("relative_position_bias_table").value().data().clone();
        assertPruningKeepsTheFunction(g, group, input(IN, SEED + 301));
        Tensor pruned = g.stateDict().get("relative_position_bias_table").value();
        assertEquals(Shape.of(5, 4), pruned.shape());
        assertEquals(table[6 * 3 + 2], pruned.data()[4 * 3 + 1]);
        assertArrayEquals(new float[] {0.1f, 0.3f, 0.4f, 0.6f}, g.stateDict().get("offset").value().data());
        assertArrayEquals(new float[] {4, 0, 2}, g.stateDict().get("relative_position_index").value().data());
    }

    @Test
    void gatheredRowsFollowTheIndexNotTheTable() {
        Graph g = biased();
        Node gather = g.requireNode("index");
        assertEquals(List.of("out0 axis 1 [2, 3] roots [2, 3]"), links(gather, Port.in(0), 1, Indices.of(2, 3)));
        assertEquals(List.of("out0 axis 0 [1] roots [1]"), links(gather, Port.in(1), 0, Indices.of(1)));
        assertEquals(List.of("in1 axis 0 [0] roots [0]"), links(gather, Port.out(0), 0, Indices.of(0)));
        assertEquals(List.of("in0 axis 1 [5] roots [5]"), links(gather, Port.out(0), 1, Indices.of(5)));
        UnsupportedAxisException e = assertThrows(UnsupportedAxisException.class,
                () -> links(gather, Port.in(0), 0, Indices.of(1)));
        assertTrue(e.getMessage().contains("Gather at index") && e.getMessage().contains("index values"),
                e.getMessage());
    }

    @Test
    void normalizeIsTheIdentityOnEveryAxis() {
        Graph g = biased();
        Node n = g.requireNode("normalize");
        assertEquals(List.of("in0 axis 1 [3] roots [3]", "out0 axis 1 [3] roots [3]"),
                links(n, Port.out(0), 1, Indices.of(3)));
        assertEquals(List.of("in0 axis 0 [2] roots [2]", "out0 axis 0 [2] roots [2]"),
                links(n, Port.in(0), 0, Indices.of(2)));
    }
}
