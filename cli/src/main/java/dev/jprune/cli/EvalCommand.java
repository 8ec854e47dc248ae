package dev.jprune.cli;

import dev.jprune.data.DataLoader;
import dev.jprune.data.Dataset;
import dev.jprune.internal.Json;
import dev.jprune.train.Accuracy;
import dev.jprune.train.BatchSource;
import dev.jprune.train.Evaluation;
import dev.jprune.ir.Graph;

import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;

/**
 * {@code jprune eval MODEL --data DIR}: top-1 and top-5 accuracy, mean cross-entropy loss and throughput of a model
 * on a dataset split (default {@code test}), eval mode, with the deterministic transforms of {@link DataOptions}.
 * The JSON report is {@code {"model", "data", "split", "samples", "top1", "top5", "loss", "seconds"}}.
 */
final class EvalCommand {

    static final String USAGE = "eval MODEL --data DIR [--dataset idx|cifar10|cifar100|folder] [--split train|test]"
            + " [--pad P] [--resize N] [--crop N] [--mean A[,B,C] --std A[,B,C]] [--channels 1|3] [--classes A,B,...]"
            + " [--batch 256] [--limit N] [--input N,C,H,W] [--weights none|parity|FILE] [--fill-missing parity]"
            + " [--report FILE.json] [--json]";

    private EvalCommand() {
    }

    static int run(List<String> argv, PrintStream out) {
        Set<String> valued = new HashSet<>(DataOptions.VALUED);
        valued.addAll(Set.of("input", "weights", "seed", "fill-missing", "report"));
        Args a = new Args("eval", argv, valued, Set.of("json", "verbose"));
        if (a.positionals().size() != 1) {
            throw CliException.usage("usage: jprune " + USAGE);
        }
        String model = a.positionals().get(0);
        Path report = Report.outputFile(a, "report");
        DataOptions d = DataOptions.parse(a, false, "test");
        Dataset ds = d.open(d.split);
        ModelLoader.Loaded m = d.loadModel(model, a.get("input", null), a.get("weights", null),
                a.get("fill-missing", null), ds);
        DataLoader loader = d.evalLoader(ds);
        out.printf("model         %s, input %s, weights %s%n", model, m.input(), m.weights());
        out.printf("data          %s (%s), split %s: %d images, %d classes, %d batches of %d%n", d.dir, d.kind,
                d.split, ds.size(), ds.classes().size(), loader.batchCount(), d.batch);
        long t0 = System.nanoTime();
        Accuracy acc = evaluate(m.graph(), loader, out, "eval", d);
        double seconds = (System.nanoTime() - t0) / 1e9;
        out.printf(Locale.ROOT, "top-1         %.4f (%.2f %%)%n", acc.top1(), 100 * acc.top1());
        out.printf(Locale.ROOT, "top-5         %.4f (%.2f %%)%n", acc.top5(), 100 * acc.top5());
        out.printf(Locale.ROOT, "loss          %.4f (mean cross-entropy)%n", acc.loss());
        out.printf(Locale.ROOT, "samples       %d in %.1f s (%.1f images/s)%n", acc.samples(), seconds,
                acc.samples() / Math.max(seconds, 1e-9));
        Map<String, Object> j = new LinkedHashMap<>();
        j.put("model", model);
        j.put("data", d.dir.toString());
        j.put("split", d.split);
        j.put("samples", acc.samples());
        j.put("top1", acc.top1());
        j.put("top5", acc.top5());
        j.put("loss", acc.loss());
        j.put("seconds", seconds);
        String text = Json.write(j);
        Report.writeReport(report, text);
        if (a.flag("json")) {
            out.println(text);
        }
        return 0;
    }

    /** {@link Evaluation#run} with progress lines, data failures mapped to exit codes. */
    static Accuracy evaluate(Graph g, BatchSource data, PrintStream out, String label, DataOptions d) {
        return guard(d, () -> Evaluation.run(g, data, Progress.of(out, label)));
    }

    /**
     * Runs {@code work} that reads the data: an image that cannot be decoded exits 3 naming it, images of different
     * sizes exit 2 asking for {@code --resize}/{@code --crop}.
     */
    static <T> T guard(DataOptions d, Supplier<T> work) {
        try {
            return work.get();
        } catch (UncheckedIOException e) {
            IOException io = e.getCause();
            throw new CliException(CliException.BAD_INPUT, "cannot read " + d.flag + " " + d.dir + ": " + io.getMessage(), e);
        } catch (IllegalArgumentException e) {
            String msg = String.valueOf(e.getMessage());
            if (msg.startsWith("DataLoader: sample")) {
                throw CliException.usage(msg + " (give --resize N and/or --crop N so every image has one size)");
            }
            throw e;
        }
    }
}
