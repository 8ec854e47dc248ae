package dev.jprune.prune.importance;

import dev.jprune.depgraph.DependencyGraph;
import dev.jprune.depgraph.Group;
import dev.jprune.depgraph.Side;
import dev.jprune.ir.Graph;
import org.junit.jupiter.api.Test;

import static dev.jprune.prune.importance.Close.assertClose;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** BatchNorm scale, FPGM and random importance. */
class OtherImportanceTest {

    private static Group conv1Group() {
        return new DependencyGraph(Nets.convBnConv()).pruningGroup("conv1", Side.OUT, 0, 1, 2);
    }

    @Test
    void bnScaleIsTheMeanAbsoluteGamma() {
        // |gamma| = [2, 1, 0.5], one BatchNorm: mean reduction divides by 1
        assertClose(new double[] {2, 1, 0.5}, new BNScaleImportance(Reduction.MEAN, Normalizer.NONE).score(conv1Group()),
                "raw");
        assertClose(new double[] {2 / (3.5 / 3), 1 / (3.5 / 3), 0.5 / (3.5 / 3)}, new BNScaleImportance().score(conv1Group()),
                "mean-normalised");
        Group noBn = new DependencyGraph(Nets.concat()).pruningGroup("convA", Side.OUT, 0, 1);
        assertNull(new BNScaleImportance().score(noBn), "no BatchNorm: null");
        assertTrue(new BNScaleImportance().toString().contains("BATCH_NORM"));
    }

    @Test
    void fpgmSumsDistancesBetweenPoweredRows() {
        // conv1 rows squared: [1, 4], [0, 1], [9, 1]; distances √10 (0-1), √73 (0-2), 9 (1-2)
        double r10 = Math.sqrt(10);
        double r73 = Math.sqrt(73);
        double[] conv1 = {r10 + r73, r10 + 9, r73 + 9};
        // conv2 columns squared: [1, 1], [0, 1], [4, 1]; distances 1 (0-1), 3 (0-2), 4 (1-2)
        double[] conv2 = {4, 5, 7};
        FpgmImportance fpgm = FpgmImportance.builder().normalizer(Normalizer.NONE).build();
        assertClose(new double[] {(conv1[0] + conv2[0]) / 2, (conv1[1] + conv2[1]) / 2, (conv1[2] + conv2[2]) / 2},
                fpgm.score(conv1Group()), "mean of two items; BatchNorm ignored");
        assertClose(conv1, FpgmImportance.builder().normalizer(Normalizer.NONE).reduction(Reduction.FIRST).build()
                .score(conv1Group()), "conv1 alone");
        // p = 1: rows |w|: [1, 2], [0, 1], [3, 1]; distances √2, √5, 3
        double[] p1 = {Math.sqrt(2) + Math.sqrt(5), Math.sqrt(2) + 3, Math.sqrt(5) + 3};
        assertClose(p1, FpgmImportance.builder().p(1).normalizer(Normalizer.NONE).reduction(Reduction.FIRST).build()
                .score(conv1Group()), "p = 1");
        assertThrows(IllegalArgumentException.class, () -> FpgmImportance.builder().bias(true).build());
        assertTrue(FpgmImportance.builder().build().toString().contains("p=2.0"));
    }

    @Test
    void fpgmDistancesAreAmongTheGroupsIndicesOnly() {
        Graph net = Nets.concat();
        // convB rows [1,-2], [0,3], [2,2], channels 1 and 2 only: squared [0, 9], [4, 4], distance √41 each
        Group g = new DependencyGraph(net).pruningGroup(net.requireNode("convB"), Side.OUT,
                dev.jprune.ir.axis.Indices.of(1, 2));
        assertClose(new double[] {Math.sqrt(41), Math.sqrt(41)}, FpgmImportance.builder().normalizer(Normalizer.NONE)
                .reduction(Reduction.FIRST).build().score(g), "two rows");
        // convC columns 3, 4: [2, 0] and [-3, 1] squared [4, 0], [9, 1]: distance √26
        assertClose(new double[] {Math.sqrt(26), Math.sqrt(26)}, FpgmImportance.builder().normalizer(Normalizer.NONE)
                .reduction(Reduction.GATE).build().score(g), "two columns");
    }

    @Test
    void fpgmDepthwiseFollowsTpCompat() {
        Group g = new DependencyGraph(Nets.depthwise()).pruningGroup("dw", Side.OUT, 0, 1, 2);
        // depthwise rows squared differ only in the centre tap: 1, 4, 9 → distances 3, 8, 5
        assertClose(new double[] {11, 8, 13}, FpgmImportance.builder().normalizer(Normalizer.NONE)
                .reduction(Reduction.FIRST).build().score(g), "depthwise scored");
        float[] tp = FpgmImportance.builder().normalizer(Normalizer.NONE).reduction(Reduction.FIRST).tpCompat(true)
                .build().score(g);
        // first scored item is then conv0's rows [1, 0], [0, 2], [1, 1] squared [1,0],[0,4],[1,1]: √17, 1, √10
        assertClose(new double[] {Math.sqrt(17) + 1, Math.sqrt(17) + Math.sqrt(10), 1 + Math.sqrt(10)}, tp, "tp-compat");
    }

    @Test
    void randomIsDeterministicForASeed() {
        Group g = conv1Group();
        RandomImportance a = new RandomImportance(42);
        RandomImportance b = new RandomImportance(42);
        float[] a1 = a.score(g);
        float[] a2 = a.score(g);
        assertEquals(3, a1.length);
        assertArrayEquals(a1, b.score(g), "same seed, same first draw");
        assertArrayEquals(a2, b.score(g), "same seed, same second draw");
        assertFalse(java.util.Arrays.equals(a1, a2), "successive calls draw new numbers");
        assertFalse(java.util.Arrays.equals(a1, new RandomImportance(43).score(g)), "another seed differs");
        for (float v : a1) {
            assertTrue(v >= 0 && v < 1, "in [0, 1): " + v);
        }
        Group subset = new DependencyGraph(Nets.concat()).pruningGroup("convB", Side.OUT, 0, 2);
        assertEquals(2, a.score(subset).length, "one score per root index");
        assertEquals("RandomImportance{seed=42}", a.toString());
    }
}
