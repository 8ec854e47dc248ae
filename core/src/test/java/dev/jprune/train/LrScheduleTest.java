package dev.jprune.train;

import dev.jprune.ir.DType;
import dev.jprune.ir.ParamKind;
import dev.jprune.ir.Parameter;
import dev.jprune.tensor.Shape;
import dev.jprune.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Schedules against PyTorch's closed forms, evaluated by hand; tolerance 1e-12 absolute. */
class LrScheduleTest {

    private static final double TOL = 1e-12;

    @Test
    void stepLR() {
        StepLR s = new StepLR(30, 0.1);
        assertEquals(0.1, s.lr(0.1, 0), TOL);
        assertEquals(0.1, s.lr(0.1, 29), TOL);
        assertEquals(0.01, s.lr(0.1, 30), TOL);
        assertEquals(0.001, s.lr(0.1, 65), TOL);
        assertThrows(IllegalArgumentException.class, () -> new StepLR(0, 0.1));
        assertThrows(IllegalArgumentException.class, () -> s.lr(0.1, -1));
    }

    @Test
    void multiStepLR() {
        MultiStepLR s = new MultiStepLR(new int[] {2, 5, 5}, 0.5);
        assertEquals(1.0, s.lr(1.0, 0), TOL);
        assertEquals(1.0, s.lr(1.0, 1), TOL);
        assertEquals(0.5, s.lr(1.0, 2), TOL);
        assertEquals(0.5, s.lr(1.0, 4), TOL);
        assertEquals(0.125, s.lr(1.0, 5), TOL); // a repeated milestone decays twice, as PyTorch's Counter
        assertEquals(0.125, s.lr(1.0, 100), TOL);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new MultiStepLR(new int[] {5, 2}, 0.1));
        assertTrue(e.getMessage().contains("[5, 2]"), e.getMessage());
    }

    @Test
    void cosineAnnealingLR() {
        CosineAnnealingLR s = new CosineAnnealingLR(100, 0.001);
        assertEquals(0.1, s.lr(0.1, 0), TOL);
        assertEquals(0.001 + (0.1 - 0.001) / 2, s.lr(0.1, 50), TOL);
        assertEquals(0.001, s.lr(0.1, 100), TOL);
        assertEquals(0.001 + 0.099 * (1 + Math.cos(Math.PI * 0.25)) / 2, s.lr(0.1, 25), TOL);
        assertEquals(0.0, CosineAnnealingLR.of(10).lr(0.5, 10), TOL);
    }

    @Test
    void linearWarmupThenCosine() {
        LinearWarmup s = new LinearWarmup(0.01, 5, CosineAnnealingLR.of(96));
        assertEquals(0.1 * 0.01, s.lr(0.1, 0), TOL);
        assertEquals(0.1 * (0.01 + 0.99 * 2 / 5), s.lr(0.1, 2), TOL);
        assertEquals(0.1, s.lr(0.1, 5), TOL); // cosine at its own step 0
        assertEquals(0.05, s.lr(0.1, 5 + 48), TOL);
        assertEquals(0.0, s.lr(0.1, 5 + 96), TOL);
        assertThrows(IllegalArgumentException.class, () -> new LinearWarmup(0, 5, LrSchedule.constant()));
        assertThrows(IllegalArgumentException.class, () -> new LinearWarmup(0.1, 0, LrSchedule.constant()));
    }

    @Test
    void appliedPerGroupFromEachInitialLr() {
        Parameter a = new Parameter("a", ParamKind.PARAMETER, DType.FLOAT32, Tensor.zeros(Shape.of(1)));
        Parameter b = new Parameter("b", ParamKind.PARAMETER, DType.FLOAT32, Tensor.zeros(Shape.of(1)));
        Sgd opt = Sgd.builder().lr(0.1).build(List.of(ParamGroup.of("a", List.of(a)), ParamGroup.of("b", List.of(b)).withLr(0.02)));
        StepLR s = new StepLR(2, 0.5);
        opt.applySchedule(s, 3);
        assertEquals(0.05, opt.lr(0), TOL);
        assertEquals(0.01, opt.lr(1), TOL);
        opt.applySchedule(s, 0);
        assertEquals(0.1, opt.lr(0), TOL);
        assertEquals(0.02, opt.lr(1), TOL);
    }
}
