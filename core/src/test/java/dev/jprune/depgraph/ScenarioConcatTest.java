package dev.jprune.depgraph;

import dev.jprune.exec.Executor;
import dev.jprune.ir.Graph;
import dev.jprune.ir.GraphBuilder;
import dev.jprune.ir.Node;
import dev.jprune.ir.Op;
import dev.jprune.ir.Parameter;
import dev.jprune.ir.Value;
import dev.jprune.ops.BatchNorm2d;
import dev.jprune.ops.Concat;
import dev.jprune.ops.Conv2d;
import dev.jprune.ops.Linear;
import dev.jprune.ops.ReLU;
import dev.jprune.tensor.Shape;
import dev.jprune.tensor.Tensor;
import dev.jprune.weights.RandomInit;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Torch-Pruning's concatenation tests adapted: three nested concatenations (each one shifts the indices by the
 * sizes of the inputs before it) and a concatenation along a spatial axis, which must not shift channels. The
 * static helpers here (zeroing a group's channels, comparing outputs) are shared by the other scenario tests.
 */
class ScenarioConcatTest {

    static final long SEED = 20241124L;

    // ---- shared helpers --------------------------------------------------------------------------------------

    /**
     * Fills every parameter from {@code seed}, then gives biases, BatchNorm affine parameters and running
     * statistics non-trivial values (RandomInit leaves them at 0 and 1), so every sliced vector matters.
     */
    static void randomize(Graph g, long seed) {
        RandomInit.fill(g, seed);
        SplittableRandom r = new SplittableRandom(seed);
        for (Parameter p : g.stateDict().values()) {
            if (p.value().shape().rank() != 1) {
                continue;
            }
            float[] d = p.value().data();
            for (int i = 0; i < d.length; i++) {
                d[i] = p.leafName().equals("running_var") ? (float) (0.5 + r.nextDouble())
                        : (float) (r.nextDouble() - 0.5);
            }
        }
    }

    /** Uniform values in [-1, 1) of the given shape. */
    static Tensor input(Shape s, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        Tensor t = Tensor.zeros(s);
        float[] d = t.data();
        for (int i = 0; i < d.length; i++) {
            d[i] = (float) (r.nextDouble() * 2 - 1);
        }
        return t;
    }

    /**
     * Zeroes the group's out-members, runs the graph, prunes the group, runs it again and asserts the outputs
     * agree within {@code 1e-5·max|ref| + 1e-6}.
     */
    static void assertPruningKeepsTheFunction(Graph g, Group group, Tensor... inputs) {
        group.zeroOutChannels();
        Tensor ref = Executor.run(g, inputs)[0];
        group.prune();
        Tensor out = Executor.run(g, inputs)[0];
        assertEquals(ref.shape(), out.shape());
        float tol = 1e-5f * ref.maxAbs() + 1e-6f;
        for (int i = 0; i < ref.numel(); i++) {
            float diff = Math.abs(ref.data()[i] - out.data()[i]);
            if (diff > tol) {
                throw new AssertionError("output " + i + " changed by pruning " + group.root().name() + " "
                        + group.rootIndices() + " (seed " + SEED + "): " + ref.data()[i] + " vs " + out.data()[i]
                        + ", tolerance " + tol);
            }
        }
        assertTrue(ref.maxAbs() > 0, "the reference output is all zeros; the comparison would prove nothing");
    }

    /** The members as {@code "layer side"}. */
    static List<String> names(Group g) {
        return g.members().stream().map(m -> m.layer() + " " + m.side().label()).toList();
    }

    /** The indices of member {@code layer} on {@code side}, failing when it is not a member. */
    static int[] indices(Group g, String layer, Side side) {
        Member m = g.member(layer, side);
        assertNotNull(m, layer + " " + side.label() + " is not a member of\n" + g.details());
        return m.indices().indices();
    }

    /** The roots of member {@code layer} on {@code side}. */
    static int[] roots(Group g, String layer, Side side) {
        Member m = g.member(layer, side);
        assertNotNull(m, layer + " " + side.label() + " is not a member of\n" + g.details());
        return m.indices().roots();
    }

    /** The output channels of node {@code name}. */
    static int channels(Graph g, String name) {
        return g.requireNode(name).output(0).shape().dim(1);
    }

    // ---- cascaded concatenation ------------------------------------------------------------------------------

    private static final Shape IN = Shape.of(2, 3, 6, 6);

    /**
     * stem (3→6) → bn → relu → four 1×1 convs a (4), b (3), c (5), d (2);
     * cat1 = [a, b] (7), cat2 = [cat1, c] (12), cat3 = [d, cat2] (14) → bn3 → relu3 → head (14→3).
     */
    private static Graph cascaded() {
        GraphBuilder b = new GraphBuilder("cascaded");
        Value x = b.input("x", IN);
        Value s = b.module("relu", new ReLU(), b.module("bn", BatchNorm2d.of(6),
                b.module("stem", Conv2d.of(3, 6, 3, 1, 1, true), x)));
        Value a = b.module("a", Conv2d.of(6, 4, 1, 1, 0, true), s);
        Value bb = b.module("b", Conv2d.of(6, 3, 1, 1, 0, true), s);
        Value c = b.module("c", Conv2d.of(6, 5, 1, 1, 0, true), s);
        Value d = b.module("d", Conv2d.of(6, 2, 1, 1, 0, true), s);
        Value cat1 = b.call("cat1", new Concat(1), a, bb);
        Value cat2 = b.call("cat2", new Concat(1), cat1, c);
        Value cat3 = b.call("cat3", new Concat(-3), d, cat2);
        Value r = b.module("relu3", new ReLU(), b.module("bn3", BatchNorm2d.of(14), cat3));
        Graph g = b.build(b.module("head", Conv2d.of(14, 3, 1, 1, 0, true), r));
        randomize(g, SEED);
        return g;
    }

    @Test
    void eachNestedConcatShiftsTheIndicesByTheInputsBeforeIt() {
        Group g = new DependencyGraph(cascaded()).pruningGroup("c", Side.OUT, 1, 4);
        assertEquals(List.of("c out", "cat2 out", "cat3 out", "bn3 out", "relu3 out", "head in"), names(g));
        assertArrayEquals(new int[] {1, 4}, indices(g, "c", Side.OUT));
        assertArrayEquals(new int[] {8, 11}, indices(g, "cat2", Side.OUT), "cat2: after cat1's 7 channels");
        assertArrayEquals(new int[] {10, 13}, indices(g, "cat3", Side.OUT), "cat3: after d's 2 channels");
        assertArrayEquals(new int[] {10, 13}, indices(g, "head", Side.IN));
        for (Member m : g.members()) {
            assertArrayEquals(new int[] {1, 4}, m.indices().roots(), m.describe());
        }

        Group fromB = new DependencyGraph(cascaded()).pruningGroup("b", Side.OUT, 0, 2);
        assertArrayEquals(new int[] {4, 6}, indices(fromB, "cat1", Side.OUT), "cat1: after a's 4 channels");
        assertArrayEquals(new int[] {4, 6}, indices(fromB, "cat2", Side.OUT), "cat1 is cat2's first input");
        assertArrayEquals(new int[] {6, 8}, indices(fromB, "cat3", Side.OUT));
        assertArrayEquals(new int[] {6, 8}, indices(fromB, "bn3", Side.OUT));
        assertEquals(null, fromB.member("a", Side.OUT), fromB.details());
        assertEquals(null, fromB.member("c", Side.OUT), fromB.details());
    }

    @Test
    void aRootOnTheConsumerSideMapsBackThroughEveryConcatKeepingItsRoots() {
        Group g = new DependencyGraph(cascaded()).pruningGroup("head", Side.IN, 0, 3, 12);
        // 0 is d's, 3 is cat2's 1 = a's 1, 12 is cat2's 10 = c's 3
        assertArrayEquals(new int[] {0}, indices(g, "d", Side.OUT));
        assertArrayEquals(new int[] {0}, roots(g, "d", Side.OUT));
        assertArrayEquals(new int[] {1}, indices(g, "a", Side.OUT));
        assertArrayEquals(new int[] {3}, roots(g, "a", Side.OUT));
        assertArrayEquals(new int[] {3}, indices(g, "c", Side.OUT));
        assertArrayEquals(new int[] {12}, roots(g, "c", Side.OUT));
        assertArrayEquals(new int[] {1, 10}, indices(g, "cat2", Side.OUT));
        assertEquals(null, g.member("b", Side.OUT), g.details());
    }

    @Test
    void pruningTheNestedConcatsKeepsTheFunction() {
        Graph graph = cascaded();
        Tensor x = input(IN, SEED);
        assertPruningKeepsTheFunction(graph, new DependencyGraph(graph).pruningGroup("c", Side.OUT, 1, 4), x);
        assertEquals(3, channels(graph, "c"));
        assertEquals(10, channels(graph, "cat2"));
        assertEquals(12, channels(graph, "cat3"));
        assertEquals(Shape.of(3, 12, 1, 1), graph.stateDict().get("head.weight").value().shape());
        assertEquals(Shape.of(12), graph.stateDict().get("bn3.running_mean").value().shape());

        // a second group on the pruned graph: the offsets are read from the new shapes
        Group fromB = new DependencyGraph(graph).pruningGroup("b", Side.OUT, 0, 2);
        assertArrayEquals(new int[] {6, 8}, indices(fromB, "cat3", Side.OUT));
        assertPruningKeepsTheFunction(graph, fromB, x);
        assertEquals(5, channels(graph, "cat1"));
        assertEquals(10, channels(graph, "cat3"));
        assertEquals(Shape.of(3, 10, 1, 1), graph.stateDict().get("head.weight").value().shape());
    }

    @Test
    void allGroupsOfTheCascadeCanBePrunedAndTheModelRuns() {
        Graph graph = cascaded();
        List<Group> groups = new DependencyGraph(graph).allGroups();
        List<String> roots = groups.stream().map(gr -> gr.root().name()).toList();
        assertEquals(List.of("stem", "a", "b", "c", "d"), roots);
        for (Group gr : groups) {
            gr.prune(0);
        }
        assertEquals(10, channels(graph, "cat3"));
        assertEquals(Shape.of(2, 3, 6, 6), Executor.run(graph, input(IN, SEED))[0].shape());
    }

    // ---- concatenation along a spatial axis ------------------------------------------------------------------

    /** a (4 ch, 6 rows) and b (4 ch, 4 rows) joined along the height, then a 1×1 head. */
    private static Graph alongHeight(int dim) {
        GraphBuilder b = new GraphBuilder("along_height");
        Value x = b.input("x", Shape.of(1, 3, 6, 5));
        Value y = b.input("y", Shape.of(1, 3, 4, 5));
        Value a = b.module("a", Conv2d.of(3, 4, 3, 1, 1, true), x);
        Value c = b.module("b", Conv2d.of(3, 4, 3, 1, 1, true), y);
        Value cat = b.call("cat", new Concat(dim), a, c);
        Value r = b.module("relu", new ReLU(), b.module("bn", BatchNorm2d.of(4), cat));
        Graph g = b.build(b.module("head", Conv2d.of(4, 2, 1, 1, 0, true), r));
        randomize(g, SEED + 1);
        return g;
    }

    @Test
    void aConcatAlongTheHeightCouplesChannelsWithoutOffsets() {
        for (int dim : new int[] {2, -2}) {
            Graph graph = alongHeight(dim);
            Group g = new DependencyGraph(graph).pruningGroup("a", Side.OUT, 1, 3);
            assertEquals(List.of("a out", "b out", "cat out", "bn out", "relu out", "head in"), names(g));
            for (Member m : g.members()) {
                assertEquals(1, m.axis(), m.describe());
                assertArrayEquals(new int[] {1, 3}, m.indices().indices(), "dim " + dim + ": " + m.describe());
            }
            assertPruningKeepsTheFunction(graph, g, input(Shape.of(1, 3, 6, 5), SEED), input(Shape.of(1, 3, 4, 5), SEED + 2));
            assertEquals(Shape.of(1, 2, 10, 5), graph.requireNode("cat").output(0).shape());
            assertEquals(Shape.of(2, 3, 3, 3), graph.stateDict().get("b.weight").value().shape());
        }
    }

    @Test
    void alongTheJoinedSpatialAxisTheSecondInputsRowsAreShifted() {
        Graph graph = alongHeight(2);
        Node cat = graph.requireNode("cat");
        List<String> links = new java.util.ArrayList<>();
        cat.op().linkAxes(cat, dev.jprune.ir.axis.Port.in(1), 2, dev.jprune.ir.axis.Indices.of(0, 3),
                (p, a, idx) -> links.add(p + " axis " + a + " " + idx));
        assertEquals(List.of("out0 axis 2 [6, 9]"), links, "b's rows follow a's 6 rows");
    }
}
