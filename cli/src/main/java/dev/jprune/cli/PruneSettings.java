package dev.jprune.cli;

import dev.jprune.ir.Graph;
import dev.jprune.prune.BNScalePruner;
import dev.jprune.prune.BasePruner;
import dev.jprune.prune.GroupNormPruner;
import dev.jprune.prune.GrowingRegPruner;
import dev.jprune.depgraph.HeadMode;
import dev.jprune.prune.PrunerBuilder;
import dev.jprune.prune.importance.BNScaleImportance;
import dev.jprune.prune.importance.FpgmImportance;
import dev.jprune.prune.importance.GroupMagnitudeImportance;
import dev.jprune.prune.importance.HessianImportance;
import dev.jprune.prune.importance.Importance;
import dev.jprune.prune.importance.LampImportance;
import dev.jprune.prune.importance.Normalizer;
import dev.jprune.prune.importance.RandomImportance;
import dev.jprune.prune.importance.Reduction;
import dev.jprune.prune.importance.TaylorImportance;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The options of {@code jprune prune}, validated and resolved (defaults filled in) before any model is loaded, so a
 * bad value costs nothing. Builds the importance criterion and the pruner, and states every setting for the report.
 */
final class PruneSettings {

    static final Set<String> VALUED = Set.of("ratio", "importance", "p", "reduction", "normalizer", "pruner",
            "round-to", "steps", "max-ratio", "ratio-for", "ignore", "heads", "head-ratio", "calib", "save-history",
            "replay", "seed", "input", "weights", "report", "out", "save-weights", "fill-missing", "opset", "plot",
            "target-macs",
            // the transforms of --calib DIR[:N] (DataOptions)
            "dataset", "pad", "resize", "crop", "mean", "std", "channels", "classes");
    /** The {@link DataOptions} that apply to {@code --calib DIR[:N]}. */
    private static final List<String> CALIB_DATA = List.of("dataset", "pad", "resize", "crop", "mean", "std",
            "channels", "classes");
    static final Set<String> SWITCHES = Set.of("global", "isomorphic", "no-default-ignore", "tp-compat", "json",
            "verbose", "fold-bn", "changed-only");

    static final List<String> IMPORTANCES = List.of("l1", "l2", "bn", "lamp", "fpgm", "taylor", "hessian", "random");
    static final List<String> PRUNERS = List.of("base", "group-norm", "bn-scale", "growing-reg");
    static final List<String> REDUCTIONS = List.of("mean", "sum", "max", "prod", "first");
    static final List<String> NORMALIZERS = List.of("none", "mean", "max", "sum", "standardization", "gaussian", "lamp");

    /** The options that configure a pruner, meaningless with {@code --replay}. */
    private static final List<String> PRUNING_VALUED = List.of("ratio", "importance", "p", "reduction", "normalizer",
            "pruner", "round-to", "steps", "max-ratio", "ratio-for", "ignore", "heads", "head-ratio", "calib",
            "save-history", "target-macs");
    private static final List<String> PRUNING_SWITCHES = List.of("global", "isomorphic", "no-default-ignore", "tp-compat");

    /** Criteria that take a norm degree {@code --p}. */
    private static final Set<String> WITH_P = Set.of("l1", "l2", "lamp", "fpgm");
    /** Criteria that read gradients of a calibration batch. */
    private static final Set<String> WITH_DATA = Set.of("taylor", "hessian");

    /** A {@code --ratio-for} scope: layers that share one ratio. */
    record ScopeRatio(List<String> layers, double ratio) {
    }

    /**
     * A {@code --target-macs} goal: an absolute MAC count, or a speed-up over the unpruned model ({@code 2x}).
     *
     * @param macs    the absolute count, 0 for a speed-up
     * @param speedUp the speed-up, 0 for an absolute count
     * @param spec    the value as given
     */
    record TargetMacs(long macs, double speedUp, String spec) {

        /** The MAC count to reach from a model of {@code baseMacs}. */
        long resolve(long baseMacs) {
            return macs > 0 ? macs : (long) Math.floor(baseMacs / speedUp);
        }
    }

    final String model;
    final String input;
    /** {@code --weights} as given, {@code null} when absent (zoo models then use {@code none}). */
    final String weights;
    /** {@code --fill-missing} as given (ONNX files only), or {@code null}. */
    final String fillMissing;
    final long seed;
    final Path report;
    /** Where to write the pruned model as ONNX ({@code --out}), or {@code null}. */
    final Path out;
    /** Where to save the pruned weights as a safetensors {@code state_dict}, or {@code null}. */
    final Path saveWeights;
    final boolean json;
    /** Where to draw the before/after PNG ({@code --plot}), or {@code null}. */
    final Path plot;
    /** {@code --changed-only}: the layer table lists only the layers whose channels changed. */
    final boolean changedOnly;
    /** {@code --target-macs}, or {@code null} (then {@link #ratio} is the ratio to prune with). */
    final TargetMacs targetMacs;
    /** The history to apply instead of pruning, or {@code null}. */
    final Path replay;

    // the pruning settings (unused with --replay)
    final String importance;
    /** The norm degree, {@code null} for criteria without one. */
    final Double p;
    /** {@code null} for criteria that reduce nothing (random). */
    final Reduction reduction;
    /** {@code null} for criteria that normalise nothing (random). */
    final Normalizer normalizer;
    final String pruner;
    final double ratio;
    final boolean global;
    final boolean isomorphic;
    /** 0 for none. */
    final int roundTo;
    final int steps;
    /** Whether {@code --steps} was given (with {@code --target-macs} it selects progressive pruning). */
    final boolean stepsGiven;
    final double maxRatio;
    final List<ScopeRatio> ratioFor;
    final List<String> ignore;
    final boolean defaultIgnore;
    final HeadMode heads;
    final double headRatio;
    /** Whether {@code --head-ratio} was given (otherwise it follows the ratio, also a searched one). */
    final boolean headRatioGiven;
    /** The calibration batch size, 0 without {@code --calib}. */
    final int calib;
    /** {@code --calib DIR[:N]}: the dataset whose first N training images calibrate, else {@code null} (parity). */
    final DataOptions calibData;
    final boolean tpCompat;
    final Path saveHistory;
    /** {@code --fold-bn}: fold each BatchNorm into the conv before it in the {@code --out} model. */
    final boolean foldBn;
    /** {@code --opset}: the ONNX opset of {@code --out} (13..21), 0 for the input file's (or 17). */
    final int opset;

    private PruneSettings(Args a) {
        if (a.positionals().size() != 1) {
            throw CliException.usage("usage: " + PruneCommand.USAGE);
        }
        model = a.positionals().get(0);
        input = a.get("input", null);
        weights = a.get("weights", null);
        fillMissing = a.get("fill-missing", null);
        seed = a.getLong("seed", 0);
        report = Report.outputFile(a, "report");
        saveWeights = Report.outputFile(a, "save-weights");
        out = Report.outputFile(a, "out");
        foldBn = a.flag("fold-bn");
        String opsetSpec = a.get("opset", null);
        if ((foldBn || opsetSpec != null) && out == null) {
            throw CliException.usage((foldBn ? "--fold-bn" : "--opset") + " applies to the --out model; give --out FILE.onnx");
        }
        opset = opsetSpec == null ? 0 : opset(opsetSpec);
        json = a.flag("json");
        changedOnly = a.flag("changed-only");
        plot = Report.outputFile(a, "plot");
        if (plot != null && !plot.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".png")) {
            throw CliException.usage("--plot writes a PNG image: the file name must end in .png, got " + plot);
        }
        String replaySpec = a.get("replay", null);
        replay = replaySpec == null ? null : Path.of(replaySpec);
        if (replay != null) {
            for (String o : PRUNING_VALUED) {
                if (a.get(o, null) != null) {
                    throw CliException.usage("--replay applies a saved history; --" + o + " cannot be combined with it");
                }
            }
            for (String o : PRUNING_SWITCHES) {
                if (a.flag(o)) {
                    throw CliException.usage("--replay applies a saved history; --" + o + " cannot be combined with it");
                }
            }
        }

        importance = choice(a, "importance", "l2", IMPORTANCES);
        String pSpec = a.get("p", null);
        if (pSpec != null && !WITH_P.contains(importance)) {
            throw CliException.usage("--p applies to --importance l1, l2, lamp and fpgm, not to " + importance);
        }
        if (WITH_P.contains(importance)) {
            double deg = number(a, "p", importance.equals("l1") ? 1 : 2);
            if (!(deg > 0) || Double.isInfinite(deg)) {
                throw CliException.usage("--p must be a positive finite number, got " + pSpec);
            }
            p = deg;
        } else {
            p = null;
        }
        boolean scoresNothing = importance.equals("random");
        String red = a.get("reduction", null);
        String norm = a.get("normalizer", null);
        if (scoresNothing && (red != null || norm != null)) {
            throw CliException.usage("--importance random draws scores: --" + (red != null ? "reduction" : "normalizer")
                    + " does not apply to it");
        }
        if (importance.equals("lamp") && norm != null && !norm.equalsIgnoreCase("lamp")) {
            throw CliException.usage("--importance lamp always uses the lamp normalizer, got --normalizer " + norm);
        }
        reduction = scoresNothing ? null : Reduction.valueOf(choice(a, "reduction", "mean", REDUCTIONS).toUpperCase(Locale.ROOT));
        normalizer = scoresNothing ? null : Normalizer.valueOf(
                choice(a, "normalizer", importance.equals("lamp") ? "lamp" : "mean", NORMALIZERS).toUpperCase(Locale.ROOT));
        pruner = choice(a, "pruner", "base", PRUNERS);

        String ratioSpec = a.get("ratio", null);
        String targetSpec = a.get("target-macs", null);
        if (ratioSpec != null && targetSpec != null) {
            throw CliException.usage("--ratio and --target-macs cannot be combined: --target-macs searches the ratio");
        }
        if (ratioSpec == null && targetSpec == null && replay == null) {
            throw CliException.usage("--ratio R is required: the fraction of each group's channels to remove, in [0, 1)"
                    + " (or --target-macs X to search it)");
        }
        targetMacs = targetSpec == null ? null : targetMacs(targetSpec);
        ratio = replay == null && targetMacs == null ? fraction(a, "ratio") : Double.NaN;
        global = a.flag("global");
        isomorphic = a.flag("isomorphic");
        long rt = a.getLong("round-to", 0);
        if (a.get("round-to", null) != null && (rt < 1 || rt > Integer.MAX_VALUE)) {
            throw CliException.usage("--round-to must be a positive integer (leave it out for none), got " + rt);
        }
        roundTo = (int) rt;
        long k = a.getLong("steps", 1);
        if (k < 1 || k > 10_000) {
            throw CliException.usage("--steps must be an integer in [1, 10000], got " + k);
        }
        steps = (int) k;
        stepsGiven = a.get("steps", null) != null;
        maxRatio = number(a, "max-ratio", 1.0);
        if (!(maxRatio > 0 && maxRatio <= 1)) {
            throw CliException.usage("--max-ratio must be in (0, 1], got " + a.get("max-ratio", null));
        }
        ratioFor = new ArrayList<>();
        for (String spec : a.all("ratio-for")) {
            ratioFor.add(scopeRatio(spec));
        }
        ignore = new ArrayList<>();
        for (String spec : a.all("ignore")) {
            ignore.addAll(layerList(spec, "--ignore expects layer names separated by commas, got '" + spec + "'"));
        }
        defaultIgnore = !a.flag("no-default-ignore");
        try {
            heads = HeadMode.parse(a.get("heads", "dims"));
        } catch (IllegalArgumentException e) {
            throw CliException.usage("--heads must be whole or dims, got '" + a.get("heads", null) + "'");
        }
        headRatioGiven = a.get("head-ratio", null) != null;
        headRatio = headRatioGiven ? fraction(a, "head-ratio") : ratio;
        String calibSpec = a.get("calib", null);
        calib = calibration(calibSpec);
        calibData = calib > 0 && !calibSpec.startsWith("parity:")
                ? DataOptions.parse(a, calibDir(calibSpec), false, "train") : null;
        if (calibData == null) {
            for (String o : CALIB_DATA) {
                if (a.get(o, null) != null) {
                    throw CliException.usage("--" + o + " transforms the images of --calib DIR[:N]; give a dataset"
                            + " folder to --calib");
                }
            }
        }
        if (calib == 0 && WITH_DATA.contains(importance) && replay == null) {
            throw CliException.usage("--importance " + importance + " needs gradients: give --calib DIR[:N] (the"
                    + " first N training images of a dataset) or --calib parity:N (a parity batch of N with targets"
                    + " i mod classes)");
        }
        if (calib > 0 && !WITH_DATA.contains(importance)) {
            throw CliException.usage("--calib is only used by taylor and hessian, not by --importance " + importance);
        }
        tpCompat = a.flag("tp-compat");
        saveHistory = Report.outputFile(a, "save-history");
        for (String o : List.of("out", "report", "save-weights", "save-history")) {
            notTheModel(o, a.get(o, null));
        }
    }

    /** {@code --opset N}: an ONNX opset jprune writes (13..21). */
    private static int opset(String spec) {
        int v;
        try {
            v = Integer.parseInt(spec.trim());
        } catch (NumberFormatException e) {
            throw CliException.usage("--opset expects an integer from 13 to 21, got '" + spec + "'");
        }
        if (v < 13 || v > 21) {
            throw CliException.usage("--opset " + v + ": jprune writes ONNX opsets 13 to 21");
        }
        return v;
    }

    /** The model file is only read: no output option may name it. */
    private void notTheModel(String option, String value) {
        if (value == null || !Files.isRegularFile(Path.of(model))) {
            return;
        }
        Path target = Path.of(value);
        try {
            if (Files.exists(target) && Files.isSameFile(target, Path.of(model))) {
                throw CliException.usage("--" + option + " " + value + " is the input model " + model
                        + "; the input file is never overwritten, choose another file");
            }
        } catch (java.io.IOException e) {
            throw new CliException(CliException.BAD_INPUT, "cannot compare --" + option + " " + value + " with "
                    + model + ": " + e.getMessage(), e);
        }
    }

    /** The weights as resolved for the report: as given, {@code none} for a zoo model, {@code file} for ONNX. */
    String resolvedWeights() {
        return weights != null ? weights : ModelLoader.isOnnx(model) ? "file" : "none";
    }

    /** Validates and resolves the arguments of {@code jprune prune}. */
    static PruneSettings parse(Args a) {
        return new PruneSettings(a);
    }

    /** Whether the criterion needs the gradients of a calibration batch. */
    boolean needsData() {
        return WITH_DATA.contains(importance);
    }

    // ------------------------------------------------------------------ building

    /** The importance criterion of these settings (a fresh instance; Hessian accumulates per instance). */
    Importance buildImportance() {
        switch (importance) {
            case "l1":
            case "l2":
                return GroupMagnitudeImportance.builder().p(p).reduction(reduction).normalizer(normalizer)
                        .tpCompat(tpCompat).build();
            case "lamp":
                return new LampImportance(p, reduction, false, tpCompat);
            case "fpgm":
                return FpgmImportance.builder().p(p).reduction(reduction).normalizer(normalizer).tpCompat(tpCompat).build();
            case "bn":
                return new BNScaleImportance(reduction, normalizer);
            case "taylor":
                return TaylorImportance.builder().reduction(reduction).normalizer(normalizer).tpCompat(tpCompat).build();
            case "hessian":
                return HessianImportance.builder().reduction(reduction).normalizer(normalizer).tpCompat(tpCompat).build();
            case "random":
                return new RandomImportance(seed);
            default:
                throw new IllegalStateException("no criterion for " + importance);
        }
    }

    /**
     * The pruner's builder with every setting applied; its {@code build()} resolves the layer names and throws
     * {@link IllegalArgumentException} for unknown ones.
     */
    PrunerBuilder<? extends BasePruner, ?> prunerBuilder(Graph graph, Importance imp) {
        return prunerBuilder(graph, imp, ratio, steps);
    }

    /**
     * {@link #prunerBuilder(Graph, Importance)} with another ratio and step count (a {@code --target-macs} trial);
     * the head ratio follows the ratio unless {@code --head-ratio} was given.
     */
    PrunerBuilder<? extends BasePruner, ?> prunerBuilder(Graph graph, Importance imp, double ratio, int steps) {
        double headRatio = headRatioFor(ratio);
        PrunerBuilder<? extends BasePruner, ?> b;
        switch (pruner) {
            case "group-norm":
                b = GroupNormPruner.builder(graph);
                break;
            case "bn-scale":
                b = BNScalePruner.builder(graph);
                break;
            case "growing-reg":
                b = GrowingRegPruner.builder(graph);
                break;
            default:
                b = BasePruner.builder(graph);
        }
        b.importance(imp).pruningRatio(ratio).globalPruning(global).isomorphic(isomorphic).roundTo(roundTo)
                .iterativeSteps(steps).maxPruningRatio(maxRatio).ignoredLayers(ignore).defaultIgnore(defaultIgnore)
                .headMode(heads).headPruningRatio(headRatio);
        for (ScopeRatio s : ratioFor) {
            b.ratioFor(s.layers(), s.ratio());
        }
        return b;
    }

    /**
     * The head pruning ratio used with channel ratio {@code ratio}: {@code --head-ratio}, else the ratio itself
     * (just below 1 for progressive pruning's ratio 1, as head ratios are in [0, 1)).
     */
    double headRatioFor(double ratio) {
        return headRatioGiven ? headRatio : Math.min(ratio, Math.nextDown(1.0));
    }

    /** Every setting, resolved, for the report's {@code "config"}. */
    Map<String, Object> toJson() {
        Map<String, Object> c = new LinkedHashMap<>();
        c.put("weights", resolvedWeights());
        if (fillMissing != null) {
            c.put("fill_missing", fillMissing);
        }
        c.put("seed", seed);
        c.put("save_weights", saveWeights == null ? null : saveWeights.toString());
        c.put("out", out == null ? null : out.toString());
        c.put("fold_bn", foldBn);
        c.put("opset", opset == 0 ? null : opset);
        if (replay != null) {
            c.put("replay", replay.toString());
            return c;
        }
        c.put("importance", importance);
        c.put("p", p);
        c.put("reduction", reduction == null ? null : reduction.name().toLowerCase(Locale.ROOT));
        c.put("normalizer", normalizer == null ? null : normalizer.name().toLowerCase(Locale.ROOT));
        c.put("pruner", pruner);
        c.put("ratio", targetMacs == null ? ratio : null);
        if (targetMacs != null) {
            c.put("target_macs", targetMacs.spec());
        }
        c.put("global", global);
        c.put("isomorphic", isomorphic);
        c.put("round_to", roundTo == 0 ? null : roundTo);
        c.put("steps", steps);
        c.put("max_ratio", maxRatio);
        List<Object> scopes = new ArrayList<>();
        for (ScopeRatio s : ratioFor) {
            Map<String, Object> j = new LinkedHashMap<>();
            j.put("layers", s.layers());
            j.put("ratio", s.ratio());
            scopes.add(j);
        }
        c.put("ratio_for", scopes);
        c.put("ignore", ignore);
        c.put("default_ignore", defaultIgnore);
        c.put("heads", heads.label());
        c.put("head_ratio", targetMacs != null && !headRatioGiven ? null : headRatio);
        c.put("calib", calib == 0 ? null : calibData == null ? "parity:" + calib : calibData.dir + ":" + calib);
        if (calibData != null) {
            c.put("calib_data", calibData.toJson());
        }
        c.put("tp_compat", tpCompat);
        c.put("save_history", saveHistory == null ? null : saveHistory.toString());
        return c;
    }

    /** One line for the human output: the criterion, pruner and ranking. */
    String summary() {
        if (replay != null) {
            return "replay " + replay;
        }
        StringBuilder sb = new StringBuilder(importance);
        List<String> imp = new ArrayList<>();
        if (p != null) {
            imp.add("p " + fmt(p));
        }
        if (reduction != null) {
            imp.add("reduction " + reduction.name().toLowerCase(Locale.ROOT));
            imp.add("normalizer " + normalizer.name().toLowerCase(Locale.ROOT));
        }
        if (tpCompat) {
            imp.add("tp-compat");
        }
        if (!imp.isEmpty()) {
            sb.append(" (").append(String.join(", ", imp)).append(')');
        }
        sb.append(", pruner ").append(pruner).append(targetMacs == null ? ", ratio " + fmt(ratio)
                : ", target " + targetMacs.spec() + " MACs").append(global ? " global" : " local");
        if (isomorphic) {
            sb.append(" isomorphic");
        }
        if (roundTo > 0) {
            sb.append(", round to ").append(roundTo);
        }
        if (steps > 1) {
            sb.append(", ").append(steps).append(" steps");
        }
        if (maxRatio < 1) {
            sb.append(", max ratio ").append(fmt(maxRatio));
        }
        for (ScopeRatio s : ratioFor) {
            sb.append(", ").append(String.join(",", s.layers())).append('=').append(fmt(s.ratio()));
        }
        if (calib > 0) {
            sb.append(", calib ").append(calibData == null ? "parity" : calibData.dir.toString()).append(':')
                    .append(calib);
        }
        return sb.toString();
    }

    // ------------------------------------------------------------------ parsing helpers

    private static String fmt(double d) {
        return d == Math.rint(d) ? String.valueOf((long) d) : String.valueOf(d);
    }

    private static String choice(Args a, String option, String fallback, List<String> allowed) {
        String v = a.get(option, fallback).trim().toLowerCase(Locale.ROOT);
        if (!allowed.contains(v)) {
            throw CliException.usage("--" + option + " must be one of " + String.join(", ", allowed) + "; got '"
                    + a.get(option, fallback) + "'");
        }
        return v;
    }

    private static double number(Args a, String option, double fallback) {
        String v = a.get(option, null);
        if (v == null) {
            return fallback;
        }
        try {
            return Double.parseDouble(v.trim());
        } catch (NumberFormatException e) {
            throw CliException.usage("--" + option + " expects a number, got '" + v + "'");
        }
    }

    /** A ratio option, in [0, 1). */
    private static double fraction(Args a, String option) {
        double r = number(a, option, Double.NaN);
        if (!(r >= 0 && r < 1)) {
            throw CliException.usage("--" + option + " must be in [0, 1), got " + a.get(option, null));
        }
        return r;
    }

    /** {@code LAYER[,LAYER...]=R}. */
    static ScopeRatio scopeRatio(String spec) {
        String expected = "--ratio-for expects LAYER[,LAYER...]=R with R in [0, 1), got '" + spec + "'";
        int eq = spec.lastIndexOf('=');
        if (eq <= 0 || eq == spec.length() - 1) {
            throw CliException.usage(expected);
        }
        List<String> layers = layerList(spec.substring(0, eq), expected);
        double r;
        try {
            r = Double.parseDouble(spec.substring(eq + 1).trim());
        } catch (NumberFormatException e) {
            throw CliException.usage(expected);
        }
        if (!(r >= 0 && r < 1)) {
            throw CliException.usage(expected);
        }
        return new ScopeRatio(layers, r);
    }

    private static List<String> layerList(String spec, String error) {
        List<String> out = new ArrayList<>();
        for (String part : spec.split(",", -1)) {
            String name = part.trim();
            if (name.isEmpty() || name.contains("=")) {
                throw CliException.usage(error);
            }
            out.add(name);
        }
        return out;
    }

    /**
     * {@code --target-macs}: an absolute MAC count ({@code 41026186}, {@code 500M}, {@code 1.2G}, {@code 30K}) or a
     * speed-up over the unpruned model ({@code 2x}, above 1).
     */
    static TargetMacs targetMacs(String spec) {
        String v = spec.trim();
        String expected = "--target-macs expects a MAC count (41026186, 500M, 1.2G) or a speed-up (2x), got '" + spec + "'";
        if (!v.matches("(\\d+(\\.\\d*)?|\\.\\d+)([eE]\\d+)?\\s*[kKmMgGtTxX]?")) {
            throw CliException.usage(expected);
        }
        char last = Character.toUpperCase(v.charAt(v.length() - 1));
        double number;
        try {
            number = Double.parseDouble(Character.isLetter(last) ? v.substring(0, v.length() - 1).trim() : v);
        } catch (NumberFormatException e) {
            throw CliException.usage(expected);
        }
        if (last == 'X') {
            if (!(number > 1)) {
                throw CliException.usage("--target-macs " + spec + ": a speed-up must be above 1x");
            }
            return new TargetMacs(0, number, v);
        }
        double scale;
        switch (last) {
            case 'K':
                scale = 1e3;
                break;
            case 'M':
                scale = 1e6;
                break;
            case 'G':
                scale = 1e9;
                break;
            case 'T':
                scale = 1e12;
                break;
            default:
                if (Character.isLetter(last)) {
                    throw CliException.usage(expected);
                }
                scale = 1;
        }
        double macs = number * scale;
        if (!(macs >= 1) || macs > Long.MAX_VALUE / 2.0) {
            throw CliException.usage("--target-macs " + spec + ": the MAC count must be at least 1");
        }
        return new TargetMacs(Math.round(macs), 0, v);
    }

    /**
     * {@code parity:N} → N; {@code DIR:N} → N; {@code DIR} → 128 (N in [1, 4096]); {@code null} → 0. The folder is
     * checked when the data is opened.
     */
    static int calibration(String spec) {
        if (spec == null) {
            return 0;
        }
        String expected = "--calib expects DIR[:N] (the first N training images of a dataset folder, default 128)"
                + " or parity:N (a parity batch), N in [1, 4096], got '" + spec + "'";
        if (spec.isBlank()) {
            throw CliException.usage(expected);
        }
        String count;
        if (spec.startsWith("parity:")) {
            count = spec.substring("parity:".length()).trim();
        } else {
            int colon = spec.lastIndexOf(':');
            if (colon < 0 || !spec.substring(colon + 1).matches("\\s*-?\\d+\\s*")) {
                return 128;
            }
            count = spec.substring(colon + 1).trim();
        }
        int n;
        try {
            n = Integer.parseInt(count);
        } catch (NumberFormatException e) {
            throw CliException.usage(expected);
        }
        if (n < 1 || n > 4096) {
            throw CliException.usage(expected);
        }
        return n;
    }

    /** The folder of {@code --calib DIR[:N]}. */
    static String calibDir(String spec) {
        int colon = spec.lastIndexOf(':');
        return colon >= 0 && spec.substring(colon + 1).matches("\\s*-?\\d+\\s*") ? spec.substring(0, colon) : spec;
    }
}
