package dev.jprune.ir.axis;

import dev.jprune.ir.Graph;
import dev.jprune.ir.GraphBuilder;
import dev.jprune.ir.Node;
import dev.jprune.ir.Value;
import dev.jprune.ops.BatchNorm2d;
import dev.jprune.ops.Conv2d;
import dev.jprune.ops.ConvTranspose2d;
import dev.jprune.ops.Flatten;
import dev.jprune.ops.LayerNorm;
import dev.jprune.ops.Linear;
import dev.jprune.tensor.Shape;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

/** Which parameter slices a channel is, per layer kind (what importance criteria score). */
class ChannelParamsTest {

    private static Graph graph() {
        GraphBuilder b = new GraphBuilder("kinds");
        Value x = b.input("x", Shape.of(1, 4, 6, 6));
        Value h = b.module("grouped", Conv2d.of(4, 8, 3, 1, 1, 2, true), x);
        h = b.module("dw", Conv2d.of(8, 8, 3, 1, 1, 8, false), h);
        h = b.module("bn", new BatchNorm2d(8, 1e-5, 0.1, false), h);
        h = b.module("up", ConvTranspose2d.of(8, 6, 2, 2, 0, 0, 1, true), h);
        h = b.module("ln", new LayerNorm(Shape.of(12), 1e-5, true), h);
        h = b.call("flatten", new Flatten(1, -1), h);
        return b.build(b.module("fc", Linear.of(6 * 12 * 12, 3, true), h));
    }

    private static ChannelParams of(Graph g, String node, Port port, int axis) {
        Node n = g.requireNode(node);
        return n.op().channelParams(n, port, axis);
    }

    @Test
    void eachKindNamesItsSlices() {
        Graph g = graph();
        ChannelParams out = of(g, "grouped", Port.out(0), 1);
        assertEquals(ChannelParams.Kind.CONV, out.kind());
        assertEquals(List.of(new ChannelParams.Slice("weight", 0, 0, false), new ChannelParams.Slice("bias", 0, 0, true)),
                out.slices());
        ChannelParams in = of(g, "grouped", Port.in(0), 1);
        assertEquals(new ChannelParams.Slice("weight", 1, 2, false), in.weight());
        assertEquals(1, in.weight().position(3)); // channel 3 is position 1 of its group of 2
        assertNull(in.bias());
        assertEquals(2, in.groups());
        assertEquals(1, of(g, "dw", Port.out(0), 1).groups());

        assertEquals(ChannelParams.Kind.DEPTHWISE_CONV, of(g, "dw", Port.in(0), 1).kind());
        assertEquals(new ChannelParams.Slice("weight", 0, 0, false), of(g, "dw", Port.in(0), 1).weight());

        assertNull(of(g, "bn", Port.out(0), 1), "BatchNorm without affine parameters has nothing to score");

        assertEquals(new ChannelParams.Slice("weight", 0, 0, false), of(g, "up", Port.in(0), 1).weight());
        assertEquals(new ChannelParams.Slice("weight", 1, 0, false), of(g, "up", Port.out(0), 1).weight());

        assertNull(of(g, "ln", Port.out(0), 1), "a leading axis of LayerNorm has no parameters");
        assertEquals(new ChannelParams.Slice("weight", 0, 0, false), of(g, "ln", Port.out(0), 3).weight());

        assertEquals(ChannelParams.Kind.LINEAR, of(g, "fc", Port.in(0), 1).kind());
        assertEquals(new ChannelParams.Slice("weight", 1, 0, false), of(g, "fc", Port.in(0), 1).weight());
        assertNull(of(g, "grouped", Port.out(0), 2), "spatial axes carry no channels");
    }
}
