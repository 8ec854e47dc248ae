package dev.jprune.depgraph;

import dev.jprune.ir.Graph;
import dev.jprune.ir.GraphBuilder;
import dev.jprune.ir.Value;
import dev.jprune.ops.Concat;
import dev.jprune.ops.Conv2d;
import dev.jprune.ops.InstanceNorm2d;
import dev.jprune.ops.PReLU;
import dev.jprune.ops.PixelShuffle;
import dev.jprune.ops.PixelUnshuffle;
import dev.jprune.ops.Upsample;
import dev.jprune.tensor.Shape;
import dev.jprune.tensor.Tensor;
import org.junit.jupiter.api.Test;

import static dev.jprune.depgraph.ScenarioConcatTest.SEED;
import static dev.jprune.depgraph.ScenarioConcatTest.assertPruningKeepsTheFunction;
import static dev.jprune.depgraph.ScenarioConcatTest.channels;
import static dev.jprune.depgraph.ScenarioConcatTest.indices;
import static dev.jprune.depgraph.ScenarioConcatTest.input;
import static dev.jprune.depgraph.ScenarioConcatTest.randomize;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Axis rules of the ops behind ONNX's PRelu, InstanceNormalization, DepthToSpace, SpaceToDepth and Resize: a PReLU's
 * slopes and an InstanceNorm2d's scale and shift leave with their channels; a pixel shuffle's output channel is a block of r² input channels (consecutive in PyTorch's
 * order, strided in ONNX's DCR order), so a removal on either side takes whole blocks; Upsample passes channels
 * through. Each pruned graph must compute what the zeroed graph computed, within {@code 1e-5·max|ref| + 1e-6}.
 */
class ScenarioPixelShuffleTest {

    private static final Shape IN = Shape.of(2, 3, 4, 4);

    /** a (3→8) → InstanceNorm2d(8) → PReLU(8) → b (8→8) → shuffle(2) (2 channels, 8×8) → up (×2 bilinear) → c (2→3); skip a→cat. */
    private static Graph net(boolean dcr) {
        GraphBuilder b = new GraphBuilder("shuffle");
        Value x = b.input("x", IN);
        Value a = b.module("act", new PReLU(8), b.module("in", new InstanceNorm2d(8, 1e-5, true),
                b.module("a", Conv2d.of(3, 8, 3, 1, 1, true), x)));
        Value s = b.module("shuffle", new PixelShuffle(2, dcr), b.module("b", Conv2d.of(8, 8, 1, 1, 0, true), a));
        Value u = b.module("up", Upsample.bilinear(8, 8, 2, false), s);
        Graph g = b.build(b.module("c", Conv2d.of(2, 3, 3, 1, 1, true), u));
        randomize(g, SEED);
        return g;
    }

    @Test
    void preluSlopesAndInstanceNormAffineLeaveWithTheirChannels() {
        Graph g = net(false);
        Group group = new DependencyGraph(g).pruningGroup("a", Side.OUT, 1, 6);
        assertArrayEquals(new int[] {1, 6}, indices(group, "in", Side.OUT));
        assertArrayEquals(new int[] {1, 6}, indices(group, "act", Side.OUT));
        assertArrayEquals(new int[] {1, 6}, indices(group, "b", Side.IN));
        assertPruningKeepsTheFunction(g, group, input(IN, SEED));
        assertEquals(Shape.of(6), g.stateDict().get("act.weight").value().shape());
        assertEquals(6, channels(g, "act"));
        assertEquals(Shape.of(6), g.stateDict().get("in.bias").value().shape());
    }

    @Test
    void shuffleTakesWholeConsecutiveBlocks() {
        Graph g = net(false);
        Group group = new DependencyGraph(g).pruningGroup("b", Side.OUT, 5);
        assertArrayEquals(new int[] {4, 5, 6, 7}, indices(group, "b", Side.OUT));
        assertArrayEquals(new int[] {1}, indices(group, "shuffle", Side.OUT));
        assertArrayEquals(new int[] {1}, indices(group, "c", Side.IN));
        assertPruningKeepsTheFunction(g, group, input(IN, SEED));
        assertEquals(Shape.of(4, 8, 1, 1), g.stateDict().get("b.weight").value().shape());
        assertEquals(Shape.of(3, 1, 3, 3), g.stateDict().get("c.weight").value().shape());
    }

    @Test
    void dcrShuffleTakesStridedBlocks() {
        Graph g = net(true);
        Group group = new DependencyGraph(g).pruningGroup("b", Side.OUT, 2);
        // DCR: output channel c of C = 2 is input channels k·2 + c
        assertArrayEquals(new int[] {0, 2, 4, 6}, indices(group, "b", Side.OUT));
        assertArrayEquals(new int[] {0}, indices(group, "c", Side.IN));
        assertPruningKeepsTheFunction(g, group, input(IN, SEED));
        assertEquals(1, channels(g, "shuffle"));
    }

    @Test
    void unshuffleBlocksAndAConcatAfterIt() {
        GraphBuilder b = new GraphBuilder("unshuffle");
        Value x = b.input("x", IN);
        Value a = b.module("a", Conv2d.of(3, 3, 3, 1, 1, true), x);
        Value u = b.module("down", PixelUnshuffle.of(2), a);                 // 12 channels, 2×2
        Value d = b.module("d", Conv2d.of(3, 4, 2, 2, 0, true), x);         // 4 channels, 2×2
        Value cat = b.call("cat", new Concat(1), d, u);                     // 16 channels
        Graph g = b.build(b.module("head", Conv2d.of(16, 2, 1, 1, 0, true), cat));
        randomize(g, SEED);
        Group group = new DependencyGraph(g).pruningGroup("a", Side.OUT, 2);
        assertArrayEquals(new int[] {8, 9, 10, 11}, indices(group, "down", Side.OUT));
        assertArrayEquals(new int[] {12, 13, 14, 15}, indices(group, "head", Side.IN));
        assertPruningKeepsTheFunction(g, group, input(IN, SEED));
        assertEquals(Shape.of(2, 12, 1, 1), g.stateDict().get("head.weight").value().shape());
        Tensor out = dev.jprune.exec.Executor.run(g, input(IN, SEED))[0];
        assertEquals(Shape.of(2, 2, 2, 2), out.shape());
    }
}
