package dev.jprune.train;

import dev.jprune.ir.DType;
import dev.jprune.ir.ParamKind;
import dev.jprune.ir.Parameter;
import dev.jprune.tensor.Shape;
import dev.jprune.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Validation messages of the optimiser builders and parameter groups, and {@code toString} contents. */
class OptimizerBuilderTest {

    private static final Parameter P = new Parameter("w", ParamKind.PARAMETER, DType.FLOAT32, Tensor.zeros(Shape.of(2)));
    private static final List<ParamGroup> GROUPS = List.of(ParamGroup.of("all", List.of(P)));

    private static void rejects(Executable build, String... fragments) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, build);
        for (String f : fragments) {
            assertTrue(e.getMessage().contains(f), "message '" + e.getMessage() + "' should mention '" + f + "'");
        }
    }

    @Test
    void sgdSettingsAreValidated() {
        rejects(() -> Sgd.builder().lr(0).build(GROUPS), "lr", "0.0");
        rejects(() -> Sgd.builder().lr(-0.1).build(GROUPS), "lr", "-0.1");
        rejects(() -> Sgd.builder().lr(Double.NaN).build(GROUPS), "lr", "NaN");
        rejects(() -> Sgd.builder().momentum(-0.5).build(GROUPS), "momentum", "-0.5");
        rejects(() -> Sgd.builder().dampening(-1).build(GROUPS), "dampening", "-1.0");
        rejects(() -> Sgd.builder().weightDecay(-1e-4).build(GROUPS), "weight_decay", "-1.0E-4");
        rejects(() -> Sgd.builder().nesterov(true).build(GROUPS), "nesterov", "momentum 0.0");
        rejects(() -> Sgd.builder().nesterov(true).momentum(0.9).dampening(0.1).build(GROUPS), "nesterov", "dampening 0.1");
        rejects(() -> Sgd.builder().build(List.of()), "group");
    }

    @Test
    void adamWSettingsAreValidated() {
        rejects(() -> AdamW.builder().lr(-1).build(GROUPS), "lr", "-1.0");
        rejects(() -> AdamW.builder().betas(1.0, 0.999).build(GROUPS), "betas[0]", "1.0");
        rejects(() -> AdamW.builder().betas(0.9, -0.1).build(GROUPS), "betas[1]", "-0.1");
        rejects(() -> AdamW.builder().eps(-1e-8).build(GROUPS), "eps", "-1.0E-8");
        rejects(() -> AdamW.builder().weightDecay(-0.01).build(GROUPS), "weight_decay", "-0.01");
    }

    @Test
    void groupsAreValidated() {
        rejects(() -> ParamGroup.of("g", List.of(P)).withLr(0), "group g", "lr", "0.0");
        rejects(() -> ParamGroup.of("g", List.of(P)).withWeightDecay(-1), "group g", "weight_decay", "-1.0");
        Parameter buffer = new Parameter("bn.running_mean", ParamKind.BUFFER, DType.FLOAT32, Tensor.zeros(Shape.of(2)));
        rejects(() -> ParamGroup.of("g", List.of(buffer)), "bn.running_mean", "buffer");
        rejects(() -> Sgd.builder().build(List.of(ParamGroup.of("a", List.of(P)), ParamGroup.of("b", List.of(P)))),
                "w", "a", "b");
    }

    @Test
    void toStringListsEverySetting() {
        String sgd = Sgd.builder().lr(0.1).momentum(0.9).nesterov(true).weightDecay(5e-4).build(GROUPS).toString();
        for (String s : new String[] {"lr=0.1", "momentum=0.9", "dampening=0.0", "nesterov=true", "weight_decay=5.0E-4", "all"}) {
            assertTrue(sgd.contains(s), sgd + " should contain " + s);
        }
        String adam = AdamW.builder().lr(3e-4).betas(0.85, 0.99).eps(1e-7).weightDecay(0.05).build(GROUPS).toString();
        for (String s : new String[] {"lr=3.0E-4", "0.85", "0.99", "eps=1.0E-7", "weight_decay=0.05"}) {
            assertTrue(adam.contains(s), adam + " should contain " + s);
        }
    }
}
