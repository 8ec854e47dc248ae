package dev.jprune.depgraph;

import dev.jprune.ir.Graph;
import dev.jprune.ir.GraphBuilder;
import dev.jprune.ir.Node;
import dev.jprune.ir.Value;
import dev.jprune.ir.axis.Indices;
import dev.jprune.ir.axis.Port;
import dev.jprune.ir.axis.UnsupportedAxisException;
import dev.jprune.ops.AdaptiveMaxPool2d;
import dev.jprune.ops.Conv2d;
import dev.jprune.ops.Flatten;
import dev.jprune.ops.Identity;
import dev.jprune.ops.Linear;
import dev.jprune.ops.Permute;
import dev.jprune.ops.Reshape;
import dev.jprune.ops.Squeeze;
import dev.jprune.ops.Transpose;
import dev.jprune.ops.Unsqueeze;
import dev.jprune.tensor.Shape;
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
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The axis rules of the view ops — {@link Reshape}, {@link Squeeze}, {@link Unsqueeze} — and of the axis
 * permutations {@link Permute} and {@link Transpose}, and the attributes pruning rewrites (reshape targets,
 * squeezed dims).
 */
class StructuralViewTest {

    // ---- Reshape -----------------------------------------------------------------------------------------------

    @Test
    void aReshapeThatKeepsTheChannelAxisIsTheIdentityThereAndKeepsItsMinusOne() {
        GraphBuilder b = new GraphBuilder("keep");
        Value x = b.input("x", Shape.of(2, 3, 4, 4));
        Value y = b.module("stem", Conv2d.of(3, 8, 3, 1, 1, true), x);
        Value flat = b.call("flat", Reshape.of(-1, 8, 16), y);
        Value back = b.call("back", Reshape.of(2, 8, 4, 4), flat);
        Graph g = b.build(b.module("head", Conv2d.of(8, 2, 1, 1, 0, true), back));
        randomize(g, SEED + 100);
        Group group = new DependencyGraph(g).pruningGroup("stem", Side.OUT, 2, 5);
        assertEquals(List.of("stem out", "flat out", "back out", "head in"), names(group));
        assertArrayEquals(new int[] {2, 5}, indices(group, "flat", Side.OUT));
        assertPruningKeepsTheFunction(g, group, input(Shape.of(2, 3, 4, 4), SEED));
        assertEquals(Reshape.of(-1, 6, 16), g.requireNode("flat").op());
        assertEquals(Reshape.of(2, 6, 4, 4), g.requireNode("back").op());
    }

    @Test
    void flatteningChannelsAndPixelsRemovesEachChannelsWholeSlab() {
        GraphBuilder b = new GraphBuilder("flatten");
        Value x = b.input("x", Shape.of(2, 3, 2, 2));
        Value y = b.module("stem", Conv2d.of(3, 4, 3, 1, 1, true), x);
        Value flat = b.call("view", Reshape.of(2, -1), y);
        Graph g = b.build(b.module("fc", Linear.of(16, 3, true), flat));
        randomize(g, SEED + 101);
        Group group = new DependencyGraph(g).pruningGroup("stem", Side.OUT, 1);
        assertArrayEquals(new int[] {4, 5, 6, 7}, indices(group, "fc", Side.IN));
        assertArrayEquals(new int[] {1, 1, 1, 1}, group.member("fc", Side.IN).indices().roots());
        assertPruningKeepsTheFunction(g, group, input(Shape.of(2, 3, 2, 2), SEED));
        assertEquals(Reshape.of(2, -1), g.requireNode("view").op());
        assertEquals(Shape.of(2, 12), g.requireNode("view").output(0).shape());
        assertEquals(Shape.of(3, 12), g.stateDict().get("fc.weight").value().shape());
    }

    /**
     * qkv-like: fc1 (N, L, 12) → view (N, L, 3, 4) → permute (N, 3, L, 4) → permute back → view (N, L, 12) → fc2:
     * heads of 4, pruned along the in-head axis (the largest), so one removal is the same position in every head.
     */
    private static Graph heads() {
        GraphBuilder b = new GraphBuilder("heads");
        Value x = b.input("x", Shape.of(2, 5, 6));
        Value y = b.module("fc1", Linear.of(6, 12, true), x);
        Value h = b.call("split_heads", Reshape.of(2, 5, 3, 4), y);
        Value p = b.call("permute", Permute.of(0, 2, 1, 3), h);
        Value q = b.call("unpermute", Permute.of(0, 2, 1, 3), p);
        Value m = b.call("merge_heads", Reshape.of(2, 5, -1), q);
        Graph g = b.build(b.module("fc2", Linear.of(12, 3, true), m));
        randomize(g, SEED + 102);
        return g;
    }

    @Test
    void splittingIntoHeadsPrunesTheSamePositionInEveryHead() {
        Graph g = heads();
        Group group = new DependencyGraph(g).pruningGroup("fc1", Side.OUT, 1);
        assertArrayEquals(new int[] {1, 5, 9}, indices(group, "fc1", Side.OUT));
        Member split = group.member("split_heads", Side.OUT);
        assertEquals(3, split.axis(), split.describe());
        assertArrayEquals(new int[] {1}, split.indices().indices());
        assertEquals(3, group.member("permute", Side.OUT).axis());
        assertArrayEquals(new int[] {1, 5, 9}, indices(group, "fc2", Side.IN));
        assertPruningKeepsTheFunction(g, group, input(Shape.of(2, 5, 6), SEED));
        assertEquals(Reshape.of(2, 5, 3, 3), g.requireNode("split_heads").op());
        assertEquals(Reshape.of(2, 5, -1), g.requireNode("merge_heads").op());
        assertEquals(Shape.of(3, 9), g.stateDict().get("fc2.weight").value().shape());
    }

    @Test
    void aReshapeThatRegroupsAxesCannotBeFollowedAndSaysWhere() {
        GraphBuilder b = new GraphBuilder("regroup");
        Value x = b.input("x", Shape.of(1, 6, 4));
        Graph g = b.build(b.call("regroup", Reshape.of(1, 4, 6), b.module("fc", Linear.of(4, 4, true), x)));
        Node n = g.requireNode("regroup");
        UnsupportedAxisException e = assertThrows(UnsupportedAxisException.class,
                () -> links(n, Port.in(0), 2, Indices.of(1)));
        assertTrue(e.getMessage().contains("regroup"), e.getMessage());
        UnsupportedAxisException onlyLargest = assertThrows(UnsupportedAxisException.class,
                () -> links(heads().requireNode("merge_heads"), Port.in(0), 2, Indices.of(1)));
        assertTrue(onlyLargest.getMessage().contains("largest"), onlyLargest.getMessage());
    }

    // ---- Squeeze and Unsqueeze ---------------------------------------------------------------------------------

    /** stem (3→c) → adaptive max pool 1×1 → squeeze → fc (c→3). */
    private static Graph squeezed(int c, Squeeze squeeze) {
        GraphBuilder b = new GraphBuilder("squeezed");
        Value x = b.input("x", Shape.of(2, 3, 4, 4));
        Value p = b.module("pool", AdaptiveMaxPool2d.of(1), b.module("stem", Conv2d.of(3, c, 3, 1, 1, true), x));
        Graph g = b.build(b.module("fc", Linear.of(c, 3, true), b.call("squeeze", squeeze, p)));
        randomize(g, SEED + 103);
        return g;
    }

    @Test
    void squeezeKeepsTheChannelsAsTheyAre() {
        for (Squeeze sq : new Squeeze[] {Squeeze.of(2, 3), Squeeze.all(), Squeeze.of(-1, -2)}) {
            Graph g = squeezed(6, sq);
            Group group = new DependencyGraph(g).pruningGroup("stem", Side.OUT, 0, 4);
            assertEquals(List.of("stem out", "pool out", "squeeze out", "fc in"), names(group), sq.describe());
            assertArrayEquals(new int[] {0, 4}, indices(group, "fc", Side.IN));
            assertPruningKeepsTheFunction(g, group, input(Shape.of(2, 3, 4, 4), SEED));
            assertEquals(sq, g.requireNode("squeeze").op(), "unchanged while no axis shrinks to 1");
        }
    }

    @Test
    void aSqueezeStaysExactWhenPruningLeavesAnAxisOfSizeOne() {
        for (Squeeze sq : new Squeeze[] {Squeeze.all(), Squeeze.of(1, 2, 3)}) {
            Graph g = squeezed(2, sq);
            assertPruningKeepsTheFunction(g, new DependencyGraph(g).pruningGroup("stem", Side.OUT, 1),
                    input(Shape.of(2, 3, 4, 4), SEED));
            assertEquals(Squeeze.of(2, 3), g.requireNode("squeeze").op(), sq.describe());
            assertEquals(Shape.of(2, 1), g.requireNode("squeeze").output(0).shape());
        }
    }

    @Test
    void aSqueezeThatRemovedNothingBecomesTheIdentity() {
        GraphBuilder b = new GraphBuilder("noop");
        Value x = b.input("x", Shape.of(1, 3, 4, 4));
        Value s = b.call("squeeze", Squeeze.of(1), b.module("stem", Conv2d.of(3, 2, 3, 1, 1, true), x));
        Graph g = b.build(b.module("head", Conv2d.of(2, 2, 1, 1, 0, true), s));
        randomize(g, SEED + 104);
        assertPruningKeepsTheFunction(g, new DependencyGraph(g).pruningGroup("stem", Side.OUT, 0),
                input(Shape.of(1, 3, 4, 4), SEED));
        assertInstanceOf(Identity.class, g.requireNode("squeeze").op());
        assertEquals(Shape.of(1, 1, 4, 4), g.requireNode("squeeze").output(0).shape());
    }

    @Test
    void unsqueezeShiftsTheAxesAfterTheNewOne() {
        GraphBuilder b = new GraphBuilder("unsqueeze");
        Value x = b.input("x", Shape.of(2, 5));
        Value y = b.module("fc", Linear.of(5, 6, true), x);
        Value u = b.call("u2", new Unsqueeze(-1), b.call("u1", new Unsqueeze(-1), y));
        Graph g = b.build(b.module("head", Conv2d.of(6, 3, 1, 1, 0, true), u));
        randomize(g, SEED + 105);
        Node u1 = g.requireNode("u1");
        assertEquals(List.of("out0 axis 1 [2] roots [2]"), links(u1, Port.in(0), 1, Indices.of(2)));
        assertThrows(UnsupportedAxisException.class, () -> links(u1, Port.out(0), 2, Indices.of(0)));
        Group group = new DependencyGraph(g).pruningGroup("fc", Side.OUT, 2, 3);
        assertArrayEquals(new int[] {2, 3}, indices(group, "head", Side.IN));
        assertPruningKeepsTheFunction(g, group, input(Shape.of(2, 5), SEED));
        assertEquals(Shape.of(2, 4, 1, 1), g.requireNode("u2").output(0).shape());
    }

    @Test
    void unsqueezeAtTheFrontMovesTheChannelAxisBack() {
        GraphBuilder b = new GraphBuilder("front");
        Value x = b.input("x", Shape.of(4, 5));
        Graph g = b.build(b.call("u", new Unsqueeze(0), x));
        assertEquals(List.of("out0 axis 2 [1] roots [1]"), links(g.requireNode("u"), Port.in(0), 1, Indices.of(1)));
        assertEquals(List.of("in0 axis 0 [3] roots [3]"), links(g.requireNode("u"), Port.out(0), 1, Indices.of(3)));
    }

    // ---- Permute and Transpose ---------------------------------------------------------------------------------

    @Test
    void permuteCarriesTheIndicesToTheAxisItMovesTo() {
        GraphBuilder b = new GraphBuilder("nhwc");
        Value x = b.input("x", Shape.of(1, 3, 3, 5));
        Value y = b.module("stem", Conv2d.of(3, 4, 3, 1, 1, true), x);
        Value nhwc = b.call("to_nhwc", Permute.of(0, 2, 3, 1), y);
        Value z = b.module("fc", Linear.of(4, 6, true), nhwc);
        Graph g = b.build(b.module("head", Conv2d.of(6, 2, 1, 1, 0, true), b.call("to_nchw", Permute.of(0, -1, 1, 2), z)));
        randomize(g, SEED + 106);
        Node p = g.requireNode("to_nhwc");
        assertEquals(List.of("out0 axis 3 [1, 3] roots [1, 3]"), links(p, Port.in(0), 1, Indices.of(1, 3)));
        assertEquals(List.of("in0 axis 2 [0] roots [0]"), links(p, Port.out(0), 1, Indices.of(0)));
        Group group = new DependencyGraph(g).pruningGroup("stem", Side.OUT, 1, 3);
        assertArrayEquals(new int[] {1, 3}, indices(group, "fc", Side.IN));
        assertPruningKeepsTheFunction(g, group, input(Shape.of(1, 3, 3, 5), SEED));

        Group second = new DependencyGraph(g).pruningGroup("fc", Side.OUT, 0, 5);
        assertEquals(1, second.member("to_nchw", Side.OUT).axis());
        assertArrayEquals(new int[] {0, 5}, indices(second, "head", Side.IN));
        assertPruningKeepsTheFunction(g, second, input(Shape.of(1, 3, 3, 5), SEED));
        assertEquals(Shape.of(1, 4, 3, 5), g.requireNode("to_nchw").output(0).shape());
    }

    @Test
    void transposeSwapsTheTwoAxesAndLeavesTheOthers() {
        GraphBuilder b = new GraphBuilder("transpose");
        Value x = b.input("x", Shape.of(2, 5, 6));
        Value y = b.module("fc1", Linear.of(6, 7, true), x);
        Value t = b.call("t1", new Transpose(1, 2), y);
        Value u = b.call("t2", new Transpose(-1, -2), t);
        Graph g = b.build(b.module("fc2", Linear.of(7, 3, true), u));
        randomize(g, SEED + 107);
        Node t1 = g.requireNode("t1");
        assertEquals(List.of("out0 axis 1 [4] roots [4]"), links(t1, Port.in(0), 2, Indices.of(4)));
        assertEquals(List.of("in0 axis 0 [1] roots [1]"), links(t1, Port.out(0), 0, Indices.of(1)));
        Group group = new DependencyGraph(g).pruningGroup("fc1", Side.OUT, 0, 4);
        assertEquals(1, group.member("t1", Side.OUT).axis());
        assertEquals(2, group.member("t2", Side.OUT).axis());
        assertArrayEquals(new int[] {0, 4}, indices(group, "fc2", Side.IN));
        assertPruningKeepsTheFunction(g, group, input(Shape.of(2, 5, 6), SEED));
        assertEquals(Shape.of(2, 5, 5), g.requireNode("t1").output(0).shape());
        assertEquals(new Transpose(1, 2), g.requireNode("t1").op());
    }

    /** A flatten whose spatial size exceeds its channels still follows the channels (Torch-Pruning's flatten rule). */
    @Test
    void flattenFollowsChannelsWhateverTheSizes() {
        GraphBuilder b = new GraphBuilder("small");
        Value x = b.input("x", Shape.of(2, 3, 8, 8));
        Value h = b.call("flatten", new Flatten(1, -1), b.module("conv", Conv2d.of(3, 4, 3, 1, 1, true), x));
        Graph g = b.build(b.module("fc", Linear.of(256, 2, true), h));
        randomize(g, SEED);
        DependencyGraph dg = new DependencyGraph(g);
        Group group = dg.pruningGroup("conv", Side.OUT, 1);
        int[] block = new int[64];
        java.util.Arrays.setAll(block, i -> 64 + i);
        assertArrayEquals(block, indices(group, "fc", Side.IN));
        assertEquals(List.of("conv out", "flatten out", "fc in"), names(group));
        // from the classifier's inputs, one feature takes its whole channel
        Group back = dg.pruningGroup("fc", Side.IN, 70);
        assertArrayEquals(new int[] {1}, indices(back, "conv", Side.OUT));
        assertArrayEquals(block, indices(back, "fc", Side.IN));
        assertPruningKeepsTheFunction(g, group, input(Shape.of(2, 3, 8, 8), SEED));
        assertEquals(Shape.of(2, 192), g.requireNode("flatten").output(0).shape());
    }
}
