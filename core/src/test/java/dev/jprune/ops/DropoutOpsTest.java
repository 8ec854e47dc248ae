package dev.jprune.ops;

import dev.jprune.exec.Executor;
import dev.jprune.exec.ForwardContext;
import dev.jprune.exec.Mode;
import dev.jprune.ir.Graph;
import dev.jprune.ir.Op;
import dev.jprune.kernels.Kernels;
import dev.jprune.tensor.Shape;
import dev.jprune.tensor.Tensor;
import org.junit.jupiter.api.Test;

import static dev.jprune.ops.ElementwiseTestSupport.assertInvalid;
import static dev.jprune.ops.ElementwiseTestSupport.assertShapeError;
import static dev.jprune.ops.ElementwiseTestSupport.graph;
import static dev.jprune.ops.ElementwiseTestSupport.uniform;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Dropout and StochasticDepth. Train-mode statistics use fixed seeds; tolerances are stated at each check (at
 * least 4.5 standard deviations of the binomial fraction). Scaling is checked exactly.
 */
class DropoutOpsTest {

    private static final long SEED = 20240607L;

    private static Tensor train(Op op, Tensor x, ForwardContext ctx) {
        return Executor.run(graph(op, x.shape()), ctx, x)[0];
    }

    private static ForwardContext trainContext(long seed) {
        return new ForwardContext(Mode.TRAIN, Kernels.scalar(), seed);
    }

    @Test
    void evalModeIsTheIdentityAndSharesTheTensor() {
        Tensor x = uniform(1, -1f, 1f, 2, 3, 4);
        for (Op op : new Op[] {new Dropout(0.5), new StochasticDepth(0.3, "row"), new StochasticDepth(0.3, "batch")}) {
            Tensor y = Executor.run(graph(op, x.shape()), x)[0];
            assertSame(x, y, op.describe() + " returns the input itself in eval mode");
        }
        // p = 0 is the identity even in train mode
        assertSame(x, train(new Dropout(0), x, trainContext(SEED)));
        assertSame(x, train(new StochasticDepth(0, "row"), x, trainContext(SEED)));
    }

    @Test
    void dropoutMaskFractionAndExactScaling() {
        double p = 0.3;
        Tensor x = uniform(2, 0.5f, 2f, 4, 25000);
        float[] in = x.data().clone();
        Tensor y = train(new Dropout(p), x, trainContext(SEED));
        float scale = 1f / (float) (1 - p);
        int dropped = 0;
        for (int i = 0; i < in.length; i++) {
            if (y.data()[i] == 0f) {
                dropped++;
            } else {
                assertEquals(in[i] * scale, y.data()[i], 0f, "kept element " + i + " is x / (1 - p) exactly");
            }
        }
        double fraction = dropped / (double) in.length;
        // binomial std = sqrt(0.21 / 1e5) ≈ 0.00145; tolerance 0.008 ≈ 5.5 std (seed " + SEED + ")
        assertEquals(p, fraction, 0.008, "dropped fraction with seed " + SEED);
        assertArrayEquals(in, x.data(), "input unchanged");
        // the same seed gives the same mask; another seed a different one
        assertArrayEquals(y.data(), train(new Dropout(p), x, trainContext(SEED)).data());
        assertTrue(!java.util.Arrays.equals(y.data(), train(new Dropout(p), x, trainContext(SEED + 1)).data()));
    }

    @Test
    void dropoutExtremes() {
        Tensor x = Tensor.of(Shape.of(4), 1f, -2f, Float.NaN, 3f);
        float[] all = train(new Dropout(1), x, trainContext(SEED)).data();
        assertEquals(0f, all[0]);
        assertEquals(0f, all[1], 0f);
        assertTrue(Float.isNaN(all[2]), "NaN * 0 stays NaN, as input * mask in PyTorch");
        assertEquals(0f, all[3]);
        assertInvalid(() -> new Dropout(1.5), "Dropout", "between 0 and 1", "1.5");
        assertInvalid(() -> new Dropout(Double.NaN), "Dropout", "between 0 and 1");
    }

    @Test
    void stochasticDepthRowDropsWholeSamples() {
        double p = 0.2;
        int n = 3000;
        Tensor x = uniform(3, 0.5f, 2f, n, 2, 3);
        Tensor y = train(new StochasticDepth(p, "row"), x, trainContext(SEED));
        float scale = 1f / (float) (1 - p);
        int dropped = 0;
        for (int b = 0; b < n; b++) {
            boolean zero = y.data()[b * 6] == 0f;
            if (zero) {
                dropped++;
            }
            for (int i = b * 6; i < b * 6 + 6; i++) {
                assertEquals(zero ? 0f : x.data()[i] * scale, y.data()[i], 0f, "sample " + b + " all dropped or all kept");
            }
        }
        // std = sqrt(0.16 / 3000) ≈ 0.0073; tolerance 0.035 ≈ 4.8 std
        assertEquals(p, dropped / (double) n, 0.035, "dropped sample fraction with seed " + SEED);
    }

    @Test
    void stochasticDepthBatchDropsAllOrNothing() {
        double p = 0.4;
        Tensor x = uniform(4, 0.5f, 2f, 5, 3);
        Graph g = graph(new StochasticDepth(p, "batch"), x.shape());
        ForwardContext ctx = trainContext(SEED);
        float scale = 1f / (float) (1 - p);
        int runs = 1000;
        int dropped = 0;
        for (int r = 0; r < runs; r++) {
            Tensor y = Executor.run(g, ctx, x)[0];
            boolean zero = y.data()[0] == 0f;
            if (zero) {
                dropped++;
            }
            for (int i = 0; i < x.numel(); i++) {
                assertEquals(zero ? 0f : x.data()[i] * scale, y.data()[i], 0f, "run " + r + " element " + i);
            }
        }
        // std = sqrt(0.24 / 1000) ≈ 0.0155; tolerance 0.075 ≈ 4.8 std
        assertEquals(p, dropped / (double) runs, 0.075, "dropped batch fraction with seed " + SEED);
        float[] all = train(new StochasticDepth(1, "row"), x, trainContext(SEED)).data();
        for (float v : all) {
            assertEquals(0f, v);
        }
    }

    @Test
    void validationShapesCountsAndDescriptions() {
        assertInvalid(() -> new StochasticDepth(0.1, "sample"), "StochasticDepth", "'row' or 'batch'", "sample");
        assertInvalid(() -> new StochasticDepth(-0.1, "row"), "StochasticDepth", "between 0 and 1");
        assertShapeError(new StochasticDepth(0.1, "row"), new Shape[] {Shape.of()}, "StochasticDepth", "(N, ...)");
        assertShapeError(new Dropout(0.1), new Shape[] {}, "Dropout", "1 input");
        Shape[] s = {Shape.of(2, 3)};
        assertEquals(s[0], new Dropout(0.1).inferShapes(s)[0]);
        assertEquals(0, new Dropout(0.1).countOps(s, s));
        assertEquals(0, new StochasticDepth(0.1, "row").countOps(s, s));
        assertEquals("Dropout(p=0.5, inplace=False)", new Dropout(0.5).describe());
        assertEquals("StochasticDepth(p=0.1, mode=row)", new StochasticDepth(0.1, "row").describe());
    }
}
