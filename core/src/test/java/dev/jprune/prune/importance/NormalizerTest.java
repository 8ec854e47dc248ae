package dev.jprune.prune.importance;

import dev.jprune.depgraph.DependencyGraph;
import dev.jprune.depgraph.Group;
import dev.jprune.depgraph.Side;
import org.junit.jupiter.api.Test;

import java.util.List;

import static dev.jprune.prune.importance.Close.assertClose;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every normaliser on the summed group scores {@code s = [11, 3, 15.25]} of {@link Nets#convBnConv()} (conv1 rows
 * {@code [5, 1, 10]} + bn1 {@code [4, 1, 0.25]} + conv2 columns {@code [2, 1, 5]}).
 */
class NormalizerTest {

    private static final double[] S = {11, 3, 15.25};

    private static float[] score(Normalizer n) {
        return score(GroupMagnitudeImportance.builder().reduction(Reduction.SUM).normalizer(n));
    }

    private static float[] score(GroupMagnitudeImportance.Builder b) {
        Group g = new DependencyGraph(Nets.convBnConv()).pruningGroup("conv1", Side.OUT, 0, 1, 2);
        return b.build().score(g);
    }

    private static double[] map(java.util.function.DoubleUnaryOperator f) {
        double[] out = new double[S.length];
        for (int i = 0; i < S.length; i++) {
            out[i] = f.applyAsDouble(S[i]);
        }
        return out;
    }

    @Test
    void simpleNormalisers() {
        assertClose(S, score(Normalizer.NONE), "none");
        assertClose(map(v -> v / 9.75), score(Normalizer.MEAN), "mean");
        assertClose(map(v -> v / 15.25), score(Normalizer.MAX), "max");
        assertClose(map(v -> v / 29.25), score(Normalizer.SUM), "sum");
        assertClose(map(v -> (v - 3) / (12.25 + 1e-8)), score(Normalizer.STANDARDIZATION), "standardization");
    }

    @Test
    void gaussianUsesTheUnbiasedStandardDeviation() {
        // deviations from the mean 9.75: 1.25, -6.75, 5.5; sum of squares 77.375; unbiased variance 77.375 / 2
        double std = Math.sqrt(77.375 / 2);
        float[] got = score(Normalizer.GAUSSIAN);
        assertClose(map(v -> (v - 9.75) / (std + 1e-8)), got, "gaussian");
        double biased = Math.sqrt(77.375 / 3);
        assertTrue(Math.abs(got[1] - (-6.75 / biased)) > 0.1, "not the biased deviation");
    }

    @Test
    void sentinelDividesByTheKthSmallest() {
        // ascending: 3, 11, 15.25; q·n = 1.5 → position 1 (11); q = 0 → 3; q = 0.9 → 2.7 → position 2 (15.25)
        assertClose(map(v -> v / (11 + 1e-8)), score(Normalizer.SENTINEL), "default q = 0.5 is the median");
        GroupMagnitudeImportance.Builder b = GroupMagnitudeImportance.builder().reduction(Reduction.SUM);
        assertClose(map(v -> v / 3), score(b.sentinel(0)), "q = 0");
        assertClose(map(v -> v / 15.25), score(b.sentinel(0.9)), "q = 0.9");
    }

    @Test
    void lampDividesBySuffixSumsOfTheAscendingOrder() {
        // ascending 3, 11, 15.25: 3 / 29.25, 11 / 26.25, 15.25 / 15.25
        assertClose(new double[] {11 / 26.25, 3 / 29.25, 1}, score(Normalizer.LAMP), "lamp");
        assertClose(new double[] {11 / 26.25, 3 / 29.25, 1}, new LampImportance(2, Reduction.SUM, false)
                .score(new DependencyGraph(Nets.convBnConv()).pruningGroup("conv1", Side.OUT, 0, 1, 2)), "LAMP class");
        assertEquals("LampImportance{p=2.0, reduction=MEAN, normalizer=LAMP, bias=false, targetKinds=[CONV, "
                + "DEPTHWISE_CONV, LINEAR, BATCH_NORM, LAYER_NORM, MULTIHEAD_ATTENTION], tpCompat=false}",
                new LampImportance().toString());
        // depthwise group (conv0 rows² [1, 4, 2], dw [1, 4, 9], conv2 columns² [1, 2, 5]), summed:
        // [3, 10, 16] scored, [2, 6, 7] with tpCompat; LAMP of each
        Group dw = new DependencyGraph(Nets.depthwise()).pruningGroup("conv0", Side.OUT, 0, 1, 2);
        assertClose(new double[] {3 / 29.0, 10 / 26.0, 1}, new LampImportance(2, Reduction.SUM, false).score(dw), "dw");
        assertClose(new double[] {2 / 15.0, 6 / 13.0, 1}, new LampImportance(2, Reduction.SUM, false, true).score(dw),
                "dw tp-compat");
    }

    @Test
    void lampTiesKeepTheirOrderAndTheLargestScoresOne() {
        float[] s = ScoreMath.normalize(Normalizer.LAMP, 0.5, new float[] {2, 1, 2, 4});
        // ascending order 1 (1), 0 (2), 2 (2), 3 (4): 1/9, 2/8, 2/6, 4/4
        assertArrayEquals(new float[] {2f / 8, 1f / 9, 2f / 6, 1f}, s);
    }

    @Test
    void gaussianOfOneChannelIsNaNAsInPyTorch() {
        assertTrue(Float.isNaN(ScoreMath.normalize(Normalizer.GAUSSIAN, 0.5, new float[] {3f})[0]));
    }

    @Test
    void reductionStartValues() {
        // an item covering only root 1 of 3: untouched roots keep the start value
        List<float[]> items = List.of(new float[] {2f});
        List<int[]> pos = List.of(new int[] {1});
        assertArrayEquals(new float[] {-99999f, 2f, -99999f}, ScoreMath.reduce(Reduction.MAX, items, pos, 3));
        assertArrayEquals(new float[] {1f, 2f, 1f}, ScoreMath.reduce(Reduction.PROD, items, pos, 3));
        assertArrayEquals(new float[] {0f, 2f, 0f}, ScoreMath.reduce(Reduction.SUM, items, pos, 3));
        // mean divides by the number of items, not by how many items reach a channel
        List<float[]> two = List.of(new float[] {2f, 4f}, new float[] {6f});
        List<int[]> twoPos = List.of(new int[] {0, 1}, new int[] {1});
        assertArrayEquals(new float[] {1f, 5f}, ScoreMath.reduce(Reduction.MEAN, two, twoPos, 2));
        // an item mapping two of its indices to one root (a flatten): sum adds both, max and prod see both
        List<float[]> dup = List.of(new float[] {3f, 5f});
        List<int[]> dupPos = List.of(new int[] {0, 0});
        assertEquals(8f, ScoreMath.reduce(Reduction.SUM, dup, dupPos, 1)[0]);
        assertEquals(5f, ScoreMath.reduce(Reduction.MAX, dup, dupPos, 1)[0]);
        assertEquals(15f, ScoreMath.reduce(Reduction.PROD, dup, dupPos, 1)[0]);
    }
}
