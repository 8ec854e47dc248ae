package dev.jprune.prune.importance;

import dev.jprune.depgraph.DependencyGraph;
import dev.jprune.depgraph.Group;
import dev.jprune.depgraph.Side;
import dev.jprune.exec.Executor;
import dev.jprune.exec.ForwardContext;
import dev.jprune.ir.Graph;
import dev.jprune.tensor.Shape;
import dev.jprune.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static dev.jprune.prune.importance.Close.assertClose;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Taylor importance on real gradients of {@link Nets#convBnConv()}, checked against per-element sums. */
class TaylorImportanceTest {

    private static final long SEED = 11;

    static Tensor random(Shape s, SplittableRandom r) {
        float[] d = new float[s.numel()];
        for (int i = 0; i < d.length; i++) {
            d[i] = (float) (r.nextDouble() * 2 - 1);
        }
        return Tensor.wrap(s, d);
    }

    /** The graph after one forward (train mode) and a backward of a random output gradient. */
    static Graph withGradients(long seed) {
        Graph g = Nets.convBnConv();
        Nets.set(g, "bn1.bias", 0.1f, 0.2f, 0.3f); // every channel passes the ReLU somewhere
        SplittableRandom r = new SplittableRandom(seed);
        Executor.Forward f = Executor.forward(g, ForwardContext.train(seed), random(Shape.of(2, 2, 3, 3), r));
        f.tape().backward(random(f.output().shape(), r));
        return g;
    }

    private static Tensor w(Graph g, String name) {
        return g.stateDict().get(name).value();
    }

    private static Tensor grad(Graph g, String name) {
        return g.stateDict().get(name).grad();
    }

    /**
     * Per channel: conv1 row, bn1 gamma, conv2 column, each Σ|w·g| (or |Σ w·g| when {@code multivariable}), then
     * conv1 bias and bn1 beta |b·g|.
     */
    private static double[][] items(Graph g, boolean multivariable) {
        double[][] out = new double[5][3];
        Tensor w1 = w(g, "conv1.weight");
        Tensor g1 = grad(g, "conv1.weight");
        Tensor w2 = w(g, "conv2.weight");
        Tensor g2 = grad(g, "conv2.weight");
        for (int i = 0; i < 3; i++) {
            double row = 0;
            double rowAbs = 0;
            for (int c = 0; c < 2; c++) {
                double t = (double) w1.get(i, c, 0, 0) * g1.get(i, c, 0, 0);
                row += t;
                rowAbs += Math.abs(t);
            }
            out[0][i] = multivariable ? Math.abs(row) : rowAbs;
            out[1][i] = Math.abs((double) w(g, "bn1.weight").get(i) * grad(g, "bn1.weight").get(i));
            double col = 0;
            double colAbs = 0;
            for (int o = 0; o < 2; o++) {
                double t = (double) w2.get(o, i, 0, 0) * g2.get(o, i, 0, 0);
                col += t;
                colAbs += Math.abs(t);
            }
            out[2][i] = multivariable ? Math.abs(col) : colAbs;
            out[3][i] = Math.abs((double) w(g, "conv1.bias").get(i) * grad(g, "conv1.bias").get(i));
            out[4][i] = Math.abs((double) w(g, "bn1.bias").get(i) * grad(g, "bn1.bias").get(i));
        }
        return out;
    }

    private static Group group(Graph g) {
        return new DependencyGraph(g).pruningGroup("conv1", Side.OUT, 0, 1, 2);
    }

    private static double[] mean(double[]... items) {
        double[] s = new double[3];
        for (double[] it : items) {
            for (int i = 0; i < 3; i++) {
                s[i] += it[i] / items.length;
            }
        }
        return s;
    }

    @Test
    void scoresWeightTimesGradient() {
        Graph g = withGradients(SEED);
        double[][] it = items(g, false);
        for (int k : new int[] {0, 1, 2, 4}) { // conv1's bias has (nearly) no gradient through train-mode BatchNorm
            for (double v : it[k]) {
                assertTrue(v > 0, "gradients reach every channel of item " + k);
            }
        }
        float[] got = TaylorImportance.builder().normalizer(Normalizer.NONE).build().score(group(g));
        assertClose(mean(it[0], it[1], it[2]), got, "conv1, bn1 and conv2 by default");
        assertClose(mean(it[0], it[3], it[1], it[4], it[2]), TaylorImportance.builder().normalizer(Normalizer.NONE)
                .bias(true).build().score(group(g)), "conv1 bias and bn1 beta as separate items");
    }

    @Test
    void multivariableTakesTheAbsoluteValueOfTheSum() {
        Graph g = withGradients(SEED);
        double[][] mv = items(g, true);
        float[] got = TaylorImportance.builder().normalizer(Normalizer.NONE).multivariable(true).build().score(group(g));
        assertClose(mean(mv[0], mv[1], mv[2]), got, "multivariable");
        double[][] plain = items(g, false);
        assertNotEquals(plain[0][0] + plain[0][1] + plain[0][2], mv[0][0] + mv[0][1] + mv[0][2],
                "the test's gradients distinguish the two (mixed signs within a row)");
    }

    @Test
    void tpCompatNeverScoresBatchNorm() {
        Graph g = withGradients(SEED);
        double[][] it = items(g, false);
        float[] got = TaylorImportance.builder().normalizer(Normalizer.NONE).tpCompat(true).build().score(group(g));
        assertClose(mean(it[0], it[2]), got, "conv1 and conv2 only");
        Group bnOnly = group(g);
        assertTrue(TaylorImportance.builder().targetKinds(dev.jprune.ir.axis.ChannelParams.Kind.BATCH_NORM)
                .tpCompat(true).build().score(bnOnly) == null, "BatchNorm alone: nothing scored with tpCompat");
    }

    @Test
    void layerNormScoresGammaTimesItsGradient() {
        Graph g = Nets.linearLayerNorm();
        SplittableRandom r = new SplittableRandom(SEED);
        Executor.Forward f = Executor.forward(g, ForwardContext.train(SEED), random(Shape.of(2, 4), r));
        f.tape().backward(random(f.output().shape(), r));
        Group grp = new DependencyGraph(g).pruningGroup("fc", Side.OUT, 0, 1, 2);
        double[] ln = new double[3];
        for (int i = 0; i < 3; i++) {
            ln[i] = Math.abs((double) w(g, "ln.weight").get(i) * grad(g, "ln.weight").get(i));
        }
        assertClose(ln, TaylorImportance.builder().normalizer(Normalizer.NONE)
                .targetKinds(dev.jprune.ir.axis.ChannelParams.Kind.LAYER_NORM).build().score(grp), "LayerNorm");
    }

    @Test
    void missingGradientIsAnErrorNamingTheParameter() {
        Graph g = withGradients(SEED);
        g.zeroGrad();
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> TaylorImportance.builder().build().score(group(g)));
        assertTrue(e.getMessage().contains("conv1.weight"), e.getMessage());
        Graph h = withGradients(SEED);
        h.stateDict().get("conv1.bias").setGrad(null);
        TaylorImportance.builder().build().score(group(h)); // the bias is not needed without bias scoring
        e = assertThrows(IllegalStateException.class, () -> TaylorImportance.builder().bias(true).build().score(group(h)));
        assertTrue(e.getMessage().contains("conv1.bias"), e.getMessage());
    }

    @Test
    void toStringListsEverySetting() {
        String s = TaylorImportance.builder().multivariable(true).tpCompat(true).build().toString();
        for (String part : new String[] {"multivariable=true", "reduction=MEAN", "normalizer=MEAN", "bias=false",
                "targetKinds=", "tpCompat=true"}) {
            assertTrue(s.contains(part), s + " lacks " + part);
        }
    }
}
