package dev.jprune.train;

import dev.jprune.tensor.Shape;
import dev.jprune.tensor.Tensor;
import dev.jprune.testing.Tolerance;
import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Cross-entropy (with and without label smoothing) and MSE against double references written from PyTorch's
 * definitions, plus a finite-difference check that the gradient is the derivative of the value. Seeded (seed 7).
 */
class LossTest {

    private static final long SEED = 7;

    /** PyTorch's definition: mean over samples of (1−ε)·(−log p[y]) + ε/C · Σ_c −log p[c], with naive log-softmax. */
    private static double ceReference(double[][] x, int[] y, double eps) {
        double total = 0;
        for (int n = 0; n < x.length; n++) {
            int c = x[n].length;
            double z = 0;
            for (double v : x[n]) {
                z += Math.exp(v);
            }
            double smooth = 0;
            for (double v : x[n]) {
                smooth += -(v - Math.log(z));
            }
            total += (1 - eps) * -(x[n][y[n]] - Math.log(z)) + eps * smooth / c;
        }
        return total / x.length;
    }

    private static double[] ceGradReference(double[][] x, int[] y, double eps) {
        int c = x[0].length;
        double[] g = new double[x.length * c];
        for (int n = 0; n < x.length; n++) {
            double z = 0;
            for (double v : x[n]) {
                z += Math.exp(v);
            }
            for (int j = 0; j < c; j++) {
                double q = (j == y[n] ? 1 - eps : 0) + eps / c;
                g[n * c + j] = (Math.exp(x[n][j]) / z - q) / x.length;
            }
        }
        return g;
    }

    private static double[][] randomLogits(int n, int c, SplittableRandom r) {
        double[][] x = new double[n][c];
        for (double[] row : x) {
            for (int j = 0; j < c; j++) {
                row[j] = (float) (r.nextDouble() * 8 - 4);
            }
        }
        return x;
    }

    private static Tensor toTensor(double[][] x) {
        int c = x[0].length;
        float[] d = new float[x.length * c];
        for (int n = 0; n < x.length; n++) {
            for (int j = 0; j < c; j++) {
                d[n * c + j] = (float) x[n][j];
            }
        }
        return Tensor.wrap(Shape.of(x.length, c), d);
    }

    @Test
    void crossEntropyMatchesReference() {
        SplittableRandom r = new SplittableRandom(SEED);
        for (double eps : new double[] {0, 0.1}) {
            double[][] x = randomLogits(5, 4, r);
            int[] y = {0, 3, 1, 2, 3};
            LossValue lv = new CrossEntropyLoss(eps).compute(toTensor(x), y);
            double ref = ceReference(x, y, eps);
            assertEquals(ref, lv.value(), 1e-9 * Math.abs(ref) + 1e-12, "seed " + SEED + " eps " + eps);
            Tolerance.assertClose(ceGradReference(x, y, eps), Tolerance.toDouble(lv.grad().data(), 20), 1e-6, 1e-8,
                    "seed " + SEED + " eps " + eps + " gradient");
        }
        // label smoothing changes the value, so the test would catch it being ignored
        double[][] x = randomLogits(3, 5, r);
        int[] y = {4, 0, 2};
        assertTrue(Math.abs(ceReference(x, y, 0) - ceReference(x, y, 0.1)) > 1e-3);
    }

    @Test
    void crossEntropyGradientIsTheDerivative() {
        SplittableRandom r = new SplittableRandom(SEED + 1);
        double[][] x = randomLogits(3, 4, r);
        int[] y = {2, 0, 3};
        CrossEntropyLoss loss = new CrossEntropyLoss(0.1);
        float[] g = loss.compute(toTensor(x), y).grad().data();
        double h = 1e-5;
        for (int n = 0; n < 3; n++) {
            for (int j = 0; j < 4; j++) {
                double keep = x[n][j];
                x[n][j] = keep + h;
                double up = ceReference(x, y, 0.1);
                x[n][j] = keep - h;
                double down = ceReference(x, y, 0.1);
                x[n][j] = keep;
                assertEquals((up - down) / (2 * h), g[n * 4 + j], 1e-6, "d loss / d x[" + n + "][" + j + "]");
            }
        }
    }

    @Test
    void crossEntropyIsStableForLargeLogits() {
        Tensor logits = Tensor.of(Shape.of(2, 3), 1000, -1000, 0, -1000, 1000, 1000);
        LossValue plain = CrossEntropyLoss.of().compute(logits, new int[] {0, 1});
        // sample 0: p ≈ (1, 0, 0) → 0; sample 1: p = (0, ½, ½) → log 2
        assertEquals(Math.log(2) / 2, plain.value(), 1e-12);
        LossValue smooth = new CrossEntropyLoss(0.1).compute(logits, new int[] {0, 1});
        // sample 0: −log p = (0, 2000, 1000); sample 1: (2000 + log 2, log 2, log 2)
        double s0 = 0.1 * 3000 / 3;
        double s1 = 0.9 * Math.log(2) + 0.1 * (2000 + 3 * Math.log(2)) / 3;
        assertEquals((s0 + s1) / 2, smooth.value(), 1e-9);
        for (float v : smooth.grad().data()) {
            assertTrue(Float.isFinite(v), "gradient must stay finite");
        }
        assertEquals((0.5 - (0.9 + 0.1 / 3)) / 2, smooth.grad().data()[4], 1e-7);
    }

    @Test
    void crossEntropyTakesTargetsAsTensor() {
        Tensor logits = Tensor.of(Shape.of(2, 3), 1, 2, 3, 3, 2, 1);
        LossValue a = CrossEntropyLoss.of().compute(logits, Tensor.of(Shape.of(2), 2, 1));
        LossValue b = CrossEntropyLoss.of().compute(logits, new int[] {2, 1});
        assertEquals(b.value(), a.value());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> CrossEntropyLoss.of().compute(logits, new int[] {0, 3}));
        assertTrue(e.getMessage().contains("[0, 3)"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> CrossEntropyLoss.of().compute(logits, Tensor.of(Shape.of(2), 0.5f, 1)));
        assertThrows(IllegalArgumentException.class, () -> new CrossEntropyLoss(1.5));
    }

    @Test
    void mse() {
        Tensor x = Tensor.of(Shape.of(2, 2), 1, 2, 3, 4);
        Tensor t = Tensor.of(Shape.of(2, 2), 0, 2, 5, 3);
        LossValue lv = new MseLoss().compute(x, t);
        assertEquals((1 + 0 + 4 + 1) / 4.0, lv.value(), 1e-12);
        Tolerance.assertClose(new double[] {0.5, 0, -1, 0.5}, Tolerance.toDouble(lv.grad().data(), 4), 1e-7, 0, "mse grad");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new MseLoss().compute(x, Tensor.zeros(Shape.of(4))));
        assertTrue(e.getMessage().contains("(4,)") && e.getMessage().contains("(2, 2)"), e.getMessage());
    }
}
