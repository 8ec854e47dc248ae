package dev.jprune.prune;

import dev.jprune.depgraph.DependencyGraph;
import dev.jprune.depgraph.Side;
import dev.jprune.ir.Graph;
import dev.jprune.ir.Parameter;
import dev.jprune.prune.importance.Importance;
import dev.jprune.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The regularising pruners add exactly TP-SEMANTICS §1.2's terms to the gradients, checked element by element on the
 * residual graph against formulas computed here. Tolerance: |Δ − expected| ≤ 1e-6 (gradients start near 1).
 */
class RegularizerTest {

    private static final long SEED = 11;
    private static final double TOL = 1e-6;
    /** Scores whose square roots are [2, 4, 1, 3, 0, 5, 6, 7] (stem) and [1 .. 6] (convb). */
    private static final float[] S = {4, 16, 1, 9, 0, 25, 36, 49};
    private static final float[] B = {1, 4, 9, 16, 25, 36};
    private static final Importance FIXED = PrunerModels.fixed(Map.of("stem", S, "convb", B));

    /** Gives every trainable parameter a seeded gradient and returns copies of them. */
    private static Map<String, float[]> seedGrads(Graph g) {
        SplittableRandom rnd = new SplittableRandom(SEED);
        Map<String, float[]> before = new HashMap<>();
        g.stateDict().forEach((name, p) -> {
            if (p.trainable()) {
                float[] d = new float[p.value().numel()];
                for (int i = 0; i < d.length; i++) {
                    d[i] = (float) (rnd.nextDouble() * 2 - 1);
                }
                p.setGrad(Tensor.wrap(p.value().shape(), d));
                before.put(name, d.clone());
            }
        });
        return before;
    }

    /**
     * Checks grad − before = w · (row[o] + col[i]) elementwise for a parameter of shape (O, I, ...) or (O); null
     * arrays count as zero.
     */
    private static void expect(Graph g, Map<String, float[]> before, String name, double[] row, double[] col) {
        Parameter p = g.stateDict().get(name);
        Tensor w = p.value();
        int o = w.dim(0);
        int in = w.rank() > 1 ? w.dim(1) : 1;
        int inner = w.numel() / (o * in);
        for (int a = 0; a < o; a++) {
            for (int b = 0; b < in; b++) {
                double c = (row == null ? 0 : row[a]) + (col == null ? 0 : col[b]);
                for (int k = 0; k < inner; k++) {
                    int e = (a * in + b) * inner + k;
                    double want = c * w.data()[e];
                    double got = p.grad().data()[e] - before.get(name)[e];
                    assertEquals(want, got, TOL, name + "[" + e + "] (row " + a + ", col " + b + ")");
                }
            }
        }
    }

    private static double[] gamma(float[] scores, double reg) {
        double[] imp = new double[scores.length];
        double max = Double.NEGATIVE_INFINITY;
        double min = Double.POSITIVE_INFINITY;
        for (int i = 0; i < imp.length; i++) {
            imp[i] = Math.sqrt(scores[i]);
            max = Math.max(max, imp[i]);
            min = Math.min(min, imp[i]);
        }
        double[] out = new double[imp.length];
        for (int i = 0; i < imp.length; i++) {
            out[i] = reg * Math.pow(16, (max - imp[i]) / (max - min));
        }
        return out;
    }

    @Test
    void groupNormAddsRegTimesGammaTimesWeightOnEveryMember() {
        Graph g = PrunerModels.residual(SEED);
        GroupNormPruner p = GroupNormPruner.builder(g).reg(1e-3).importance(FIXED).build();
        Map<String, float[]> before = seedGrads(g);
        p.regularize();
        double[] gs = gamma(S, 1e-3);
        double[] gb = gamma(B, 1e-3);
        assertEquals(16e-3, gs[4], 1e-12); // the weakest channel gets 2^alpha
        assertEquals(1e-3, gs[7], 1e-12); // the strongest gets 1
        expect(g, before, "stem.weight", gs, null);
        expect(g, before, "bn.weight", gs, null);
        expect(g, before, "bn.bias", null, null);
        expect(g, before, "block.conva.weight", gs, gs); // out-rows and in-columns of the same stage
        expect(g, before, "block.bna.weight", gs, null);
        expect(g, before, "convb.weight", gb, gs);
        expect(g, before, "bnb.weight", gb, null);
        expect(g, before, "head.weight", null, gb); // the output layer's in-columns, as Torch-Pruning
        expect(g, before, "head.bias", null, null);
        assertTrue(p.toString().contains("reg=0.001, alpha=4.0, bias=false"), p.toString());
    }

    @Test
    void groupNormWithBiasesAndMissingGradients() {
        Graph g = PrunerModels.residual(SEED);
        GroupNormPruner p = GroupNormPruner.builder(g).reg(1e-3).alpha(2).bias(true).importance(FIXED).build();
        Map<String, float[]> before = seedGrads(g);
        g.stateDict().get("stem.weight").setGrad(null);
        p.regularize();
        assertNull(g.stateDict().get("stem.weight").grad());
        double[] gs = new double[8];
        double[] imp = {2, 4, 1, 3, 0, 5, 6, 7};
        for (int i = 0; i < 8; i++) {
            gs[i] = 1e-3 * Math.pow(4, (7 - imp[i]) / 7);
        }
        expect(g, before, "bn.weight", gs, null);
        expect(g, before, "bn.bias", gs, null);
        expect(g, before, "block.bna.bias", gs, null);
    }

    @Test
    void groupNormTouchesEachGroupedConvolutionColumnOnceWithTheFirstGroupsFactor() {
        Graph g = PrunerModels.grouped(SEED);
        float[] gScores = {1, 4, 9, 16, 25, 36, 49, 64};
        GroupNormPruner p = GroupNormPruner.builder(g).reg(1e-3)
                .importance(PrunerModels.fixed(Map.of("stem", S, "g", gScores))).build();
        Map<String, float[]> before = seedGrads(g);
        p.regularize();
        double[] gs = gamma(S, 1e-3);
        double[] gg = gamma(gScores, 1e-3);
        // g.weight is (8, 4, 3, 3): in-channel j and j + 4 share column j; it gets channel j's factor once
        expect(g, before, "g.weight", gg, java.util.Arrays.copyOf(gs, 4));
        expect(g, before, "bng.weight", gg, null);
        expect(g, before, "stem.weight", gs, null);
    }

    @Test
    void bnScaleL1AddsRegTimesSignOutsideIgnoredLayers() {
        Graph g = PrunerModels.residual(SEED);
        g.stateDict().get("bn.weight").value().data()[2] = 0f;
        BNScalePruner p = BNScalePruner.builder(g).reg(1e-3).importance(FIXED).ignoredLayers(List.of("bnb")).build();
        Map<String, float[]> before = seedGrads(g);
        p.regularize();
        for (String bn : List.of("bn", "block.bna", "bnb")) {
            float[] w = g.stateDict().get(bn + ".weight").value().data();
            float[] grad = g.stateDict().get(bn + ".weight").grad().data();
            for (int c = 0; c < w.length; c++) {
                double want = bn.equals("bnb") ? 0 : 1e-3 * Math.signum(w[c]);
                assertEquals(want, grad[c] - before.get(bn + ".weight")[c], TOL, bn + " channel " + c);
            }
        }
        assertEquals(before.get("bn.weight")[2], g.stateDict().get("bn.weight").grad().data()[2]);
        expect(g, before, "stem.weight", null, null);
        expect(g, before, "bn.bias", null, null);
    }

    @Test
    void bnScaleGroupLassoScalesByTheGroupNormOfTheScales() {
        Graph g = PrunerModels.residual(SEED);
        BNScalePruner p = BNScalePruner.builder(g).reg(1e-3).groupLasso(true).importance(FIXED).build();
        Map<String, float[]> before = seedGrads(g);
        p.regularize();
        float[] bn = g.stateDict().get("bn.weight").value().data();
        float[] bna = g.stateDict().get("block.bna.weight").value().data();
        float[] bnb = g.stateDict().get("bnb.weight").value().data();
        double[] s = new double[8];
        for (int c = 0; c < 8; c++) {
            s[c] = 1e-3 / Math.sqrt((bn[c] * (double) bn[c] + bna[c] * (double) bna[c]) / 2 + 1e-9);
        }
        double[] sb = new double[6];
        for (int c = 0; c < 6; c++) {
            sb[c] = 1e-3 / Math.sqrt(bnb[c] * (double) bnb[c] + 1e-9);
        }
        expect(g, before, "bn.weight", s, null);
        expect(g, before, "block.bna.weight", s, null);
        expect(g, before, "bnb.weight", sb, null);
        expect(g, before, "stem.weight", null, null);
    }

    @Test
    void growingRegStartsAtRegAndGrowsWithStandardisedImportance() {
        Graph g = PrunerModels.residual(SEED);
        double reg = 1e-3;
        double delta = 2e-3;
        GrowingRegPruner p = GrowingRegPruner.builder(g).reg(reg).deltaReg(delta).importance(FIXED).build();
        Map<String, float[]> before = seedGrads(g);
        p.regularize();
        double[] r8 = filled(8, reg);
        double[] r6 = filled(6, reg);
        expect(g, before, "stem.weight", r8, null);
        expect(g, before, "block.conva.weight", r8, r8);
        expect(g, before, "bn.weight", r8, null); // Torch-Pruning's BatchNorm branch is a no-op; not here
        expect(g, before, "convb.weight", r6, r8);
        expect(g, before, "head.weight", null, null); // head is ignored (an output layer)

        p.updateRegularizer();
        p.updateRegularizer();
        double[] ls = new double[8];
        for (int c = 0; c < 8; c++) {
            ls[c] = reg + 2 * delta * (49 - S[c]) / (49 - 0 + 1e-8);
        }
        double[] lb = new double[6];
        for (int c = 0; c < 6; c++) {
            lb[c] = reg + 2 * delta * (36 - B[c]) / (36 - 1 + 1e-8);
        }
        assertEquals(ls[4], p.lambda("stem")[4], 1e-15);
        before = seedGrads(g);
        p.regularize();
        expect(g, before, "stem.weight", ls, null);
        expect(g, before, "block.conva.weight", ls, ls);
        expect(g, before, "bnb.weight", lb, null);
        expect(g, before, "convb.weight", lb, ls);
    }

    @Test
    void regularizersFollowStructureChangesAfterUpdateRegularizer() {
        Graph g = PrunerModels.residual(SEED);
        Importance imp = group -> group.root().name().equals("convb") ? B.clone() : PrunerModels.rootL2(group);
        GrowingRegPruner p = GrowingRegPruner.builder(g).reg(1e-3).deltaReg(1e-3).importance(imp).build();
        p.updateRegularizer();
        seedGrads(g);
        new DependencyGraph(g).pruningGroup("stem", Side.OUT, 0, 5).prune();
        p.updateRegularizer();
        double[] stem = p.lambda("stem");
        assertEquals(6, stem.length);
        assertEquals(1e-3, java.util.Arrays.stream(stem).min().orElseThrow(), 1e-15); // restarted: one growth only
        assertEquals(1e-3 + 2e-3, p.lambda("convb")[0], 1e-12); // kept: two growths of the weakest channel
        Map<String, float[]> before = seedGrads(g);
        p.regularize();
        expect(g, before, "stem.weight", stem, null);

        GroupNormPruner q = GroupNormPruner.builder(g).importance(PrunerModels.rootL2()).build();
        new DependencyGraph(g).pruningGroup("convb", Side.OUT, 1).prune();
        q.updateRegularizer();
        before = seedGrads(g);
        q.regularize();
        assertTrue(g.stateDict().get("convb.weight").grad().data()[0] != before.get("convb.weight")[0]);
    }

    private static double[] filled(int n, double v) {
        double[] a = new double[n];
        java.util.Arrays.fill(a, v);
        return a;
    }
}
