package dev.jprune.depgraph;

import dev.jprune.exec.Executor;
import dev.jprune.ir.Graph;
import dev.jprune.ir.GraphBuilder;
import dev.jprune.ir.Value;
import dev.jprune.ops.AdaptiveMaxPool2d;
import dev.jprune.ops.AvgPool2d;
import dev.jprune.ops.BatchNorm2d;
import dev.jprune.ops.Concat;
import dev.jprune.ops.Conv2d;
import dev.jprune.ops.Flatten;
import dev.jprune.ops.Linear;
import dev.jprune.ops.ReLU;
import dev.jprune.tensor.Shape;
import dev.jprune.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static dev.jprune.depgraph.ScenarioConcatTest.SEED;
import static dev.jprune.depgraph.ScenarioConcatTest.assertPruningKeepsTheFunction;
import static dev.jprune.depgraph.ScenarioConcatTest.channels;
import static dev.jprune.depgraph.ScenarioConcatTest.indices;
import static dev.jprune.depgraph.ScenarioConcatTest.input;
import static dev.jprune.depgraph.ScenarioConcatTest.names;
import static dev.jprune.depgraph.ScenarioConcatTest.randomize;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A DenseNet-style dense block as torchvision builds it: each layer is BN → ReLU → 1×1 conv → BN → ReLU → 3×3
 * conv on the concatenation of the block input and every earlier layer's output, and the block outputs the
 * concatenation of all of them; then a transition (BN → ReLU → 1×1 conv → 2×2 average pool) and a head (BN → ReLU
 * → adaptive max pool → flatten → linear). A channel of the block input or of one layer's output sits at a
 * different offset in every later concatenation.
 */
class ScenarioDenseTest {

    private static final Shape IN = Shape.of(2, 3, 6, 6);
    private static final int C0 = 6;
    private static final int GROWTH = 3;
    private static final int BOTTLENECK = 8;
    private static final int LAYERS = 3;

    private static Graph denseNet() {
        GraphBuilder b = new GraphBuilder("dense");
        Value x = b.input("x", IN);
        List<Value> features = new ArrayList<>();
        features.add(b.module("conv0", Conv2d.of(3, C0, 3, 1, 1, false), x));
        try (GraphBuilder.Scope block = b.scope("block")) {
            for (int l = 1; l <= LAYERS; l++) {
                try (GraphBuilder.Scope layer = b.scope("layer" + l)) {
                    int in = C0 + GROWTH * (l - 1);
                    Value y = b.call("cat", new Concat(1), features.toArray(new Value[0]));
                    y = b.module("relu1", new ReLU(), b.module("norm1", BatchNorm2d.of(in), y));
                    y = b.module("conv1", Conv2d.of(in, BOTTLENECK, 1, 1, 0, false), y);
                    y = b.module("relu2", new ReLU(), b.module("norm2", BatchNorm2d.of(BOTTLENECK), y));
                    features.add(b.module("conv2", Conv2d.of(BOTTLENECK, GROWTH, 3, 1, 1, false), y));
                }
            }
            features = List.of(b.call("cat", new Concat(1), features.toArray(new Value[0])));
        }
        int out = C0 + GROWTH * LAYERS;
        Value t;
        try (GraphBuilder.Scope transition = b.scope("transition")) {
            t = b.module("relu", new ReLU(), b.module("norm", BatchNorm2d.of(out), features.get(0)));
            t = b.module("pool", AvgPool2d.of(2, 2, 0), b.module("conv", Conv2d.of(out, 7, 1, 1, 0, false), t));
        }
        t = b.module("relu5", new ReLU(), b.module("norm5", BatchNorm2d.of(7), t));
        t = b.call("flatten", new Flatten(1, -1), b.module("pool", AdaptiveMaxPool2d.of(1), t));
        Graph g = b.build(b.module("classifier", Linear.of(7, 5, true), t));
        randomize(g, SEED + 40);
        return g;
    }

    @Test
    void aBlockInputChannelKeepsItsIndexInEveryConcat() {
        Group g = new DependencyGraph(denseNet()).pruningGroup("conv0", Side.OUT, 2);
        for (int l = 1; l <= LAYERS; l++) {
            String p = "block.layer" + l + ".";
            assertArrayEquals(new int[] {2}, indices(g, p + "cat", Side.OUT), p);
            assertArrayEquals(new int[] {2}, indices(g, p + "norm1", Side.OUT), p);
            assertArrayEquals(new int[] {2}, indices(g, p + "conv1", Side.IN), p);
            assertNull(g.member(p + "conv2", Side.OUT), g.details());
        }
        assertArrayEquals(new int[] {2}, indices(g, "block.cat", Side.OUT));
        assertArrayEquals(new int[] {2}, indices(g, "transition.conv", Side.IN));
        assertNull(g.member("transition.conv", Side.OUT), g.details());
    }

    @Test
    void aLayerOutputIsShiftedByTheChannelsBeforeItInEachLaterConcat() {
        DependencyGraph dg = new DependencyGraph(denseNet());
        Group first = dg.pruningGroup("block.layer1.conv2", Side.OUT, 1);
        assertNull(first.member("block.layer1.cat", Side.OUT), "layer 1 does not read its own output");
        assertArrayEquals(new int[] {C0 + 1}, indices(first, "block.layer2.cat", Side.OUT));
        assertArrayEquals(new int[] {C0 + 1}, indices(first, "block.layer3.norm1", Side.OUT));
        assertArrayEquals(new int[] {C0 + 1}, indices(first, "block.cat", Side.OUT));
        assertArrayEquals(new int[] {C0 + 1}, indices(first, "transition.conv", Side.IN));

        Group third = dg.pruningGroup("block.layer3.conv2", Side.OUT, 0, 2);
        assertEquals(List.of("block.layer3.conv2 out", "block.cat out", "transition.norm out", "transition.relu out",
                "transition.conv in"), names(third));
        assertArrayEquals(new int[] {C0 + 2 * GROWTH, C0 + 2 * GROWTH + 2}, indices(third, "block.cat", Side.OUT));
        for (Member m : third.members()) {
            assertArrayEquals(new int[] {0, 2}, m.indices().roots(), m.describe());
        }
    }

    @Test
    void theTransitionGroupGoesThroughBothPoolsAndTheFlatten() {
        Group g = new DependencyGraph(denseNet()).pruningGroup("transition.conv", Side.OUT, 4);
        assertEquals(List.of("transition.conv out", "transition.pool out", "norm5 out", "relu5 out", "pool out",
                "flatten out", "classifier in"), names(g));
        assertArrayEquals(new int[] {4}, indices(g, "classifier", Side.IN));
    }

    @Test
    void everyGroupOfTheBlockPrunesExactly() {
        Graph graph = denseNet();
        Tensor x = input(IN, SEED);
        List<Group> groups = new DependencyGraph(graph).allGroups();
        List<String> roots = groups.stream().map(g -> g.root().name()).toList();
        assertEquals(List.of("conv0", "block.layer1.conv1", "block.layer1.conv2", "block.layer2.conv1",
                "block.layer2.conv2", "block.layer3.conv1", "block.layer3.conv2", "transition.conv"), roots);
        for (String root : roots) {
            Group g = new DependencyGraph(graph).pruningGroup(graph.requireNode(root), Side.OUT,
                    dev.jprune.ir.axis.Indices.of(0, 2));
            assertTrue(g.problems().isEmpty(), g.problems().toString());
            assertPruningKeepsTheFunction(graph, g, x);
        }
        assertEquals(C0 - 2, channels(graph, "conv0"));
        assertEquals(GROWTH - 2, channels(graph, "block.layer2.conv2"));
        assertEquals(C0 - 2 + 2 * (GROWTH - 2), channels(graph, "block.layer3.cat"));
        assertEquals(C0 - 2 + LAYERS * (GROWTH - 2), channels(graph, "block.cat"));
        assertEquals(Shape.of(5, 5), graph.stateDict().get("classifier.weight").value().shape());
        assertEquals(Shape.of(2, 5), Executor.run(graph, x)[0].shape());
    }
}
