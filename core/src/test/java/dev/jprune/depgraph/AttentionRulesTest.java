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
import dev.jprune.ops.FreeParameter;
import dev.jprune.ops.Linear;
import dev.jprune.ops.MatMul;
import dev.jprune.ops.ScaledDotProductAttention;
import dev.jprune.ops.Softmax;
import dev.jprune.tensor.Shape;
import dev.jprune.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Axis rules of the attention building blocks: {@link MatMul}, {@link ScaledDotProductAttention} and
 * {@link Softmax}.
 */
class AttentionRulesTest {

    private static final long SEED = 23;

    private static void fillDistinct(Graph g, long seed) {
        Random r = new Random(seed);
        for (Parameter p : g.stateDict().values()) {
            if (p.dtype() == DType.FLOAT32) {
                float[] d = p.value().data();
                for (int i = 0; i < d.length; i++) {
                    d[i] = (float) (0.5 * r.nextGaussian());
                }
            }
        }
    }

    private static Tensor randomInput(Shape s, long seed) {
        Random r = new Random(seed);
        Tensor t = Tensor.zeros(s);
        for (int i = 0; i < t.numel(); i++) {
            t.data()[i] = (float) r.nextGaussian();
        }
        return t;
    }

    private static Map<String, Indices> links(Node n, Port from, int axis, Indices removed) {
        Map<String, Indices> m = new TreeMap<>();
        n.op().linkAxes(n, from, axis, removed, (p, a, i) -> m.merge(p + " axis " + a, i, Indices::union));
        return m;
    }

    private static List<String> names(Group g) {
        return g.members().stream().map(m -> m.layer() + " " + m.side().label()).toList();
    }

    /** Zeroes rows {@code rows} of a (rows, cols) weight and the same entries of its bias. */
    private static void zeroOutputs(Graph g, String layer, int... rows) {
        Tensor w = g.stateDict().get(layer + ".weight").value();
        Tensor bias = g.stateDict().get(layer + ".bias").value();
        int cols = w.dim(1);
        for (int r : rows) {
            Arrays.fill(w.data(), r * cols, (r + 1) * cols, 0f);
            bias.data()[r] = 0f;
        }
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

    /** A lone op on graph inputs of the given shapes, to read its links. */
    private static Node lone(String name, dev.jprune.ir.Op op, Shape... inputs) {
        GraphBuilder b = new GraphBuilder(name);
        Value[] in = new Value[inputs.length];
        for (int i = 0; i < inputs.length; i++) {
            in[i] = b.input("x" + i, inputs[i]);
        }
        return b.build(b.call(name, op, in)).requireNode(name);
    }

    @Test
    void matMulCouplesTheInnerDimensionRowsColumnsAndBatch() {
        // a (2, 3, 4, 5) @ b (3, 5, 6) → (2, 3, 4, 6)
        Node mm = lone("mm", new MatMul(), Shape.of(2, 3, 4, 5), Shape.of(3, 5, 6));
        Indices r = Indices.of(1, 2);
        assertEquals(Map.of("in0 axis 3", r, "in1 axis 1", r), links(mm, Port.in(0), 3, r));
        assertEquals(Map.of("in0 axis 3", r, "in1 axis 1", r), links(mm, Port.in(1), 1, r));
        assertEquals(Map.of("in0 axis 2", r, "out0 axis 2", r), links(mm, Port.out(0), 2, r));
        assertEquals(Map.of("in1 axis 2", r, "out0 axis 3", r), links(mm, Port.in(1), 2, r));
        assertEquals(Map.of("in0 axis 1", r, "in1 axis 0", r, "out0 axis 1", r), links(mm, Port.out(0), 1, r));
        // the outer batch axis exists only in a
        Indices one = Indices.of(1);
        assertEquals(Map.of("in0 axis 0", one, "out0 axis 0", one), links(mm, Port.out(0), 0, one));
    }

    @Test
    void matMulDoesNotCoupleABroadcastBatchAxis() {
        // a (2, 1, 4, 5) @ b (3, 5, 6) → (2, 3, 4, 6): a's size-1 axis serves all three
        Node mm = lone("mm", new MatMul(), Shape.of(2, 1, 4, 5), Shape.of(3, 5, 6));
        Indices r = Indices.of(0, 2);
        assertEquals(Map.of("in1 axis 0", r, "out0 axis 1", r), links(mm, Port.out(0), 1, r));
        assertEquals(Map.of(), links(mm, Port.in(0), 1, Indices.of(0)));
    }

    @Test
    void matMulWithAVectorHasOnlyTheInnerDimensionOnIt() {
        // (5) @ (5, 6) → (6)
        Node mm = lone("mm", new MatMul(), Shape.of(5), Shape.of(5, 6));
        Indices r = Indices.of(4);
        assertEquals(Map.of("in0 axis 0", r, "in1 axis 0", r), links(mm, Port.in(0), 0, r));
        assertEquals(Map.of("in1 axis 1", r, "out0 axis 0", r), links(mm, Port.out(0), 0, r));
        // (2, 4, 5) @ (5) → (2, 4)
        Node mv = lone("mv", new MatMul(), Shape.of(2, 4, 5), Shape.of(5));
        assertEquals(Map.of("in0 axis 1", Indices.of(3), "out0 axis 1", Indices.of(3)),
                links(mv, Port.out(0), 1, Indices.of(3)));
        assertEquals(Map.of("in0 axis 2", r, "in1 axis 0", r), links(mv, Port.in(1), 0, r));
    }

    /** x (2, 4, 8) → fa Linear(8, 6) → @ proj (6, 3) → fc Linear(3, 2). */
    private static Graph matMulGraph() {
        GraphBuilder b = new GraphBuilder("mm");
        Value x = b.input("x", Shape.of(2, 4, 8));
        Value a = b.module("fa", Linear.of(8, 6, true), x);
        Value p = b.module("proj", FreeParameter.of("weight", 6, 3));
        Value y = b.call("matmul", new MatMul(), a, p);
        Graph g = b.build(b.module("fc", Linear.of(3, 2, true), y));
        fillDistinct(g, SEED);
        return g;
    }

    @Test
    void matMulCarriesTheInnerDimensionToTheOtherOperand() {
        Graph g = matMulGraph();
        Group group = new DependencyGraph(g).pruningGroup("fa", Side.OUT, 1, 4);
        assertEquals(List.of("fa out", "proj out", "matmul out"), names(group), group.details());
        assertEquals(0, group.member("proj", Side.OUT).axis());
        Tensor before = g.stateDict().get("proj.weight").value().copy();
        zeroOutputs(g, "fa", 1, 4);
        Tensor x = randomInput(Shape.of(2, 4, 8), 1);
        Tensor ref = Executor.run(g, x)[0];
        group.prune();
        assertEquals(Shape.of(4, 3), g.stateDict().get("proj.weight").value().shape());
        assertEquals(before.select(0, new int[] {0, 2, 3, 5}).shape(), g.stateDict().get("proj.weight").value().shape());
        assertArrayEquals(before.select(0, new int[] {0, 2, 3, 5}).data(), g.stateDict().get("proj.weight").value().data());
        assertSameOutput(ref, Executor.run(g, x)[0]);
    }

    @Test
    void matMulCarriesTheColumnsToItsConsumer() {
        Graph g = matMulGraph();
        Group group = new DependencyGraph(g).pruningGroup("fc", Side.IN, 2);
        assertEquals(List.of("fc in", "proj out", "matmul out"), names(group), group.details());
        assertEquals(1, group.member("proj", Side.OUT).axis());
        // zero the removed column of the parameter: the out-member producing it
        Tensor p = g.stateDict().get("proj.weight").value();
        for (int row = 0; row < 6; row++) {
            p.set(0f, row, 2);
        }
        Tensor x = randomInput(Shape.of(2, 4, 8), 2);
        Tensor ref = Executor.run(g, x)[0];
        group.prune();
        assertEquals(Shape.of(6, 2), g.stateDict().get("proj.weight").value().shape());
        assertEquals(Shape.of(2, 2), g.stateDict().get("fc.weight").value().shape());
        assertSameOutput(ref, Executor.run(g, x)[0]);
    }

    @Test
    void attentionCouplesHeadsKeyDimensionValueDimensionQueriesAndKeys() {
        // q (2, 3, 4, 8), k (2, 3, 5, 8), v (2, 3, 5, 6) → (2, 3, 4, 6)
        Node at = lone("sdpa", ScaledDotProductAttention.of(), Shape.of(2, 3, 4, 8), Shape.of(2, 3, 5, 8),
                Shape.of(2, 3, 5, 6));
        Indices r = Indices.of(0, 1);
        assertEquals(Map.of("in0 axis 1", r, "in1 axis 1", r, "in2 axis 1", r, "out0 axis 1", r),
                links(at, Port.in(2), 1, r));
        assertEquals(Map.of("in0 axis 0", r, "in1 axis 0", r, "in2 axis 0", r, "out0 axis 0", r),
                links(at, Port.out(0), 0, r));
        assertEquals(Map.of("in0 axis 3", r, "in1 axis 3", r), links(at, Port.in(0), 3, r));
        assertEquals(Map.of("in2 axis 3", r, "out0 axis 3", r), links(at, Port.out(0), 3, r));
        assertEquals(Map.of("in0 axis 2", r, "out0 axis 2", r), links(at, Port.in(0), 2, r));
        assertEquals(Map.of("in1 axis 2", r, "in2 axis 2", r), links(at, Port.in(2), 2, r));
    }

    @Test
    void attentionDoesNotCoupleBroadcastKeysAndValues() {
        // one key/value head shared by three query heads
        Node at = lone("sdpa", ScaledDotProductAttention.of(), Shape.of(2, 3, 4, 8), Shape.of(2, 1, 5, 8),
                Shape.of(2, 1, 5, 6));
        Indices r = Indices.of(2);
        assertEquals(Map.of("in0 axis 1", r, "out0 axis 1", r), links(at, Port.out(0), 1, r));
        assertEquals(Map.of(), links(at, Port.in(1), 1, Indices.of(0)));
    }

    /** x (2, 5, 8) → fq, fk Linear(8, 4), fv Linear(8, 6) → attention (N, L, D) → fo Linear(6, 8). */
    private static Graph attentionGraph(ScaledDotProductAttention op) {
        GraphBuilder b = new GraphBuilder("attn");
        Value x = b.input("x", Shape.of(2, 5, 8));
        Value q = b.module("fq", Linear.of(8, 4, true), x);
        Value k = b.module("fk", Linear.of(8, 4, true), x);
        Value v = b.module("fv", Linear.of(8, 6, true), x);
        Value a = b.call("attention", op, q, k, v);
        Graph g = b.build(b.module("fo", Linear.of(6, 8, true), a));
        fillDistinct(g, SEED);
        return g;
    }

    @Test
    void queryDimensionsTakeTheKeyDimensionsWithThem() {
        Graph g = attentionGraph(new ScaledDotProductAttention(0.4));
        Group group = new DependencyGraph(g).pruningGroup("fq", Side.OUT, 1);
        assertEquals(List.of("fq out", "fk out", "attention out"), names(group), group.details());
        assertEquals(Port.in(0), group.member("attention", Side.OUT).port());
        // with a fixed scale, zeroing the removed query dimension makes the removal exact
        zeroOutputs(g, "fq", 1);
        Tensor x = randomInput(Shape.of(2, 5, 8), 3);
        Tensor ref = Executor.run(g, x)[0];
        group.prune();
        assertEquals(Shape.of(3, 8), g.stateDict().get("fq.weight").value().shape());
        assertEquals(Shape.of(3, 8), g.stateDict().get("fk.weight").value().shape());
        assertEquals(Shape.of(6, 8), g.stateDict().get("fv.weight").value().shape());
        assertSameOutput(ref, Executor.run(g, x)[0]);
    }

    @Test
    void valueDimensionsTakeTheOutputProjectionInputsWithThem() {
        Graph g = attentionGraph(ScaledDotProductAttention.of());
        Group group = new DependencyGraph(g).pruningGroup("fv", Side.OUT, 0, 5);
        assertEquals(List.of("fv out", "attention out", "fo in"), names(group), group.details());
        zeroOutputs(g, "fv", 0, 5);
        Tensor x = randomInput(Shape.of(2, 5, 8), 4);
        Tensor ref = Executor.run(g, x)[0];
        group.prune();
        assertEquals(Shape.of(8, 4), g.stateDict().get("fo.weight").value().shape());
        assertSameOutput(ref, Executor.run(g, x)[0]);
    }

    @Test
    void defaultScaleFollowsThePrunedKeyDimension() {
        Graph g = attentionGraph(ScaledDotProductAttention.of());
        new DependencyGraph(g).pruningGroup("fk", Side.OUT, 0, 3).prune();
        // the default 1/sqrt(D) now uses D = 2: the output equals that of an explicit scale 1/sqrt(2)
        Tensor x = randomInput(Shape.of(2, 5, 8), 5);
        Tensor out = Executor.run(g, x)[0];
        g.requireNode("attention").setOp(new ScaledDotProductAttention(1 / Math.sqrt(2)));
        Tensor explicit = Executor.run(g, x)[0];
        assertArrayEquals(explicit.data(), out.data());
        g.requireNode("attention").setOp(new ScaledDotProductAttention(1 / Math.sqrt(4)));
        Tensor oldScale = Executor.run(g, x)[0];
        assertTrue(Math.abs(oldScale.data()[0] - out.data()[0]) > 1e-6, "the scale changed with D");
    }

    @Test
    void softmaxIsTheIdentityOnEveryAxisIncludingItsOwn() {
        Node sm = lone("softmax", new Softmax(-1), Shape.of(2, 3, 7));
        for (int axis = 0; axis < 3; axis++) {
            Indices r = Indices.of(0, 2);
            assertEquals(Map.of("in0 axis " + axis, r, "out0 axis " + axis, r), links(sm, Port.out(0), axis, r));
        }
    }

    @Test
    void softmaxAlongThePrunedAxisRenormalisesTheKeptEntries() {
        // the same weights twice: one graph ends at the softmax, the other feeds it to fc2 and is pruned
        GraphBuilder b1 = new GraphBuilder("sm");
        Value h1 = b1.module("fc1", Linear.of(5, 6, true), b1.input("x", Shape.of(3, 5)));
        Graph probs = b1.build(b1.call("softmax", new Softmax(-1), h1));
        GraphBuilder b2 = new GraphBuilder("sm");
        Value h2 = b2.module("fc1", Linear.of(5, 6, true), b2.input("x", Shape.of(3, 5)));
        Graph g = b2.build(b2.module("fc2", Linear.of(6, 2, true), b2.call("softmax", new Softmax(-1), h2)));
        fillDistinct(probs, SEED);
        fillDistinct(g, SEED);
        assertArrayEquals(probs.stateDict().get("fc1.weight").value().data(), g.stateDict().get("fc1.weight").value().data());

        Group group = new DependencyGraph(g).pruningGroup("fc1", Side.OUT, 1, 4);
        assertEquals(List.of("fc1 out", "softmax out", "fc2 in"), names(group), group.details());
        group.prune();
        Tensor x = randomInput(Shape.of(3, 5), 6);
        Tensor p = Executor.run(probs, x)[0];
        Tensor out = Executor.run(g, x)[0];
        Tensor w2 = g.stateDict().get("fc2.weight").value();
        float[] b2v = g.stateDict().get("fc2.bias").value().data();
        int[] kept = {0, 2, 3, 5};
        for (int row = 0; row < 3; row++) {
            double sum = 0;
            for (int j : kept) {
                sum += p.get(row, j);
            }
            for (int o = 0; o < 2; o++) {
                double expected = b2v[o];
                for (int c = 0; c < kept.length; c++) {
                    expected += w2.get(o, c) * p.get(row, kept[c]) / sum;
                }
                assertEquals(expected, out.get(row, o), 1e-5 * (1 + Math.abs(expected)), "row " + row + " output " + o);
            }
        }
    }
}
