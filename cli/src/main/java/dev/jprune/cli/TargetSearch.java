package dev.jprune.cli;

import dev.jprune.count.OpCounter;
import dev.jprune.ir.Graph;
import dev.jprune.ir.axis.UnsupportedAxisException;
import dev.jprune.prune.BasePruner;
import dev.jprune.prune.ProgressivePruning;
import dev.jprune.prune.importance.Importance;
import dev.jprune.train.TrainListener;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * {@code jprune prune --target-macs X}: finds the pruning ratio whose result reaches a MAC target. Without
 * {@code --steps}: bisection on the ratio in {@code [0, --max-ratio]}, each trial pruning a fresh copy of the model
 * (loaded again), until a trial lands at most {@value #TOLERANCE_PERCENT} % below the target, after
 * {@value #MAX_TRIALS} trials, or when the interval is narrower than {@value #MIN_WIDTH}; the chosen ratio is the
 * trial with the most MACs at or below the target (when the top prunes too little, it is lowered by 15 % up to
 * {@value #TOP_TRIALS} times before the target is declared out of reach). With
 * {@code --steps K}: Torch-Pruning's progressive pruning ({@link ProgressivePruning}) — ratio 1, K steps, stopping at
 * the first step that reaches the target.
 */
final class TargetSearch {

    /** The most trials of the bisection. */
    static final int MAX_TRIALS = 20;
    /** A trial this close below the target (in percent of it) ends the bisection. */
    static final double TOLERANCE_PERCENT = 0.5;

    /** The bisection ends when its interval is narrower than this. */
    static final double MIN_WIDTH = 1e-4;

    /** Trials at lowered tops before a target is declared out of reach. */
    static final int TOP_TRIALS = 4;

    /** One trial: the ratio (or, progressively, the step) and the MACs it left. */
    record Trial(double ratio, long macs) {
    }

    /**
     * What the search chose.
     *
     * @param graph   the pruned model of the chosen trial
     * @param pruner  its pruner (for the history)
     * @param target  the absolute MAC target
     * @param ratio   the chosen ratio (1 for progressive pruning)
     * @param steps   the pruning steps the chosen model took
     * @param trials  every trial in order (progressive: the MACs after each step, ratio = step / K)
     * @param mode    {@code bisection} or {@code progressive}
     */
    record Result(Graph graph, BasePruner pruner, long target, double ratio, int steps, List<Trial> trials,
                  String mode) {

        /**
         * The report's config entries: {@code target_macs} (the absolute count), the chosen {@code ratio}, and
         * {@code target_search} ({@code mode}, {@code spec} as given, {@code steps}, {@code trials}).
         */
        void addTo(Map<String, Object> config, PruneSettings s) {
            Object spec = config.get("target_macs");
            config.put("ratio", ratio);
            config.put("target_macs", target);
            if (config.get("head_ratio") == null) {
                config.put("head_ratio", s.headRatioFor(ratio)); // it followed the searched ratio
            }
            Map<String, Object> j = new LinkedHashMap<>();
            j.put("mode", mode);
            j.put("spec", spec);
            j.put("steps", steps);
            List<Object> list = new ArrayList<>();
            for (Trial t : trials) {
                Map<String, Object> tj = new LinkedHashMap<>();
                tj.put("ratio", t.ratio());
                tj.put("macs", t.macs());
                list.add(tj);
            }
            j.put("trials", list);
            config.put("target_search", j);
        }
    }

    private TargetSearch() {
    }

    /**
     * Runs the search on the loaded model {@code m} (pruned by the first trial; later trials load it again) whose
     * unpruned MACs are {@code baseMacs}, printing the trials to {@code out}. Exit 2 when the target is not below
     * the base, exit 4 naming the fewest MACs reached when it cannot be reached.
     */
    static Result run(ModelLoader.Loaded m, PruneSettings s, LayerTable.Snapshot before, PrintStream out) {
        long baseMacs = before.macs();
        long target = s.targetMacs.resolve(baseMacs);
        if (target >= baseMacs) {
            throw CliException.usage(String.format(Locale.ROOT,
                    "--target-macs %s is %,d MACs, not below the model's %,d: nothing to prune", s.targetMacs.spec(),
                    target, baseMacs));
        }
        out.printf(Locale.ROOT, "target        %,d MACs (%s, %s of %,d)%n", target, Report.human(target),
                PruneCommand.speedUp(baseMacs, target), baseMacs);
        return s.stepsGiven ? progressive(m, s, baseMacs, target, out) : bisection(m, s, target, upperRatio(s, before), out);
    }

    /**
     * The top of the bisection: {@code --max-ratio}, capped at {@code 1 − (u + 0.5)/C} with u = max(1, round-to) and C
     * the fewest output channels (at least 2u) of
     * a convolution or linear layer other than the last (the classifier): a ratio that would empty a group makes
     * the pruner skip it, so higher ratios would prune less, not more.
     */
    static double upperRatio(PruneSettings s, LayerTable.Snapshot before) {
        List<LayerSizes.Size> layers = new ArrayList<>();
        for (LayerTable.Layer l : before.layers().values()) {
            String type = l.size().type();
            if (type.startsWith("Conv") || type.equals("Linear")) {
                layers.add(l.size());
            }
        }
        int unit = Math.max(1, s.roundTo);
        int fewest = Integer.MAX_VALUE;
        for (int i = 0; i < layers.size() - 1; i++) {
            if (layers.get(i).out() >= 2 * unit) { // layers that can lose channels at all
                fewest = Math.min(fewest, layers.get(i).out());
            }
        }
        return fewest == Integer.MAX_VALUE ? s.maxRatio : Math.min(s.maxRatio, 1 - (unit + 0.5) / fewest);
    }

    private static Result bisection(ModelLoader.Loaded m, PruneSettings s, long target, double top,
                                    PrintStream out) {
        double lo = 0;
        double hi = top;
        out.printf(Locale.ROOT, "search        bisection on the ratio in [0, %.6f], at most %d trials%n", top,
                MAX_TRIALS);
        long floor = (long) Math.ceil(target * (1 - TOLERANCE_PERCENT / 100));
        List<Trial> trials = new ArrayList<>();
        Graph bestGraph = null;
        BasePruner bestPruner = null;
        double bestRatio = Double.NaN;
        long bestMacs = -1;
        long fewest = Long.MAX_VALUE;
        double next = hi;
        for (int t = 1; t <= MAX_TRIALS; t++) {
            double r = next;
            Graph g = t == 1 ? m.graph() : reload(s).graph();
            BasePruner p = PruneCommand.prune(g, m.input(), s, r, s.steps, new TrainListener() { });
            long macs = OpCounter.count(g).ops();
            trials.add(new Trial(r, macs));
            boolean below = macs <= target;
            out.printf(Locale.ROOT, "  trial %2d    ratio %.6f  macs %,d (%s)  %s%n", t, r, macs, Report.human(macs),
                    below ? "at or below the target" : "above the target");
            fewest = Math.min(fewest, macs);
            if (bestGraph == null && !below) {
                // nothing at or below the target yet: the top may prune less than lower ratios (groups that a
                // ratio would empty, or round down to nothing with --round-to, are skipped), so lower it a few times
                if (t == TOP_TRIALS) {
                    throw new CliException(CliException.UNSUPPORTED, String.format(Locale.ROOT,
                            "--target-macs %s (%,d MACs) cannot be reached: the fewest MACs of %d trials up to ratio"
                                    + " %s are %,d", s.targetMacs.spec(), target, t, fmt(hi), fewest));
                }
                next = r * 0.85;
                continue;
            }
            if (below) {
                if (macs > bestMacs) {
                    bestGraph = g;
                    bestPruner = p;
                    bestRatio = r;
                    bestMacs = macs;
                }
                hi = r;
                if (macs >= floor) {
                    break;
                }
            } else {
                lo = r;
            }
            if (hi - lo < MIN_WIDTH) {
                break; // the channel counts move in whole channels: no ratio in between prunes differently
            }
            next = (lo + hi) / 2;
        }
        out.printf(Locale.ROOT, "chosen ratio  %.6f (%,d MACs, %.2f %% below the target, %d trials%s)%n", bestRatio,
                bestMacs, 100.0 * (target - bestMacs) / target, trials.size(), bestMacs >= floor ? ""
                        : "; no ratio lands closer: the MAC count moves in whole channels");
        return new Result(bestGraph, bestPruner, target, bestRatio, s.steps, trials, "bisection");
    }

    private static Result progressive(ModelLoader.Loaded m, PruneSettings s, long baseMacs, long target,
                                      PrintStream out) {
        Graph g = m.graph();
        Importance imp = s.buildImportance();
        BasePruner pruner = PruneCommand.build(g, s, imp, 1.0, s.steps);
        List<Trial> trials = new ArrayList<>();
        TrainListener bar = Progress.steps(out, "prune");
        ProgressivePruning.Result r;
        dev.jprune.train.Batch calib = s.needsData() ? PruneCommand.calibrationBatch(g, m.input(), s) : null;
        try {
            if (s.needsData()) {
                PruneCommand.gradients(g, m.input(), s, imp, calib);
            }
            r = ProgressivePruning.untilSpeedUp(pruner, g, baseMacs / (double) target, (step, macs, speedUp) -> {
                trials.add(new Trial(step / (double) s.steps, macs));
                bar.onStep(0, step, s.steps, Double.NaN, Double.NaN);
                if (s.needsData()) {
                    PruneCommand.gradients(g, m.input(), s, imp, calib);
                }
            });
        } catch (UnsupportedAxisException e) {
            throw new CliException(CliException.UNSUPPORTED, e.getMessage(), e);
        } finally {
            g.zeroGrad();
            Progress.end(bar);
        }
        // the ratio test of ProgressivePruning is on base / macs; the target is on macs
        boolean reached = r.macs() <= target || r.reached();
        out.printf(Locale.ROOT, "progressive   %d of %d steps (ratio 1, %d steps), %,d MACs (%s)%n", r.steps(),
                s.steps, s.steps, r.macs(), PruneCommand.speedUp(baseMacs, r.macs()));
        if (!reached) {
            throw new CliException(CliException.UNSUPPORTED, String.format(Locale.ROOT,
                    "--target-macs %s (%,d MACs) cannot be reached: %d progressive steps leave %,d MACs",
                    s.targetMacs.spec(), target, s.steps, r.macs()));
        }
        return new Result(g, pruner, target, 1.0, r.steps(), trials, "progressive");
    }

    private static String fmt(double r) {
        return String.format(Locale.ROOT, "%.6f", r);
    }

    private static ModelLoader.Loaded reload(PruneSettings s) {
        return ModelLoader.load(s.model, s.input, s.weights, s.seed, s.fillMissing);
    }
}
