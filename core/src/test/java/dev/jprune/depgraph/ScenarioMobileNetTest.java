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
import dev.jprune.ops.BatchNorm2d;
import dev.jprune.ops.Conv2d;
import dev.jprune.ops.Flatten;
import dev.jprune.ops.Linear;
import dev.jprune.ops.ReLU6;
import dev.jprune.tensor.Shape;
import dev.jprune.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A MobileNetV2 inverted residual (1×1 expand, depthwise 3×3, 1×1 project, residual add) between a stem and a head:
 * the depthwise convolution is one member that passes the expanded channels through, and the residual couples the
 * stem with the projection.
 */
class ScenarioMobileNetTest {

    private static final long SEED = 59;
    private static final Shape INPUT = Shape.of(2, 3, 8, 8);

    private static Value convBn(GraphBuilder b, String conv, String bn, Conv2d op, Value x) {
        return b.module(bn, BatchNorm2d.of(op.outChannels()), b.module(conv, op, x));
    }

    private static Graph model() {
        GraphBuilder b = new GraphBuilder("mobilenet_block");
        Value x = b.input("x", INPUT);
        x = b.call("relu6", new ReLU6(), convBn(b, "stem", "bn0", Conv2d.of(3, 8, 3, 1, 1, false), x));
        Value h = b.call("relu6", new ReLU6(), convBn(b, "expand", "bn1", Conv2d.of(8, 48, 1, 1, 0, false), x));
        h = b.call("relu6", new ReLU6(), convBn(b, "dw", "bn2", Conv2d.of(48, 48, 3, 1, 1, 48, false), h));
        h = convBn(b, "project", "bn3", Conv2d.of(48, 8, 1, 1, 0, false), h);
        x = b.call("add", new Add(), x, h);
        x = b.call("relu6", new ReLU6(), convBn(b, "head", "bn4", Conv2d.of(8, 16, 1, 1, 0, false), x));
        x = b.call("flatten", Flatten.of(), b.module("pool", AdaptiveAvgPool2d.of(1), x));
        Graph g = b.build(b.module("fc", Linear.of(16, 4, true), x));
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
    void theExpandedChannelsRunThroughTheDepthwiseConvolution() {
        Group group = new DependencyGraph(model()).pruningGroup("expand", Side.OUT, 0, 7, 47);
        assertEquals(List.of("expand out", "bn1 out", "relu6#1 out", "dw out", "bn2 out", "relu6#2 out", "project in"),
                names(group), group.details());
        for (Member m : group.members()) {
            assertArrayEquals(new int[] {0, 7, 47}, m.indices().indices(), m.describe());
        }
    }

    @Test
    void theResidualCouplesTheStemWithTheProjection() {
        Group group = new DependencyGraph(model()).pruningGroup("stem", Side.OUT, 1, 5);
        assertEquals(List.of("stem out", "bn0 out", "relu6 out", "expand in", "project out", "bn3 out", "add out",
                "head in"), names(group), group.details());
    }

    @Test
    void everyGroupPrunesAndTheFunctionOfTheZeroedModelIsKept() {
        Graph g = model();
        DependencyGraph dg = new DependencyGraph(g);
        List<Group> groups = dg.allGroups();
        assertEquals(List.of("stem", "expand", "head"), groups.stream().map(gr -> gr.root().name()).toList());
        Tensor x = randomInput(1);
        int[][] removals = {{1, 5}, {0, 7, 30, 47}, {3}};
        for (int k = 0; k < groups.size(); k++) {
            Group group = dg.pruningGroup(groups.get(k).root(), Side.OUT, Indices.of(removals[k]));
            group.zeroOutChannels();
            Tensor ref = Executor.run(g, x)[0];
            group.prune();
            assertSameOutput(ref, Executor.run(g, x)[0]);
        }
        assertEquals(Conv2d.of(44, 44, 3, 1, 1, 44, false), g.requireNode("dw").op());
        assertEquals(Shape.of(44, 1, 3, 3), g.stateDict().get("dw.weight").value().shape());
        assertEquals(Shape.of(44, 6, 1, 1), g.stateDict().get("expand.weight").value().shape());
        assertEquals(Shape.of(6, 44, 1, 1), g.stateDict().get("project.weight").value().shape());
        assertEquals(Shape.of(15, 6, 1, 1), g.stateDict().get("head.weight").value().shape());
        assertEquals(Shape.of(4, 15), g.stateDict().get("fc.weight").value().shape());
    }
}
