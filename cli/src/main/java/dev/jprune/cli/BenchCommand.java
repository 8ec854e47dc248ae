package dev.jprune.cli;

import dev.jprune.count.OpCounter;
import dev.jprune.exec.Executor;
import dev.jprune.internal.Json;
import dev.jprune.ir.Graph;
import dev.jprune.kernels.Parallel;
import dev.jprune.tensor.Shape;
import dev.jprune.tensor.Tensor;
import dev.jprune.weights.Parity;

import java.io.PrintStream;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * {@code jprune bench} ({@link #USAGE}): forward latency before and after pruning, on jprune's engine and on ONNX
 * Runtime. The model is built and pruned exactly as {@code jprune prune} does it (same options, {@link PruneSettings},
 * {@link ModelLoader}, {@link PruneCommand#prune}/{@link PruneCommand#replay}); without {@code --ratio} and
 * {@code --replay} only the base model is measured. Each model runs on the parity input at batch {@code --batch}:
 * {@code --warmup} untimed runs, then {@code --iters} timed ones ({@link Latency}). ONNX Runtime runs the model
 * exported by {@link dev.jprune.io.onnx.OnnxExporter} at its default optimisation level with {@code --threads}
 * intra-op threads; its output is checked against jprune's (a disagreement is a warning, not a failure).
 */
final class BenchCommand {

    static final String USAGE = "jprune bench MODEL [--ratio R [prune options] | --replay FILE] [--input N,C,H,W]"
            + " [--weights none|parity|FILE] [--fill-missing parity] [--seed S] [--batch B] [--warmup W]"
            + " [--warmup-ms MS] [--iters N]"
            + " [--threads T] [--engine jprune|ort|both] [--report FILE.json] [--json]";

    /** bench's own options, not passed to {@link PruneSettings}. */
    private static final Set<String> OWN = Set.of("batch", "warmup", "warmup-ms", "iters", "threads", "engine");
    /** prune's outputs, which bench does not write. */
    private static final Set<String> PRUNE_OUTPUTS = Set.of("out", "save-weights", "opset", "save-history");
    /** Options that configure a pruner: meaningful only with {@code --ratio}. */
    private static final List<String> PRUNING_VALUED = List.of("importance", "p", "reduction", "normalizer", "pruner",
            "round-to", "steps", "max-ratio", "ratio-for", "ignore", "heads", "head-ratio", "calib");
    private static final List<String> PRUNING_SWITCHES = List.of("global", "isomorphic", "no-default-ignore",
            "tp-compat");
    /** Config keys of prune's report that do not apply to bench. */
    private static final Set<String> PRUNE_OUTPUT_KEYS = Set.of("save_weights", "out", "fold_bn", "opset",
            "save_history");

    static final List<String> ENGINES = List.of("jprune", "ort", "both");

    private BenchCommand() {
    }

    private static Set<String> valued() {
        Set<String> v = new HashSet<>(PruneSettings.VALUED);
        v.removeAll(PRUNE_OUTPUTS);
        v.addAll(OWN);
        return v;
    }

    private static Set<String> switches() {
        Set<String> s = new HashSet<>(PruneSettings.SWITCHES);
        s.remove("fold-bn");
        return s;
    }

    static int run(List<String> argv, PrintStream out) {
        Args a = new Args("bench", argv, valued(), switches());
        if (a.positionals().size() != 1) {
            throw CliException.usage("usage: " + USAGE);
        }
        int batchOption = (int) integer(a, "batch", 0, 1, 65_536);
        int warmup = (int) integer(a, "warmup", 3, 0, 1_000_000);
        long warmupMs = integer(a, "warmup-ms", 1000, 0, 3_600_000);
        int iters = (int) integer(a, "iters", 10, 1, 1_000_000);
        int threads = (int) integer(a, "threads", Runtime.getRuntime().availableProcessors(), 1, 4096);
        String engine = a.get("engine", "both").trim().toLowerCase(Locale.ROOT);
        if (!ENGINES.contains(engine)) {
            throw CliException.usage("--engine must be one of jprune, ort, both; got '" + a.get("engine", null) + "'");
        }
        boolean useJprune = !engine.equals("ort");
        boolean useOrt = !engine.equals("jprune");
        boolean prunes = a.get("ratio", null) != null || a.get("replay", null) != null;
        if (!prunes) {
            for (String o : PRUNING_VALUED) {
                if (a.get(o, null) != null) {
                    throw CliException.usage("--" + o + " configures pruning: give --ratio R to prune (or --replay FILE),"
                            + " or leave it out to measure the base model alone");
                }
            }
            for (String o : PRUNING_SWITCHES) {
                if (a.flag(o)) {
                    throw CliException.usage("--" + o + " configures pruning: give --ratio R to prune (or --replay FILE),"
                            + " or leave it out to measure the base model alone");
                }
            }
        }
        // prune's own validation of everything else (a ratio of 0 stands in when nothing is pruned: never applied)
        List<String> forPrune = withoutOwn(argv);
        if (!prunes) {
            forPrune.add("--ratio");
            forPrune.add("0");
        }
        PruneSettings s = PruneSettings.parse(new Args("bench", forPrune, PruneSettings.VALUED, PruneSettings.SWITCHES));
        if (s.replay != null && !Files.isRegularFile(s.replay)) {
            throw new CliException(CliException.BAD_INPUT, "history file " + s.replay + " does not exist");
        }

        boolean weightsAfterReplay = s.replay != null && ModelLoader.isWeightsFile(s.weights);
        ModelLoader.Loaded m = ModelLoader.load(s.model, s.input, weightsAfterReplay ? "none" : s.weights, s.seed,
                s.fillMissing);
        Graph g = m.graph();
        int batch = batchOption == 0 ? m.input().dim(0) : batchOption;
        Shape shape = m.input().with(0, batch);
        Tensor x = Parity.input(shape);
        Config c = new Config(new Latency.Plan(warmup, warmupMs, iters, batch), threads, useJprune, useOrt);

        out.printf("model         %s (%d layers)%n", s.model, g.nodes().size());
        out.printf("input         %s (parity input), weights %s%n", shape, m.weights());
        out.printf("pruning       %s%n", prunes ? s.summary() : "none (give --ratio R or --replay FILE to prune)");
        out.printf("timing        %d timed runs per engine and model after at least %d warm-up runs%s, batch %d%n",
                iters, warmup, warmup > 0 && warmupMs > 0 ? " and " + warmupMs + " ms of warm-up" : "", batch);
        out.printf("engines       %s%n", engines(c));

        Measured base = measure(g, m, x, c, s.model + " (base)");
        Measured pruned = null;
        if (prunes) {
            if (s.replay != null) {
                PruneCommand.replay(g, s.replay);
                if (weightsAfterReplay) {
                    ModelLoader.loadWeights(g, s.weights);
                }
            } else {
                PruneCommand.prune(g, m.input(), s);
            }
            pruned = measure(g, m, x, c, s.model + " (pruned)");
        }

        printAgreement(out, "base", base);
        if (pruned != null) {
            printAgreement(out, "pruned", pruned);
        }
        out.println();
        printTable(out, base, pruned, c);

        Map<String, Object> j = new LinkedHashMap<>();
        j.put("model", s.model);
        j.put("input", shape.dims());
        j.put("config", config(s, prunes, c));
        j.put("base", base.toJson());
        j.put("pruned", pruned == null ? null : pruned.toJson());
        if (pruned != null) {
            Map<String, Object> up = new LinkedHashMap<>();
            up.put("macs", ratio(base.count.ops(), pruned.count.ops()));
            if (useJprune) {
                up.put("jprune", ratio(base.jprune.medianMs(), pruned.jprune.medianMs()));
            }
            if (useOrt) {
                up.put("ort", ratio(base.ort.timing().medianMs(), pruned.ort.timing().medianMs()));
            }
            j.put("speed_up", up);
        } else {
            j.put("speed_up", null);
        }
        String report = Json.write(j);
        if (s.report != null) {
            Report.writeReport(s.report, report);
            out.printf("report        %s%n", s.report);
        }
        if (s.json) {
            out.println(report);
        }
        return 0;
    }

    /** The measurement settings. */
    private record Config(Latency.Plan plan, int threads, boolean jprune, boolean ort) {

        int batch() {
            return plan.batch();
        }
    }

    /** One model's counts and timings ({@code null} for an engine not run). */
    private record Measured(OpCounter.Count count, Latency.Timing jprune, Latency.OrtResult ort) {

        Map<String, Object> toJson() {
            Map<String, Object> j = new LinkedHashMap<>();
            j.put("macs", count.ops());
            j.put("params", count.params());
            if (jprune != null) {
                j.put("jprune", jprune.toJson());
            }
            if (ort != null) {
                j.put("ort", ort.toJson());
            }
            return j;
        }
    }

    /** Counts and times the current state of {@code g} at the bench batch. */
    private static Measured measure(Graph g, ModelLoader.Loaded m, Tensor x, Config c, String what) {
        OpCounter.Count count = OpCounter.count(g);
        Graph run = g;
        if (!x.shape().equals(g.inputs().get(0).shape())) {
            try {
                run = g.withInputShapes(x.shape());
            } catch (IllegalArgumentException e) {
                throw new CliException(CliException.UNSUPPORTED, "--batch " + c.batch() + ": " + what
                        + " cannot run at another batch size: " + e.getMessage(), e);
            }
        }
        Latency.Timing jt = c.jprune() ? Latency.jprune(run, x, c.plan()) : null;
        Latency.OrtResult ort = null;
        if (c.ort()) {
            Tensor reference = Executor.run(run, x)[0];
            ort = Latency.ort(run, m.origin(), x, reference, c.plan(), c.threads(), what);
        }
        return new Measured(count, jt, ort);
    }

    private static void printAgreement(PrintStream out, String which, Measured r) {
        if (r.ort == null) {
            return;
        }
        String line = String.format(Locale.ROOT, "max |ort - jprune| = %.3g (tolerance %.3g = 1e-4*max|jprune| + 1e-5)",
                r.ort.maxAbsDiff(), r.ort.tolerance());
        if (r.ort.agrees()) {
            out.printf("ort %-9s agrees with jprune: %s%n", which, line);
        } else {
            out.printf("warning: ONNX Runtime's output of the %s model differs from jprune's: %s%n", which, line);
        }
    }

    private static void printTable(PrintStream out, Measured base, Measured pruned, Config c) {
        String fmt = "%-7s | %-6s | %10s | %10s | %10s | %10s | %9s%n";
        out.printf(fmt, "engine", "model", "MACs", "params", "median ms", "p90 ms", "images/s");
        out.printf("%s%n", "-".repeat(80));
        for (String engine : List.of("jprune", "ort")) {
            for (Measured r : new Measured[] {base, pruned}) {
                if (r == null) {
                    continue;
                }
                Latency.Timing t = engine.equals("jprune") ? r.jprune : r.ort == null ? null : r.ort.timing();
                if (t == null) {
                    continue;
                }
                out.printf(Locale.ROOT, fmt, engine, r == base ? "base" : "pruned", Report.human(r.count.ops()),
                        Report.human(r.count.params()), ms(t.medianMs()), ms(t.p90Ms()),
                        String.format(Locale.ROOT, "%.1f", t.imagesPerSecond()));
            }
        }
        if (pruned == null) {
            return;
        }
        StringBuilder sb = new StringBuilder(String.format(Locale.ROOT, "speed-up      MACs %s",
                times(ratio(base.count.ops(), pruned.count.ops()))));
        if (c.jprune()) {
            sb.append(", jprune ").append(times(ratio(base.jprune.medianMs(), pruned.jprune.medianMs())));
        }
        if (c.ort()) {
            sb.append(", ort ").append(times(ratio(base.ort.timing().medianMs(), pruned.ort.timing().medianMs())));
        }
        out.println(sb.append(" (base / pruned: MACs, median latency)"));
    }

    private static String engines(Config c) {
        List<String> e = new ArrayList<>();
        if (c.jprune()) {
            e.add("jprune (eval mode, " + Parallel.threads() + " threads; -Djprune.threads sets them)");
        }
        if (c.ort()) {
            e.add("ONNX Runtime (" + c.threads() + " intra-op threads, " + Latency.ORT_OPTIMIZATION + ")");
        }
        return String.join(", ", e);
    }

    private static Map<String, Object> config(PruneSettings s, boolean prunes, Config c) {
        Map<String, Object> j = new LinkedHashMap<>();
        for (Map.Entry<String, Object> e : s.toJson().entrySet()) {
            if (PRUNE_OUTPUT_KEYS.contains(e.getKey())) {
                continue;
            }
            if (!prunes && !List.of("weights", "fill_missing", "seed").contains(e.getKey())) {
                continue;
            }
            j.put(e.getKey(), e.getValue());
        }
        j.put("prune", prunes);
        j.put("batch", c.batch());
        j.put("warmup", c.plan().warmup());
        j.put("warmup_ms", c.plan().warmupMs());
        j.put("iters", c.plan().iters());
        j.put("engine", c.jprune() && c.ort() ? "both" : c.jprune() ? "jprune" : "ort");
        if (c.jprune()) {
            j.put("jprune_threads", Parallel.threads());
        }
        if (c.ort()) {
            j.put("ort_threads", c.threads());
            j.put("ort_optimization", "ORT_ENABLE_ALL");
        }
        return j;
    }

    /** {@code argv} without bench's own options (in either {@code --name value} or {@code --name=value} form). */
    private static List<String> withoutOwn(List<String> argv) {
        List<String> rest = new ArrayList<>();
        for (int i = 0; i < argv.size(); i++) {
            String t = argv.get(i);
            if (t.startsWith("--")) {
                String name = t.substring(2);
                int eq = name.indexOf('=');
                if (OWN.contains(eq >= 0 ? name.substring(0, eq) : name)) {
                    if (eq < 0) {
                        i++; // its value
                    }
                    continue;
                }
            }
            rest.add(t);
        }
        return rest;
    }

    /** An integer option in [min, max], naming the flag when it is not. */
    private static long integer(Args a, String option, long fallback, long min, long max) {
        long v = a.getLong(option, fallback);
        if (a.get(option, null) != null && (v < min || v > max)) {
            throw CliException.usage("--" + option + " must be an integer in [" + min + ", " + max + "], got " + v);
        }
        return v;
    }

    private static double ratio(double base, double now) {
        return now > 0 ? Math.round(base / now * 1e4) / 1e4 : Double.NaN;
    }

    private static String times(double r) {
        return Double.isNaN(r) ? "n/a" : String.format(Locale.ROOT, "%.2fx", r);
    }

    private static String ms(double v) {
        return String.format(Locale.ROOT, v < 10 ? "%.3f" : "%.2f", v);
    }
}
