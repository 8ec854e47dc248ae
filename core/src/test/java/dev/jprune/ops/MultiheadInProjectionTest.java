package dev.jprune.ops;

import dev.jprune.ir.Graph;
import dev.jprune.ir.GraphBuilder;
import dev.jprune.ir.Node;
import dev.jprune.ir.ParamSpec;
import dev.jprune.ir.Value;
import dev.jprune.ir.axis.ChannelParams;
import dev.jprune.ir.axis.Port;
import dev.jprune.kernels.Kernels;
import dev.jprune.tensor.Shape;
import dev.jprune.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import static dev.jprune.ops.StructuralOpTesting.KERNELS;
import static dev.jprune.ops.StructuralOpTesting.SEED;
import static dev.jprune.ops.StructuralOpTesting.assertMessage;
import static dev.jprune.ops.StructuralOpTesting.infer;
import static dev.jprune.ops.StructuralOpTesting.random;
import static dev.jprune.ops.StructuralOpTesting.run;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;

/**
 * {@link MultiheadInProjection}: the same numbers and counts as the {@link Linear} it computes as (bit for bit: the
 * same kernel), PyTorch's parameter names and the module's description. Its axis rule and pruning are covered on a
 * graph in {@code ScenarioVitTiedTest}.
 */
class MultiheadInProjectionTest {

    @Test
    void computesExactlyAsTheLinearWithTheSameParameters() {
        MultiheadInProjection mha = new MultiheadInProjection(8, 2, true);
        Linear linear = new Linear(8, 24, true, "in_proj_weight", "in_proj_bias");
        assertEquals(linear.parameters(), mha.parameters());
        assertEquals(List.of(ParamSpec.param("in_proj_weight", 24, 8), ParamSpec.param("in_proj_bias", 24)),
                mha.parameters());
        SplittableRandom r = new SplittableRandom(SEED);
        Tensor x = random(r, 2, 5, 8);
        Map<String, Tensor> p = Map.of("in_proj_weight", random(r, 24, 8), "in_proj_bias", random(r, 24));
        for (Kernels k : KERNELS) {
            Tensor a = run(mha, k, p, x)[0];
            Tensor b = run(linear, k, p, x)[0];
            assertEquals(Shape.of(2, 5, 24), a.shape());
            assertArrayEquals(b.data(), a.data(), "on " + k.name() + " seed " + SEED);
        }
        Shape[] in = {Shape.of(2, 5, 8)};
        Shape[] out = {Shape.of(2, 5, 24)};
        assertEquals(linear.countOps(in, out), mha.countOps(in, out));
        assertEquals(2L * 5 * 8 * 24 + 24, mha.countOps(in, out));
        assertEquals(linear.macs(in, out), mha.macs(in, out));
    }

    @Test
    void describesTheModuleAndValidates() {
        assertEquals("MultiheadAttention", new MultiheadInProjection(768, 12, true).type());
        assertEquals("MultiheadAttention(embed_dim=768, num_heads=12, bias=True)",
                new MultiheadInProjection(768, 12, true).describe());
        assertEquals(Shape.of(3, 36), infer(new MultiheadInProjection(12, 3, false), Shape.of(3, 12)));
        assertMessage(() -> new MultiheadInProjection(8, 3, true), "MultiheadAttention", "embed_dim 8", "num_heads 3");
        assertMessage(() -> new MultiheadInProjection(8, 2, true).inferShapes(new Shape[] {Shape.of(2, 6)}),
                "MultiheadAttention", "(*, 8)", "(2, 6)");
        assertEquals(List.of(ParamSpec.param("in_proj_weight", 24, 8)), new MultiheadInProjection(8, 2, false)
                .parameters());
    }

    @Test
    void reportsItsOwnKindOfChannelParameters() {
        GraphBuilder b = new GraphBuilder("p");
        Value x = b.input("x", Shape.of(1, 3, 8));
        Graph g = b.build(b.module("attn", new MultiheadInProjection(8, 2, true), x));
        Node n = g.requireNode("attn");
        ChannelParams rows = n.op().channelParams(n, Port.out(0), 2);
        assertEquals(ChannelParams.Kind.MULTIHEAD_ATTENTION, rows.kind());
        assertEquals(new ChannelParams.Slice("in_proj_weight", 0, 0, false), rows.weight());
        assertEquals(new ChannelParams.Slice("in_proj_bias", 0, 0, true), rows.bias());
        ChannelParams columns = n.op().channelParams(n, Port.in(0), 2);
        assertEquals(new ChannelParams.Slice("in_proj_weight", 1, 0, false), columns.weight());
        assertNull(n.op().channelParams(n, Port.out(0), 1), "tokens have no parameters");
        assertEquals(2, n.op().rootAxis(n));
        assertFalse(n.op().separatesInAndOut(), "one member, in- and out-channels together");
    }
}
