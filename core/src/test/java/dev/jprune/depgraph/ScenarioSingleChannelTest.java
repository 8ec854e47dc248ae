package dev.jprune.depgraph;

import dev.jprune.exec.Executor;
import dev.jprune.ir.DType;
import dev.jprune.ir.Graph;
import dev.jprune.ir.GraphBuilder;
import dev.jprune.ir.Parameter;
import dev.jprune.ir.Value;
import dev.jprune.ops.BatchNorm2d;
import dev.jprune.ops.Conv2d;
import dev.jprune.ops.ReLU;
import dev.jprune.tensor.Shape;
import dev.jprune.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A convolution with a single output channel (Torch-Pruning's {@code tests/test_single_channel_output.py}): with
 * {@code groups == 1} and {@code out_channels == 1} it is not a depthwise convolution, so its in- and out-channels
 * stay separate and its group holds only itself and its consumers.
 */
class ScenarioSingleChannelTest {

    private static final long SEED = 47;
    private static final Shape INPUT = Shape.of(1, 3, 16, 16);

    /** Torch-Pruning's model: three conv-bn-relu blocks, the last with one output channel. */
    private static Graph model() {
        GraphBuilder b = new GraphBuilder("single_channel");
        Value x = b.input("x", INPUT);
        x = b.call("relu", new ReLU(), b.module("bn1", BatchNorm2d.of(16), b.module("conv1", Conv2d.of(3, 16, 3, 1, 1, true), x)));
        x = b.call("relu", new ReLU(), b.module("bn2", BatchNorm2d.of(64), b.module("conv2", Conv2d.of(16, 64, 2, 2, 0, true), x)));
        x = b.call("relu", new ReLU(), b.module("bn3", BatchNorm2d.of(1), b.module("conv3", Conv2d.of(64, 1, 3, 1, 1, true), x)));
        Graph g = b.build(x);
        Random r = new Random(SEED);
        for (Parameter p : g.stateDict().values()) {
            if (p.dtype() == DType.FLOAT32) {
                float[] d = p.value().data();
                for (int i = 0; i < d.length; i++) {
                    d[i] = p.leafName().equals("running_var") ? 0.5f + r.nextFloat() : (float) (0.3 * r.nextGaussian());
                }
            }
        }
        return g;
    }

    private static List<String> names(Group g) {
        return g.members().stream().map(m -> m.layer() + " " + m.side().label()).toList();
    }

    @Test
    void theSingleChannelGroupIsTheConvolutionAndItsConsumers() {
        Graph g = model();
        assertTrue(g.requireNode("conv3").op().separatesInAndOut());
        Group group = new DependencyGraph(g).pruningGroup("conv3", Side.OUT, 0);
        // Torch-Pruning prints three: conv3's out-channels, bn3 and the relu after it
        assertEquals(List.of("conv3 out", "bn3 out", "relu#2 out"), names(group), group.details());
        // it reaches the model output and would remove its only channel: not prunable
        assertTrue(group.touchesGraphBoundary());
        assertFalse(group.problems().isEmpty());
    }

    @Test
    void theLayerBeforeLosesChannelsWithoutReachingThroughIt() {
        Graph g = model();
        DependencyGraph dg = new DependencyGraph(g);
        Group group = dg.pruningGroup("conv2", Side.OUT, 5, 40);
        assertEquals(List.of("conv2 out", "bn2 out", "relu#1 out", "conv3 in"), names(group), group.details());
        List<Group> all = dg.allGroups();
        assertEquals(List.of("conv1", "conv2"), all.stream().map(gr -> gr.root().name()).toList());

        group.zeroOutChannels();
        Tensor x = Tensor.zeros(INPUT);
        Random r = new Random(SEED + 1);
        for (int i = 0; i < x.numel(); i++) {
            x.data()[i] = (float) r.nextGaussian();
        }
        Tensor ref = Executor.run(g, x)[0];
        group.prune();
        assertEquals(Conv2d.of(62, 1, 3, 1, 1, true), g.requireNode("conv3").op());
        Tensor out = Executor.run(g, x)[0];
        assertEquals(Shape.of(1, 1, 8, 8), out.shape());
        float tol = 1e-5f * ref.maxAbs() + 1e-6f;
        for (int i = 0; i < ref.numel(); i++) {
            assertEquals(ref.data()[i], out.data()[i], tol, "element " + i + " (seed " + SEED + ")");
        }
        assertTrue(ref.maxAbs() > 0, "the reference output is not trivially zero");
    }
}
