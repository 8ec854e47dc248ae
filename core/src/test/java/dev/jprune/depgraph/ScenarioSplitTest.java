package dev.jprune.depgraph;

import dev.jprune.exec.Executor;
import dev.jprune.ir.Graph;
import dev.jprune.ir.GraphBuilder;
import dev.jprune.ir.Value;
import dev.jprune.ops.Add;
import dev.jprune.ops.BatchNorm2d;
import dev.jprune.ops.Concat;
import dev.jprune.ops.Conv2d;
import dev.jprune.ops.ReLU;
import dev.jprune.ops.Split;
import dev.jprune.tensor.Shape;
import dev.jprune.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.util.List;

import static dev.jprune.depgraph.ScenarioConcatTest.SEED;
import static dev.jprune.depgraph.ScenarioConcatTest.assertPruningKeepsTheFunction;
import static dev.jprune.depgraph.ScenarioConcatTest.channels;
import static dev.jprune.depgraph.ScenarioConcatTest.indices;
import static dev.jprune.depgraph.ScenarioConcatTest.input;
import static dev.jprune.depgraph.ScenarioConcatTest.names;
import static dev.jprune.depgraph.ScenarioConcatTest.randomize;
import static dev.jprune.depgraph.ScenarioConcatTest.roots;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

/**
 * Torch-Pruning's {@code test_concat_split.py} and {@code test_reused_module.py} adapted: a split whose boundary
 * does not fall on the concat's, feeding a residual sum, and a 3-way split whose pieces all go through one reused
 * convolution (its parameters shared, so every piece loses the same channels).
 */
class ScenarioSplitTest {

    private static final Shape IN = Shape.of(2, 3, 6, 6);

    /**
     * stem (3→8) → bn → relu → a (8→4), b (8→6); c = cat[a, b] (10); p, q = split(c, [3, 7]);
     * y = (convP(p) + convQ(q)) + c → relu2 → head (10→2).
     */
    private static Graph concatSplitResidual() {
        GraphBuilder b = new GraphBuilder("concat_split");
        Value x = b.input("x", IN);
        Value s = b.module("relu", new ReLU(), b.module("bn", BatchNorm2d.of(8),
                b.module("stem", Conv2d.of(3, 8, 3, 1, 1, true), x)));
        Value a = b.module("a", Conv2d.of(8, 4, 1, 1, 0, true), s);
        Value bb = b.module("b", Conv2d.of(8, 6, 1, 1, 0, true), s);
        Value c = b.call("cat", new Concat(1), a, bb);
        Value[] pq = b.callMulti("split", Split.of(1, 3, 7), c);
        Value p = b.module("p", Conv2d.of(3, 10, 1, 1, 0, true), pq[0]);
        Value q = b.module("q", Conv2d.of(7, 10, 3, 1, 1, true), pq[1]);
        Value y = b.call("add2", new Add(), b.call("add1", new Add(), p, q), c);
        Graph g = b.build(b.module("head", Conv2d.of(10, 2, 1, 1, 0, true), b.module("relu2", new ReLU(), y)));
        randomize(g, SEED + 10);
        return g;
    }

    @Test
    void aSplitAcrossTheConcatBoundaryMapsEachIndexToItsPiece() {
        Group g = new DependencyGraph(concatSplitResidual()).pruningGroup("b", Side.OUT, 1);
        assertEquals(List.of("b out", "cat out", "split out", "p out", "q in", "q out", "add1 out", "add2 out",
                "relu2 out", "head in"), names(g));
        assertArrayEquals(new int[] {5}, indices(g, "cat", Side.OUT), "b's 1 after a's 4 channels");
        assertArrayEquals(new int[] {2}, indices(g, "q", Side.IN), "cat's 5 is the second piece's 5 - 3");
        assertArrayEquals(new int[] {5}, indices(g, "p", Side.OUT), "the residual sum couples p's outputs");
        assertArrayEquals(new int[] {1}, roots(g, "q", Side.IN));
        assertNull(g.member("p", Side.IN), "the first piece keeps its channels\n" + g.details());
        assertNull(g.member("a", Side.OUT), g.details());
    }

    @Test
    void aRootAtTheSumReachesBothPiecesAndBothConcatInputs() {
        Group g = new DependencyGraph(concatSplitResidual()).pruningGroup("q", Side.OUT, 1, 6);
        assertArrayEquals(new int[] {1}, indices(g, "a", Side.OUT));
        assertArrayEquals(new int[] {2}, indices(g, "b", Side.OUT));
        assertArrayEquals(new int[] {6}, roots(g, "b", Side.OUT));
        assertArrayEquals(new int[] {1}, indices(g, "p", Side.IN));
        assertArrayEquals(new int[] {3}, indices(g, "q", Side.IN));
        assertArrayEquals(new int[] {1, 6}, indices(g, "p", Side.OUT));
        assertArrayEquals(new int[] {1, 6}, indices(g, "head", Side.IN));
    }

    @Test
    void pruningUpdatesTheSplitSizesAndKeepsTheFunction() {
        Graph graph = concatSplitResidual();
        Tensor x = input(IN, SEED);
        assertPruningKeepsTheFunction(graph, new DependencyGraph(graph).pruningGroup("q", Side.OUT, 1, 6), x);
        Split split = (Split) graph.requireNode("split").op();
        assertArrayEquals(new int[] {2, 6}, split.sizes());
        assertEquals(Shape.of(3, 8, 1, 1), graph.stateDict().get("a.weight").value().shape());
        assertEquals(Shape.of(5, 8, 1, 1), graph.stateDict().get("b.weight").value().shape());
        assertEquals(Shape.of(8, 2, 1, 1), graph.stateDict().get("p.weight").value().shape());
        assertEquals(Shape.of(8, 6, 3, 3), graph.stateDict().get("q.weight").value().shape());
        assertEquals(Shape.of(2, 8, 1, 1), graph.stateDict().get("head.weight").value().shape());

        // then a group whose index falls in the split's first piece only
        assertPruningKeepsTheFunction(graph, new DependencyGraph(graph).pruningGroup("a", Side.OUT, 0), x);
        assertArrayEquals(new int[] {1, 6}, ((Split) graph.requireNode("split").op()).sizes());
        assertEquals(7, channels(graph, "cat"));
    }

    // ---- a 3-way split through one reused convolution --------------------------------------------------------

    private static final Shape SMALL = Shape.of(1, 3, 6, 6);

    /** stem (3→12) → bn → relu → split [4, 4, 4] → shared conv (4→5) applied to each piece → cat (15) → head. */
    private static Graph reused() {
        GraphBuilder b = new GraphBuilder("reused");
        Value x = b.input("x", SMALL);
        Value s = b.module("relu", new ReLU(), b.module("bn", BatchNorm2d.of(12),
                b.module("stem", Conv2d.of(3, 12, 3, 1, 1, true), x)));
        Value[] parts = b.callMulti("split", Split.chunk(1, 3, 12), s);
        Value[] outs = new Value[3];
        for (int i = 0; i < 3; i++) {
            outs[i] = b.module("shared", Conv2d.of(4, 5, 3, 1, 1, true), parts[i]);
        }
        Value cat = b.call("cat", new Concat(1), outs);
        Graph g = b.build(b.module("head", Conv2d.of(15, 2, 1, 1, 0, true), cat));
        randomize(g, SEED + 20);
        return g;
    }

    @Test
    void theReusedConvIsOneModuleWithThreeNodes() {
        Graph g = reused();
        assertSame(g.requireNode("shared").parameter("weight"), g.requireNode("shared#2").parameter("weight"));
        assertEquals("shared", g.requireNode("shared#1").moduleName());
    }

    @Test
    void aChannelOfOnePieceIsRemovedFromEveryPieceThroughTheSharedWeight() {
        Group g = new DependencyGraph(reused()).pruningGroup("stem", Side.OUT, 1);
        assertEquals(List.of("stem out", "bn out", "relu out", "split out", "shared in", "shared#1 in",
                "shared#2 in"), names(g));
        assertArrayEquals(new int[] {1, 5, 9}, indices(g, "stem", Side.OUT));
        assertArrayEquals(new int[] {1, 1, 1}, roots(g, "stem", Side.OUT));
        for (String n : new String[] {"shared", "shared#1", "shared#2"}) {
            assertArrayEquals(new int[] {1}, indices(g, n, Side.IN), n);
        }
    }

    @Test
    void pruningTheSplitInputKeepsTheFunction() {
        Graph graph = reused();
        assertPruningKeepsTheFunction(graph, new DependencyGraph(graph).pruningGroup("stem", Side.OUT, 1, 6),
                input(SMALL, SEED));
        assertArrayEquals(new int[] {2, 2, 2}, ((Split) graph.requireNode("split").op()).sizes());
        assertEquals(Shape.of(5, 2, 3, 3), graph.stateDict().get("shared.weight").value().shape());
        assertEquals(Shape.of(6), graph.stateDict().get("bn.weight").value().shape());
        assertEquals(6, channels(graph, "stem"));
    }

    @Test
    void pruningTheSharedOutputsShrinksEveryConcatInput() {
        Graph graph = reused();
        Group g = new DependencyGraph(graph).pruningGroup("shared", Side.OUT, 2);
        assertArrayEquals(new int[] {2, 7, 12}, indices(g, "cat", Side.OUT));
        assertArrayEquals(new int[] {2, 7, 12}, indices(g, "head", Side.IN));
        assertArrayEquals(new int[] {2}, indices(g, "shared#2", Side.OUT));
        assertPruningKeepsTheFunction(graph, g, input(SMALL, SEED));
        assertEquals(Shape.of(4, 4, 3, 3), graph.stateDict().get("shared.weight").value().shape());
        assertEquals(Shape.of(2, 12, 1, 1), graph.stateDict().get("head.weight").value().shape());
        assertEquals(Shape.of(1, 2, 6, 6), Executor.run(graph, input(SMALL, SEED))[0].shape());
    }

    @Test
    void allGroupsRootOnceAtTheSharedModule() {
        List<Group> groups = new DependencyGraph(reused()).allGroups();
        assertEquals(List.of("stem", "shared"), groups.stream().map(gr -> gr.root().name()).toList());
    }
}
