package dev.jprune.prune;

import dev.jprune.count.OpCounter;
import dev.jprune.exec.Executor;
import dev.jprune.exec.Mode;
import dev.jprune.ir.Graph;
import dev.jprune.ir.Node;
import dev.jprune.ir.Op;
import dev.jprune.ops.BatchNorm2d;
import dev.jprune.ops.Conv2d;
import dev.jprune.ops.Linear;
import dev.jprune.prune.importance.BNScaleImportance;
import dev.jprune.prune.importance.FpgmImportance;
import dev.jprune.prune.importance.GroupMagnitudeImportance;
import dev.jprune.prune.importance.HessianImportance;
import dev.jprune.prune.importance.Importance;
import dev.jprune.prune.importance.LampImportance;
import dev.jprune.prune.importance.Normalizer;
import dev.jprune.prune.importance.Reduction;
import dev.jprune.prune.importance.TaylorImportance;
import dev.jprune.tensor.Shape;
import dev.jprune.tensor.Tensor;
import dev.jprune.testing.Reference;
import dev.jprune.testing.Tolerance;
import dev.jprune.train.CrossEntropyLoss;
import dev.jprune.train.Gradients;
import dev.jprune.weights.Parity;
import dev.jprune.zoo.Zoo;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Conformance with Torch-Pruning 1.6.1: every successful record of {@code torchvision_tp.jsonl} and
 * {@code torchvision_tp_options.jsonl} for a zoo model is run with the same configuration (the reference README),
 * Torch-Pruning-compatible importance, on the parity model. Every Conv2d, Linear and BatchNorm must end with the
 * record's sizes, params and MACs must be equal, and the pruned model's first 8 outputs must match within
 * {@code 1e-3 · max|ref| + 1e-6}.
 */
class ConformanceTest {

    /** Run in the everyday build; the rest of the zoo is tagged slow. */
    private static final Set<String> EVERYDAY = Set.of("resnet18", "mobilenet_v2");

    /**
     * The zoo models whose records are run. Models join this list as the zoo grows (the zoo issue); a model outside
     * it is not claimed to conform.
     */
    static final Set<String> MODELS = Set.of("resnet18", "resnet34", "resnet50", "resnet101", "resnet152", "vgg11",
            "vgg11_bn", "vgg13", "vgg13_bn", "vgg16", "vgg16_bn", "vgg19", "vgg19_bn", "mobilenet_v2");

    static Stream<Arguments> everyday() {
        return cases(true);
    }

    static Stream<Arguments> slow() {
        return cases(false);
    }

    private static Stream<Arguments> cases(boolean everyday) {
        List<Arguments> out = new ArrayList<>();
        List<Map<String, Object>> all = new ArrayList<>(Reference.records());
        all.addAll(Reference.optionRecords());
        for (Map<String, Object> r : all) {
            String model = (String) r.get("model");
            if ("ok".equals(r.get("status")) && MODELS.contains(model) && EVERYDAY.contains(model) == everyday) {
                out.add(Arguments.of(model, r.get("config"), r));
            }
        }
        return out.stream();
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("everyday")
    void matchesTorchPruning(String model, String config, Map<String, Object> record) {
        check(model, config, record);
    }

    @Tag("slow")
    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("slow")
    void matchesTorchPruningSlow(String model, String config, Map<String, Object> record) {
        check(model, config, record);
    }

    private static void check(String model, String config, Map<String, Object> record) {
        Shape input = shape(record.get("input"));
        Graph g = Zoo.build(model, input, 1000);
        Parity.fill(g);
        BasePruner pruner = run(g, config, input);

        List<String> diffs = new ArrayList<>();
        @SuppressWarnings("unchecked")
        Map<String, List<List<Object>>> layers = (Map<String, List<List<Object>>>) record.get("layers");
        for (Map.Entry<String, List<List<Object>>> e : layers.entrySet()) {
            List<Object> after = e.getValue().get(1);
            Node n = g.node(e.getKey());
            String actual = n == null ? "missing" : sizes(n.op());
            String expected = sizes(after);
            if (!expected.equals(actual)) {
                diffs.add(e.getKey() + ": reference " + expected + ", jprune " + actual);
            }
        }
        OpCounter.Count c = OpCounter.count(g);
        long params = ((Number) record.get("params")).longValue();
        long macs = ((Number) record.get("macs")).longValue();
        if (c.params() != params || c.ops() != macs) {
            diffs.add("params/macs: reference " + params + "/" + macs + ", jprune " + c.params() + "/" + c.ops());
        }
        Tensor y = Executor.run(g, Parity.input(input))[0];
        double[] expected = Reference.doubles(record.get("out_head"));
        try {
            Tolerance.assertClose(expected, Tolerance.toDouble(y.data(), expected.length), 1e-3, 1e-6, "output head");
        } catch (AssertionError e) {
            diffs.add(e.getMessage());
        }
        if (diffs.isEmpty()) {
            return;
        }
        double tol = config.contains("taylor") || config.contains("hessian") ? NEAR_TIE_GRADIENTS : NEAR_TIE;
        List<ScopeDecision> ties = pruner.decisions().stream().filter(d -> d.nearTie(tol)).toList();
        if (ties.isEmpty()) {
            double closest = pruner.decisions().stream().mapToDouble(ScopeDecision::relativeMargin).min().orElse(Double.NaN);
            throw new AssertionError(model + " " + config + " differs from Torch-Pruning with no near tie (closest"
                    + " margin " + closest + "): " + diffs);
        }
        // another channel at a float near-tie: acceptable, and reported
        System.out.println("near tie: " + model + " " + config + " " + ties + " -> " + diffs);
    }

    /** Two scores this close (relative) may rank either way under another summation order. */
    private static final double NEAR_TIE = 1e-6;

    /**
     * The same for scores made from gradients (Taylor, Hessian). A float gradient is not determined to better than
     * about 2e-3 relative on these parity models: {@code bench/vs-libtorch models=resnet50 timing=false} measures, in
     * eval mode, 827 ReLU inputs within 1e-5 of the kink, whose branch float rounding decides, and gradients that
     * differ from a float64 evaluation by up to 1.8e-3 (libtorch) and 1.0e-3 (jprune), while the two engines agree
     * to 1.8e-6 when they take the same branches.
     */
    private static final double NEAR_TIE_GRADIENTS = 2e-3;

    /**
     * Where a Torch-Pruning quirk changes decisions, jprune's default differs from the reference and the compatible
     * option does not: MobileNetV2's depthwise convolutions are scored by default (Torch-Pruning leaves them out of
     * the magnitude), and Taylor scores BatchNorm by default (Torch-Pruning never does).
     */
    @org.junit.jupiter.api.Test
    void theCorrectDefaultDiffersWhereAQuirkChangesDecisions() {
        Map<String, Object> l2 = Reference.find("mobilenet_v2", "local_l2_round8").orElseThrow();
        Map<String, Object> taylor = Reference.find("resnet18", "local_taylor").orElseThrow();
        for (Map<String, Object> record : List.of(l2, taylor)) {
            String model = (String) record.get("model");
            boolean isTaylor = record == taylor;
            Shape input = shape(record.get("input"));
            Graph g = Zoo.build(model, input, 1000);
            Parity.fill(g);
            Importance imp;
            if (isTaylor) {
                Gradients.backward(g.withInputShapes(input.with(0, 2)), CrossEntropyLoss.of(),
                        Parity.input(input.with(0, 2)), Tensor.of(Shape.of(2), 0, 1), Mode.EVAL, 0);
                imp = TaylorImportance.builder().build();
            } else {
                imp = GroupMagnitudeImportance.builder().p(2).build();
            }
            PrunerBuilder<? extends BasePruner, ?> b = BasePruner.builder(g).importance(imp).pruningRatio(0.5);
            if (!isTaylor) {
                b.roundTo(8);
            }
            b.build().step();
            double[] expected = Reference.doubles(record.get("out_head"));
            double[] actual = Tolerance.toDouble(Executor.run(g, Parity.input(input))[0].data(), expected.length);
            double maxDiff = 0;
            double maxRef = 0;
            for (int i = 0; i < expected.length; i++) {
                maxDiff = Math.max(maxDiff, Math.abs(expected[i] - actual[i]));
                maxRef = Math.max(maxRef, Math.abs(expected[i]));
            }
            // same sizes (local ratio), other channels: the output moves far beyond the conformance tolerance
            assertEquals(((Number) record.get("macs")).longValue(), OpCounter.count(g).ops(), model);
            org.junit.jupiter.api.Assertions.assertTrue(maxDiff > 1e-2 * maxRef, model + " default equals the quirk: "
                    + maxDiff + " vs max " + maxRef);
        }
    }

    /** The reference README's settings for {@code config}, Torch-Pruning-compatible. */
    static BasePruner run(Graph g, String config, Shape input) {
        GroupMagnitudeImportance l2 = GroupMagnitudeImportance.builder().p(2).tpCompat(true).build();
        PrunerBuilder<? extends BasePruner, ?> b = BasePruner.builder(g).importance(l2).pruningRatio(0.5)
                .globalPruning(config.startsWith("global"));
        int steps = 1;
        switch (config) {
            case "local_l1_groupnorm":
                b = GroupNormPruner.builder(g).importance(GroupMagnitudeImportance.builder().p(1).tpCompat(true).build())
                        .pruningRatio(0.5);
                break;
            case "local_l2_round8":
                b.roundTo(8);
                break;
            case "global_l2":
                break;
            case "local_taylor":
                b.importance(TaylorImportance.builder().tpCompat(true).build());
                Gradients.backward(g.withInputShapes(input.with(0, 2)), CrossEntropyLoss.of(), Parity.input(input.with(0, 2)),
                        Tensor.of(Shape.of(2), 0, 1), Mode.EVAL, 0);
                break;
            case "global_lamp":
                b.importance(new LampImportance(2, Reduction.MEAN, false, true));
                break;
            case "local_fpgm":
                b.importance(FpgmImportance.builder().p(2).tpCompat(true).build());
                break;
            case "global_bn_scale":
                b.importance(new BNScaleImportance());
                break;
            case "local_hessian":
                HessianImportance h = HessianImportance.builder().tpCompat(true).build();
                Tensor batch = Parity.input(input.with(0, 2));
                int per = batch.numel() / 2;
                for (int i = 0; i < 2; i++) {
                    float[] one = new float[per];
                    System.arraycopy(batch.data(), i * per, one, 0, per);
                    g.zeroGrad();
                    Gradients.backward(g, CrossEntropyLoss.of(), Tensor.wrap(input.with(0, 1), one),
                            Tensor.of(Shape.of(1), i), Mode.EVAL, 0);
                    h.accumulate(g);
                }
                b.importance(h);
                break;
            case "global_l2_iterative5":
                b.iterativeSteps(5);
                steps = 5;
                break;
            case "global_l2_isomorphic":
                b.isomorphic(true);
                break;
            case "global_l2_max08":
                b.pruningRatio(0.7).maxPruningRatio(0.8);
                break;
            case "global_l1_sum_max":
                b.importance(GroupMagnitudeImportance.builder().p(1).reduction(Reduction.SUM)
                        .normalizer(Normalizer.MAX).tpCompat(true).build());
                break;
            case "local_l2_first_none":
                b.importance(GroupMagnitudeImportance.builder().p(2).reduction(Reduction.FIRST)
                        .normalizer(Normalizer.NONE).tpCompat(true).build());
                break;
            case "local_ratio_dict":
                b.ratioFor(List.of("layer1"), 0.2).ratioFor(List.of("layer2", "layer3"), 0.6);
                break;
            default:
                throw new IllegalArgumentException("no settings for reference config " + config);
        }
        BasePruner pruner = b.build();
        for (int i = 0; i < steps; i++) {
            pruner.step();
        }
        return pruner;
    }

    private static Shape shape(Object list) {
        double[] d = Reference.doubles(list);
        int[] dims = new int[d.length];
        for (int i = 0; i < d.length; i++) {
            dims[i] = (int) d[i];
        }
        return Shape.of(dims);
    }

    /** The reference's size list: {@code Conv2d in out groups}, {@code Linear in out}, {@code BatchNorm features}. */
    private static String sizes(List<Object> ref) {
        StringBuilder sb = new StringBuilder();
        for (Object o : ref) {
            sb.append(o instanceof Number n ? String.valueOf(n.longValue()) : o).append(' ');
        }
        return sb.toString().trim();
    }

    private static String sizes(Op op) {
        if (op instanceof Conv2d c) {
            return "Conv2d " + c.inChannels() + " " + c.outChannels() + " " + c.groups();
        }
        if (op instanceof Linear l) {
            return "Linear " + l.inFeatures() + " " + l.outFeatures();
        }
        if (op instanceof BatchNorm2d bn) {
            return "BatchNorm " + bn.numFeatures();
        }
        return op.type();
    }
}
