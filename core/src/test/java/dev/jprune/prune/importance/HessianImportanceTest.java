package dev.jprune.prune.importance;

import dev.jprune.depgraph.DependencyGraph;
import dev.jprune.depgraph.Group;
import dev.jprune.depgraph.Side;
import dev.jprune.exec.Executor;
import dev.jprune.exec.ForwardContext;
import dev.jprune.ir.Graph;
import dev.jprune.ir.Parameter;
import dev.jprune.tensor.Shape;
import dev.jprune.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static dev.jprune.prune.importance.Close.assertClose;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Hessian (OBD) importance: accumulation of g² over samples, and Torch-Pruning's last-sample quirk. */
class HessianImportanceTest {

    /** Sets hand-chosen gradients on every trainable parameter of {@link Nets#convBnConv()}. */
    private static void setGrads(Graph g, float scale) {
        for (Parameter p : g.stateDict().values()) {
            if (p.trainable()) {
                float[] d = new float[p.value().numel()];
                for (int i = 0; i < d.length; i++) {
                    d[i] = scale * (i + 1);
                }
                p.setGrad(Tensor.wrap(p.value().shape(), d));
            }
        }
    }

    private static Group group(Graph g) {
        return new DependencyGraph(g).pruningGroup("conv1", Side.OUT, 0, 1, 2);
    }

    /**
     * With gradient element {@code e} of every parameter equal to {@code (e+1)·s} for samples s = 1 and s = 2, h =
     * (e+1)² · hFactor. conv1 rows [1,2],[0,-1],[3,1] → Σ w²(e+1)²: [1·1+4·4, 0+1·16, 9·25+1·36];
     * bn1 gamma [2,-1,0.5] → [4·1, 1·4, 0.25·9]; conv2 (2,3) [1,0,2],[-1,1,1], column i: w[0,i]²(i+1)² + w[1,i]²(i+4)².
     */
    private static double[] expected(double hFactor) {
        double[] conv1 = {1 + 16, 16, 225 + 36};
        double[] bn = {4, 4, 2.25};
        double[] conv2 = {1 * 1 + 1 * 16, 0 + 1 * 25, 4 * 9 + 1 * 36};
        double[] out = new double[3];
        for (int i = 0; i < 3; i++) {
            out[i] = hFactor * (conv1[i] + bn[i] + conv2[i]) / 3;
        }
        return out;
    }

    @Test
    void accumulatesTheMeanSquaredGradient() {
        Graph g = Nets.convBnConv();
        HessianImportance h = HessianImportance.builder().normalizer(Normalizer.NONE).build();
        setGrads(g, 1);
        h.accumulate(g);
        setGrads(g, 2);
        h.accumulate(g);
        Parameter w1 = g.stateDict().get("conv1.weight");
        assertEquals(2, h.count(w1));
        // h = (1 + 4) / 2 · (e+1)²
        assertArrayEquals(new float[] {2.5f, 10f, 22.5f, 40f, 62.5f, 90f}, h.hessian(w1).data());
        assertClose(expected(2.5), h.score(group(g)), "mean of g² over two samples");
        assertEquals(2.0f, g.stateDict().get("conv1.weight").grad().data()[0], "gradients are read, not changed");
    }

    @Test
    void tpCompatKeepsOnlyTheLastSample() {
        Graph g = Nets.convBnConv();
        HessianImportance h = HessianImportance.builder().normalizer(Normalizer.NONE).tpCompat(true).build();
        setGrads(g, 1);
        h.accumulate(g);
        setGrads(g, 2);
        h.accumulate(g);
        assertEquals(1, h.count(g.stateDict().get("conv1.weight")));
        assertClose(expected(4), h.score(group(g)), "h = last g² = 4 (e+1)²");
    }

    @Test
    void biasAndReset() {
        Graph g = Nets.convBnConv();
        HessianImportance h = HessianImportance.builder().normalizer(Normalizer.NONE).reduction(Reduction.SUM)
                .bias(true).build();
        setGrads(g, 1);
        h.accumulate(g);
        // sum of the three weight items plus conv1 bias b²(e+1)² = [1, 16, 2.25] and bn1 beta [0, 4, 9]
        double[] w = expected(1);
        double[] exp = new double[3];
        double[] cb = {1, 16, 2.25};
        double[] bb = {0, 4, 9};
        for (int i = 0; i < 3; i++) {
            exp[i] = 3 * w[i] + cb[i] + bb[i];
        }
        assertClose(exp, h.score(group(g)), "with biases");
        h.reset();
        assertEquals(0, h.count(g.stateDict().get("conv1.weight")));
        assertNull(h.hessian(g.stateDict().get("conv1.weight")));
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> h.score(group(g)));
        assertTrue(e.getMessage().contains("conv1.weight") && e.getMessage().contains("accumulate"), e.getMessage());
    }

    @Test
    void perSampleBackwardPasses() {
        Graph g = Nets.convBnConv();
        HessianImportance h = HessianImportance.builder().build();
        SplittableRandom r = new SplittableRandom(5);
        float[] sumSq = new float[6];
        for (int s = 0; s < 3; s++) {
            g.zeroGrad();
            Executor.Forward f = Executor.forward(g, ForwardContext.train(s),
                    TaylorImportanceTest.random(Shape.of(2, 2, 3, 3), r));
            f.tape().backward(TaylorImportanceTest.random(f.output().shape(), r));
            h.accumulate(g);
            float[] gd = g.stateDict().get("conv1.weight").grad().data();
            for (int i = 0; i < 6; i++) {
                sumSq[i] += gd[i] * gd[i];
            }
        }
        Parameter w1 = g.stateDict().get("conv1.weight");
        assertEquals(3, h.count(w1));
        double[] exp = new double[6];
        for (int i = 0; i < 6; i++) {
            exp[i] = sumSq[i] / 3.0;
        }
        assertClose(exp, h.hessian(w1).data(), "h of conv1.weight");
        assertEquals(3, h.score(group(g)).length);
    }

    @Test
    void staleAccumulationAfterPruningIsAnError() {
        Graph g = Nets.convBnConv();
        HessianImportance h = HessianImportance.builder().build();
        HessianImportance tp = HessianImportance.builder().tpCompat(true).build();
        setGrads(g, 1);
        h.accumulate(g);
        tp.accumulate(g);
        new DependencyGraph(g).pruningGroup("conv1", Side.OUT, 1).prune();
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> h.score(new DependencyGraph(g).pruningGroup("conv1", Side.OUT, 0, 1)));
        assertTrue(e.getMessage().contains("reset"), e.getMessage());
        assertThrows(IllegalStateException.class, () -> h.accumulate(g), "pruned gradients no longer fit");
        assertEquals(1, h.count(g.stateDict().get("conv2.weight")), "a failed accumulate changes nothing");
        tp.accumulate(g);
        assertEquals(2, tp.score(new DependencyGraph(g).pruningGroup("conv1", Side.OUT, 0, 1)).length,
                "tpCompat replaces, whatever the old shape");
        h.reset();
        h.accumulate(g);
        assertEquals(2, h.score(new DependencyGraph(g).pruningGroup("conv1", Side.OUT, 0, 1)).length);
        assertTrue(h.toString().startsWith("HessianImportance{reduction=MEAN"), h.toString());
    }
}
