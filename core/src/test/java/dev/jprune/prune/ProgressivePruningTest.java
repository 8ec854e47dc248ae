package dev.jprune.prune;

import dev.jprune.count.OpCounter;
import dev.jprune.ir.Graph;
import dev.jprune.prune.importance.GroupMagnitudeImportance;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link ProgressivePruning} on the small residual model: Torch-Pruning's loop stops at the first step whose MACs
 * reach the speed-up, records each step's MACs, and says when the schedule ended first.
 */
class ProgressivePruningTest {

    private static BasePruner pruner(Graph g, int steps, double maxRatio) {
        return BasePruner.builder(g).importance(GroupMagnitudeImportance.builder().p(2).build()).globalPruning(true)
                .pruningRatio(1.0).maxPruningRatio(maxRatio).iterativeSteps(steps).ignoredLayers(List.of("head")).build();
    }

    @Test
    void stopsAtTheFirstStepReachingTheSpeedUp() {
        Graph g = PrunerModels.residual(3);
        long base = OpCounter.count(g).ops();
        ProgressivePruning.Result r = ProgressivePruning.untilSpeedUp(pruner(g, 40, 1.0), g, 1.5);
        assertTrue(r.reached());
        assertEquals(base, r.baseMacs());
        assertEquals(OpCounter.count(g).ops(), r.macs());
        assertEquals(r.steps(), r.stepMacs().size());
        assertEquals(r.macs(), r.stepMacs().get(r.steps() - 1));
        assertTrue((double) base / r.macs() >= 1.5);
        if (r.steps() > 1) {
            assertTrue((double) base / r.stepMacs().get(r.steps() - 2) < 1.5, "the step before did not reach it");
        }
        for (int i = 1; i < r.stepMacs().size(); i++) {
            assertTrue(r.stepMacs().get(i) <= r.stepMacs().get(i - 1), "MACs never grow: " + r.stepMacs());
        }
        assertEquals((double) base / r.macs(), r.speedUp(), 1e-12);
    }

    @Test
    void listenerSeesEveryStepAndCanFineTuneBetweenThem() {
        Graph g = PrunerModels.residual(3);
        java.util.List<Long> seen = new java.util.ArrayList<>();
        dev.jprune.ir.Parameter head = g.stateDict().get("head.weight");
        ProgressivePruning.Result r = ProgressivePruning.untilSpeedUp(pruner(g, 40, 1.0), g, 1.5, (step, macs, speedUp) -> {
            assertEquals(seen.size() + 1, step);
            assertEquals(OpCounter.count(g).ops(), macs);
            seen.add(macs);
            head.value().data()[0] += 1f; // stands for a fine-tuning pass between steps
        });
        assertEquals(r.stepMacs(), seen);
        assertTrue(r.steps() >= 1);
    }

    @Test
    void reportsWhenTheScheduleEndsFirst() {
        Graph g = PrunerModels.residual(3);
        ProgressivePruning.Result r = ProgressivePruning.untilSpeedUp(pruner(g, 3, 0.3), g, 50);
        assertFalse(r.reached());
        assertEquals(3, r.steps());
        assertTrue(r.speedUp() < 50);
    }

    @Test
    void refusesATargetNotAboveOne() {
        Graph g = PrunerModels.residual(3);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ProgressivePruning.untilSpeedUp(pruner(g, 3, 1.0), g, 1.0));
        assertEquals("target speed-up must be finite and > 1, got 1.0", e.getMessage());
    }
}
