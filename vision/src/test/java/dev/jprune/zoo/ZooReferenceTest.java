package dev.jprune.zoo;

import dev.jprune.count.OpCounter;
import dev.jprune.exec.Executor;
import dev.jprune.ir.Graph;
import dev.jprune.tensor.Shape;
import dev.jprune.tensor.Tensor;
import dev.jprune.testing.Reference;
import dev.jprune.testing.Tolerance;
import dev.jprune.weights.Parity;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The zoo against Torch-Pruning's reference ({@code shared/reference/torchvision_tp.jsonl}): parameter and MAC
 * counts equal {@code base_params}/{@code base_macs} exactly, and with parity weights the first 8 logits match
 * {@code base_out_head} within {@code 1e-4 · max|ref| + 1e-6}.
 */
class ZooReferenceTest {

    static final double RTOL = 1e-4;
    static final double ATOL = 1e-6;

    /**
     * Zoo models for which Torch-Pruning has no successful record (its runs failed: {@code reference/COVERAGE.md}),
     * so there are no base figures to compare with; their own tests check them otherwise.
     */
    static final java.util.Set<String> NO_REFERENCE = java.util.Set.of("shufflenet_v2_x0_5", "shufflenet_v2_x1_0",
            "shufflenet_v2_x1_5", "shufflenet_v2_x2_0", "swin_t", "swin_s", "swin_b", "swin_v2_t", "swin_v2_s",
            "swin_v2_b", "maxvit_t");

    static List<String> models() {
        return Zoo.torchvisionNames().stream().filter(m -> !NO_REFERENCE.contains(m)).toList();
    }

    @ParameterizedTest
    @MethodSource("models")
    void countsMatchTorchPruning(String model) {
        Map<String, Object> ref = Reference.anyWithBase(model)
                .orElseThrow(() -> new AssertionError("no reference record with base counts for " + model));
        Graph g = Zoo.build(model, inputOf(ref), 1000);
        OpCounter.Count c = OpCounter.count(g);
        assertEquals(((Number) ref.get("base_params")).longValue(), c.params(), model + " params");
        if (ref.get("base_macs") != null) { // null where Torch-Pruning's counter failed (its ViT records)
            assertEquals(((Number) ref.get("base_macs")).longValue(), c.ops(), model + " macs");
        }
    }

    /** The four models of the foundation issue, in the everyday run. */
    @ParameterizedTest
    @ValueSource(strings = {"resnet18", "resnet50", "vgg16_bn", "mobilenet_v2"})
    void parityForwardMatchesTorchvision(String model) {
        checkForward(model);
    }

    /** The rest of the zoo's forward passes: heavier, so tagged slow (run by the whole-suite command). */
    @Tag("slow")
    @ParameterizedTest
    @ValueSource(strings = {"resnet34", "resnet101", "resnet152", "vgg11", "vgg11_bn", "vgg13", "vgg13_bn", "vgg16",
        "vgg19", "vgg19_bn"})
    void parityForwardMatchesTorchvisionSlow(String model) {
        checkForward(model);
    }

    @Test
    void everyZooModelIsCovered() {
        for (String m : Zoo.torchvisionNames()) {
            Assertions.assertEquals(!NO_REFERENCE.contains(m), Reference.anyWithBase(m).isPresent(),
                    m + ": a reference record with base figures exists exactly when the model is not in NO_REFERENCE");
        }
    }

    private static void checkForward(String model) {
        Map<String, Object> ref = Reference.anyWithBase(model).orElseThrow();
        Shape input = inputOf(ref);
        Graph g = Zoo.build(model, input, 1000);
        Parity.fill(g);
        Tensor y = Executor.run(g, Parity.input(input))[0];
        assertEquals(Shape.of(1, 1000), y.shape());
        assertLogits(model, ref, y, "");
    }

    /**
     * The parity logits {@code y} against a reference record: the first 8 match {@code base_out_head} within
     * {@code RTOL · max|ref| + ATOL}, and their sum matches {@code base_out_sum} within {@code RTOL · max|y| · n +
     * ATOL} (the sum of n logits cancels heavily, so it is compared against the scale of the logits, not of the sum).
     * Prints both differences with their tolerances, followed by {@code note}.
     */
    static void assertLogits(String model, Map<String, Object> ref, Tensor y, String note) {
        assertLogits(model, Reference.doubles(ref.get("base_out_head")), ((Number) ref.get("base_out_sum")).doubleValue(),
                y, note);
    }

    /** {@link #assertLogits(String, Map, Tensor, String)} against a first-logits head and a logit sum. */
    static void assertLogits(String model, double[] expected, double refSum, Tensor y, String note) {
        double[] actual = Tolerance.toDouble(y.data(), expected.length);
        double maxRef = 0;
        double diff = 0;
        for (int i = 0; i < expected.length; i++) {
            maxRef = Math.max(maxRef, Math.abs(expected[i]));
            diff = Math.max(diff, Math.abs(expected[i] - actual[i]));
        }
        double sum = 0;
        double scale = 0;
        for (float v : y.data()) {
            sum += v;
            scale = Math.max(scale, Math.abs(v));
        }
        double sumTol = RTOL * scale * y.numel() + ATOL;
        System.out.printf("%s: first 8 logits max diff %.3g (tol %.3g), sum diff %.3g (tol %.3g)%s%n", model, diff,
                RTOL * maxRef + ATOL, Math.abs(sum - refSum), sumTol, note.isEmpty() ? "" : ", " + note);
        Tolerance.assertClose(expected, actual, RTOL, ATOL, model + " logits");
        Assertions.assertTrue(Math.abs(sum - refSum) <= sumTol, model + " logit sum " + sum + " vs reference " + refSum);
    }

    static Shape inputOf(Map<String, Object> ref) {
        double[] d = Reference.doubles(ref.get("input"));
        return Shape.of((int) d[0], (int) d[1], (int) d[2], (int) d[3]);
    }
}
