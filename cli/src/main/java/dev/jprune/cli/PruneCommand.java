package dev.jprune.cli;

import dev.jprune.count.OpCounter;
import dev.jprune.data.Dataset;
import dev.jprune.data.Example;
import dev.jprune.data.Transform;
import dev.jprune.exec.Executor;
import dev.jprune.exec.Mode;
import dev.jprune.internal.Json;
import dev.jprune.io.weights.StateDicts;
import dev.jprune.ir.Graph;
import dev.jprune.ir.axis.UnsupportedAxisException;
import dev.jprune.prune.BasePruner;
import dev.jprune.prune.PrunerBuilder;
import dev.jprune.prune.importance.HessianImportance;
import dev.jprune.prune.importance.Importance;
import dev.jprune.tensor.Shape;
import dev.jprune.tensor.Tensor;
import dev.jprune.train.Batch;
import dev.jprune.train.CrossEntropyLoss;
import dev.jprune.train.Gradients;
import dev.jprune.train.TrainListener;
import dev.jprune.weights.Parity;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * {@code jprune prune} ({@link #USAGE}): Torch-Pruning's pruning loop on a zoo model or an ONNX file — build a
 * criterion and a pruner from the options ({@link PruneSettings}), compute gradients of a calibration batch for
 * Taylor and Hessian, {@code step()} {@code --steps} times — or, with {@code --replay}, a saved pruning history
 * applied to the fresh model; with {@code --target-macs} the ratio is searched ({@link TargetSearch}). Prints every
 * parameter layer before and after ({@link LayerTable}; only the changed ones with {@code --changed-only}) and the
 * totals; writes the report of CLI.md ({@code --report}, {@code --json}), a PNG of the channels and totals
 * ({@code --plot}, {@link Plot}), the history ({@code --save-history}), the pruned weights ({@code --save-weights})
 * and the pruned model as ONNX ({@code --out}, {@link OnnxOut}). Long step loops show a bar on a terminal
 * ({@link Progress}).
 */
final class PruneCommand {

    static final String USAGE = "jprune prune MODEL --ratio R|--target-macs N|Kx [--importance l1|l2|bn|lamp|fpgm|taylor|hessian|random]"
            + " [--p P] [--reduction mean|sum|max|prod|first]"
            + " [--normalizer none|mean|max|sum|standardization|gaussian|lamp]"
            + " [--pruner base|group-norm|bn-scale|growing-reg] [--global] [--isomorphic] [--round-to N] [--steps K]"
            + " [--max-ratio R] [--ratio-for LAYER[,LAYER...]=R] [--ignore L1,L2] [--no-default-ignore]"
            + " [--heads whole|dims] [--head-ratio R] [--calib DIR[:N]|parity:N [--pad --resize --crop --mean --std --channels]] [--tp-compat] [--save-history FILE]"
            + " [--save-weights FILE.safetensors]"
            + " [--replay FILE] [--input N,C,H,W] [--weights none|parity|FILE]"
            + " [--fill-missing parity] [--seed S] [--report FILE.json] [--json] [--changed-only] [--plot FILE.png]"
            + " [--out FILE.onnx [--fold-bn] [--opset 13..21]]";

    private PruneCommand() {
    }

    static int run(List<String> argv, PrintStream out) {
        Args a = new Args("prune", argv, PruneSettings.VALUED, PruneSettings.SWITCHES);
        PruneSettings s = PruneSettings.parse(a);
        if (s.replay != null && !Files.isRegularFile(s.replay)) {
            throw new CliException(CliException.BAD_INPUT, "history file " + s.replay + " does not exist");
        }
        // a history is replayed onto the unpruned model; a weights file then holds the pruned model's weights
        boolean weightsAfterReplay = s.replay != null && ModelLoader.isWeightsFile(s.weights);
        ModelLoader.Loaded m = ModelLoader.load(s.model, s.input, weightsAfterReplay ? "none" : s.weights, s.seed,
                s.fillMissing);
        Graph g = m.graph();
        LayerTable.Snapshot before = LayerTable.Snapshot.of(g);

        long t0 = System.nanoTime();
        BasePruner pruner = null;
        TargetSearch.Result search = null;
        if (s.replay != null) {
            replay(g, s.replay);
            if (weightsAfterReplay) {
                ModelLoader.loadWeights(g, s.weights);
            }
        } else if (s.targetMacs != null) {
            search = TargetSearch.run(m, s, before, out);
            g = search.graph();
            pruner = search.pruner();
        } else {
            pruner = prune(g, m.input(), s, s.ratio, s.steps, Progress.steps(out, "prune"));
        }
        double seconds = (System.nanoTime() - t0) / 1e9;

        LayerTable.Snapshot after = LayerTable.Snapshot.of(g);
        LayerTable table = new LayerTable(before, after);
        Tensor y = Executor.run(g, Parity.input(m.input()))[0];
        float[] head = new float[Math.min(8, y.numel())];
        System.arraycopy(y.data(), 0, head, 0, head.length);

        out.printf("model         %s (%d layers)%n", s.model, g.nodes().size());
        out.printf("input         %s, weights %s%n", m.input(), m.weights());
        out.printf("pruning       %s%n", s.summary());
        table.print(out, s.changedOnly);
        int changed = table.changedCount();
        int total = before.layers().size();
        out.printf("layers        %d of %d parameter layers changed%s%n", changed, total,
                changed < total ? " (the others are as before; the report lists all)" : "");
        out.printf("params        %,d -> %,d (%s -> %s, %s kept)%n", before.params(), after.params(),
                Report.human(before.params()), Report.human(after.params()), percent(after.params(), before.params()));
        out.printf("macs          %,d -> %,d (%s -> %s, %s kept)%n", before.macs(), after.macs(),
                Report.human(before.macs()), Report.human(after.macs()), percent(after.macs(), before.macs()));
        out.printf("speed-up      %s (base MACs / MACs)%n", speedUp(before.macs(), after.macs()));
        out.printf("output shape  %s%n", y.shape());
        out.printf("output head   %s%n", Report.floats(head));
        out.printf("time          %.1f s (%s)%n", seconds, s.replay != null ? "replay" : "pruning");

        Map<String, Object> j = new LinkedHashMap<>();
        j.put("model", s.model);
        j.put("input", m.input().dims());
        Map<String, Object> config = s.toJson();
        if (search != null) {
            search.addTo(config, s);
        }
        j.put("config", config);
        j.put("base_params", before.params());
        j.put("base_macs", before.macs());
        j.put("params", after.params());
        j.put("macs", after.macs());
        j.put("output_shape", y.shape().dims());
        List<Object> h = new ArrayList<>();
        for (float f : head) {
            h.add(f);
        }
        j.put("output_head", h);
        j.put("layers", table.toJson());
        String report = Json.write(j);

        if (pruner != null && s.saveHistory != null) {
            try {
                pruner.saveHistory(s.saveHistory);
            } catch (IOException e) {
                throw new CliException(CliException.OTHER, "cannot write --save-history " + s.saveHistory + ": " + e.getMessage(), e);
            }
            out.printf("history       %s (%d pruned groups)%n", s.saveHistory, pruner.history().size());
        }
        if (s.saveWeights != null) {
            try {
                StateDicts.saveSafetensors(g, s.saveWeights);
            } catch (IOException e) {
                throw new CliException(CliException.OTHER, "cannot write --save-weights " + s.saveWeights + ": "
                        + e.getMessage(), e);
            }
            out.printf("weights       %s (safetensors state_dict of the pruned model)%n", s.saveWeights);
        }
        if (s.out != null) {
            OnnxOut.write(g, m, s.out, s.foldBn, s.opset);
            out.printf("onnx          %s%s%n", s.out, s.foldBn ? " (BatchNorm folded into the convolutions)" : "");
        }
        if (s.plot != null) {
            try {
                Plot.write(table, s.model + ": " + s.summary(), s.plot);
            } catch (IOException e) {
                throw new CliException(CliException.OTHER, "cannot write --plot " + s.plot + ": " + e.getMessage(), e);
            }
            out.printf("plot          %s%n", s.plot);
        }
        if (s.report != null) {
            Report.writeReport(s.report, report);
            out.printf("report        %s%n", s.report);
        }
        if (s.json) {
            out.println(report);
        }
        return 0;
    }

    /** {@link #prune(Graph, Shape, PruneSettings, double, int, TrainListener)} with the settings' ratio and steps. */
    static BasePruner prune(Graph g, Shape input, PruneSettings s) {
        return prune(g, input, s, s.ratio, s.steps, new TrainListener() { });
    }

    /**
     * Builds the pruner with {@code ratio} and {@code steps} and steps it {@code steps} times, telling
     * {@code progress} after each step; returns it for its history.
     */
    static BasePruner prune(Graph g, Shape input, PruneSettings s, double ratio, int steps, TrainListener progress) {
        Importance imp = s.buildImportance();
        BasePruner pruner = build(g, s, imp, ratio, steps);
        Batch calib = s.needsData() ? calibrationBatch(g, input, s) : null;
        try {
            for (int k = 0; k < steps; k++) {
                if (s.needsData()) {
                    gradients(g, input, s, imp, calib);
                }
                pruner.step();
                progress.onStep(0, k + 1, steps, Double.NaN, Double.NaN);
            }
        } catch (UnsupportedAxisException e) {
            throw new CliException(CliException.UNSUPPORTED, e.getMessage(), e);
        } finally {
            g.zeroGrad();
            Progress.end(progress);
        }
        return pruner;
    }

    /**
     * Refuses a {@code --round-to R} that no layer can meet (exit 4): keeping a multiple of R channels while removing
     * some needs at least 2R output channels, so R is impossible when every convolution or linear layer that does
     * not produce a model output is narrower than that.
     */
    static void checkRoundTo(Graph g, PruneSettings s) {
        if (s.roundTo <= 1) {
            return;
        }
        Map<String, LayerSizes.Size> sizes = LayerSizes.of(g);
        int widest = 0;
        for (dev.jprune.ir.Node n : g.nodes()) {
            LayerSizes.Size z = sizes.get(n.name());
            boolean output = n.outputs().stream().anyMatch(v -> g.outputs().contains(v));
            if (z != null && !output && (z.type().startsWith("Conv") || z.type().equals("Linear"))) {
                widest = Math.max(widest, z.out());
            }
        }
        if (widest < 2 * s.roundTo) {
            throw new CliException(CliException.UNSUPPORTED, "--round-to " + s.roundTo + " cannot be met by " + s.model
                    + ": keeping a multiple of " + s.roundTo + " channels while removing some needs a layer of at least "
                    + 2 * s.roundTo + " output channels, and the widest has " + widest + "; use a smaller --round-to");
        }
    }

    /** The pruner of the settings with {@code ratio} and {@code steps}, its layer names checked. */
    static BasePruner build(Graph g, PruneSettings s, Importance imp, double ratio, int steps) {
        checkLayers(g, s.ignore, "--ignore");
        for (PruneSettings.ScopeRatio r : s.ratioFor) {
            checkLayers(g, r.layers(), "--ratio-for");
        }
        checkRoundTo(g, s);
        PrunerBuilder<? extends BasePruner, ?> b = s.prunerBuilder(g, imp, ratio, steps);
        try {
            return b.build();
        } catch (UnsupportedAxisException e) {
            throw new CliException(CliException.UNSUPPORTED, e.getMessage(), e);
        } catch (IllegalArgumentException e) { // unknown layers in --ignore or --ratio-for, and the like
            throw CliException.usage(optionNames(e.getMessage()));
        }
    }

    /**
     * The calibration batch of {@code --calib}: the first N training images of {@code --calib DIR[:N]} through the
     * deterministic {@link DataOptions} transforms with their labels (the images must fit the model's input and the
     * labels its classes, exit 2 otherwise), or the parity batch of {@code --calib parity:N} with targets
     * {@code i mod classes}.
     */
    static Batch calibrationBatch(Graph g, Shape input, PruneSettings s) {
        int n = s.calib;
        Shape outShape = g.outputs().get(0).shape();
        int classes = outShape.rank() >= 2 ? outShape.dim(1) : outShape.dim(0);
        float[] targets = new float[n];
        if (s.calibData == null) {
            for (int i = 0; i < n; i++) {
                targets[i] = i % classes;
            }
            return new Batch(Parity.input(input.with(0, n)), Tensor.wrap(Shape.of(n), targets));
        }
        DataOptions d = s.calibData;
        Dataset ds = d.open("train");
        if (ds.size() < n) {
            throw CliException.usage("--calib " + d.dir + ":" + n + " asks for " + n + " images but the training split"
                    + " has " + ds.size());
        }
        Shape chw = d.sampleShape(ds);
        if (input.rank() != 4 || !chw.equals(Shape.of(input.dim(1), input.dim(2), input.dim(3)))) {
            throw CliException.usage("--calib images are " + chw + " after their transforms but " + s.model
                    + " takes " + input + " (--pad, --resize, --crop, --channels change the images)");
        }
        if (ds.classes().size() != classes) {
            throw CliException.usage(s.model + " has " + classes + " classes but the --calib data at " + d.dir
                    + " has " + ds.classes().size());
        }
        Transform t = d.evalTransform();
        int per = chw.numel();
        float[] x = new float[n * per];
        return EvalCommand.guard(d, () -> {
            for (int i = 0; i < n; i++) {
                Example e = ds.get(i);
                System.arraycopy(t.apply(e.image(), new SplittableRandom(i)).data(), 0, x, i * per, per);
                targets[i] = e.label();
            }
            return new Batch(Tensor.wrap(input.with(0, n), x), Tensor.wrap(Shape.of(n), targets));
        });
    }

    /**
     * The gradients Taylor and Hessian read, on the current (possibly already pruned) model, of the calibration
     * batch with cross-entropy in eval mode. Taylor: one backward of the batch's mean loss; Hessian: one backward per
     * sample, each accumulated (after a reset).
     */
    static void gradients(Graph g, Shape input, PruneSettings s, Importance imp, Batch calib) {
        int n = s.calib;
        Tensor x = calib.inputs();
        float[] targets = calib.targets().data();
        g.zeroGrad();
        if (imp instanceof HessianImportance hessian) {
            hessian.reset();
            Shape one = input.with(0, 1);
            int per = x.numel() / n;
            for (int i = 0; i < n; i++) {
                float[] sample = new float[per];
                System.arraycopy(x.data(), i * per, sample, 0, per);
                g.zeroGrad();
                Gradients.backward(g, CrossEntropyLoss.of(), Tensor.wrap(one, sample),
                        Tensor.of(Shape.of(1), targets[i]), Mode.EVAL, s.seed);
                hessian.accumulate(g);
            }
            g.zeroGrad(); // the scores read the accumulated squares, not the last gradient
        } else {
            Gradients.backward(g, CrossEntropyLoss.of(), x, Tensor.wrap(Shape.of(n), targets.clone()),
                    Mode.EVAL, s.seed);
        }
    }

    /** Applies a saved history; any problem with the file is exit 3 naming it. */
    static void replay(Graph g, Path file) {
        try {
            BasePruner.replayHistory(g, file);
        } catch (NoSuchFileException e) {
            throw new CliException(CliException.BAD_INPUT, "history file " + file + " does not exist", e);
        } catch (IOException e) {
            String msg = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
            throw new CliException(CliException.BAD_INPUT, msg.contains(file.toString()) ? msg
                    : "cannot read history file " + file + ": " + msg, e);
        } catch (IllegalArgumentException | IllegalStateException e) {
            throw new CliException(CliException.BAD_INPUT, "history file " + file + " does not fit " + g.name() + ": "
                    + e.getMessage(), e);
        } catch (UnsupportedAxisException e) {
            throw new CliException(CliException.UNSUPPORTED, e.getMessage(), e);
        }
    }

    /**
     * Each name must cover a layer as the pruner resolves it (a node name, a module path, or a module containing
     * layers); otherwise a usage error naming the option and suggesting close names.
     */
    private static void checkLayers(Graph g, List<String> names, String option) {
        for (String name : names) {
            boolean found = g.nodes().stream().anyMatch(n -> n.name().equals(name) || n.moduleName().equals(name)
                    || n.moduleName().startsWith(name + "."));
            if (!found) {
                throw CliException.usage(option + ": layer '" + name + "' is not in " + g.name()
                        + GroupsCommand.suggest(g, name));
            }
        }
    }

    /** The library's option names in its messages, spelled as the CLI's. */
    private static String optionNames(String message) {
        return message.replace("ignoredLayers:", "--ignore:").replace("ratioFor:", "--ratio-for:");
    }

    /** {@code 3.74x}, {@code n/a} for no MACs left. */
    static String speedUp(long base, long macs) {
        return macs == 0 ? "n/a" : String.format(Locale.ROOT, "%.2fx", base / (double) macs);
    }

    static String percent(long part, long whole) {
        return whole == 0 ? "n/a" : String.format(Locale.ROOT, "%.2f %%", 100.0 * part / whole);
    }
}
