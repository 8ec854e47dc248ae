package dev.jprune.depgraph;

import dev.jprune.exec.Executor;
import dev.jprune.ir.Graph;
import dev.jprune.ir.GraphBuilder;
import dev.jprune.ir.Value;
import dev.jprune.ops.BatchNorm2d;
import dev.jprune.ops.Concat;
import dev.jprune.ops.Conv2d;
import dev.jprune.ops.ReLU;
import dev.jprune.ops.Reshape;
import dev.jprune.ops.Split;
import dev.jprune.ops.Transpose;
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
import static dev.jprune.depgraph.ScenarioConcatTest.roots;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * A ShuffleNetV2 unit (stride 1): chunk the channels in two, run the second half through 1×1 → depthwise 3×3 →
 * 1×1, concatenate with the first half and shuffle the channels ({@code view (N, 2, C/2, H, W)},
 * {@code transpose(1, 2)}, {@code view (N, C, H, W)}). Channel {@code i} of the first half and channel {@code i}
 * of the branch are one in-group position, so they are removed together, and the head loses the two channels the
 * shuffle put side by side. In the downsampling unit both branches read the input and the shuffle couples their
 * last convolutions.
 */
class ScenarioShuffleTest {

    private static final Shape IN = Shape.of(2, 3, 5, 5);
    private static final int C = 16;
    private static final int HALF = C / 2;

    private static Graph shuffleUnit() {
        GraphBuilder b = new GraphBuilder("shuffle_unit");
        Value x = b.input("x", IN);
        Value s = b.module("relu", new ReLU(), b.module("bn", BatchNorm2d.of(C),
                b.module("stem", Conv2d.of(3, C, 3, 1, 1, false), x)));
        Value[] halves = b.callMulti("chunk", Split.chunk(1, 2, C), s);
        Value y;
        try (GraphBuilder.Scope sc = b.scope("branch2")) {
            y = b.module("0", Conv2d.of(HALF, HALF, 1, 1, 0, false), halves[1]);
            y = b.module("2", new ReLU(), b.module("1", BatchNorm2d.of(HALF), y));
            y = b.module("4", BatchNorm2d.of(HALF), b.module("3", Conv2d.of(HALF, HALF, 3, 1, 1, HALF, false), y));
            y = b.module("5", Conv2d.of(HALF, HALF, 1, 1, 0, false), y);
            y = b.module("7", new ReLU(), b.module("6", BatchNorm2d.of(HALF), y));
        }
        Value shuffled = shuffle(b, b.call("cat", new Concat(1), halves[0], y), HALF, 5);
        Graph g = b.build(b.module("head", Conv2d.of(C, 4, 1, 1, 0, true), shuffled));
        randomize(g, SEED + 30);
        return g;
    }

    @Test
    void theShuffleCouplesTheSamePositionInBothHalves() {
        Group g = new DependencyGraph(shuffleUnit()).pruningGroup("stem", Side.OUT, 3);
        assertEquals(List.of("stem out", "bn out", "relu out", "chunk out", "branch2.5 out", "branch2.6 out",
                "branch2.7 out", "cat out", "view1 out", "transpose out", "view2 out", "head in"), names(g));
        assertArrayEquals(new int[] {3}, indices(g, "stem", Side.OUT), "the second half of the stem is the branch's");
        assertArrayEquals(new int[] {3}, indices(g, "branch2.5", Side.OUT));
        assertArrayEquals(new int[] {3, 11}, indices(g, "cat", Side.OUT));
        Member view1 = g.member("view1", Side.OUT);
        assertEquals(2, view1.axis(), "the in-group axis of (N, 2, C/2, H, W): " + view1.describe());
        assertArrayEquals(new int[] {3}, view1.indices().indices());
        assertEquals(1, g.member("transpose", Side.OUT).axis());
        assertArrayEquals(new int[] {6, 7}, indices(g, "head", Side.IN), "position 3 of both groups, interleaved");
        for (Member m : g.members()) {
            for (int r : m.indices().roots()) {
                assertEquals(3, r, m.describe());
            }
        }
    }

    @Test
    void aRootAfterTheShuffleWidensToBothInterleavedChannels() {
        Group g = new DependencyGraph(shuffleUnit()).pruningGroup("head", Side.IN, 3);
        assertArrayEquals(new int[] {2, 3}, indices(g, "head", Side.IN));
        assertArrayEquals(new int[] {1, 9}, indices(g, "cat", Side.OUT));
        assertArrayEquals(new int[] {1}, indices(g, "stem", Side.OUT));
        assertArrayEquals(new int[] {3}, roots(g, "stem", Side.OUT));
        assertArrayEquals(new int[] {1}, indices(g, "branch2.6", Side.OUT));
    }

    @Test
    void pruningKeepsTheShuffledFunctionExact() {
        Graph graph = shuffleUnit();
        Tensor x = input(IN, SEED);
        assertPruningKeepsTheFunction(graph, new DependencyGraph(graph).pruningGroup("stem", Side.OUT, 0, 5), x);
        assertArrayEquals(new int[] {6, 8}, ((Split) graph.requireNode("chunk").op()).sizes());
        assertArrayEquals(new int[] {-1, 2, 6, 5, 5}, ((Reshape) graph.requireNode("view1").op()).target());
        assertArrayEquals(new int[] {-1, 12, 5, 5}, ((Reshape) graph.requireNode("view2").op()).target());
        assertEquals(Shape.of(4, 12, 1, 1), graph.stateDict().get("head.weight").value().shape());
        assertEquals(Shape.of(6, 8, 1, 1), graph.stateDict().get("branch2.5.weight").value().shape());
        assertEquals(Shape.of(8, 8, 1, 1), graph.stateDict().get("branch2.0.weight").value().shape(),
                "the branch's input half keeps its channels");
        assertEquals(Shape.of(2, 2, 6, 5, 5), graph.requireNode("view1").output(0).shape());
        assertEquals(Shape.of(2, 6, 2, 5, 5), graph.requireNode("transpose").output(0).shape());
    }

    @Test
    void everyGroupOfTheUnitPrunesExactly() {
        Graph graph = shuffleUnit();
        Tensor x = input(IN, SEED + 1);
        List<Group> groups = new DependencyGraph(graph).allGroups();
        assertEquals(List.of("stem", "branch2.0"), groups.stream().map(gr -> gr.root().name()).toList());
        for (Group g : groups) {
            assertPruningKeepsTheFunction(graph, new DependencyGraph(graph).pruningGroup(g.root(), Side.OUT,
                    dev.jprune.ir.axis.Indices.of(1, 2)), x);
        }
        assertEquals(6, graph.requireNode("branch2.3").output(0).shape().dim(1));
        assertEquals(12, graph.requireNode("cat").output(0).shape().dim(1), graph.describe());
        assertEquals(Shape.of(2, 4, 5, 5), Executor.run(graph, x)[0].shape());
    }

    // ---- the downsampling unit: both branches read the input ---------------------------------------------------

    /** Shuffles {@code (N, 2·half, H, W)} in two groups. */
    private static Value shuffle(GraphBuilder b, Value x, int half, int hw) {
        Value v = b.call("view1", Reshape.of(-1, 2, half, hw, hw), x);
        return b.call("view2", Reshape.of(-1, 2 * half, hw, hw), b.call("transpose", new Transpose(1, 2), v));
    }

    private static Graph downsamplingUnit() {
        GraphBuilder b = new GraphBuilder("shuffle_down");
        Value x = b.input("x", Shape.of(2, 3, 6, 6));
        Value s = b.module("relu", new ReLU(), b.module("bn", BatchNorm2d.of(HALF),
                b.module("stem", Conv2d.of(3, HALF, 3, 1, 1, false), x)));
        Value y1;
        try (GraphBuilder.Scope sc = b.scope("branch1")) {
            y1 = b.module("1", BatchNorm2d.of(HALF), b.module("0", Conv2d.of(HALF, HALF, 3, 2, 1, HALF, false), s));
            y1 = b.module("4", new ReLU(), b.module("3", BatchNorm2d.of(HALF),
                    b.module("2", Conv2d.of(HALF, HALF, 1, 1, 0, false), y1)));
        }
        Value y2;
        try (GraphBuilder.Scope sc = b.scope("branch2")) {
            y2 = b.module("2", new ReLU(), b.module("1", BatchNorm2d.of(HALF),
                    b.module("0", Conv2d.of(HALF, HALF, 1, 1, 0, false), s)));
            y2 = b.module("4", BatchNorm2d.of(HALF), b.module("3", Conv2d.of(HALF, HALF, 3, 2, 1, HALF, false), y2));
            y2 = b.module("7", new ReLU(), b.module("6", BatchNorm2d.of(HALF),
                    b.module("5", Conv2d.of(HALF, HALF, 1, 1, 0, false), y2)));
        }
        Value shuffled = shuffle(b, b.call("cat", new Concat(1), y1, y2), HALF, 3);
        Graph g = b.build(b.module("head", Conv2d.of(C, 4, 1, 1, 0, true), shuffled));
        randomize(g, SEED + 31);
        return g;
    }

    @Test
    void inTheDownsamplingUnitTheShuffleCouplesTheTwoBranchOutputs() {
        Graph graph = downsamplingUnit();
        Group g = new DependencyGraph(graph).pruningGroup("branch1.2", Side.OUT, 2);
        assertArrayEquals(new int[] {2}, indices(g, "branch2.5", Side.OUT));
        assertArrayEquals(new int[] {2}, roots(g, "branch2.5", Side.OUT));
        assertArrayEquals(new int[] {2, 10}, indices(g, "cat", Side.OUT));
        assertArrayEquals(new int[] {4, 5}, indices(g, "head", Side.IN));
        assertEquals(null, g.member("stem", Side.OUT), g.details());
        List<Group> groups = new DependencyGraph(graph).allGroups();
        assertEquals(List.of("stem", "branch1.2", "branch2.0"), groups.stream().map(gr -> gr.root().name()).toList());
        Tensor x = input(Shape.of(2, 3, 6, 6), SEED + 2);
        for (Group group : groups) {
            assertPruningKeepsTheFunction(graph, new DependencyGraph(graph).pruningGroup(group.root(), Side.OUT,
                    dev.jprune.ir.axis.Indices.of(0, 7)), x);
        }
        assertEquals(Shape.of(4, 12, 1, 1), graph.stateDict().get("head.weight").value().shape());
        assertEquals(Shape.of(6, 1, 3, 3), graph.stateDict().get("branch1.0.weight").value().shape());
        assertEquals(Shape.of(6, 6, 1, 1), graph.stateDict().get("branch2.5.weight").value().shape());
        assertArrayEquals(new int[] {-1, 2, 6, 3, 3}, ((Reshape) graph.requireNode("view1").op()).target());
    }
}
