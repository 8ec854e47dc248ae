package dev.jprune.depgraph;

import dev.jprune.exec.Executor;
import dev.jprune.ir.DType;
import dev.jprune.ir.Graph;
import dev.jprune.ir.GraphBuilder;
import dev.jprune.ir.Parameter;
import dev.jprune.ir.Value;
import dev.jprune.ir.axis.Indices;
import dev.jprune.ops.AdaptiveAvgPool2d;
import dev.jprune.ops.Add;
import dev.jprune.ops.Conv2d;
import dev.jprune.ops.Flatten;
import dev.jprune.ops.GroupNorm;
import dev.jprune.ops.Linear;
import dev.jprune.ops.ReLU;
import dev.jprune.tensor.Shape;
import dev.jprune.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * GroupNorm in a residual network: on the residual stream two GroupNorms with different group counts (4 and 2
 * groups of 8 channels) both widen a removal, and the group settles on the positions both accept.
 */
class NormGroupNormResidualTest {

    private static final long SEED = 83;
    private static final Shape INPUT = Shape.of(2, 3, 6, 6);

    private static Graph model() {
        GraphBuilder b = new GraphBuilder("gn_resnet");
        Value x = b.input("x", INPUT);
        x = b.call("relu", new ReLU(), b.module("gn0", GroupNorm.of(4, 8), b.module("stem", Conv2d.of(3, 8, 3, 1, 1, false), x)));
        Value h = b.call("relu", new ReLU(), b.module("gn1", GroupNorm.of(2, 16), b.module("conv1", Conv2d.of(8, 16, 3, 1, 1, false), x)));
        h = b.module("gn2", GroupNorm.of(2, 8), b.module("conv2", Conv2d.of(16, 8, 3, 1, 1, false), h));
        x = b.call("relu", new ReLU(), b.call("add", new Add(), h, x));
        Graph g = b.build(b.module("fc", Linear.of(8, 3, true), b.call("flatten", Flatten.of(), b.module("pool", AdaptiveAvgPool2d.of(1), x))));
        Random r = new Random(SEED);
        for (Parameter p : g.stateDict().values()) {
            if (p.dtype() == DType.FLOAT32) {
                float[] d = p.value().data();
                for (int i = 0; i < d.length; i++) {
                    d[i] = (float) (0.4 * r.nextGaussian());
                }
            }
        }
        return g;
    }

    @Test
    void theResidualStreamKeepsBothGroupCounts() {
        Graph g = model();
        DependencyGraph dg = new DependencyGraph(g);
        Group group = dg.pruningGroup("stem", Side.OUT, 1);
        // gn0 (4 groups of 2) widens 1 to {1, 3, 5, 7}; gn2 (2 groups of 4) accepts that set as it is
        for (Member m : group.members()) {
            assertArrayEquals(new int[] {1, 3, 5, 7}, m.indices().indices(), m.describe());
        }
        List<String> names = group.members().stream().map(m -> m.layer() + " " + m.side().label()).toList();
        assertEquals(List.of("stem out", "gn0 out", "relu out", "conv1 in", "conv2 out", "gn2 out", "add out",
                "relu#2 out", "pool out", "flatten out", "fc in"), names, group.details());

        // position 0 of gn2's groups alone would be {0, 4}; gn0 then widens it to every even channel
        Group fromConv2 = dg.pruningGroup("conv2", Side.OUT, 0);
        assertArrayEquals(new int[] {0, 2, 4, 6}, fromConv2.member("stem", Side.OUT).indices().indices());
    }

    @Test
    void everyGroupPrunesAndTheModelRuns() {
        Graph g = model();
        DependencyGraph dg = new DependencyGraph(g);
        List<Group> groups = dg.allGroups();
        assertEquals(List.of("stem", "conv1"), groups.stream().map(gr -> gr.root().name()).toList());
        dg.pruningGroup(g.requireNode("stem"), Side.OUT, Indices.of(2)).prune();
        dg.pruningGroup(g.requireNode("conv1"), Side.OUT, Indices.of(5)).prune();
        assertEquals(GroupNorm.of(4, 4), g.requireNode("gn0").op());
        assertEquals(GroupNorm.of(2, 4), g.requireNode("gn2").op());
        assertEquals(GroupNorm.of(2, 14), g.requireNode("gn1").op());
        assertEquals(Shape.of(3, 4), g.stateDict().get("fc.weight").value().shape());
        Tensor out = Executor.run(g, Tensor.full(INPUT, 0.5f))[0];
        assertEquals(Shape.of(2, 3), out.shape());
        for (float v : out.data()) {
            assertTrue(Float.isFinite(v));
        }
    }
}
