package dev.jprune.depgraph;

import dev.jprune.exec.Executor;
import dev.jprune.ir.DType;
import dev.jprune.ir.Graph;
import dev.jprune.ir.GraphBuilder;
import dev.jprune.ir.Node;
import dev.jprune.ir.Op;
import dev.jprune.ir.Parameter;
import dev.jprune.ir.Value;
import dev.jprune.ir.axis.AxisCut;
import dev.jprune.ir.axis.Indices;
import dev.jprune.ir.axis.Port;
import dev.jprune.ops.Conv2d;
import dev.jprune.ops.GroupNorm;
import dev.jprune.ops.LayerNorm;
import dev.jprune.ops.Linear;
import dev.jprune.ops.ReLU;
import dev.jprune.tensor.Shape;
import dev.jprune.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/** Axis rules of {@link LayerNorm} and {@link GroupNorm}: what they couple, what pruning slices, that the graph runs. */
class NormRulesTest {

    private static final long SEED = 11;

    /** Every float tensor filled with distinct values (so slices can be told apart); variances positive. */
    private static void fillDistinct(Graph g, long seed) {
        Random r = new Random(seed);
        for (Parameter p : g.stateDict().values()) {
            if (p.dtype() != DType.FLOAT32) {
                continue;
            }
            float[] d = p.value().data();
            for (int i = 0; i < d.length; i++) {
                d[i] = p.leafName().equals("running_var") ? 0.5f + r.nextFloat() : (float) (0.5 * r.nextGaussian());
            }
        }
    }

    private static Map<String, Indices> links(Node n, Port from, int axis, Indices removed) {
        Map<String, Indices> m = new TreeMap<>();
        n.op().linkAxes(n, from, axis, removed, (p, a, i) -> m.merge(p + " axis " + a, i, Indices::union));
        return m;
    }

    private static List<String> names(Group g) {
        return g.members().stream().map(m -> m.layer() + " " + m.side().label()).toList();
    }

    private static float[] without(float[] a, int... removed) {
        Indices r = Indices.of(removed);
        int[] keep = r.complement(a.length);
        float[] out = new float[keep.length];
        for (int k = 0; k < keep.length; k++) {
            out[k] = a[keep[k]];
        }
        return out;
    }

    private static Tensor randomInput(Shape s, long seed) {
        Random r = new Random(seed);
        Tensor t = Tensor.zeros(s);
        for (int i = 0; i < t.numel(); i++) {
            t.data()[i] = (float) r.nextGaussian();
        }
        return t;
    }

    /** x (2, 4, 6) → fc1 Linear(6, 8) → LayerNorm(shape) → fc2 Linear(8, 3). */
    private static Graph layerNormGraph(LayerNorm ln) {
        GraphBuilder b = new GraphBuilder("ln");
        Value x = b.input("x", Shape.of(2, 4, 6));
        Value h = b.module("fc1", Linear.of(6, 8, true), x);
        h = b.module("ln", ln, h);
        Graph g = b.build(b.module("fc2", Linear.of(8, 3, true), h));
        fillDistinct(g, SEED);
        return g;
    }

    @Test
    void layerNormIsTheIdentityOnEveryAxis() {
        Graph g = layerNormGraph(LayerNorm.of(8));
        Node ln = g.requireNode("ln");
        for (int axis = 0; axis < 3; axis++) {
            Indices r = Indices.of(1);
            assertEquals(Map.of("in0 axis " + axis, r, "out0 axis " + axis, r), links(ln, Port.out(0), axis, r));
            assertEquals(Map.of("in0 axis " + axis, r, "out0 axis " + axis, r), links(ln, Port.in(0), axis, r));
        }
    }

    @Test
    void layerNormLosesTheFeaturesOfItsGroupAndTheGraphRuns() {
        Graph g = layerNormGraph(LayerNorm.of(8));
        float[] w = g.stateDict().get("ln.weight").value().data().clone();
        float[] bias = g.stateDict().get("ln.bias").value().data().clone();
        Group group = new DependencyGraph(g).pruningGroup("fc1", Side.OUT, 1, 4);
        assertEquals(List.of("fc1 out", "ln out", "fc2 in"), names(group), group.details());
        assertArrayEquals(new int[] {1, 4}, group.member("ln", Side.OUT).indices().indices());
        group.prune();
        LayerNorm pruned = (LayerNorm) g.requireNode("ln").op();
        assertEquals(Shape.of(6), pruned.normalizedShape());
        assertArrayEquals(without(w, 1, 4), g.stateDict().get("ln.weight").value().data());
        assertArrayEquals(without(bias, 1, 4), g.stateDict().get("ln.bias").value().data());
        assertEquals(Shape.of(3, 6), g.stateDict().get("fc2.weight").value().shape());
        Tensor out = Executor.run(g, randomInput(Shape.of(2, 4, 6), 5))[0];
        assertEquals(Shape.of(2, 4, 3), out.shape());
    }

    @Test
    void layerNormOverTwoAxesSlicesItsLastAxisOnly() {
        // normalized shape (4, 8): the features are the second of its axes, so weight (4, 8) loses columns
        Graph g = layerNormGraph(new LayerNorm(Shape.of(4, 8), 1e-5, true));
        float[] w = g.stateDict().get("ln.weight").value().data().clone();
        new DependencyGraph(g).pruningGroup("fc1", Side.OUT, 0, 7).prune();
        assertEquals(Shape.of(4, 6), ((LayerNorm) g.requireNode("ln").op()).normalizedShape());
        Tensor pw = g.stateDict().get("ln.weight").value();
        assertEquals(Shape.of(4, 6), pw.shape());
        for (int row = 0; row < 4; row++) {
            for (int col = 0; col < 6; col++) {
                assertEquals(w[row * 8 + col + 1], pw.get(row, col), "weight (" + row + ", " + col + ")");
            }
        }
        assertEquals(Shape.of(2, 4, 3), Executor.run(g, randomInput(Shape.of(2, 4, 6), 6))[0].shape());
    }

    @Test
    void layerNormKeepsItsParametersWhenALeadingAxisIsCut() {
        Graph g = layerNormGraph(LayerNorm.of(8));
        Node node = g.requireNode("ln");
        AxisCut tokens = new AxisCut() {
            @Override
            public Indices removed(Port port, int axis) {
                return axis == 1 ? Indices.of(2) : Indices.empty();
            }

            @Override
            public int axis(Port port) {
                return 1;
            }

            @Override
            public Shape before(Port port) {
                return Shape.of(2, 4, 8);
            }

            @Override
            public void sliceParam(String localName, int axis, int[] removed) {
                fail("a token removal must not slice " + localName);
            }
        };
        Op op = node.op();
        assertSame(op, op.pruneAxes(node, tokens));
    }

    /** x (1, 3, 6, 6) → conv1 Conv2d(3, 8) → gn → relu → conv2 Conv2d(8, 2). */
    private static Graph groupNormGraph(int groups) {
        GraphBuilder b = new GraphBuilder("gn");
        Value x = b.input("x", Shape.of(1, 3, 6, 6));
        Value h = b.module("conv1", Conv2d.of(3, 8, 3, 1, 1, true), x);
        h = b.module("gn", GroupNorm.of(groups, 8), h);
        h = b.call("relu", new ReLU(), h);
        Graph g = b.build(b.module("conv2", Conv2d.of(8, 2, 1, 1, 0, true), h));
        fillDistinct(g, SEED);
        return g;
    }

    @Test
    void groupNormWidensARemovalToTheSamePositionInEveryGroup() {
        Graph g = groupNormGraph(4);
        Node gn = g.requireNode("gn");
        Indices widened = Indices.pairs(new int[] {1, 3, 5, 7}, new int[] {1, 1, 1, 1});
        assertEquals(Map.of("in0 axis 1", widened, "out0 axis 1", widened), links(gn, Port.in(0), 1, Indices.of(1)));
        // spatial axes are the identity and are not widened
        assertEquals(Map.of("in0 axis 3", Indices.of(2), "out0 axis 3", Indices.of(2)),
                links(gn, Port.out(0), 3, Indices.of(2)));

        Group group = new DependencyGraph(g).pruningGroup("conv1", Side.OUT, 1);
        assertEquals(List.of("conv1 out", "gn out", "relu out", "conv2 in"), names(group), group.details());
        for (Member m : group.members()) {
            assertArrayEquals(new int[] {1, 3, 5, 7}, m.indices().indices(), m.describe());
            assertArrayEquals(new int[] {1, 1, 1, 1}, m.indices().roots(), m.describe());
        }
        float[] w = g.stateDict().get("gn.weight").value().data().clone();
        group.prune();
        assertEquals(GroupNorm.of(4, 4), g.requireNode("gn").op());
        assertArrayEquals(without(w, 1, 3, 5, 7), g.stateDict().get("gn.weight").value().data());
        assertEquals(Shape.of(4, 3, 3, 3), g.stateDict().get("conv1.weight").value().shape());
        assertEquals(Shape.of(2, 4, 1, 1), g.stateDict().get("conv2.weight").value().shape());
        assertEquals(Shape.of(1, 2, 6, 6), Executor.run(g, randomInput(Shape.of(1, 3, 6, 6), 1))[0].shape());
    }

    @Test
    void groupNormWithOneGroupIsNotWidened() {
        Graph g = groupNormGraph(1);
        Group group = new DependencyGraph(g).pruningGroup("conv1", Side.OUT, 0, 3);
        assertArrayEquals(new int[] {0, 3}, group.member("gn", Side.OUT).indices().indices());
        group.prune();
        assertEquals(GroupNorm.of(1, 6), g.requireNode("gn").op());
        assertEquals(Shape.of(1, 2, 6, 6), Executor.run(g, randomInput(Shape.of(1, 3, 6, 6), 2))[0].shape());
    }

    @Test
    void groupNormWithOneChannelPerGroupDropsWholeGroupsAndKeepsTheFunction() {
        Graph g = groupNormGraph(8);
        Group group = new DependencyGraph(g).pruningGroup("conv1", Side.OUT, 2, 5);
        for (Member m : group.members()) {
            assertArrayEquals(new int[] {2, 5}, m.indices().indices(), m.describe());
        }
        // zero the channels in the out-members: conv1 rows and bias, the GroupNorm's scale and shift
        Map<String, Parameter> sd = g.stateDict();
        for (int c : new int[] {2, 5}) {
            java.util.Arrays.fill(sd.get("conv1.weight").value().data(), c * 27, (c + 1) * 27, 0f);
            sd.get("conv1.bias").value().data()[c] = 0f;
            sd.get("gn.weight").value().data()[c] = 0f;
            sd.get("gn.bias").value().data()[c] = 0f;
        }
        Tensor x = randomInput(Shape.of(1, 3, 6, 6), 3);
        Tensor ref = Executor.run(g, x)[0];
        group.prune();
        assertEquals(GroupNorm.of(6, 6), g.requireNode("gn").op());
        Tensor out = Executor.run(g, x)[0];
        assertEquals(ref.shape(), out.shape());
        float tol = 1e-5f * ref.maxAbs() + 1e-6f;
        for (int i = 0; i < ref.numel(); i++) {
            assertEquals(ref.data()[i], out.data()[i], tol, "element " + i + " (seed " + SEED + ")");
        }
        assertTrue(ref.maxAbs() > 0, "the reference output is not trivially zero");
    }
}
