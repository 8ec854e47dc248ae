package dev.jprune.prune;

import dev.jprune.depgraph.DependencyGraph;
import dev.jprune.depgraph.Side;
import dev.jprune.ir.Graph;
import dev.jprune.ops.Conv2d;
import dev.jprune.prune.importance.Importance;
import dev.jprune.tensor.Shape;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static dev.jprune.prune.PrunerModels.rows;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Which channels {@link BasePruner#step()} removes: TP-SEMANTICS §1.3 on small graphs with fixed scores. */
class BasePrunerTest {

    /** stem scores (8 channels) and convb scores (6 channels); stem's 3 appears twice, convb's once. */
    private static final float[] STEM = {5, 1, 7, 3, 8, 2, 6, 3};
    private static final float[] CONVB = {0.5f, 9, 2.5f, 1.5f, 7, 3};
    private static final Importance FIXED = PrunerModels.fixed(Map.of("stem", STEM, "convb", CONVB));

    private static int[] removed(StepResult r, String layer) {
        return r.pruned().stream().filter(e -> e.layer().equals(layer)).findFirst()
                .orElseThrow(() -> new AssertionError(layer + " not pruned: " + r)).indices();
    }

    @Test
    void localPruningRemovesTheLowestHalfOfEachGroup() {
        Graph g = PrunerModels.residual(1);
        StepResult r = BasePruner.builder(g).importance(FIXED).pruningRatio(0.5).build().step();
        assertEquals(1, r.step());
        assertFalse(r.pastSchedule());
        assertEquals(2, r.pruned().size(), r.toString());
        // stem: 8 - int(8·0.5) = 4 lowest (1, 2, 3, 3 at 1, 5, 3, 7); convb: 3 lowest (0.5, 1.5, 2.5)
        assertArrayEquals(new int[] {1, 3, 5, 7}, removed(r, "stem"));
        assertArrayEquals(new int[] {0, 2, 3}, removed(r, "convb"));
        assertEquals(Shape.of(4, 3, 3, 3), g.stateDict().get("stem.weight").value().shape());
        assertEquals(Shape.of(4, 4, 3, 3), g.stateDict().get("block.conva.weight").value().shape());
        assertEquals(Shape.of(3, 4, 1, 1), g.stateDict().get("convb.weight").value().shape());
        assertEquals(Shape.of(4, 3, 1, 1), g.stateDict().get("head.weight").value().shape());
    }

    @Test
    void globalPruningThresholdsAcrossGroupsAndTiesRemoveMore() {
        Graph g = PrunerModels.residual(1);
        StepResult r = BasePruner.builder(g).importance(FIXED).globalPruning(true).build().step();
        // 14 scores, n = 14 - 7 = 7; the 7th smallest is 3, and three scores equal 3: 8 channels go
        assertArrayEquals(new int[] {1, 3, 5, 7}, removed(r, "stem"));
        assertArrayEquals(new int[] {0, 2, 3, 5}, removed(r, "convb"));
        assertEquals(4, rows(g, "stem.weight"));
        assertEquals(2, rows(g, "convb.weight"));
    }

    @Test
    void roundToKeepsAMultipleOfTheRoot() {
        Graph g = PrunerModels.residual(1);
        StepResult r = BasePruner.builder(g).importance(FIXED).roundTo(3).build().step();
        // stem: 4 would keep 4, rounded down to 3 kept, so the 5 lowest go; convb: 3 kept is already a multiple
        assertArrayEquals(new int[] {0, 1, 3, 5, 7}, removed(r, "stem"));
        assertArrayEquals(new int[] {0, 2, 3}, removed(r, "convb"));
        assertEquals(3, rows(g, "stem.weight"));
        assertEquals(5, BasePruner.roundedPruneCount(4, 8, 3));
        assertEquals(0, BasePruner.roundedPruneCount(0, 8, 8));
        assertEquals(4, BasePruner.roundedPruneCount(1, 12, 4));
    }

    @Test
    void iterativeStepsFollowTheLinearScheduleToTheTarget() {
        Graph g = PrunerModels.residual(2);
        BasePruner p = BasePruner.builder(g).importance(PrunerModels.rootL2()).iterativeSteps(5).build();
        int[] stem = {7, 6, 5, 4, 4};
        int[] convb = {5, 4, 4, 3, 3};
        for (int i = 0; i < 5; i++) {
            StepResult r = p.step();
            assertEquals(i + 1, r.step());
            assertFalse(r.pastSchedule());
            assertEquals(stem[i], rows(g, "stem.weight"), "stem after step " + (i + 1));
            assertEquals(convb[i], rows(g, "convb.weight"), "convb after step " + (i + 1));
        }
        StepResult past = p.step();
        assertTrue(past.pastSchedule());
        assertTrue(past.pruned().isEmpty());
        assertEquals(4, rows(g, "stem.weight"));
        assertEquals(0.3, p.targetPruningRatio("stem", 3), 1e-12);
    }

    @Test
    void aCustomScheduleReachesItsOwnFractions() {
        Graph g = PrunerModels.residual(2);
        BasePruner p = BasePruner.builder(g).importance(PrunerModels.rootL2()).iterativeSteps(2)
                .schedule(List.of(0.0, 0.5, 1.0)).pruningRatio(0.5).build();
        p.step();
        assertEquals(6, rows(g, "stem.weight")); // 8·(1 − 0.25)
        p.step();
        assertEquals(4, rows(g, "stem.weight"));
        Graph g2 = PrunerModels.residual(2);
        BasePruner q = BasePruner.builder(g2).importance(PrunerModels.rootL2()).iterativeSteps(2)
                .schedule(t -> t * t).build();
        q.step();
        assertEquals(7, rows(g2, "stem.weight")); // ratio 0.5·0.25 → int(8·0.875) = 7 kept
        assertThrows(IllegalArgumentException.class, () -> BasePruner.builder(PrunerModels.residual(2))
                .importance(FIXED).iterativeSteps(2).schedule(List.of(0.0, 1.0)).build());
    }

    @Test
    void ratioForAModulePrefixMakesAUserScopeReachedThroughAnOutMember() {
        Graph g = PrunerModels.residual(1);
        // "block" covers block.conva and block.bna, out-members of the stem group
        StepResult r = BasePruner.builder(g).importance(FIXED).ratioFor(List.of("block"), 0.25).build().step();
        assertArrayEquals(new int[] {1, 5}, removed(r, "stem")); // 8 - int(8·0.75) = 2
        assertArrayEquals(new int[] {0, 2, 3}, removed(r, "convb")); // default 0.5
    }

    @Test
    void ratioForSeveralLayersRanksThemTogetherWhenGlobal() {
        Graph g = PrunerModels.residual(1);
        StepResult r = BasePruner.builder(g).importance(FIXED).globalPruning(true)
                .ratioFor(List.of("stem", "convb"), 0.25).build().step();
        // one scope of 14: n = 14 - int(14·0.75) = 4 → 0.5, 1, 1.5, 2
        assertArrayEquals(new int[] {1, 5}, removed(r, "stem"));
        assertArrayEquals(new int[] {0, 3}, removed(r, "convb"));
        // local: each layer its own scope at 0.25
        Graph g2 = PrunerModels.residual(1);
        StepResult r2 = BasePruner.builder(g2).importance(FIXED).ratioFor(List.of("stem", "convb"), 0.25).build().step();
        assertArrayEquals(new int[] {1, 5}, removed(r2, "stem"));
        assertArrayEquals(new int[] {0, 3}, removed(r2, "convb")); // 6 - int(4.5) = 2
    }

    @Test
    void maxPruningRatioCapsTheRatioAndSkipsOverPrunedGroups() {
        Graph g = PrunerModels.residual(1);
        StepResult r = BasePruner.builder(g).importance(FIXED).pruningRatio(0.75).maxPruningRatio(0.5).build().step();
        assertArrayEquals(new int[] {1, 3, 5, 7}, removed(r, "stem"));

        Graph h = PrunerModels.residual(1);
        BasePruner p = BasePruner.builder(h).importance(FIXED).maxPruningRatio(0.25).build();
        new DependencyGraph(h).pruningGroup("stem", Side.OUT, 0, 1, 2).prune(); // 5 < 8·0.75: stem is over-pruned
        StepResult q = p.step();
        assertEquals(1, q.pruned().size(), q.toString());
        assertArrayEquals(new int[] {0, 3}, removed(q, "convb")); // min(0.5, 0.25): 6 - 4
        assertEquals(5, rows(h, "stem.weight"));
    }

    @Test
    void ignoredLayersAndTheirErrors() {
        Graph g = PrunerModels.residual(1);
        StepResult r = BasePruner.builder(g).importance(FIXED).ignoredLayers(List.of("convb")).build().step();
        assertEquals(List.of("stem"), r.pruned().stream().map(PruningHistory.Entry::layer).toList());
        assertEquals(6, rows(g, "convb.weight"));

        Graph g2 = PrunerModels.residual(1);
        StepResult r2 = BasePruner.builder(g2).importance(FIXED).ignoredLayers(List.of("block")).build().step();
        assertEquals(List.of("convb"), r2.pruned().stream().map(PruningHistory.Entry::layer).toList());

        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> BasePruner
                .builder(PrunerModels.residual(1)).importance(FIXED).ignoredLayers(List.of("stem", "ghost", "blk")).build());
        assertTrue(e.getMessage().contains("ghost") && e.getMessage().contains("blk"), e.getMessage());
        assertFalse(e.getMessage().contains("stem"), e.getMessage());
        IllegalArgumentException e2 = assertThrows(IllegalArgumentException.class, () -> BasePruner
                .builder(PrunerModels.residual(1)).importance(FIXED).ratioFor(List.of("nope"), 0.3).build());
        assertTrue(e2.getMessage().contains("nope"), e2.getMessage());
    }

    @Test
    void outputLayersAreIgnoredByDefault() {
        BasePruner p = BasePruner.builder(PrunerModels.residual(1)).importance(FIXED).build();
        assertTrue(p.toString().contains("ignored=[head]"), p.toString());
        BasePruner q = BasePruner.builder(PrunerModels.residual(1)).importance(FIXED).defaultIgnore(false).build();
        assertTrue(q.toString().contains("ignored=[]"), q.toString());
    }

    @Test
    void builderValidatesAndToStringListsEverySetting() {
        Graph g = PrunerModels.residual(1);
        assertThrows(IllegalArgumentException.class, () -> BasePruner.builder(g).build());
        assertThrows(IllegalArgumentException.class, () -> BasePruner.builder(g).importance(FIXED).pruningRatio(1.01).build());
        assertThrows(IllegalArgumentException.class, () -> BasePruner.builder(g).importance(FIXED).pruningRatio(-0.1).build());
        assertThrows(IllegalArgumentException.class, () -> BasePruner.builder(g).importance(FIXED).maxPruningRatio(0).build());
        assertThrows(IllegalArgumentException.class, () -> BasePruner.builder(g).importance(FIXED).iterativeSteps(0).build());
        assertThrows(IllegalArgumentException.class, () -> BasePruner.builder(g).importance(FIXED).roundTo(-2).build());
        assertThrows(IllegalArgumentException.class, () -> BasePruner.builder(g).importance(FIXED).ratioFor(List.of("stem"), 1.5).build());
        String s = BasePruner.builder(g).importance(FIXED).ratioFor(List.of("stem"), 0.3).roundTo(4).build().toString();
        for (String k : List.of("pruningRatio=0.5", "globalPruning=false", "ratioFor=[[stem]=0.3]", "maxPruningRatio=1.0",
                "iterativeSteps=1", "schedule=[0.0, 1.0]", "roundTo=4", "ignoredLayers=[]", "defaultIgnore=true",
                "isomorphic=false", "rootTypes=[Conv2d, ConvTranspose2d, Linear]", "currentStep=0")) {
            assertTrue(s.contains(k), k + " missing from " + s);
        }
    }

    @Test
    void channelGroupsAverageScoresAndRepeatTheChoiceInEveryGroup() {
        Graph g = PrunerModels.grouped(3);
        // the stem group reaches g's in-channels (2 groups): scores are averaged over (i, i+4)
        Importance imp = PrunerModels.fixed(Map.of("stem", new float[] {1, 8, 3, 8, 2, 8, 0, 8},
                "g", new float[] {4, 4, 1, 9, 4, 4, 1, 9}));
        StepResult r = BasePruner.builder(g).importance(imp).build().step();
        assertArrayEquals(new int[] {0, 2, 4, 6}, removed(r, "stem")); // means 1.5, 8, 1.5, 8: the lowest two
        assertArrayEquals(new int[] {0, 2, 4, 6}, removed(r, "g")); // means 4, 4, 1, 9: positions 2 and 0
        assertEquals(Shape.of(4, 2, 3, 3), g.stateDict().get("g.weight").value().shape());
    }

    @Test
    void aGroupedConvolutionLeftWithOneOutputPerGroupStillLosesTheInputPositionsChosenForIt() {
        // g's group comes first (nearest the output) and leaves one output per group; the stem group, scored
        // before anything was pruned, still removes its three positions from both of g's input groups, as
        // Torch-Pruning does (regnet_x_400mf global_l2_max08 and global_l1_sum_max)
        Graph g = PrunerModels.grouped(3);
        Importance imp = PrunerModels.fixed(Map.of("stem", new float[] {1, 6, 3, 8, 2, 6, 0, 8},
                "g", new float[] {4, 5, 1, 9, 4, 5, 1, 9}));
        StepResult r = BasePruner.builder(g).importance(imp).pruningRatio(0.75).build().step();
        assertEquals(List.of("g", "stem"), r.pruned().stream().map(e -> e.layer()).toList(), r.toString());
        assertArrayEquals(new int[] {0, 1, 2, 4, 5, 6}, removed(r, "g")); // means 4, 5, 1, 9: all but position 3
        assertArrayEquals(new int[] {0, 1, 2, 4, 5, 6}, removed(r, "stem")); // means 1.5, 6, 1.5, 8
        assertEquals(Conv2d.of(2, 2, 3, 1, 1, 2, false), g.requireNode("g").op());
        assertEquals(Shape.of(2, 3, 3, 3), g.stateDict().get("stem.weight").value().shape());
    }

    @Test
    void isomorphicScopesRankStructurallyIdenticalGroupsTogether() {
        // c0, c1, c2 share a structure; c3 (no BatchNorm) is alone
        Map<String, float[]> scores = Map.of(
                "c0", new float[] {1, 1, 1, 1, 1, 1, 1, 1},
                "c1", new float[] {9, 9, 9, 9, 9, 9, 9, 9},
                "c2", new float[] {5, 5, 5, 5, 6, 6, 6, 6},
                "c3", new float[] {8, 7, 6, 5, 4, 3, 2, 1});
        Graph g = PrunerModels.chain(4);
        StepResult r = BasePruner.builder(g).importance(PrunerModels.fixed(scores)).globalPruning(true).isomorphic(true)
                .build().step();
        // scope {c0, c1, c2}: 24 scores, n = 12: all of c0 (refused: it would empty c0) and c2's four 5s
        assertEquals(List.of("c3", "c2"), r.pruned().stream().map(PruningHistory.Entry::layer).toList()); // trace order
        assertArrayEquals(new int[] {0, 1, 2, 3}, removed(r, "c2"));
        assertArrayEquals(new int[] {4, 5, 6, 7}, removed(r, "c3")); // alone: its own lowest half
        assertEquals(8, rows(g, "c1.weight"));

        // plain global pruning puts c3 in the same scope: 32 scores, n = 16, threshold 5
        Graph h = PrunerModels.chain(4);
        StepResult q = BasePruner.builder(h).importance(PrunerModels.fixed(scores)).globalPruning(true).build().step();
        assertArrayEquals(new int[] {0, 1, 2, 3}, removed(q, "c2"));
        assertArrayEquals(new int[] {3, 4, 5, 6, 7}, removed(q, "c3"));

        // isomorphic with local ranking: the scope's 12 lowest positions, each group taking those in its range
        Graph k = PrunerModels.chain(4);
        StepResult l = BasePruner.builder(k).importance(PrunerModels.fixed(scores)).isomorphic(true).build().step();
        assertArrayEquals(new int[] {0, 1, 2, 3}, removed(l, "c2"));
    }

    @Test
    void unscoredGroupsAndOtherRootTypesAreLeftAlone() {
        Graph g = PrunerModels.residual(1);
        StepResult r = BasePruner.builder(g).importance(PrunerModels.fixed(Map.of("stem", STEM))).build().step();
        assertEquals(List.of("stem"), r.pruned().stream().map(PruningHistory.Entry::layer).toList());
        assertEquals(6, rows(g, "convb.weight"));

        Graph h = PrunerModels.residual(1);
        StepResult q = BasePruner.builder(h).importance(FIXED).rootTypes(java.util.Set.of("Linear")).build().step();
        assertTrue(q.pruned().isEmpty());
        assertEquals(8, rows(h, "stem.weight"));
    }

    @Test
    void resetRestartsTheScheduleAgainstTheInitialScopeLengths() {
        Graph g = PrunerModels.residual(2);
        BasePruner p = BasePruner.builder(g).importance(PrunerModels.rootL2()).iterativeSteps(2).build();
        p.step();
        p.step();
        assertEquals(4, rows(g, "stem.weight"));
        p.reset();
        assertEquals(0, p.currentStep());
        StepResult r = p.step(); // ratio 0.25 of the initial 8: 6 may stay, 4 already do
        assertFalse(r.pastSchedule());
        assertTrue(r.pruned().isEmpty(), r.toString());
        assertEquals(4, rows(g, "stem.weight"));
    }

    @Test
    void configuredChannelGroupsAverageAndRepeatLikeHeads() {
        dev.jprune.ir.GraphBuilder b = new dev.jprune.ir.GraphBuilder("mlp");
        dev.jprune.ir.Value x = b.input("x", Shape.of(2, 8));
        x = b.module("relu", new dev.jprune.ops.ReLU(), b.module("fc1", dev.jprune.ops.Linear.of(8, 8, true), x));
        Graph g = b.build(b.module("fc2", dev.jprune.ops.Linear.of(8, 4, true), x));
        dev.jprune.weights.RandomInit.fill(g, 5);
        Importance imp = PrunerModels.fixed(Map.of("fc1", new float[] {1, 8, 3, 8, 2, 8, 0, 8}));
        BasePruner p = BasePruner.builder(g).importance(imp).outChannelGroups("fc1", 2).build();
        assertTrue(p.toString().contains("outChannelGroups={fc1=2}"), p.toString());
        assertArrayEquals(new int[] {0, 2, 4, 6}, removed(p.step(), "fc1"));
        Graph h = PrunerModels.residual(1);
        assertThrows(IllegalArgumentException.class, () -> BasePruner.builder(h).importance(FIXED).outChannelGroups("nope", 2).build());
        assertThrows(IllegalArgumentException.class, () -> BasePruner.builder(h).importance(FIXED).inChannelGroups("stem", 0).build());
    }
}
