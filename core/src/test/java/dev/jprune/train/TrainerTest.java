package dev.jprune.train;

import dev.jprune.ir.Graph;
import dev.jprune.ir.GraphBuilder;
import dev.jprune.ir.Parameter;
import dev.jprune.ir.Value;
import dev.jprune.ops.BatchNorm2d;
import dev.jprune.ops.Conv2d;
import dev.jprune.ops.Dropout;
import dev.jprune.ops.Flatten;
import dev.jprune.ops.Linear;
import dev.jprune.ops.ReLU;
import dev.jprune.ops.AdaptiveAvgPool2d;
import dev.jprune.tensor.Shape;
import dev.jprune.tensor.Tensor;
import dev.jprune.weights.RandomInit;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link Trainer} on a small classifier (conv → BN → ReLU → dropout → pool → linear, built for batch 1 and trained
 * at batch 6 through input-shape views) and an in-memory {@link BatchSource} of 4 fixed batches of a separable
 * 3-class problem (seed 5): the loss falls, the schedule is set per global step, the hook runs between backward and
 * the update, and resuming at a batch with the optimiser state copied reproduces the uninterrupted run bit for bit.
 */
class TrainerTest {

    static final int CLASSES = 3;

    static Graph model() {
        GraphBuilder b = new GraphBuilder("small");
        Value x = b.input("input", Shape.of(1, 2, 4, 4));
        x = b.module("conv", Conv2d.of(2, 6, 3, 1, 1, false), x);
        x = b.module("bn", BatchNorm2d.of(6), x);
        x = b.module("relu", new ReLU(), x);
        x = b.module("drop", new Dropout(0.2), x);
        x = b.module("pool", new AdaptiveAvgPool2d(1, 1), x);
        x = b.call("flatten", new Flatten(1, -1), x);
        Graph g = b.build(b.module("fc", Linear.of(6, CLASSES, true), x));
        RandomInit.fill(g, 5);
        return g;
    }

    /**
     * {@code count} batches of 6 images (2, 4, 4) of a separable 3-class problem, the same every epoch: class 0
     * lights channel 0, class 1 channel 1, class 2 the top half of both; Gaussian noise of 0.3.
     */
    static BatchSource fixed(int count, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        List<Batch> batches = new ArrayList<>();
        for (int k = 0; k < count; k++) {
            Tensor x = Tensor.zeros(Shape.of(6, 2, 4, 4));
            float[] t = new float[6];
            for (int n = 0; n < 6; n++) {
                int c = r.nextInt(CLASSES);
                t[n] = c;
                for (int ch = 0; ch < 2; ch++) {
                    for (int h = 0; h < 4; h++) {
                        for (int w = 0; w < 4; w++) {
                            boolean on = c == 2 ? h < 2 : ch == c;
                            x.set((float) ((on ? 1.5 : 0) + 0.3 * r.nextGaussian()), n, ch, h, w);
                        }
                    }
                }
            }
            batches.add(new Batch(x, Tensor.wrap(Shape.of(6), t)));
        }
        return BatchSource.of(batches);
    }

    private static Sgd sgd(Graph g) {
        return Sgd.builder().lr(0.1).momentum(0.9).weightDecay(1e-4).build(g);
    }

    @Test
    void lossFallsOverEpochsAndEvaluationImproves() {
        Graph g = model();
        BatchSource data = fixed(4, 5);
        Accuracy before = Evaluation.run(g, data);
        Trainer t = Trainer.builder(g, sgd(g)).seed(1).build();
        EpochResult first = t.trainEpoch(data, 0);
        EpochResult last = first;
        for (int e = 1; e < 15; e++) {
            last = t.trainEpoch(data, e);
        }
        Accuracy after = Evaluation.run(g, data);
        assertEquals(4, first.steps());
        assertEquals(24, first.samples());
        assertTrue(last.meanLoss() < 0.5 * first.meanLoss(), first + " -> " + last);
        assertTrue(after.top1() > before.top1() && after.top1() >= 0.9, before + " -> " + after);
        assertEquals(1.0, after.top5(), 0, "3 classes: the target is always among the top five");
        assertEquals(24, after.samples());
    }

    @Test
    void scheduleIsSetPerGlobalStepAndHookRunsBeforeTheUpdate() {
        Graph g = model();
        BatchSource data = fixed(4, 5);
        Sgd sgd = sgd(g);
        List<Double> lrs = new ArrayList<>();
        List<Integer> steps = new ArrayList<>();
        Parameter w = g.stateDict().get("fc.weight");
        Trainer t = Trainer.builder(g, sgd).schedule(CosineAnnealingLR.of(8))
                .afterBackward(step -> {
                    steps.add(step);
                    assertTrue(w.grad() != null, "gradients exist when the hook runs");
                })
                .listener(new TrainListener() {
                    @Override
                    public void onStep(int epoch, int batch, int batchCount, double loss, double lr) {
                        lrs.add(lr);
                    }
                }).build();
        t.trainEpoch(data, 0);
        t.trainEpoch(data, 1, 2);
        assertEquals(List.of(0, 1, 2, 3, 6, 7), steps);
        CosineAnnealingLR c = CosineAnnealingLR.of(8);
        for (int i = 0; i < steps.size(); i++) {
            assertEquals(c.lr(0.1, steps.get(i)), lrs.get(i), 1e-15, "lr of step " + steps.get(i));
        }
    }

    @Test
    void hookChangesTheUpdate() {
        Graph a = model();
        Graph b = model();
        BatchSource data = fixed(1, 5);
        Trainer.builder(a, sgd(a)).build().trainEpoch(data, 0);
        Parameter wb = b.stateDict().get("fc.weight");
        Trainer.builder(b, sgd(b)).afterBackward(s -> wb.grad().data()[0] += 1f).build().trainEpoch(data, 0);
        float da = a.stateDict().get("fc.weight").value().data()[0];
        float db = wb.value().data()[0];
        assertEquals(da - 0.1f, db, 1e-6, "a gradient added by the hook is applied by the same step's update");
    }

    @Test
    void resumingAtABatchWithTheOptimiserStateIsExact() {
        BatchSource data = fixed(4, 5);
        Graph full = model();
        Sgd fullSgd = sgd(full);
        Trainer tf = Trainer.builder(full, fullSgd).schedule(CosineAnnealingLR.of(12)).seed(3).build();
        for (int e = 0; e < 3; e++) {
            tf.trainEpoch(data, e);
        }

        Graph part = model();
        Sgd partSgd = sgd(part);
        Trainer tp = Trainer.builder(part, partSgd).schedule(CosineAnnealingLR.of(12)).seed(3).build();
        tp.trainEpoch(data, 0);
        tp.trainEpoch(data.truncated(2), 1); // the run stops after batch 1 of epoch 1
        Graph resumed = model();
        copy(part, resumed);
        Sgd resumedSgd = sgd(resumed);
        copyState(partSgd, resumedSgd);
        Trainer tr = Trainer.builder(resumed, resumedSgd).schedule(CosineAnnealingLR.of(12)).seed(3).build();
        tr.trainEpoch(data, 1, 2);
        tr.trainEpoch(data, 2);
        for (Map.Entry<String, Parameter> e : full.stateDict().entrySet()) {
            assertArrayEquals(e.getValue().value().data(), resumed.stateDict().get(e.getKey()).value().data(),
                    e.getKey() + " after the resumed run");
        }
    }

    @Test
    void errorsNameTheProblem() {
        Graph g = model();
        BatchSource data = fixed(2, 5);
        Trainer t = Trainer.builder(g, sgd(g)).build();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> t.trainEpoch(data, 0, 3));
        assertTrue(e.getMessage().contains("[0, 2]"), e.getMessage());
        Sgd huge = Sgd.builder().lr(1e30).build(g);
        IllegalStateException nan = assertThrows(IllegalStateException.class, () -> {
            Trainer tt = Trainer.builder(g, huge).build();
            for (int i = 0; i < 5; i++) {
                tt.trainEpoch(data, i);
            }
        });
        assertTrue(nan.getMessage().contains("loss is") && nan.getMessage().contains("lower the learning rate"),
                nan.getMessage());
    }

    private static void copy(Graph from, Graph to) {
        for (Map.Entry<String, Parameter> e : from.stateDict().entrySet()) {
            float[] src = e.getValue().value().data();
            to.stateDict().get(e.getKey()).setValue(Tensor.wrap(e.getValue().value().shape(), Arrays.copyOf(src, src.length)));
        }
    }

    private static void copyState(Optimizer from, Optimizer to) {
        List<Parameter> a = from.params();
        List<Parameter> b = to.params();
        for (int i = 0; i < a.size(); i++) {
            Map<String, Tensor> s = new java.util.LinkedHashMap<>();
            for (Map.Entry<String, Tensor> e : from.state(a.get(i)).entrySet()) {
                float[] d = e.getValue().data();
                s.put(e.getKey(), Tensor.wrap(e.getValue().shape(), Arrays.copyOf(d, d.length)));
            }
            to.setState(b.get(i), s);
        }
    }
}
