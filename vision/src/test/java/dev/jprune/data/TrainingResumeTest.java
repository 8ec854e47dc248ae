package dev.jprune.data;

import dev.jprune.io.checkpoint.TrainingCheckpoint;
import dev.jprune.io.checkpoint.TrainingState;
import dev.jprune.ir.Graph;
import dev.jprune.ir.Parameter;
import dev.jprune.tensor.Shape;
import dev.jprune.tensor.Tensor;
import dev.jprune.train.CosineAnnealingLR;
import dev.jprune.train.ParamGroups;
import dev.jprune.train.Sgd;
import dev.jprune.train.Trainer;
import dev.jprune.weights.RandomInit;
import dev.jprune.zoo.Zoo;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The whole resume path on resnet20 (1 channel, 10 classes) with a shuffled, augmented {@link DataLoader} over 48
 * synthetic images (seed 7): training interrupted at an epoch boundary or in the middle of an epoch, saved as a
 * {@link TrainingCheckpoint}, loaded into a freshly built model with a fresh optimiser, and continued, ends with
 * every parameter and buffer equal bit for bit to the uninterrupted run's.
 */
@Tag("slow")
class TrainingResumeTest {

    private static final Shape EXAMPLE = Shape.of(1, 1, 32, 32);
    private static final int EPOCHS = 2;

    private static Dataset images() {
        SplittableRandom r = new SplittableRandom(7);
        float[][] px = new float[48][28 * 28];
        int[] labels = new int[48];
        for (int i = 0; i < 48; i++) {
            labels[i] = i % 10;
            for (int k = 0; k < px[i].length; k++) {
                px[i][k] = (float) r.nextDouble();
            }
        }
        return new Dataset() {
            @Override
            public int size() {
                return 48;
            }

            @Override
            public Example get(int index) {
                return new Example(Tensor.wrap(Shape.of(1, 28, 28), px[index].clone()), labels[index]);
            }

            @Override
            public int label(int index) {
                return labels[index];
            }

            @Override
            public List<String> classes() {
                return IdxDataset.FASHION_MNIST_CLASSES;
            }
        };
    }

    private static DataLoader loader() {
        Transform t = Transforms.compose(Transforms.pad(2), Transforms.randomCrop(32, 4), Transforms.randomHorizontalFlip(0.5),
                Transforms.normalize(new float[] {0.286f}, new float[] {0.353f}));
        return DataLoader.builder(images()).batchSize(8).shuffle(true).dropLast(true).seed(3).transform(t).build();
    }

    private static Graph fresh() {
        return Zoo.build("resnet20", EXAMPLE, 10);
    }

    private static Sgd sgd(Graph g) {
        return Sgd.builder().lr(0.1).momentum(0.9).weightDecay(5e-4).build(List.of(ParamGroups.all(g)));
    }

    private static Trainer trainer(Graph g, Sgd sgd, int batches) {
        return Trainer.builder(g, sgd).schedule(CosineAnnealingLR.of(EPOCHS * batches)).seed(3).build();
    }

    private static Graph uninterrupted(DataLoader data) {
        Graph g = fresh();
        RandomInit.fill(g, 11);
        Trainer t = trainer(g, sgd(g), data.batchCount());
        for (int e = 0; e < EPOCHS; e++) {
            t.trainEpoch(data, e);
        }
        return g;
    }

    @Test
    void resumingAtAnEpochBoundaryIsExact(@TempDir Path dir) throws IOException {
        DataLoader data = loader();
        Graph ref = uninterrupted(data);

        Graph g = fresh();
        RandomInit.fill(g, 11);
        Sgd sgd = sgd(g);
        trainer(g, sgd, data.batchCount()).trainEpoch(data, 0);
        Path ck = dir.resolve("e1.onnx");
        TrainingCheckpoint.save(ck, g, null, sgd, TrainingState.atEpoch(1, 3));

        TrainingCheckpoint.Loaded l = TrainingCheckpoint.loadInto(ck, fresh());
        Sgd resumed = sgd(l.graph());
        l.restoreOptimizer(resumed);
        assertEquals(1, l.state().epoch());
        Trainer t = trainer(l.graph(), resumed, data.batchCount());
        for (int e = l.state().epoch(); e < EPOCHS; e++) {
            t.trainEpoch(data, e);
        }
        assertSame(ref, l.graph());
    }

    @Test
    void resumingInTheMiddleOfAnEpochIsExact(@TempDir Path dir) throws IOException {
        DataLoader data = loader();
        Graph ref = uninterrupted(data);

        Graph g = fresh();
        RandomInit.fill(g, 11);
        Sgd sgd = sgd(g);
        Trainer t0 = trainer(g, sgd, data.batchCount());
        t0.trainEpoch(data, 0);
        t0.trainEpoch(data.truncated(2), 1);
        Path ck = dir.resolve("mid.onnx");
        TrainingCheckpoint.save(ck, g, null, sgd, new TrainingState(1, 2, 3, Map.of("stage", "base")));

        TrainingCheckpoint.Loaded l = TrainingCheckpoint.loadInto(ck, fresh());
        Sgd resumed = sgd(l.graph());
        l.restoreOptimizer(resumed);
        assertEquals(new TrainingState(1, 2, 3, Map.of("stage", "base")), l.state());
        trainer(l.graph(), resumed, data.batchCount()).trainEpoch(data, l.state().epoch(), l.state().batch());
        assertSame(ref, l.graph());
    }

    private static void assertSame(Graph expected, Graph actual) {
        int compared = 0;
        for (Map.Entry<String, Parameter> e : expected.stateDict().entrySet()) {
            if (e.getKey().endsWith("num_batches_tracked")) {
                continue; // not in ONNX; BatchNorm uses its momentum, not the count
            }
            assertArrayEquals(e.getValue().value().data(), actual.stateDict().get(e.getKey()).value().data(),
                    e.getKey() + " differs from the uninterrupted run");
            compared++;
        }
        assertEquals(128 - 21, compared, "every float tensor of resnet20 compared (128 entries, 21 BatchNorm counters)");
    }
}
