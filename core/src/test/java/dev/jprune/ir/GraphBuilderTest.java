package dev.jprune.ir;

import dev.jprune.count.OpCounter;
import dev.jprune.exec.Executor;
import dev.jprune.ops.BatchNorm2d;
import dev.jprune.ops.Conv2d;
import dev.jprune.ops.ReLU;
import dev.jprune.tensor.Shape;
import dev.jprune.tensor.Tensor;
import dev.jprune.weights.Parity;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class GraphBuilderTest {

    private static Graph block() {
        GraphBuilder b = new GraphBuilder("block");
        Value x = b.input("input", Shape.of(2, 3, 8, 8));
        try (GraphBuilder.Scope s = b.scope("layer1")) {
            try (GraphBuilder.Scope t = b.scope(0)) {
                x = b.module("conv1", Conv2d.of(3, 4, 3, 1, 1, false), x);
                x = b.module("bn1", BatchNorm2d.of(4), x);
                x = b.module("relu", new ReLU(), x);
                x = b.module("relu", new ReLU(), x);
                x = b.call("relu", new ReLU(), x);
            }
        }
        return b.build(x);
    }

    @Test
    void namesFollowTorchvisionAndCliConventions() {
        Graph g = block();
        List<String> names = g.nodes().stream().map(Node::name).toList();
        // The functional relu shares its base name with the module: it is the third use of "layer1.0.relu".
        assertEquals(List.of("layer1.0.conv1", "layer1.0.bn1", "layer1.0.relu", "layer1.0.relu#1", "layer1.0.relu#2"), names);
        assertEquals(List.of("layer1.0.conv1.weight", "layer1.0.bn1.weight", "layer1.0.bn1.bias",
                "layer1.0.bn1.running_mean", "layer1.0.bn1.running_var", "layer1.0.bn1.num_batches_tracked"),
                List.copyOf(g.stateDict().keySet()));
        assertTrue(g.node("layer1.0.relu#1").isModuleCall());
        assertTrue(!g.node("layer1.0.relu#2").isModuleCall());
        assertEquals("layer1.0.relu", g.node("layer1.0.relu#1").moduleName());
        assertEquals(Shape.of(2, 4, 8, 8), g.outputs().get(0).shape());
        // parameters: conv 4*3*3*3 + bn 4 + 4 (buffers excluded)
        assertEquals(108 + 8, g.parameterCount());
    }

    @Test
    void reusedModuleSharesParameters() {
        GraphBuilder b = new GraphBuilder("shared");
        Value x = b.input("input", Shape.of(1, 4, 5, 5));
        Value y = b.module("conv", Conv2d.of(4, 4, 3, 1, 1, true), x);
        Value z = b.module("conv", Conv2d.of(4, 4, 3, 1, 1, true), y);
        Graph g = b.build(z);
        assertSame(g.node("conv").parameter("weight"), g.node("conv#1").parameter("weight"));
        assertEquals(4 * 4 * 9 + 4, g.parameterCount());
        GraphBuilder c = new GraphBuilder("bad");
        Value in = c.input("input", Shape.of(1, 4, 5, 5));
        c.module("conv", Conv2d.of(4, 4, 3, 1, 1, true), in);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> c.module("conv", Conv2d.of(4, 8, 3, 1, 1, true), in));
        assertTrue(e.getMessage().contains("reused with different parameters"), e.getMessage());
    }

    @Test
    void shapeErrorsNameTheLayer() {
        GraphBuilder b = new GraphBuilder("err");
        Value x = b.input("input", Shape.of(1, 3, 8, 8));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> b.module("conv", Conv2d.of(5, 4, 3, 1, 1, false), x));
        assertTrue(e.getMessage().contains("layer conv") && e.getMessage().contains("(N, 5, H, W)"), e.getMessage());
    }

    @Test
    void countsOnlyModuleCallsPerExample() {
        Graph g = block();
        OpCounter.Count c = OpCounter.count(g);
        // per example: conv 8*8*9*3*4 = 6912; bn 2*256 = 512; two module relus 256 each; functional relu 0
        assertEquals(6912 + 512 + 256 + 256, c.ops());
        assertEquals(6912, c.convLinearMacs());
        assertEquals(116, c.params());
    }

    @Test
    void executorRunsAndChecksInputs() {
        Graph g = block();
        Parity.fill(g);
        Tensor y = Executor.run(g, Parity.input(Shape.of(2, 3, 8, 8)))[0];
        assertEquals(Shape.of(2, 4, 8, 8), y.shape());
        for (float v : y.data()) {
            assertTrue(v >= 0 && Float.isFinite(v));
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Executor.run(g, Tensor.zeros(1, 3, 8, 8)));
        assertTrue(e.getMessage().contains("(2, 3, 8, 8)"), e.getMessage());
    }
}
