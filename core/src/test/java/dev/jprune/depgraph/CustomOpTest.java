package dev.jprune.depgraph;

import dev.jprune.exec.ForwardContext;
import dev.jprune.ir.Graph;
import dev.jprune.ir.GraphBuilder;
import dev.jprune.ir.Node;
import dev.jprune.ir.Op;
import dev.jprune.ir.ParamSpec;
import dev.jprune.ir.Value;
import dev.jprune.ir.axis.AxisCut;
import dev.jprune.ir.axis.AxisLinks;
import dev.jprune.ir.axis.Indices;
import dev.jprune.ir.axis.Port;
import dev.jprune.ops.Conv2d;
import dev.jprune.tensor.Shape;
import dev.jprune.tensor.Tensor;
import dev.jprune.train.Sgd;
import dev.jprune.weights.RandomInit;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A user-defined op takes part in pruning through its own axis rules (Torch-Pruning's customised pruners), and a
 * prune whose result does not fit is rolled back.
 */
class CustomOpTest {

    /** Per-channel scale {@code y = x · s[c]} with parameter {@code s (C)}, written as a user would. */
    record ChannelScale(int channels, boolean forgetsToUpdate) implements Op {
        @Override
        public String type() {
            return "ChannelScale";
        }

        @Override
        public List<ParamSpec> parameters() {
            return List.of(ParamSpec.param("s", channels));
        }

        @Override
        public Shape[] inferShapes(Shape[] in) {
            if (in[0].dim(1) != channels) {
                throw new IllegalArgumentException("expected " + channels + " channels, got " + in[0]);
            }
            return new Shape[] {in[0]};
        }

        @Override
        public Tensor[] forward(Node node, Tensor[] in, ForwardContext ctx) {
            Tensor x = in[0];
            float[] s = node.param("s").data();
            Tensor y = Tensor.zeros(x.shape());
            int plane = x.dim(2) * x.dim(3);
            for (int i = 0; i < x.numel(); i++) {
                y.data()[i] = x.data()[i] * s[(i / plane) % channels];
            }
            return new Tensor[] {y};
        }

        @Override
        public void linkAxes(Node node, Port from, int axis, Indices removed, AxisLinks links) {
            links.link(from.input() ? Port.out(0) : Port.in(0), axis, removed);
        }

        @Override
        public Op pruneAxes(Node node, AxisCut cut) {
            int[] r = cut.removed(Port.out(0), 1).indices();
            cut.sliceParam("s", 0, r);
            return forgetsToUpdate ? this : new ChannelScale(channels - r.length, false);
        }
    }

    private static Graph graph(boolean broken) {
        GraphBuilder b = new GraphBuilder("custom");
        Value x = b.input("x", Shape.of(1, 2, 4, 4));
        Value h = b.module("scale", new ChannelScale(5, broken), b.module("conv1", Conv2d.of(2, 5, 3, 1, 1, false), x));
        Graph g = b.build(b.module("conv2", Conv2d.of(5, 3, 1, 1, 0, false), h));
        RandomInit.fill(g, 5);
        return g;
    }

    @Test
    void aCustomOpIsAMemberAndIsPruned() {
        Graph g = graph(false);
        Group group = new DependencyGraph(g).pruningGroup("conv1", Side.OUT, 0, 3);
        assertEquals(List.of("conv1", "scale", "conv2"), group.members().stream().map(Member::layer).toList());
        float[] s = g.stateDict().get("scale.s").value().data().clone();
        group.prune();
        assertArrayEquals(new float[] {s[1], s[2], s[4]}, g.stateDict().get("scale.s").value().data());
        assertEquals(Shape.of(3, 3, 1, 1), g.stateDict().get("conv2.weight").value().shape());
    }

    @Test
    void aPruneThatDoesNotFitChangesNothing() {
        Graph g = graph(true);
        Sgd sgd = Sgd.builder().lr(0.1).momentum(0.9).build(g);
        var w = g.stateDict().get("conv1.weight");
        Tensor before = w.value();
        Op conv1 = g.requireNode("conv1").op();
        Group group = new DependencyGraph(g).pruningGroup("conv1", Side.OUT, 0, 3);
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> group.pruneWith(sgd));
        assertTrue(e.getMessage().contains("scale"), e.getMessage());
        assertSame(before, w.value());
        assertSame(conv1, g.requireNode("conv1").op());
        assertEquals(Shape.of(5), g.stateDict().get("scale.s").value().shape());
        assertEquals(Shape.of(1, 5, 4, 4), g.requireNode("conv1").output(0).shape());
        g.inferShapes(); // still consistent
    }
}
