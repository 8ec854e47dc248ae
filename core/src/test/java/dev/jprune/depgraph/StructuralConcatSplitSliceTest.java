package dev.jprune.depgraph;

import dev.jprune.ir.Graph;
import dev.jprune.ir.GraphBuilder;
import dev.jprune.ir.Node;
import dev.jprune.ir.Value;
import dev.jprune.ir.axis.Indices;
import dev.jprune.ir.axis.Port;
import dev.jprune.ops.Add;
import dev.jprune.ops.Concat;
import dev.jprune.ops.Conv2d;
import dev.jprune.ops.Slice;
import dev.jprune.ops.Split;
import dev.jprune.tensor.Shape;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static dev.jprune.depgraph.ScenarioConcatTest.SEED;
import static dev.jprune.depgraph.ScenarioConcatTest.assertPruningKeepsTheFunction;
import static dev.jprune.depgraph.ScenarioConcatTest.indices;
import static dev.jprune.depgraph.ScenarioConcatTest.input;
import static dev.jprune.depgraph.ScenarioConcatTest.randomize;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The axis rules of {@link Concat}, {@link Split} and {@link Slice}: the links each rule makes (with their roots)
 * and the attributes pruning rewrites (split sizes, slice bounds). The static {@link #links} helper is shared by the
 * other structural tests.
 */
class StructuralConcatSplitSliceTest {

    /**
     * What {@code node}'s rule links when {@code removed} leaves {@code axis} of {@code from}: one entry per link,
     * {@code "out0 axis 1 [2, 5] roots [2, 5]"}.
     */
    static List<String> links(Node node, Port from, int axis, Indices removed) {
        List<String> out = new ArrayList<>();
        node.op().linkAxes(node, from, axis, removed, (p, a, idx) -> out.add(p + " axis " + a + " " + idx + " roots "
                + Arrays.toString(idx.roots())));
        return out;
    }

    /** A graph with inputs of the given shapes and one functional node {@code op} named {@code n}. */
    private static Node single(dev.jprune.ir.Op op, Shape... shapes) {
        GraphBuilder b = new GraphBuilder("single");
        Value[] in = new Value[shapes.length];
        for (int i = 0; i < shapes.length; i++) {
            in[i] = b.input("x" + i, shapes[i]);
        }
        Value[] out = b.callMulti("n", op, in);
        return b.build(out).requireNode("n");
    }

    // ---- Concat ------------------------------------------------------------------------------------------------

    @Test
    void concatShiftsAnInputsIndicesAndSendsOutputIndicesBackToTheirInput() {
        for (int dim : new int[] {1, -3}) {
            Node cat = single(new Concat(dim), Shape.of(1, 2, 3, 3), Shape.of(1, 4, 3, 3));
            assertEquals(List.of("out0 axis 1 [2, 5] roots [0, 3]"), links(cat, Port.in(1), 1, Indices.of(0, 3)));
            assertEquals(List.of("in0 axis 1 [1] roots [1]", "in1 axis 1 [0, 3] roots [2, 5]"),
                    links(cat, Port.out(0), 1, Indices.of(1, 2, 5)), "dim " + dim);
            assertEquals(List.of("in1 axis 1 [1] roots [3]"), links(cat, Port.out(0), 1, Indices.of(3)));
        }
    }

    @Test
    void concatSharesEveryOtherAxisAmongAllOperands() {
        Node cat = single(new Concat(1), Shape.of(1, 2, 3, 3), Shape.of(1, 4, 3, 3));
        assertEquals(List.of("in0 axis 2 [1] roots [1]", "in1 axis 2 [1] roots [1]", "out0 axis 2 [1] roots [1]"),
                links(cat, Port.in(0), 2, Indices.of(1)));
    }

    @Test
    void aValueConcatenatedWithItselfLosesItsChannelsInBothSlabs() {
        GraphBuilder b = new GraphBuilder("twice");
        Value x = b.input("x", Shape.of(1, 3, 4, 4));
        Value y = b.module("stem", Conv2d.of(3, 4, 3, 1, 1, true), x);
        Graph g = b.build(b.module("head", Conv2d.of(8, 2, 1, 1, 0, true), b.call("cat", new Concat(1), y, y)));
        randomize(g, SEED + 40);
        Group group = new DependencyGraph(g).pruningGroup("stem", Side.OUT, 1);
        assertArrayEquals(new int[] {1, 5}, indices(group, "head", Side.IN));
        assertArrayEquals(new int[] {1}, indices(group, "stem", Side.OUT));
        assertPruningKeepsTheFunction(g, group, input(Shape.of(1, 3, 4, 4), SEED));
        assertEquals(Shape.of(2, 6, 1, 1), g.stateDict().get("head.weight").value().shape());
    }

    @Test
    void splitPiecesConcatenatedInReverseOrderSwapTheirOffsets() {
        GraphBuilder b = new GraphBuilder("swap");
        Value x = b.input("x", Shape.of(1, 3, 4, 4));
        Value[] parts = b.callMulti("split", Split.of(1, 2, 4), b.module("stem", Conv2d.of(3, 6, 3, 1, 1, true), x));
        Value cat = b.call("cat", new Concat(1), parts[1], parts[0]);
        Graph g = b.build(b.module("head", Conv2d.of(6, 2, 1, 1, 0, true), cat));
        randomize(g, SEED + 41);
        Group group = new DependencyGraph(g).pruningGroup("stem", Side.OUT, 0, 3);
        // stem 0 is piece 0's 0, after piece 1's four channels; stem 3 is piece 1's 1
        assertArrayEquals(new int[] {1, 4}, indices(group, "head", Side.IN));
        assertArrayEquals(new int[] {3, 0}, group.member("head", Side.IN).indices().roots());
        assertPruningKeepsTheFunction(g, group, input(Shape.of(1, 3, 4, 4), SEED));
        assertEquals(Split.of(1, 1, 3), g.requireNode("split").op());
    }

    // ---- Split -------------------------------------------------------------------------------------------------

    @Test
    void splitSendsInputIndicesToTheirPieceAndPieceIndicesBack() {
        for (int dim : new int[] {1, -3}) {
            Node split = single(Split.of(dim, 2, 4), Shape.of(1, 6, 3, 3));
            assertEquals(List.of("out0 axis 1 [1] roots [1]", "out1 axis 1 [0, 3] roots [2, 5]"),
                    links(split, Port.in(0), 1, Indices.of(1, 2, 5)), "dim " + dim);
            assertEquals(List.of("in0 axis 1 [5] roots [3]"), links(split, Port.out(1), 1, Indices.of(3)));
        }
        Node split = single(Split.of(1, 2, 4), Shape.of(1, 6, 3, 3));
        assertEquals(List.of("in0 axis 3 [0] roots [0]", "out0 axis 3 [0] roots [0]", "out1 axis 3 [0] roots [0]"),
                links(split, Port.out(0), 3, Indices.of(0)));
    }

    /** stem (3→6) → split [2, 4] → a (2→3), b (4→3) → a + b. */
    private static Graph splitGraph() {
        GraphBuilder b = new GraphBuilder("split");
        Value x = b.input("x", Shape.of(1, 3, 5, 5));
        Value[] parts = b.callMulti("split", Split.of(1, 2, 4), b.module("stem", Conv2d.of(3, 6, 3, 1, 1, true), x));
        Value a = b.module("a", Conv2d.of(2, 3, 1, 1, 0, true), parts[0]);
        Value c = b.module("b", Conv2d.of(4, 3, 1, 1, 0, true), parts[1]);
        Graph g = b.build(b.call("add", new Add(), a, c));
        randomize(g, SEED + 50);
        return g;
    }

    @Test
    void pruningAcrossBothPiecesRewritesTheSizes() {
        Graph g = splitGraph();
        Group group = new DependencyGraph(g).pruningGroup("stem", Side.OUT, 1, 2, 5);
        assertArrayEquals(new int[] {1}, indices(group, "a", Side.IN));
        assertArrayEquals(new int[] {0, 3}, indices(group, "b", Side.IN));
        assertPruningKeepsTheFunction(g, group, input(Shape.of(1, 3, 5, 5), SEED));
        assertEquals(Split.of(1, 1, 2), g.requireNode("split").op());
        assertEquals(Shape.of(3, 2, 1, 1), g.stateDict().get("b.weight").value().shape());
    }

    @Test
    void pruningOnePieceOnlyKeepsTheOtherSize() {
        Graph g = splitGraph();
        assertPruningKeepsTheFunction(g, new DependencyGraph(g).pruningGroup("stem", Side.OUT, 4),
                input(Shape.of(1, 3, 5, 5), SEED));
        assertArrayEquals(new int[] {2, 3}, ((Split) g.requireNode("split").op()).sizes());
    }

    // ---- Slice -------------------------------------------------------------------------------------------------

    @Test
    void sliceMapsTheGridToOutputIndicesAndBack() {
        Node slice = single(new Slice(1, 1, 7, 2), Shape.of(1, 8, 2, 2));
        assertEquals(Shape.of(1, 3, 2, 2), slice.output(0).shape());
        // 1, 3, 5 are on the grid; 0 and 4 are not, 7 is past the end
        assertEquals(List.of("out0 axis 1 [0, 2] roots [1, 5]"),
                links(slice, Port.in(0), 1, Indices.of(0, 1, 4, 5, 7)));
        assertEquals(List.of("in0 axis 1 [3, 5] roots [1, 2]"), links(slice, Port.out(0), 1, Indices.of(1, 2)));
        assertEquals(List.of("out0 axis 3 [1] roots [1]"), links(slice, Port.in(0), 3, Indices.of(1)));
        Node negative = single(Slice.of(1, -6, -2), Shape.of(1, 8, 2, 2));
        assertEquals(List.of("in0 axis 1 [2, 5] roots [0, 3]"), links(negative, Port.out(0), 1, Indices.of(0, 3)));
    }

    /** stem (3→8) → slice along the channels → head (selected→2). */
    private static Graph sliceGraph(Slice slice) {
        GraphBuilder b = new GraphBuilder("slice");
        Value x = b.input("x", Shape.of(1, 3, 4, 4));
        Value s = b.call("slice", slice, b.module("stem", Conv2d.of(3, 8, 3, 1, 1, true), x));
        Graph g = b.build(b.module("head", Conv2d.of(s.shape().dim(1), 2, 1, 1, 0, true), s));
        randomize(g, SEED + 60);
        return g;
    }

    private static Slice prunedSlice(Slice slice, int... stemChannels) {
        Graph g = sliceGraph(slice);
        assertPruningKeepsTheFunction(g, new DependencyGraph(g).pruningGroup("stem", Side.OUT, stemChannels),
                input(Shape.of(1, 3, 4, 4), SEED));
        return (Slice) g.requireNode("slice").op();
    }

    @Test
    void pruningRecomputesTheBoundsOfAContiguousSlice() {
        Graph g = sliceGraph(Slice.of(1, 2, 6));
        Group group = new DependencyGraph(g).pruningGroup("stem", Side.OUT, 0, 3, 7);
        assertArrayEquals(new int[] {1}, indices(group, "head", Side.IN));
        assertEquals(Slice.of(1, 1, 4), prunedSlice(Slice.of(1, 2, 6), 0, 3, 7));
        assertEquals(Slice.of(1, 0, 4), prunedSlice(Slice.of(1, 2, 6), 0, 1), "removals before the range move it");
        assertEquals(Slice.of(1, 2, 6), prunedSlice(Slice.of(1, 2, 6), 6, 7), "removals after it change nothing");
    }

    @Test
    void anOpenEndStaysOpen() {
        assertEquals(new Slice(1, 1, Long.MAX_VALUE, 1), prunedSlice(new Slice(1, 2, Long.MAX_VALUE, 1), 0, 7));
        // 1, 3, 5, 7 selected; 1 goes with 0 and 2, so 3, 5, 7 are the new 0, 2, 4
        assertEquals(new Slice(1, 0, Long.MAX_VALUE, 2), prunedSlice(new Slice(1, 1, Long.MAX_VALUE, 2), 0, 1, 2));
        assertEquals(Slice.of(1, 3, 6), prunedSlice(Slice.of(1, 4, 8), 0, 7), "an end equal to the size follows it");
    }

    @Test
    void aStridedSliceStaysRegularWhenWholeGapsGo() {
        // 0, 2, 4, 6 selected; the odd channels between them go, so the kept ones become contiguous
        assertEquals(Slice.of(1, 0, 4), prunedSlice(new Slice(1, 0, 8, 2), 1, 3, 5));
        // the grid's first element goes with the one after it: still every other channel, to the end
        assertEquals(new Slice(1, 0, 6, 2), prunedSlice(new Slice(1, 0, 8, 2), 0, 1));
        // an element on the grid goes with the one before it: 0, 2, 6 are the new 0, 2, 4, still to the end
        assertEquals(new Slice(1, 0, 6, 2), prunedSlice(new Slice(1, 0, 8, 2), 3, 4));
        // two kept elements are always evenly spaced: 0 and 6 become 0 and 3 of 5
        assertEquals(new Slice(1, 0, 5, 3), prunedSlice(new Slice(1, 0, 8, 2), 2, 4, 5));
    }

    @Test
    void aStridedSliceThatWouldBecomeIrregularIsRefusedAndNothingChanges() {
        for (int[] removed : new int[][] {{2}, {1}, {3}, {1, 6}}) {
            Graph g = sliceGraph(new Slice(1, 0, 8, 2));
            Group group = new DependencyGraph(g).pruningGroup("stem", Side.OUT, removed);
            IllegalStateException e = assertThrows(IllegalStateException.class, group::prune);
            assertTrue(e.getMessage().contains("slice") && e.getMessage().contains("positions"), e.getMessage());
            assertEquals(Shape.of(8, 3, 3, 3), g.stateDict().get("stem.weight").value().shape());
            assertEquals(new Slice(1, 0, 8, 2), g.requireNode("slice").op());
        }
    }

    @Test
    void anEmptySliceStaysEmpty() {
        GraphBuilder b = new GraphBuilder("empty");
        Value x = b.input("x", Shape.of(1, 3, 4, 4));
        Value y = b.module("stem", Conv2d.of(3, 6, 3, 1, 1, true), x);
        Value none = b.call("slice", Slice.of(1, -3, 3), y);
        Graph g = b.build(b.module("head", Conv2d.of(6, 2, 1, 1, 0, true), y), none);
        assertEquals(Shape.of(1, 0, 4, 4), none.shape());
        randomize(g, SEED + 80);
        Group group = new DependencyGraph(g).pruningGroup("stem", Side.OUT, 0, 1);
        assertTrue(group.problems().isEmpty(), group.problems().toString());
        group.prune();
        // with the old bounds, -3:3 of 4 channels would select channels 1 and 2
        assertEquals(Slice.of(1, 0, 0), g.requireNode("slice").op());
        assertEquals(Shape.of(1, 0, 4, 4), g.requireNode("slice").output(0).shape());
        assertEquals(Shape.of(1, 0, 4, 4),
                dev.jprune.exec.Executor.run(g, input(Shape.of(1, 3, 4, 4), SEED))[1].shape());
    }

    @Test
    void aSliceOnAnotherAxisIsTheIdentityOnTheChannels() {
        GraphBuilder b = new GraphBuilder("rows");
        Value x = b.input("x", Shape.of(1, 3, 6, 6));
        Slice rows = new Slice(2, 1, 5, 2);
        Value s = b.call("rows", rows, b.module("stem", Conv2d.of(3, 4, 3, 1, 1, true), x));
        Graph g = b.build(b.module("head", Conv2d.of(4, 2, 1, 1, 0, true), s));
        randomize(g, SEED + 70);
        Group group = new DependencyGraph(g).pruningGroup("stem", Side.OUT, 2);
        assertArrayEquals(new int[] {2}, indices(group, "rows", Side.OUT));
        assertPruningKeepsTheFunction(g, group, input(Shape.of(1, 3, 6, 6), SEED));
        assertSame(rows.getClass(), g.requireNode("rows").op().getClass());
        assertEquals(rows, g.requireNode("rows").op());
        assertEquals(Shape.of(1, 3, 2, 6), g.requireNode("rows").output(0).shape());
    }
}
