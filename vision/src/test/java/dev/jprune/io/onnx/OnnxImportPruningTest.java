package dev.jprune.io.onnx;

import dev.jprune.count.OpCounter;
import dev.jprune.exec.Executor;
import dev.jprune.io.onnx.OnnxImporter.FillMissing;
import dev.jprune.ir.Graph;
import dev.jprune.prune.BasePruner;
import dev.jprune.prune.importance.GroupMagnitudeImportance;
import dev.jprune.tensor.Shape;
import dev.jprune.tensor.Tensor;
import dev.jprune.testing.SharedData;
import dev.jprune.weights.Parity;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Pruning imported transformer, ConvNeXt and ShuffleNet exports: a 50 % local group-L2 step with the classifier
 * ignored (the pruner's default, as {@code jprune prune}) must leave a graph that runs, gives the same output shape,
 * and has fewer parameters; the logits must stay finite.
 */
class OnnxImportPruningTest {

    /** Returns a one-line summary. */
    private static String pruneHalf(String name) throws IOException {
        long t0 = System.nanoTime();
        Shape in = Shape.of(1, 3, 224, 224);
        Graph g = OnnxImporter.importModel(SharedData.file("fixtures/torchvision-onnx/" + name + ".preserve.onnx"),
                FillMissing.PARITY, in);
        Tensor x = Parity.input(in);
        Shape outShape = Executor.run(g, x)[0].shape();
        long before = OpCounter.count(g).params();
        GroupMagnitudeImportance l2 = GroupMagnitudeImportance.builder().p(2).tpCompat(true).build();
        BasePruner p = BasePruner.builder(g).importance(l2).pruningRatio(0.5).defaultIgnore(true).build();
        p.step();
        Tensor y = Executor.run(g, x)[0];
        long after = OpCounter.count(g).params();
        assertEquals(outShape, y.shape(), name + ": output shape after pruning");
        assertTrue(after < before, name + ": params " + before + " → " + after);
        for (float v : y.data()) {
            assertTrue(Float.isFinite(v), name + ": non-finite logit after pruning");
        }
        return String.format("%-18s params %d → %d (%.1f %%) (%.1f s)", name, before, after, 100.0 * after / before,
                (System.nanoTime() - t0) / 1e9);
    }

    @ParameterizedTest
    @ValueSource(strings = {"shufflenet_v2_x0_5", "vit_b_32"})
    void prunedImportRuns(String name) throws IOException {
        System.out.println(pruneHalf(name));
    }

    @ParameterizedTest
    @Tag("slow")
    @ValueSource(strings = {"convnext_tiny", "swin_t", "maxvit_t", "vit_b_16", "shufflenet_v2_x1_0"})
    void prunedImportRunsSlow(String name) throws IOException {
        System.out.println(pruneHalf(name));
    }
}
