package dev.jprune.ops;

import dev.jprune.exec.Executor;
import dev.jprune.exec.Mode;
import dev.jprune.ir.DType;
import dev.jprune.ir.Graph;
import dev.jprune.ir.GraphBuilder;
import dev.jprune.ir.Parameter;
import dev.jprune.ir.Value;
import dev.jprune.tensor.Shape;
import dev.jprune.tensor.Tensor;
import dev.jprune.testing.GradCheck;
import dev.jprune.weights.Parity;
import dev.jprune.weights.RandomInit;
import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link Gather} (indexing by an integer tensor), {@link Normalize} ({@code F.normalize}) and {@link FreeBuffer} (a
 * registered buffer read directly): shapes, values against hand computations, errors, and gradient checks by
 * central differences (step 1e-2, tolerance {@code 1e-2 · max|numeric| + 1e-4}, every coordinate).
 */
class GatherNormalizeBufferTest {

    private static final long SEED = 91;

    private static Tensor random(long seed, int... dims) {
        SplittableRandom r = new SplittableRandom(seed);
        Tensor t = Tensor.zeros(Shape.of(dims));
        for (int i = 0; i < t.numel(); i++) {
            t.data()[i] = (float) (r.nextDouble() * 2 - 1);
        }
        return t;
    }

    /** data (input) → Gather(axis) with a buffer of indices {@code idx} of shape {@code idxShape}. */
    private static Graph gather(Shape data, int axis, Shape idxShape, float... idx) {
        GraphBuilder b = new GraphBuilder("gather");
        Value x = b.input("x", data);
        Value index = b.own("index", FreeBuffer.index("index", idxShape.dims()));
        Graph g = b.build(b.call("gather", new Gather(axis), x, index));
        g.stateDict().get("index").setValue(Tensor.wrap(idxShape, idx));
        return g;
    }

    @Test
    void gatherSelectsRowsLikeTableIndexing() {
        Graph g = gather(Shape.of(5, 3), 0, Shape.of(4), 4, 0, 0, -1);
        Tensor table = random(SEED, 5, 3);
        Tensor y = Executor.run(g, table)[0];
        assertEquals(Shape.of(4, 3), y.shape());
        int[] rows = {4, 0, 0, 4};
        for (int j = 0; j < 4; j++) {
            for (int c = 0; c < 3; c++) {
                assertEquals(table.data()[rows[j] * 3 + c], y.data()[j * 3 + c], "row " + j + " column " + c);
            }
        }
    }

    @Test
    void gatherAlongAnInnerAxisWithAMatrixOfIndices() {
        // (2, 3, 4) gathered on axis 1 by a (2, 2) index: (2, 2, 2, 4), out[a, i, j, c] = x[a, idx[i, j], c]
        float[] idx = {2, 1, 0, 2};
        Graph g = gather(Shape.of(2, 3, 4), 1, Shape.of(2, 2), idx);
        Tensor x = random(SEED + 1, 2, 3, 4);
        Tensor y = Executor.run(g, x)[0];
        assertEquals(Shape.of(2, 2, 2, 4), y.shape());
        for (int a = 0; a < 2; a++) {
            for (int k = 0; k < 4; k++) {
                for (int c = 0; c < 4; c++) {
                    assertEquals(x.data()[(a * 3 + (int) idx[k]) * 4 + c], y.data()[(a * 4 + k) * 4 + c]);
                }
            }
        }
    }

    @Test
    void gatherRejectsIndicesOutsideTheAxisNamingTheNode() {
        for (float bad : new float[] {5, -6, 1.5f}) {
            Graph g = gather(Shape.of(5, 3), 0, Shape.of(2), 0, bad);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> Executor.run(g, random(SEED, 5, 3)));
            assertTrue(e.getMessage().contains("Gather at gather") && e.getMessage().contains("[-5, 5)"),
                    e.getMessage());
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new Gather(2).inferShapes(new Shape[] {Shape.of(5, 3), Shape.of(2)}));
        assertTrue(e.getMessage().contains("Gather"), e.getMessage());
    }

    @Test
    void gatherGradientSumsOverRepeatedIndices() {
        Graph g = gather(Shape.of(4, 3), 0, Shape.of(5), 3, 0, 3, 1, 3);
        GradCheck.of(g, Mode.TRAIN).step(1e-2).tolerance(1e-2, 1e-4).samples(1000).seed(SEED).run(random(SEED, 4, 3));
        Graph inner = gather(Shape.of(2, 3, 4), 1, Shape.of(2, 2), 2, 1, 1, 2);
        GradCheck.of(inner, Mode.TRAIN).step(1e-2).tolerance(1e-2, 1e-4).samples(1000).seed(SEED)
                .run(random(SEED + 2, 2, 3, 4));
    }

    private static Graph normalize(Shape s, Normalize op) {
        GraphBuilder b = new GraphBuilder("normalize");
        return b.build(b.call("normalize", op, b.input("x", s)));
    }

    @Test
    void normalizeDividesByTheClampedEuclideanNorm() {
        Tensor x = random(SEED + 3, 2, 3, 4);
        // the second row along dim 1 of the first sample is zero: it stays zero (divided by eps)
        for (int k = 0; k < 3; k++) {
            x.data()[k * 4 + 1] = 0f;
        }
        Tensor y = Executor.run(normalize(x.shape(), new Normalize(1, 1e-12)), x)[0];
        for (int a = 0; a < 2; a++) {
            for (int c = 0; c < 4; c++) {
                double sum = 0;
                for (int k = 0; k < 3; k++) {
                    double v = x.data()[(a * 3 + k) * 4 + c];
                    sum += v * v;
                }
                double n = Math.max(Math.sqrt(sum), 1e-12);
                for (int k = 0; k < 3; k++) {
                    int i = (a * 3 + k) * 4 + c;
                    assertEquals(x.data()[i] / n, y.data()[i], 1e-6, "element " + i);
                }
            }
        }
        assertEquals(0f, y.data()[1]);
        assertEquals("Normalize(p=2.0, dim=-1, eps=1e-12)", Normalize.of(-1).describe());
        assertThrows(IllegalArgumentException.class, () -> new Normalize(-1, 0));
    }

    @Test
    void normalizeGradient() {
        GradCheck.of(normalize(Shape.of(2, 3, 5), Normalize.of(-1)), Mode.TRAIN).step(1e-2).tolerance(1e-2, 1e-4)
                .samples(1000).seed(SEED).run(random(SEED + 4, 2, 3, 5));
        // a large eps clamps every norm: the op is x / eps, linear
        GradCheck.of(normalize(Shape.of(3, 4), new Normalize(0, 10)), Mode.TRAIN).step(1e-2).tolerance(1e-2, 1e-4)
                .samples(1000).seed(SEED).run(random(SEED + 5, 3, 4));
    }

    @Test
    void aFreeBufferIsStateButNeitherTrainedNorCounted() {
        GraphBuilder b = new GraphBuilder("buffers");
        Value x = b.input("x", Shape.of(2, 3));
        Value table;
        try (GraphBuilder.Scope s = b.scope("attn")) {
            table = b.own("relative_coords_table", FreeBuffer.of("relative_coords_table", 2, 3));
            b.own("relative_position_index", FreeBuffer.index("relative_position_index", 4));
        }
        Graph g = b.build(b.call("add", new Add(), x, table));
        Parameter coords = g.stateDict().get("attn.relative_coords_table");
        Parameter index = g.stateDict().get("attn.relative_position_index");
        assertFalse(coords.trainable());
        assertEquals(DType.INT64, index.dtype());
        assertEquals(0, g.parameterCount());
        index.setValue(Tensor.of(Shape.of(4), 3, 1, 2, 0));
        Parity.fill(g);
        RandomInit.fill(g, 1);
        assertArrayEquals(new float[] {3, 1, 2, 0}, index.value().data(), "integer buffers are left as built");
        Tensor y = Executor.run(g, random(SEED, 2, 3))[0];
        assertEquals(Shape.of(2, 3), y.shape());
        assertEquals("Buffer(relative_position_index, (4,), int64)",
                g.requireNode("attn.relative_position_index").op().describe());
        // a buffer gets no gradient and passes none on
        GradCheck.of(g, Mode.TRAIN).samples(100).seed(SEED).run(random(SEED + 6, 2, 3));
        assertEquals(null, coords.grad());
    }
}
