package dev.jprune.depgraph;

import dev.jprune.exec.Executor;
import dev.jprune.ir.Graph;
import dev.jprune.tensor.Shape;
import dev.jprune.tensor.Tensor;
import dev.jprune.weights.RandomInit;
import dev.jprune.zoo.Zoo;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** ResNet-18's group rooted at {@code conv1} (Torch-Pruning's README example and {@code test_dependency_graph.py}). */
class ResNetGroupTest {

    private static final Shape INPUT = Shape.of(1, 3, 224, 224);

    @Test
    void conv1GroupHasTorchPruningsSixteenMembers() {
        Graph g = Zoo.build("resnet18", INPUT, 1000);
        Group group = new DependencyGraph(g).pruningGroup("conv1", Side.OUT, 2, 6, 9);
        List<String> expected = List.of("conv1 out", "bn1 out", "relu out", "maxpool out", "layer1.0.conv1 in",
                "layer1.0.conv2 out", "layer1.0.bn2 out", "layer1.0.add out", "layer1.0.relu#1 out",
                "layer1.1.conv1 in", "layer1.1.conv2 out", "layer1.1.bn2 out", "layer1.1.add out",
                "layer1.1.relu#1 out", "layer2.0.conv1 in", "layer2.0.downsample.0 in");
        List<String> actual = group.members().stream().map(m -> m.layer() + " " + m.side().label()).toList();
        assertEquals(expected, actual, group.details());
        for (Member m : group.members()) {
            assertArrayEquals(new int[] {2, 6, 9}, m.indices().indices(), m.describe());
            assertArrayEquals(new int[] {2, 6, 9}, m.indices().roots(), m.describe());
        }
    }

    /** Torch-Pruning's README prints the group's first eleven dependencies in this order. */
    @Test
    void traceOrderListsMembersAsTorchPruningDoes() {
        Graph g = Zoo.build("resnet18", INPUT, 1000);
        Group group = new DependencyGraph(g).pruningGroup("conv1", Side.OUT, 2, 6, 9);
        List<String> expected = List.of("conv1 out", "bn1 out", "relu out", "maxpool out", "layer1.0.add out",
                "layer1.0.conv1 in", "layer1.0.bn2 out", "layer1.0.relu#1 out", "layer1.1.add out", "layer1.1.conv1 in",
                "layer1.1.bn2 out");
        List<String> actual = group.traceOrder().stream().map(m -> m.layer() + " " + m.side().label()).toList();
        assertEquals(expected, actual.subList(0, expected.size()), group.details());
        assertEquals(16, actual.size());
    }

    /**
     * Torch-Pruning's tracer walks back from the output and takes a block's shortcut before its residual branch, so
     * it meets the downsample convolutions and the stem before any residual branch: layer2..4's streams are rooted
     * at their downsample convolution, where graph order roots them at the stage's first conv2.
     */
    @Test
    void inTraceOrderAResidualStreamIsRootedAsTorchPruningRootsIt() {
        Graph g = Zoo.build("resnet18", INPUT, 1000);
        DependencyGraph dg = new DependencyGraph(g);
        List<String> graphRoots = dg.allGroups(List.of("fc")).stream().map(x -> x.root().name()).toList();
        List<String> traceRoots = dg.allGroups(List.of("fc"), DependencyGraph.DEFAULT_ROOT_TYPES,
                new java.util.ArrayList<>(), DependencyGraph.RootOrder.TRACE).stream().map(x -> x.root().name()).toList();
        assertEquals(12, traceRoots.size());
        assertEquals("layer4.0.downsample.0", traceRoots.get(0), traceRoots.toString());
        assertTrue(traceRoots.containsAll(List.of("layer3.0.downsample.0", "layer2.0.downsample.0")), traceRoots.toString());
        assertTrue(graphRoots.containsAll(List.of("conv1", "layer2.0.conv2", "layer3.0.conv2", "layer4.0.conv2")),
                graphRoots.toString());
        assertEquals(List.of("layer4.0.downsample.0", "layer3.0.downsample.0", "layer2.0.downsample.0", "conv1"),
                traceRoots.subList(0, 4));
    }

    @Test
    void pruningTheGroupShrinksEveryMemberAndTheModelRuns() {
        Graph g = Zoo.build("resnet18", INPUT, 1000);
        RandomInit.fill(g, 0);
        new DependencyGraph(g).pruningGroup("conv1", Side.OUT, 2, 6, 9).prune();
        assertEquals(61, g.requireNode("conv1").output(0).shape().dim(1));
        assertEquals(Shape.of(61, 64, 3, 3), g.stateDict().get("layer1.0.conv2.weight").value().shape());
        assertEquals(Shape.of(64, 61, 3, 3), g.stateDict().get("layer1.0.conv1.weight").value().shape());
        assertEquals(Shape.of(61), g.stateDict().get("bn1.running_var").value().shape());
        Tensor out = Executor.run(g, Tensor.zeros(INPUT))[0];
        assertEquals(Shape.of(1, 1000), out.shape());
    }

    @Test
    void everyGroupLosesThreeChannelsAndTheModelRuns() {
        Graph g = Zoo.build("resnet18", INPUT, 1000);
        RandomInit.fill(g, 0);
        DependencyGraph dg = new DependencyGraph(g);
        List<Group> groups = dg.allGroups();
        for (Group group : groups) {
            group.prune(2, 4, 6);
        }
        assertEquals(Shape.of(1, 1000), Executor.run(g, Tensor.zeros(INPUT))[0].shape());
        assertEquals(1000, g.requireNode("fc").output(0).shape().dim(1));
    }
}
