package dev.jprune.train;

import dev.jprune.ir.Graph;
import dev.jprune.ir.GraphBuilder;
import dev.jprune.ir.Value;
import dev.jprune.ops.BatchNorm2d;
import dev.jprune.ops.Conv2d;
import dev.jprune.ops.ReLU;
import dev.jprune.tensor.Shape;
import dev.jprune.tensor.Tensor;
import dev.jprune.weights.RandomInit;
import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * End to end: Conv2d → BatchNorm2d → ReLU → 1×1 Conv2d trained with {@link TrainStep} for 30 steps (SGD with
 * momentum, and AdamW, each on the weight-decay split) on a fixed synthetic regression
 * target (a smooth function of the input) must cut the MSE at least tenfold. Seeded (seed 11).
 */
class TrainStepTest {

    private static final long SEED = 11;
    private static final Shape IN = Shape.of(4, 3, 6, 6);

    private static Graph model() {
        GraphBuilder b = new GraphBuilder("tiny");
        Value x = b.input("input", IN);
        x = b.module("conv1", Conv2d.of(3, 8, 3, 1, 1, false), x);
        x = b.module("bn1", BatchNorm2d.of(8), x);
        x = b.module("relu", new ReLU(), x);
        x = b.module("head", Conv2d.of(8, 2, 1, 1, 0, true), x);
        Graph g = b.build(x);
        RandomInit.fill(g, SEED);
        return g;
    }

    private static Tensor input() {
        SplittableRandom r = new SplittableRandom(SEED);
        Tensor t = Tensor.zeros(IN);
        float[] d = t.data();
        for (int i = 0; i < d.length; i++) {
            d[i] = (float) (r.nextDouble() * 2 - 1);
        }
        return t;
    }

    /** Target (4, 2, 6, 6): channel 0 = max(x0 + x1, 0), channel 1 = x2 − 0.5 · x0 (per pixel). */
    private static Tensor target(Tensor x) {
        Tensor t = Tensor.zeros(Shape.of(4, 2, 6, 6));
        for (int n = 0; n < 4; n++) {
            for (int h = 0; h < 6; h++) {
                for (int w = 0; w < 6; w++) {
                    float x0 = x.get(n, 0, h, w);
                    float x1 = x.get(n, 1, h, w);
                    float x2 = x.get(n, 2, h, w);
                    t.set(Math.max(x0 + x1, 0f), n, 0, h, w);
                    t.set(x2 - 0.5f * x0, n, 1, h, w);
                }
            }
        }
        return t;
    }

    private static void reducesLoss(Function<Graph, Optimizer> makeOptimizer, String what) {
        Graph g = model();
        Optimizer opt = makeOptimizer.apply(g);
        Tensor x = input();
        Tensor y = target(x);
        double first = TrainStep.run(g, opt, new MseLoss(), x, y, SEED);
        double last = first;
        for (int step = 1; step < 30; step++) {
            last = TrainStep.run(g, opt, new MseLoss(), x, y, SEED + step);
            assertTrue(Double.isFinite(last), what + ": loss at step " + step + " is " + last);
        }
        assertNotNull(g.node("conv1").parameter("weight").grad());
        assertTrue(last * 10 <= first, what + " (seed " + SEED + "): MSE went from " + first + " to " + last
                + ", expected a tenfold reduction");
    }

    @Test
    void sgdWithMomentumReducesMseTenfold() {
        reducesLoss(g -> Sgd.builder().lr(0.5).momentum(0.5).weightDecay(1e-4).build(ParamGroups.weightDecaySplit(g)),
                "SGD");
    }

    @Test
    void adamWReducesMseTenfold() {
        reducesLoss(g -> AdamW.builder().lr(0.05).weightDecay(1e-4).build(ParamGroups.weightDecaySplit(g)), "AdamW");
    }
}
