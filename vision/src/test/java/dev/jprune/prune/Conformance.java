package dev.jprune.prune;

import dev.jprune.count.OpCounter;
import dev.jprune.exec.Executor;
import dev.jprune.exec.Mode;
import dev.jprune.ir.Graph;
import dev.jprune.ir.Node;
import dev.jprune.ir.Op;
import dev.jprune.ops.BatchNorm2d;
import dev.jprune.ops.Conv2d;
import dev.jprune.ops.LayerNorm;
import dev.jprune.ops.LayerNorm2d;
import dev.jprune.ops.Linear;
import dev.jprune.ops.MultiheadInProjection;
import dev.jprune.prune.importance.BNScaleImportance;
import dev.jprune.prune.importance.FpgmImportance;
import dev.jprune.prune.importance.GroupMagnitudeImportance;
import dev.jprune.prune.importance.HessianImportance;
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

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Runs one configuration of Torch-Pruning's reference on a zoo model with parity weights and the compatible
 * settings, and judges the result: the shared engine of {@link ConformanceTest} and {@link ConformanceTableTest}.
 */
final class Conformance {

    /** The judgement of one run. */
    enum Verdict {
        /** Every size, params, MACs and the output head equal the reference's. */
        MATCH("match"),
        /** Differs, at a float near-tie of the scores (printed with the scopes). */
        NEAR_TIE("match at a near-tie"),
        /** Differs with no near-tie: a conformance failure. */
        DIFFERS("DIFFERS"),
        /** The reference failed (or was not run) and jprune pruned: output shape kept, MACs and params down. */
        PRUNED("reference failed, jprune pruned"),
        /** The reference failed and so did jprune. */
        NOT_PRUNED("reference failed, jprune FAILED");

        private final String label;

        Verdict(String label) {
            this.label = label;
        }

        String label() {
            return label;
        }
    }

    /** One run's judgement, with what differed and how long it took. */
    record Outcome(String model, String config, Verdict verdict, String detail, double seconds) {
    }

    /** Two scores this close (relative) may rank either way under another summation order. */
    static final double NEAR_TIE = 1e-6;

    /**
     * The same for scores made from gradients (Taylor, Hessian). A float gradient is not determined to better than
     * about 2e-3 relative on these parity models: {@code bench/vs-libtorch models=resnet50 timing=false} measures, in
     * eval mode, 827 ReLU inputs within 1e-5 of the kink, whose branch float rounding decides, and gradients that
     * differ from a float64 evaluation by up to 1.8e-3 (libtorch) and 1.0e-3 (jprune), while the two engines agree
     * to 1.8e-6 when they take the same branches.
     */
    static final double NEAR_TIE_GRADIENTS = 2e-3;

    private Conformance() {
    }

    /**
     * Runs a successful reference record: every Conv2d, Linear and BatchNorm of the record must end with its
     * sizes, params and MACs must be equal, and the first 8 outputs must match within {@code 1e-3 · max|ref| + 1e-6}.
     */
    static Outcome check(Map<String, Object> record) {
        long t0 = System.nanoTime();
        String model = (String) record.get("model");
        String config = (String) record.get("config");
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
        Object refParams = record.get("params");
        Object refMacs = record.get("macs");
        if (refParams != null && c.params() != ((Number) refParams).longValue()) {
            diffs.add("params: reference " + refParams + ", jprune " + c.params());
        }
        if (refMacs != null && c.ops() != ((Number) refMacs).longValue()) {
            diffs.add("macs: reference " + refMacs + ", jprune " + c.ops());
        }
        Tensor y = Executor.run(g, Parity.input(input))[0];
        double[] expected = Reference.doubles(record.get("out_head"));
        try {
            Tolerance.assertClose(expected, Tolerance.toDouble(y.data(), expected.length), 1e-3, 1e-6, "output head");
        } catch (AssertionError e) {
            diffs.add(e.getMessage());
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        if (diffs.isEmpty()) {
            return new Outcome(model, config, Verdict.MATCH, "", seconds);
        }
        double tol = config.contains("taylor") || config.contains("hessian") ? NEAR_TIE_GRADIENTS : NEAR_TIE;
        List<ScopeDecision> ties = pruner.decisions().stream().filter(d -> d.nearTie(tol)).toList();
        if (ties.isEmpty()) {
            double closest = pruner.decisions().stream().mapToDouble(ScopeDecision::relativeMargin).min().orElse(Double.NaN);
            return new Outcome(model, config, Verdict.DIFFERS, "no near tie (closest margin " + closest + "): " + diffs,
                    seconds);
        }
        return new Outcome(model, config, Verdict.NEAR_TIE, ties + " -> " + diffs, seconds);
    }

    /**
     * Runs a configuration where the reference has no success: with the same settings on the parity model at the
     * default input, jprune must keep the output shape, reduce MACs and params, and give finite outputs.
     */
    static Outcome pruneWhereReferenceFailed(String model, String config) {
        long t0 = System.nanoTime();
        Shape input = Zoo.defaultInput(model);
        try {
            Graph g = Zoo.build(model, input, 1000);
            Parity.fill(g);
            OpCounter.Count before = OpCounter.count(g);
            Shape outShape = g.outputs().get(0).shape();
            run(g, config, input);
            OpCounter.Count after = OpCounter.count(g);
            Tensor y = Executor.run(g, Parity.input(input))[0];
            List<String> problems = new ArrayList<>();
            if (!y.shape().equals(outShape)) {
                problems.add("output shape " + y.shape() + ", was " + outShape);
            }
            if (after.ops() >= before.ops() || after.params() >= before.params()) {
                problems.add("MACs " + before.ops() + " -> " + after.ops() + ", params " + before.params() + " -> "
                        + after.params());
            }
            for (float v : y.data()) {
                if (!Float.isFinite(v)) {
                    problems.add("non-finite output");
                    break;
                }
            }
            double seconds = (System.nanoTime() - t0) / 1e9;
            String detail = String.format("MACs %.3f G -> %.3f G, params %.2f M -> %.2f M", before.ops() / 1e9,
                    after.ops() / 1e9, before.params() / 1e6, after.params() / 1e6);
            return problems.isEmpty() ? new Outcome(model, config, Verdict.PRUNED, detail, seconds)
                    : new Outcome(model, config, Verdict.NOT_PRUNED, detail + "; " + problems, seconds);
        } catch (RuntimeException e) {
            return new Outcome(model, config, Verdict.NOT_PRUNED, e.getClass().getSimpleName() + ": " + e.getMessage(),
                    (System.nanoTime() - t0) / 1e9);
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
                Gradients.backward(g, CrossEntropyLoss.of(), Parity.input(input.with(0, 2)),
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

    static Shape shape(Object list) {
        double[] d = Reference.doubles(list);
        int[] dims = new int[d.length];
        for (int i = 0; i < d.length; i++) {
            dims[i] = (int) d[i];
        }
        return Shape.of(dims);
    }

    /**
     * The reference's size list: {@code Conv2d in out groups}, {@code Linear in out}, {@code BatchNorm features},
     * {@code LayerNorm [shape]}, {@code MultiheadAttention embed_dim heads}.
     */
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
        if (op instanceof LayerNorm ln) {
            return "LayerNorm " + java.util.Arrays.toString(ln.normalizedShape().dims());
        }
        if (op instanceof LayerNorm2d ln) {
            return "LayerNorm [" + ln.channels() + "]";
        }
        if (op instanceof MultiheadInProjection mha) {
            return "MultiheadAttention " + mha.embedDim() + " " + mha.numHeads();
        }
        return op.type();
    }
}
