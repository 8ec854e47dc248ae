package dev.jprune.train;

import dev.jprune.ir.Graph;
import dev.jprune.ir.GraphBuilder;
import dev.jprune.ir.Parameter;
import dev.jprune.ir.Value;
import dev.jprune.ops.BatchNorm2d;
import dev.jprune.ops.Conv2d;
import dev.jprune.tensor.Shape;
import dev.jprune.tensor.Tensor;
import dev.jprune.weights.RandomInit;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The weight-decay split on Conv2d(bias) → BatchNorm2d, and that the optimiser honours each group's decay. */
class ParamGroupsTest {

    private static Graph convBn() {
        GraphBuilder b = new GraphBuilder("cb");
        Value x = b.input("input", Shape.of(1, 2, 4, 4));
        x = b.module("conv", Conv2d.of(2, 3, 3, 1, 1, true), x);
        x = b.module("bn", BatchNorm2d.of(3), x);
        Graph g = b.build(x);
        RandomInit.fill(g, 3);
        return g;
    }

    private static List<String> names(ParamGroup g) {
        return g.params().stream().map(Parameter::name).toList();
    }

    @Test
    void splitPutsRankOneTensorsAndBiasesInNoDecay() {
        Graph g = convBn();
        List<ParamGroup> groups = ParamGroups.weightDecaySplit(g);
        assertEquals(2, groups.size());
        assertEquals(List.of("conv.weight"), names(groups.get(0)));
        assertEquals(List.of("conv.bias", "bn.weight", "bn.bias"), names(groups.get(1)));
        assertEquals(0.0, groups.get(1).weightDecay().orElseThrow());
        assertEquals(List.of("conv.weight", "conv.bias", "bn.weight", "bn.bias"), names(ParamGroups.all(g)));
    }

    @Test
    void optimiserAppliesDecayOnlyToTheDecayGroup() {
        Graph g = convBn();
        Sgd opt = Sgd.builder().lr(0.1).weightDecay(0.5).build(ParamGroups.weightDecaySplit(g));
        assertEquals(0.5, opt.weightDecay(0));
        assertEquals(0.0, opt.weightDecay(1));
        for (Parameter p : opt.params()) {
            p.setGrad(Tensor.zeros(p.value().shape()));
        }
        float w = g.node("conv").param("weight").data()[0];
        float scale = g.node("bn").param("weight").data()[0];
        opt.step();
        assertEquals(w * (1 - 0.1f * 0.5f), g.node("conv").param("weight").data()[0], 1e-6f);
        assertEquals(scale, g.node("bn").param("weight").data()[0]);
    }
}
