package dev.jprune.depgraph;

import dev.jprune.ir.Graph;
import dev.jprune.ir.GraphBuilder;
import dev.jprune.ir.Node;
import dev.jprune.ir.Op;
import dev.jprune.ir.Value;
import dev.jprune.ir.axis.Indices;
import dev.jprune.ir.axis.Port;
import dev.jprune.ir.axis.UnsupportedAxisException;
import dev.jprune.ops.AdaptiveMaxPool2d;
import dev.jprune.ops.AvgPool2d;
import dev.jprune.ops.Constant;
import dev.jprune.ops.Conv2d;
import dev.jprune.ops.Expand;
import dev.jprune.ops.Mul;
import dev.jprune.ops.Pad;
import dev.jprune.ops.Roll;
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
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The axis rules of {@link Expand} (broadcasting), {@link Constant}, {@link Pad}, {@link Roll},
 * {@link AvgPool2d} and {@link AdaptiveMaxPool2d}: which axes follow the channels, which refuse, and what pruning
 * rewrites (expand targets, constant tensors).
 */
class StructuralBroadcastPadRollTest {

    private static final Shape IN = Shape.of(2, 3, 4, 4);

    /** stem (3→c) → {@code between} (a function of one input) → head (its channels → 2). */
    private static Graph around(int c, Op between) {
        GraphBuilder b = new GraphBuilder("around");
        Value x = b.input("x", IN);
        Value y = b.call("op", between, b.module("stem", Conv2d.of(3, c, 3, 1, 1, true), x));
        Graph g = b.build(b.module("head", Conv2d.of(y.shape().dim(1), 2, 1, 1, 0, true), y));
        randomize(g, SEED + 200);
        return g;
    }

    /** The message of the {@link UnsupportedAxisException} thrown building the stem's group. */
    private static String refusal(Graph g) {
        return assertThrows(UnsupportedAxisException.class,
                () -> new DependencyGraph(g).pruningGroup("stem", Side.OUT, 1)).getMessage();
    }

    // ---- Expand ------------------------------------------------------------------------------------------------

    @Test
    void expandCouplesKeptAxesAndNotExpandedOrNewOnes() {
        GraphBuilder b = new GraphBuilder("expand");
        Value x = b.input("x", Shape.of(2, 4, 1, 1));
        Graph g = b.build(b.call("e", Expand.of(5, -1, -1, 3, 3), x));
        Node e = g.requireNode("e");
        assertEquals(Shape.of(5, 2, 4, 3, 3), e.output(0).shape());
        assertEquals(List.of("out0 axis 2 [1] roots [1]"), links(e, Port.in(0), 1, Indices.of(1)));
        assertEquals(List.of("in0 axis 0 [1] roots [1]"), links(e, Port.out(0), 1, Indices.of(1)));
        assertEquals(List.of(), links(e, Port.in(0), 2, Indices.of(0)), "a size-1 axis expanded to 3");
        assertEquals(List.of(), links(e, Port.out(0), 3, Indices.of(2)), "an expanded axis");
        assertEquals(List.of(), links(e, Port.out(0), 0, Indices.of(4)), "a new leading axis");
    }

    /** stem → y; gate = expand(adaptive max pool(y)); y · gate → head. */
    private static Graph gated(Expand expand) {
        GraphBuilder b = new GraphBuilder("gated");
        Value x = b.input("x", IN);
        Value y = b.module("stem", Conv2d.of(3, 4, 3, 1, 1, true), x);
        Value gate = b.call("expand", expand, b.module("pool", AdaptiveMaxPool2d.of(1), y));
        Graph g = b.build(b.module("head", Conv2d.of(4, 2, 1, 1, 0, true), b.call("mul", new Mul(), y, gate)));
        randomize(g, SEED + 201);
        return g;
    }

    @Test
    void expandFollowsTheChannelsAndRewritesExplicitSizes() {
        Graph g = gated(Expand.of(2, 4, 4, 4));
        Group group = new DependencyGraph(g).pruningGroup("stem", Side.OUT, 1);
        assertEquals(List.of("stem out", "pool out", "expand out", "mul out", "head in"), names(group));
        assertPruningKeepsTheFunction(g, group, input(IN, SEED));
        assertEquals(Expand.of(2, 3, 4, 4), g.requireNode("expand").op());

        Graph kept = gated(Expand.of(-1, -1, 4, 4));
        assertPruningKeepsTheFunction(kept, new DependencyGraph(kept).pruningGroup("stem", Side.OUT, 0, 3),
                input(IN, SEED));
        assertEquals(Expand.of(-1, -1, 4, 4), kept.requireNode("expand").op(), "-1 follows the input");
        assertEquals(Shape.of(2, 2, 4, 4), kept.requireNode("expand").output(0).shape());
    }

    @Test
    void pruningAnExpandedAxisChangesOnlyTheTarget() {
        GraphBuilder b = new GraphBuilder("expanded");
        Value x = b.input("x", IN);
        Value y = b.module("stem", Conv2d.of(3, 6, 3, 1, 1, true), x);
        Tensor mask = input(Shape.of(1, 1, 4, 4), SEED + 3);
        Value e = b.call("expand", Expand.of(2, 6, 4, 4), b.call("mask", new Constant(mask)));
        Graph g = b.build(b.module("head", Conv2d.of(6, 2, 1, 1, 0, true), b.call("mul", new Mul(), y, e)));
        randomize(g, SEED + 202);
        Group group = new DependencyGraph(g).pruningGroup("stem", Side.OUT, 2);
        assertArrayEquals(new int[] {2}, indices(group, "expand", Side.OUT));
        assertNull(group.member("mask", Side.OUT), "the constant's single channel serves them all");
        assertPruningKeepsTheFunction(g, group, input(IN, SEED));
        assertEquals(Expand.of(2, 5, 4, 4), g.requireNode("expand").op());
        assertEquals(new Constant(mask), g.requireNode("mask").op());
    }

    // ---- Constant ----------------------------------------------------------------------------------------------

    @Test
    void aPerChannelConstantIsSlicedWithTheChannels() {
        GraphBuilder b = new GraphBuilder("scaled");
        Value x = b.input("x", IN);
        Value y = b.module("stem", Conv2d.of(3, 4, 3, 1, 1, true), x);
        Tensor scale = Tensor.of(Shape.of(4, 1, 1), 0.5f, -1.5f, 2f, 3f);
        Value s = b.call("scale", new Constant(scale));
        Value half = b.call("half", Constant.scalar(0.5f));
        Value z = b.call("mul2", new Mul(), b.call("mul", new Mul(), y, s), half);
        Graph g = b.build(b.module("head", Conv2d.of(4, 2, 1, 1, 0, true), z));
        randomize(g, SEED + 203);
        Node scaleNode = g.requireNode("scale");
        assertEquals(List.of(), links(scaleNode, Port.out(0), 0, Indices.of(1)), "a constant couples nothing itself");
        Group group = new DependencyGraph(g).pruningGroup("stem", Side.OUT, 0, 2);
        assertArrayEquals(new int[] {0, 2}, indices(group, "scale", Side.OUT));
        assertEquals(0, group.member("scale", Side.OUT).axis());
        assertNull(group.member("half", Side.OUT), "a scalar is broadcast");
        assertPruningKeepsTheFunction(g, group, input(IN, SEED));
        Constant pruned = (Constant) g.requireNode("scale").op();
        assertEquals(Shape.of(2, 1, 1), pruned.shape());
        assertArrayEquals(new float[] {-1.5f, 3f}, pruned.value().data());
        assertEquals(Constant.scalar(0.5f), g.requireNode("half").op());
        assertArrayEquals(new float[] {0.5f, -1.5f, 2f, 3f}, scale.data(), "the original tensor is untouched");
    }

    // ---- Pad and Roll ------------------------------------------------------------------------------------------

    @Test
    void aSpatialPadPassesTheChannelsAndRefusesThePaddedAxes() {
        Graph g = around(4, Pad.of(1, 1, 2, 0));
        Node pad = g.requireNode("op");
        assertEquals(List.of("out0 axis 1 [3] roots [3]"), links(pad, Port.in(0), 1, Indices.of(3)));
        UnsupportedAxisException e = assertThrows(UnsupportedAxisException.class,
                () -> links(pad, Port.out(0), 2, Indices.of(0)));
        assertTrue(e.getMessage().contains("op") && e.getMessage().contains("axis 2"), e.getMessage());
        Group group = new DependencyGraph(g).pruningGroup("stem", Side.OUT, 3);
        assertArrayEquals(new int[] {3}, indices(group, "op", Side.OUT));
        assertPruningKeepsTheFunction(g, group, input(IN, SEED));
        assertEquals(Shape.of(2, 3, 6, 6), pad.output(0).shape());
    }

    @Test
    void padOnTheChannelsCannotBePruned() {
        String m = refusal(around(4, Pad.of(0, 0, 0, 0, 1, 1)));
        assertTrue(m.contains("Pad at op") && m.contains("padded"), m);
    }

    @Test
    void rollKeepsTheAxesItDoesNotRoll() {
        Graph g = around(5, new Roll(new int[] {1, -1}, new int[] {2, 3}));
        Group group = new DependencyGraph(g).pruningGroup("stem", Side.OUT, 0, 4);
        assertArrayEquals(new int[] {0, 4}, indices(group, "head", Side.IN));
        assertPruningKeepsTheFunction(g, group, input(IN, SEED));
        assertThrows(UnsupportedAxisException.class,
                () -> links(g.requireNode("op"), Port.in(0), 3, Indices.of(0)));
        String rolled = refusal(around(5, Roll.of(2, -3)));
        assertTrue(rolled.contains("Roll at op") && rolled.contains("rolled"), rolled);
        String flat = refusal(around(5, new Roll(new int[] {2}, new int[0])));
        assertTrue(flat.contains("flattened"), flat);
    }

    // ---- pooling -----------------------------------------------------------------------------------------------

    @Test
    void poolingPassesChannelsAndRefusesThePooledAxes() {
        for (Op pool : new Op[] {AvgPool2d.of(2, 2, 0), new AvgPool2d(3, 3, 1, 1, 1, 1, true, false, null),
                                 AdaptiveMaxPool2d.of(1), new AdaptiveMaxPool2d(3, 2)}) {
            Graph g = around(4, pool);
            Node n = g.requireNode("op");
            assertEquals(List.of("in0 axis 1 [2] roots [2]", "out0 axis 1 [2] roots [2]"),
                    links(n, Port.out(0), 1, Indices.of(2)), pool.describe());
            assertEquals(List.of("in0 axis 0 [1] roots [1]", "out0 axis 0 [1] roots [1]"),
                    links(n, Port.in(0), 0, Indices.of(1)), pool.describe());
            for (int axis : new int[] {2, 3}) {
                String m = assertThrows(UnsupportedAxisException.class,
                        () -> links(n, Port.out(0), axis, Indices.of(0))).getMessage();
                assertTrue(m.contains("pooled") && m.contains("op"), m);
            }
            Group group = new DependencyGraph(g).pruningGroup("stem", Side.OUT, 2);
            assertEquals(List.of("stem out", "op out", "head in"), names(group), pool.describe());
            assertPruningKeepsTheFunction(g, group, input(IN, SEED));
            assertEquals(3, n.output(0).shape().dim(1));
        }
    }
}
