package dev.jprune.train;

import dev.jprune.ir.DType;
import dev.jprune.ir.ParamKind;
import dev.jprune.ir.Parameter;
import dev.jprune.tensor.Shape;
import dev.jprune.tensor.Tensor;
import dev.jprune.testing.Tolerance;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * SGD and AdamW over three steps on a 2-element parameter against the PyTorch update formulas evaluated in double
 * here. The gradient at each step depends on the current parameter ({@code g = 0.5 p + c_t}) so an error in any step
 * propagates. Tolerance: rtol 1e-5 · max|ref| + atol 1e-7 (the optimisers round to float once per step).
 */
class OptimizerReferenceTest {

    private static final double[] START = {1.5, -0.75};
    private static final double[][] OFFSETS = {{0.3, -0.2}, {-0.4, 0.1}, {0.25, 0.6}};

    private static Parameter param() {
        return new Parameter("layer.weight", ParamKind.PARAMETER, DType.FLOAT32,
                Tensor.of(Shape.of(2), (float) START[0], (float) START[1]));
    }

    private static double grad(double p, int step, int i) {
        return 0.5 * p + OFFSETS[step][i];
    }

    private static void setGrad(Parameter p, int step) {
        float[] w = p.value().data();
        p.setGrad(Tensor.of(Shape.of(2), (float) grad(w[0], step, 0), (float) grad(w[1], step, 1)));
    }

    /** PyTorch's SGD in double. */
    private static double[] sgdReference(double lr, double mu, double damp, boolean nesterov, double wd) {
        double[] p = START.clone();
        double[] buf = new double[2];
        for (int t = 0; t < 3; t++) {
            for (int i = 0; i < 2; i++) {
                double d = (double) (float) grad((float) p[i], t, i) + wd * p[i];
                if (mu != 0) {
                    buf[i] = t == 0 ? d : mu * buf[i] + (1 - damp) * d;
                    d = nesterov ? d + mu * buf[i] : buf[i];
                }
                p[i] -= lr * d;
            }
        }
        return p;
    }

    private static double[] runSgd(Sgd.Builder b) {
        Parameter p = param();
        Sgd opt = b.build(List.of(ParamGroup.of("all", List.of(p))));
        for (int t = 0; t < 3; t++) {
            setGrad(p, t);
            opt.step();
        }
        return Tolerance.toDouble(p.value().data(), 2);
    }

    @Test
    void sgdPlain() {
        double[] ref = sgdReference(0.1, 0, 0, false, 0);
        Tolerance.assertClose(ref, runSgd(Sgd.builder().lr(0.1)), 1e-5, 1e-7, "sgd plain");
    }

    @Test
    void sgdMomentum() {
        double[] ref = sgdReference(0.1, 0.9, 0, false, 0);
        Tolerance.assertClose(ref, runSgd(Sgd.builder().lr(0.1).momentum(0.9)), 1e-5, 1e-7, "sgd momentum");
        // momentum must make a difference, or the test would not see a missing buffer
        assertNotEquals(sgdReference(0.1, 0, 0, false, 0)[0], ref[0], 1e-3);
    }

    @Test
    void sgdMomentumWithDampening() {
        double[] ref = sgdReference(0.1, 0.9, 0.3, false, 0);
        Tolerance.assertClose(ref, runSgd(Sgd.builder().lr(0.1).momentum(0.9).dampening(0.3)), 1e-5, 1e-7, "sgd dampening");
    }

    @Test
    void sgdNesterov() {
        double[] ref = sgdReference(0.05, 0.9, 0, true, 0);
        Tolerance.assertClose(ref, runSgd(Sgd.builder().lr(0.05).momentum(0.9).nesterov(true)), 1e-5, 1e-7, "sgd nesterov");
    }

    @Test
    void sgdWeightDecayWithMomentum() {
        double[] ref = sgdReference(0.1, 0.9, 0, true, 0.05);
        Tolerance.assertClose(ref, runSgd(Sgd.builder().lr(0.1).momentum(0.9).nesterov(true).weightDecay(0.05)),
                1e-5, 1e-7, "sgd weight decay");
        assertNotEquals(sgdReference(0.1, 0.9, 0, true, 0)[0], ref[0], 1e-4);
    }

    /** PyTorch's AdamW in double. */
    private static double[] adamWReference(double lr, double b1, double b2, double eps, double wd) {
        double[] p = START.clone();
        double[] m = new double[2];
        double[] v = new double[2];
        for (int t = 1; t <= 3; t++) {
            for (int i = 0; i < 2; i++) {
                double g = (float) grad((float) p[i], t - 1, i);
                p[i] *= 1 - lr * wd;
                m[i] = b1 * m[i] + (1 - b1) * g;
                v[i] = b2 * v[i] + (1 - b2) * g * g;
                double stepSize = lr / (1 - Math.pow(b1, t));
                double denom = Math.sqrt(v[i]) / Math.sqrt(1 - Math.pow(b2, t)) + eps;
                p[i] -= stepSize * m[i] / denom;
            }
        }
        return p;
    }

    @Test
    void adamW() {
        Parameter p = param();
        AdamW opt = AdamW.builder().lr(0.01).betas(0.8, 0.95).eps(1e-6).weightDecay(0.1)
                .build(List.of(ParamGroup.of("all", List.of(p))));
        for (int t = 0; t < 3; t++) {
            setGrad(p, t);
            opt.step();
        }
        double[] ref = adamWReference(0.01, 0.8, 0.95, 1e-6, 0.1);
        Tolerance.assertClose(ref, Tolerance.toDouble(p.value().data(), 2), 1e-5, 1e-7, "adamw");
        assertNotEquals(adamWReference(0.01, 0.8, 0.95, 1e-6, 0)[0], ref[0], 1e-5);
        Map<String, Tensor> s = opt.state(p);
        assertEquals(3f, s.get("step").data()[0]);
        assertEquals(Shape.of(2), s.get("exp_avg").shape());
        assertEquals(Shape.of(2), s.get("exp_avg_sq").shape());
    }

    @Test
    void adamWDefaultsMatchPyTorch() {
        AdamW opt = AdamW.builder().build(List.of(ParamGroup.of("all", List.of(param()))));
        assertEquals(0.9, opt.beta1());
        assertEquals(0.999, opt.beta2());
        assertEquals(1e-8, opt.eps());
        assertEquals(1e-3, opt.lr(0));
        assertEquals(1e-2, opt.weightDecay(0));
    }

    @Test
    void parametersWithoutGradientAreSkipped() {
        Parameter a = param();
        Parameter b = param();
        Sgd opt = Sgd.builder().lr(0.1).momentum(0.9).weightDecay(0.1).build(List.of(ParamGroup.of("all", List.of(a, b))));
        setGrad(a, 0);
        opt.step();
        assertEquals((float) START[0], b.value().data()[0]);
        assertTrue(opt.state(b).isEmpty());
        assertNotEquals((float) START[0], a.value().data()[0]);
        opt.zeroGrad();
        assertNull(a.grad());
    }

    @Test
    void stateIsSlicedWithTheParameter() {
        Parameter p = new Parameter("conv.weight", ParamKind.PARAMETER, DType.FLOAT32,
                Tensor.of(Shape.of(3, 2), 1, 2, 3, 4, 5, 6));
        Sgd opt = Sgd.builder().lr(0.1).momentum(0.5).build(List.of(ParamGroup.of("all", List.of(p))));
        p.setGrad(Tensor.of(Shape.of(3, 2), 10, 20, 30, 40, 50, 60));
        opt.step();
        Tensor buf = opt.state(p).get("momentum_buffer");
        assertEquals(50f, buf.data()[4]);
        // prune output channel 1
        int[] keep = {0, 2};
        p.setValue(p.value().select(0, keep));
        p.setGrad(Tensor.zeros(Shape.of(2, 2)));
        IllegalStateException e = assertThrows(IllegalStateException.class, opt::step);
        assertTrue(e.getMessage().contains("momentum_buffer") && e.getMessage().contains("conv.weight"), e.getMessage());
        opt.selectState(p, 0, keep);
        assertEquals(Shape.of(2, 2), opt.state(p).get("momentum_buffer").shape());
        assertEquals(50f, opt.state(p).get("momentum_buffer").data()[2]);
        float before = p.value().data()[2];
        opt.step(); // grad 0: buf = 0.5 · buf, p −= 0.1 · buf
        Tolerance.assertClose(new double[] {before - 0.1 * 25}, new double[] {p.value().data()[2]}, 1e-6, 1e-6, "sliced step");
        opt.setState(p, Map.of());
        assertTrue(opt.state(p).isEmpty());
    }

    @Test
    void adamWStepCounterIsNotSliced() {
        Parameter p = new Parameter("fc.weight", ParamKind.PARAMETER, DType.FLOAT32, Tensor.of(Shape.of(3), 1, 2, 3));
        AdamW opt = AdamW.builder().build(List.of(ParamGroup.of("all", List.of(p))));
        p.setGrad(Tensor.of(Shape.of(3), 1, 1, 1));
        opt.step();
        opt.selectState(p, 0, new int[] {2});
        assertEquals(Shape.of(), opt.state(p).get("step").shape());
        assertEquals(Shape.of(1), opt.state(p).get("exp_avg").shape());
    }

    @Test
    void foreignParameterIsRejected() {
        Sgd opt = Sgd.builder().lr(0.1).build(List.of(ParamGroup.of("all", List.of(param()))));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> opt.state(param()));
        assertTrue(e.getMessage().contains("layer.weight"), e.getMessage());
    }

    @Test
    void setLrChangesTheStep() {
        Parameter p = param();
        Sgd opt = Sgd.builder().lr(0.1).build(List.of(ParamGroup.of("all", List.of(p))));
        opt.setLr(0.2);
        p.setGrad(Tensor.of(Shape.of(2), 1, 1));
        opt.step();
        assertEquals(1.5f - 0.2f, p.value().data()[0], 1e-6f);
        assertEquals(0.1, opt.initialLr(0));
        assertThrows(IllegalArgumentException.class, () -> opt.setLr(0, -1));
    }
}
