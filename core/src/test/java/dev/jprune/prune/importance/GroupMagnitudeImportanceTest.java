package dev.jprune.prune.importance;

import dev.jprune.depgraph.DependencyGraph;
import dev.jprune.depgraph.Group;
import dev.jprune.depgraph.Side;
import dev.jprune.ir.Graph;
import dev.jprune.ir.axis.ChannelParams.Kind;
import dev.jprune.ir.axis.Indices;
import org.junit.jupiter.api.Test;

import static dev.jprune.prune.importance.Close.assertClose;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Group magnitude scores against hand computations on {@link Nets#convBnConv()}: per channel, conv1 row
 * {@code [5, 1, 10]} (p = 2) / {@code [3, 1, 4]} (p = 1), its bias {@code [1, 4, 0.25]} / {@code [1, 2, 0.5]}, bn1
 * gamma {@code [4, 1, 0.25]} / {@code [2, 1, 0.5]}, beta {@code [0, 1, 1]}, conv2 column {@code [2, 1, 5]} /
 * {@code [2, 1, 3]}.
 */
class GroupMagnitudeImportanceTest {

    private static final double[] CONV1 = {5, 1, 10};
    private static final double[] CONV1_BIAS = {1, 4, 0.25};
    private static final double[] BN = {4, 1, 0.25};
    private static final double[] BN_BIAS = {0, 1, 1};
    private static final double[] CONV2 = {2, 1, 5};

    private static Group conv1Group() {
        return new DependencyGraph(Nets.convBnConv()).pruningGroup("conv1", Side.OUT, 0, 1, 2);
    }

    private static float[] score(GroupMagnitudeImportance.Builder b) {
        return b.build().score(conv1Group());
    }

    private static GroupMagnitudeImportance.Builder raw(Reduction r) {
        return GroupMagnitudeImportance.builder().reduction(r).normalizer(Normalizer.NONE);
    }

    private static double[] add(double[]... items) {
        double[] s = new double[items[0].length];
        for (double[] it : items) {
            for (int i = 0; i < s.length; i++) {
                s[i] += it[i];
            }
        }
        return s;
    }

    private static double[] scale(double[] v, double f) {
        double[] s = v.clone();
        for (int i = 0; i < s.length; i++) {
            s[i] *= f;
        }
        return s;
    }

    @Test
    void everyReductionWithoutBias() {
        assertClose(add(CONV1, BN, CONV2), score(raw(Reduction.SUM)), "sum");
        assertClose(scale(add(CONV1, BN, CONV2), 1.0 / 3), score(raw(Reduction.MEAN)), "mean divides by 3 items");
        assertClose(new double[] {5, 1, 10}, score(raw(Reduction.MAX)), "max");
        assertClose(new double[] {5 * 4 * 2, 1, 10 * 0.25 * 5}, score(raw(Reduction.PROD)), "prod");
        assertClose(CONV1, score(raw(Reduction.FIRST)), "first is the root's own rows");
        assertClose(CONV2, score(raw(Reduction.GATE)), "gate is the last item");
    }

    @Test
    void biasAddsSeparateItems() {
        assertClose(add(CONV1, CONV1_BIAS, BN, BN_BIAS, CONV2), score(raw(Reduction.SUM).bias(true)), "sum");
        assertClose(scale(add(CONV1, CONV1_BIAS, BN, BN_BIAS, CONV2), 1.0 / 5),
                score(raw(Reduction.MEAN).bias(true)), "mean over 5 items");
        assertClose(new double[] {5, 4, 10}, score(raw(Reduction.MAX).bias(true)), "max sees the bias");
        assertClose(CONV1, score(raw(Reduction.FIRST).bias(true)), "first stays the weight rows");
        assertClose(CONV2, score(raw(Reduction.GATE).bias(true)), "gate stays conv2's columns");
    }

    @Test
    void normOne() {
        double[] expected = {3 + 2 + 2, 1 + 1 + 1, 4 + 0.5 + 3};
        assertClose(expected, score(raw(Reduction.SUM).p(1)), "p=1");
        // conv1 bias |b| = [1, 2, 0.5], bn beta |beta| = [0, 1, 1]
        assertClose(add(expected, new double[] {1, 2, 0.5}, new double[] {0, 1, 1}),
                score(raw(Reduction.SUM).p(1).bias(true)), "p=1 with bias");
    }

    @Test
    void fractionalDegree() {
        // p = 0.5 on conv1 rows only: sqrt|1| + sqrt|2| etc.
        double[] expected = {1 + Math.sqrt(2), 1, Math.sqrt(3) + 1};
        assertClose(expected, score(raw(Reduction.FIRST).p(0.5)), "p=0.5");
    }

    @Test
    void defaultIsMeanReducedMeanNormalised() {
        double[] s = scale(add(CONV1, BN, CONV2), 1.0 / 3);
        double mean = (s[0] + s[1] + s[2]) / 3;
        assertClose(scale(s, 1 / mean), GroupMagnitudeImportance.builder().build().score(conv1Group()), "defaults");
    }

    @Test
    void targetKindsSelectMembers() {
        assertClose(BN, score(raw(Reduction.SUM).targetKinds(Kind.BATCH_NORM)), "BatchNorm only");
        assertClose(add(CONV1, CONV2), score(raw(Reduction.SUM).targetKinds(Kind.CONV)), "convolutions only");
        assertNull(score(raw(Reduction.SUM).targetKinds(Kind.LAYER_NORM)), "no LayerNorm in the group: null");
    }

    @Test
    void groupedConvolutionInputsRepeatEveryInGroupCount() {
        Group g = new DependencyGraph(Nets.groupedConv()).pruningGroup("conv0", Side.OUT, 0, 1, 2, 3);
        // gconv columns over all 4 filters: col0 = |1|+|-3|+|0|+|1| = 5, col1 = 2+1+2+1 = 6, repeated twice
        assertClose(new double[] {5, 6, 5, 6}, raw(Reduction.GATE).p(1).build().score(g), "p=1 columns");
        assertClose(new double[] {11, 10, 11, 10}, raw(Reduction.GATE).p(2).build().score(g), "p=2 columns");
        // conv0 rows [1,0],[0,1],[2,2],[-1,3]
        assertClose(new double[] {1 + 5, 1 + 6, 4 + 5, 4 + 6}, raw(Reduction.SUM).p(1).build().score(g), "sum");
    }

    @Test
    void concatMembersScoreTheirRootChannels() {
        Graph net = Nets.concat();
        DependencyGraph dg = new DependencyGraph(net);
        // convB channels 1, 2 are convC input columns 3, 4: rows |0|+|3|, |2|+|2|; columns |2|+|0|, |-3|+|1|
        Group g = dg.pruningGroup(net.requireNode("convB"), Side.OUT, Indices.of(1, 2));
        assertEquals(Indices.pairs(new int[] {3, 4}, new int[] {1, 2}), g.member("convC", Side.IN).indices());
        assertClose(new double[] {3 + 2, 4 + 4}, raw(Reduction.SUM).p(1).build().score(g), "convB subset");
        assertClose(new double[] {2, 4}, raw(Reduction.GATE).p(1).build().score(g), "convC columns 3, 4 alone");
        // convA: rows |1|+|1| each; convC columns 0, 1: 9+9 each
        Group a = dg.pruningGroup("convA", Side.OUT, 0, 1);
        assertClose(new double[] {20, 20}, raw(Reduction.SUM).p(1).build().score(a), "convA");
    }

    @Test
    void depthwiseIsScoredUnlessTpCompat() {
        Group g = new DependencyGraph(Nets.depthwise()).pruningGroup("conv0", Side.OUT, 0, 1, 2);
        // conv0 rows [1, 2, 2], dw rows (centre taps) [1, 2, 3], conv2 columns [1, 2, 3] (p = 1)
        GroupMagnitudeImportance correct = GroupMagnitudeImportance.builder().p(1).normalizer(Normalizer.NONE).build();
        GroupMagnitudeImportance tp = GroupMagnitudeImportance.builder().p(1).normalizer(Normalizer.NONE)
                .tpCompat(true).build();
        assertClose(new double[] {1, 2, 8.0 / 3}, correct.score(g), "depthwise rows are a third item");
        assertClose(new double[] {1, 2, 2.5}, tp.score(g), "Torch-Pruning: depthwise not scored, 2 items");
        // the depthwise conv's own group (conv0's out-channels too: the same channels), the depthwise conv first
        Group dw = new DependencyGraph(Nets.depthwise()).pruningGroup("dw", Side.OUT, 0, 1, 2);
        assertClose(new double[] {1, 2, 3}, GroupMagnitudeImportance.builder().p(1).normalizer(Normalizer.NONE)
                .reduction(Reduction.FIRST).build().score(dw), "first item is the depthwise rows");
        assertClose(new double[] {1, 2, 2}, GroupMagnitudeImportance.builder().p(1).normalizer(Normalizer.NONE)
                .reduction(Reduction.FIRST).tpCompat(true).build().score(dw), "tp-compat: first is conv0's rows");
    }

    @Test
    void linearAndLayerNorm() {
        Graph net = Nets.linearLayerNorm();
        Nets.set(net, "fc.weight", 1, 0, 0, 0, 0, 2, 0, 0, 0, 0, 1, -1);
        Nets.set(net, "fc.bias", 3, 0, 1);
        Nets.set(net, "ln.weight", 1, -2, 0.5f);
        Nets.set(net, "ln.bias", 0, 0, 2);
        Nets.set(net, "head.weight", 1, 1, 1, 2, 0, -1);
        Group g = new DependencyGraph(net).pruningGroup("fc", Side.OUT, 0, 1, 2);
        // fc rows [1, 4, 2], ln gamma² [1, 4, 0.25], head columns [5, 1, 2]
        assertClose(new double[] {7, 9, 4.25}, raw(Reduction.SUM).build().score(g), "sum");
        // biases: fc [9, 0, 1], ln [0, 0, 4]
        assertClose(new double[] {16, 9, 9.25}, raw(Reduction.SUM).bias(true).build().score(g), "with bias");
    }

    @Test
    void builderValidatesAndToStringListsEverySetting() {
        assertThrows(IllegalArgumentException.class, () -> GroupMagnitudeImportance.builder().p(0).build());
        assertThrows(IllegalArgumentException.class, () -> GroupMagnitudeImportance.builder().p(-1).build());
        assertThrows(IllegalArgumentException.class,
                () -> GroupMagnitudeImportance.builder().p(Double.POSITIVE_INFINITY).build());
        assertThrows(IllegalArgumentException.class, () -> GroupMagnitudeImportance.builder().sentinel(1.0).build());
        assertThrows(IllegalArgumentException.class, () -> GroupMagnitudeImportance.builder().targetKinds().build());
        assertThrows(NullPointerException.class, () -> GroupMagnitudeImportance.builder().reduction(null));
        String s = GroupMagnitudeImportance.builder().p(1).reduction(Reduction.MAX).normalizer(Normalizer.LAMP)
                .bias(true).targetKinds(Kind.CONV).tpCompat(true).build().toString();
        for (String part : new String[] {"p=1.0", "reduction=MAX", "normalizer=LAMP", "bias=true", "targetKinds=[CONV]",
                "tpCompat=true"}) {
            assertTrue(s.contains(part), s + " lacks " + part);
        }
        assertTrue(GroupMagnitudeImportance.builder().sentinel(0.25).build().toString().contains("sentinelQ=0.25"));
        GroupMagnitudeImportance d = GroupMagnitudeImportance.builder().build();
        assertEquals(2.0, d.p());
        assertEquals(Reduction.MEAN, d.reduction());
        assertEquals(Normalizer.MEAN, d.normalizer());
        assertEquals(false, d.bias());
        assertEquals(false, d.tpCompat());
        assertEquals(java.util.EnumSet.of(Kind.CONV, Kind.DEPTHWISE_CONV, Kind.LINEAR, Kind.BATCH_NORM,
                Kind.LAYER_NORM, Kind.MULTIHEAD_ATTENTION), d.targetKinds());
    }
}
