package dev.jprune.depgraph;

import dev.jprune.exec.Executor;
import dev.jprune.ir.DType;
import dev.jprune.ir.Graph;
import dev.jprune.ir.GraphBuilder;
import dev.jprune.ir.Node;
import dev.jprune.ir.Parameter;
import dev.jprune.ir.Value;
import dev.jprune.ir.axis.Indices;
import dev.jprune.ir.axis.Port;
import dev.jprune.ops.AdaptiveAvgPool2d;
import dev.jprune.ops.BatchNorm2d;
import dev.jprune.ops.Conv2d;
import dev.jprune.ops.Mul;
import dev.jprune.ops.ReLU;
import dev.jprune.ops.Sigmoid;
import dev.jprune.tensor.Shape;
import dev.jprune.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A squeeze-and-excitation block: global pool → 1×1 conv → ReLU → 1×1 conv → Sigmoid, multiplied into the feature
 * map as an {@code (N, C, 1, 1)} operand. The excitation's output channels belong to the feature map's group; the
 * broadcast spatial axes are not coupled.
 */
class ScenarioSeTest {

    private static final long SEED = 61;
    private static final Shape INPUT = Shape.of(2, 3, 6, 6);

    private static Graph model() {
        GraphBuilder b = new GraphBuilder("se");
        Value x = b.input("x", INPUT);
        Value f = b.call("relu", new ReLU(), b.module("bn1", BatchNorm2d.of(16), b.module("conv1", Conv2d.of(3, 16, 3, 1, 1, true), x)));
        Value s = b.module("pool", AdaptiveAvgPool2d.of(1), f);
        s = b.call("relu", new ReLU(), b.module("se_reduce", Conv2d.of(16, 4, 1, 1, 0, true), s));
        s = b.call("sigmoid", new Sigmoid(), b.module("se_expand", Conv2d.of(4, 16, 1, 1, 0, true), s));
        Value y = b.call("mul", new Mul(), f, s);
        Graph g = b.build(b.module("conv2", Conv2d.of(16, 8, 3, 1, 1, true), y));
        Random r = new Random(SEED);
        for (Parameter p : g.stateDict().values()) {
            if (p.dtype() == DType.FLOAT32) {
                float[] d = p.value().data();
                for (int i = 0; i < d.length; i++) {
                    d[i] = p.leafName().equals("running_var") ? 0.5f + r.nextFloat() : (float) (0.4 * r.nextGaussian());
                }
            }
        }
        return g;
    }

    private static Tensor randomInput(long seed) {
        Random r = new Random(seed);
        Tensor t = Tensor.zeros(INPUT);
        for (int i = 0; i < t.numel(); i++) {
            t.data()[i] = (float) r.nextGaussian();
        }
        return t;
    }

    private static void assertSameOutput(Tensor ref, Tensor out) {
        assertEquals(ref.shape(), out.shape());
        float tol = 1e-5f * ref.maxAbs() + 1e-6f;
        float worst = 0;
        for (int i = 0; i < ref.numel(); i++) {
            worst = Math.max(worst, Math.abs(ref.data()[i] - out.data()[i]));
        }
        assertTrue(worst <= tol, "max |difference| " + worst + " > " + tol + " (seed " + SEED + ")");
        assertTrue(ref.maxAbs() > 0, "the reference output is not trivially zero");
    }

    private static List<String> names(Group g) {
        return g.members().stream().map(m -> m.layer() + " " + m.side().label()).toList();
    }

    @Test
    void theMulCouplesChannelsButNotTheBroadcastSpatialAxes() {
        Node mul = model().requireNode("mul");
        assertEquals(Shape.of(2, 16, 1, 1), mul.input(1).shape());
        Map<String, Indices> channel = new TreeMap<>();
        mul.op().linkAxes(mul, Port.in(0), 1, Indices.of(4), (p, a, i) -> channel.put(p + " axis " + a, i));
        assertEquals(Map.of("in0 axis 1", Indices.of(4), "in1 axis 1", Indices.of(4), "out0 axis 1", Indices.of(4)),
                channel);
        Map<String, Indices> spatial = new TreeMap<>();
        mul.op().linkAxes(mul, Port.in(0), 2, Indices.of(3), (p, a, i) -> spatial.put(p + " axis " + a, i));
        assertEquals(Map.of("in0 axis 2", Indices.of(3), "out0 axis 2", Indices.of(3)), spatial);
        // index 0 too: the excitation's single spatial element still serves the remaining rows
        Map<String, Indices> first = new TreeMap<>();
        mul.op().linkAxes(mul, Port.out(0), 2, Indices.of(0), (p, a, i) -> first.put(p + " axis " + a, i));
        assertEquals(Map.of("in0 axis 2", Indices.of(0), "out0 axis 2", Indices.of(0)), first);
    }

    @Test
    void theFeatureGroupHoldsTheExcitationOutputs() {
        Group group = new DependencyGraph(model()).pruningGroup("conv1", Side.OUT, 2, 11);
        assertEquals(List.of("conv1 out", "bn1 out", "relu out", "pool out", "se_reduce in", "se_expand out",
                "sigmoid out", "mul out", "conv2 in"), names(group), group.details());
        for (Member m : group.members()) {
            assertArrayEquals(new int[] {2, 11}, m.indices().indices(), m.describe());
            assertEquals(1, m.axis(), m.describe());
        }
    }

    @Test
    void bothGroupsPruneAndTheFunctionOfTheZeroedModelIsKept() {
        Graph g = model();
        DependencyGraph dg = new DependencyGraph(g);
        Tensor x = randomInput(1);
        for (String root : new String[] {"conv1", "se_reduce"}) {
            Group group = dg.pruningGroup(root, Side.OUT, 1, 3);
            group.zeroOutChannels();
            Tensor ref = Executor.run(g, x)[0];
            group.prune();
            assertSameOutput(ref, Executor.run(g, x)[0]);
        }
        assertEquals(Conv2d.of(14, 2, 1, 1, 0, true), g.requireNode("se_reduce").op());
        assertEquals(Conv2d.of(2, 14, 1, 1, 0, true), g.requireNode("se_expand").op());
        assertEquals(Shape.of(2, 14, 1, 1), g.requireNode("mul").input(1).shape());
        assertEquals(Shape.of(8, 14, 3, 3), g.stateDict().get("conv2.weight").value().shape());
    }
}
