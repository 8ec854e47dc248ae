package dev.jprune.cli;

import dev.jprune.data.DataLoader;
import dev.jprune.data.Dataset;
import dev.jprune.internal.Json;
import dev.jprune.io.checkpoint.TrainingCheckpoint;
import dev.jprune.io.checkpoint.TrainingState;
import dev.jprune.ir.Graph;
import dev.jprune.prune.BNScalePruner;
import dev.jprune.prune.BasePruner;
import dev.jprune.prune.GroupNormPruner;
import dev.jprune.prune.GrowingRegPruner;
import dev.jprune.prune.importance.BNScaleImportance;
import dev.jprune.prune.importance.GroupMagnitudeImportance;
import dev.jprune.prune.importance.Normalizer;
import dev.jprune.train.Accuracy;
import dev.jprune.train.AdamW;
import dev.jprune.train.CosineAnnealingLR;
import dev.jprune.train.EpochResult;
import dev.jprune.train.LrSchedule;
import dev.jprune.train.Optimizer;
import dev.jprune.train.ParamGroups;
import dev.jprune.train.Sgd;
import dev.jprune.train.StepLR;
import dev.jprune.train.Trainer;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * {@code jprune train} (from the model's initial weights: a seeded random init for zoo models unless
 * {@code --weights}) and {@code jprune finetune} (the same with a default learning rate of 0.01; MODEL is usually a
 * pruned {@code .onnx}): per epoch, one pass over the training split with {@link Trainer} and an evaluation of the
 * test split, printed; a {@link TrainingCheckpoint} per epoch into {@code --checkpoint-dir}, from which
 * {@code --resume} continues exactly; the final model written to {@code --out} as ONNX, atomically, keeping an
 * imported model's ONNX names.
 *
 * <p>Sparse training ({@code --sparse group-norm|bn-scale|growing-reg --reg R}): the pruner's {@code regularize()}
 * after each backward (Torch-Pruning's {@code pruner.regularize(model)}), weight decay 0 unless given, and for
 * {@code growing-reg} {@code updateRegularizer()} after each epoch. The sparse model then goes to
 * {@code jprune prune --pruner} of the same name.
 */
final class TrainCommand {

    static final String TRAIN_USAGE = "train MODEL --data DIR --epochs E --out FILE.onnx [--lr 0.1] [--momentum 0.9]"
            + " [--weight-decay 5e-4] [--optimizer sgd|adamw] [--schedule cosine|constant|step:N:G]"
            + " [--sparse group-norm|bn-scale|growing-reg [--reg R]] [--checkpoint-dir DIR [--resume]]"
            + " [data options as eval, plus --crop-padding K --flip, --batch 128] [--input] [--weights] [--seed S]"
            + " [--report FILE.json] [--json]";
    static final String FINETUNE_USAGE = "finetune MODEL --data DIR --epochs E --out FILE.onnx [--lr 0.01]"
            + " [the options of train]";

    static final List<String> SPARSE = List.of("group-norm", "bn-scale", "growing-reg");
    private static final Pattern STEP = Pattern.compile("step:(\\d+):([0-9.eE+-]+)");
    private static final Pattern CHECKPOINT = Pattern.compile("epoch-(\\d+)\\.onnx");

    private TrainCommand() {
    }

    /** The settings of one run (everything that must match for {@code --resume}). */
    private static final class Settings {
        String command;
        String model;
        int epochs;
        double lr;
        double momentum;
        double weightDecay;
        String optimizer;
        String schedule;
        String sparse;
        double reg;
        Path out;
        Path checkpointDir;
        boolean resume;
        Path report;

        Map<String, Object> toJson(DataOptions d) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("command", command);
            m.put("model", model);
            m.put("data", d.toJson());
            m.put("epochs", epochs);
            m.put("lr", lr);
            m.put("momentum", optimizer.equals("sgd") ? momentum : null);
            m.put("weight_decay", weightDecay);
            m.put("optimizer", optimizer);
            m.put("schedule", schedule);
            m.put("sparse", sparse);
            m.put("reg", sparse == null ? null : reg);
            return m;
        }
    }

    static int run(List<String> argv, PrintStream out, boolean finetune) {
        String command = finetune ? "finetune" : "train";
        Set<String> valued = new HashSet<>(DataOptions.VALUED);
        valued.addAll(Set.of("input", "weights", "seed", "fill-missing", "report", "epochs", "out", "lr", "momentum",
                "weight-decay", "optimizer", "schedule", "checkpoint-dir", "sparse", "reg"));
        Set<String> switches = new HashSet<>(DataOptions.SWITCHES);
        switches.addAll(Set.of("json", "verbose", "resume"));
        Args a = new Args(command, argv, valued, switches);
        if (a.positionals().size() != 1) {
            throw CliException.usage("usage: jprune " + (finetune ? FINETUNE_USAGE : TRAIN_USAGE));
        }
        Settings s = settings(a, command, finetune);
        DataOptions d = DataOptions.parse(a, true, "train");
        if (a.get("split", null) != null) {
            throw CliException.usage("--split is for eval; " + command + " trains on the train split and evaluates"
                    + " the test split");
        }
        Dataset trainSet = d.open("train");
        Dataset testSet = d.open("test");
        if (trainSet.classes().size() != testSet.classes().size()) {
            throw new CliException(CliException.BAD_INPUT, "--data " + d.dir + ": the train split has "
                    + trainSet.classes().size() + " classes, the test split " + testSet.classes().size());
        }
        Path lastCheckpoint = s.resume ? lastCheckpoint(s.checkpointDir) : null;
        ModelLoader.Loaded m = d.loadModel(s.model, a.get("input", null), a.get("weights", null),
                a.get("fill-missing", null), trainSet);
        Graph g = m.graph();
        DataLoader train = d.trainLoader(trainSet);
        DataLoader test = d.evalLoader(testSet);
        Optimizer opt = optimizer(s, g);
        LrSchedule schedule = schedule(s, train.batchCount());
        Map<String, Object> settingsJson = s.toJson(d);
        String settingsText = Json.write(settingsJson);

        List<Map<String, Object>> history = new ArrayList<>();
        int start = 0;
        if (lastCheckpoint != null) {
            start = resume(lastCheckpoint, g, opt, settingsJson, history);
        }
        BasePruner pruner = s.sparse == null ? null : sparsePruner(s, g);

        out.printf("model         %s, input %s, weights %s%n", s.model, m.input(), m.weights());
        out.printf("data          %s (%s): %d training images in %d batches of %d, %d test images%n", d.dir, d.kind,
                trainSet.size(), train.batchCount(), d.batch, testSet.size());
        out.printf("training      %s%n", summary(s));
        if (lastCheckpoint != null) {
            out.printf("resumed       from %s (%d of %d epochs done)%n", lastCheckpoint, start, s.epochs);
            if ("growing-reg".equals(s.sparse)) {
                out.println("note          growing-reg's per-group coefficients are not checkpointed; they restart"
                        + " from --reg");
            }
        }

        Accuracy last = null;
        for (int e = start; e < s.epochs; e++) {
            long t0 = System.nanoTime();
            Trainer.Builder tb = Trainer.builder(g, opt).schedule(schedule).seed(d.seed)
                    .listener(Progress.of(out, command));
            if (pruner != null) {
                tb.afterBackward(step -> pruner.regularize());
            }
            Trainer trainer = tb.build();
            int epoch = e;
            EpochResult r = EvalCommand.guard(d, () -> trainer.trainEpoch(train, epoch));
            last = EvalCommand.evaluate(g, test, out, "test", d);
            if (pruner instanceof GrowingRegPruner) {
                pruner.updateRegularizer();
            }
            double seconds = (System.nanoTime() - t0) / 1e9;
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("epoch", e + 1);
            row.put("train_loss", r.meanLoss());
            row.put("train_acc", r.top1());
            row.put("test_top1", last.top1());
            row.put("test_top5", last.top5());
            row.put("seconds", seconds);
            history.add(row);
            out.printf(Locale.ROOT, "epoch %d/%d     loss %.4f, train acc %.4f, test top-1 %.4f top-5 %.4f, lr %.3g,"
                            + " %.1f s%n", e + 1, s.epochs, r.meanLoss(), r.top1(), last.top1(), last.top5(),
                    opt.lr(0), seconds);
            if (s.checkpointDir != null) {
                Path file = s.checkpointDir.resolve("epoch-" + (e + 1) + ".onnx");
                TrainingState state = TrainingState.atEpoch(e + 1, d.seed).with("command", command)
                        .with("settings", settingsText).with("history", Json.write(history));
                try {
                    TrainingCheckpoint.save(file, g, m.origin(), opt, state);
                } catch (IOException ex) {
                    throw new CliException(CliException.OTHER, "cannot write checkpoint " + file + ": "
                            + ex.getMessage(), ex);
                }
            }
        }
        if (last == null) {
            last = EvalCommand.evaluate(g, test, out, "test", d);
        }
        OnnxOut.write(g, m, s.out, false, 0);
        out.printf(Locale.ROOT, "final         test top-1 %.4f, top-5 %.4f, loss %.4f on %d images%n", last.top1(),
                last.top5(), last.loss(), last.samples());
        out.printf("written       %s%n", s.out);

        Map<String, Object> j = new LinkedHashMap<>();
        j.put("settings", settingsJson);
        j.put("epochs", history);
        Map<String, Object> fin = new LinkedHashMap<>();
        fin.put("samples", last.samples());
        fin.put("top1", last.top1());
        fin.put("top5", last.top5());
        fin.put("loss", last.loss());
        j.put("final", fin);
        j.put("out", s.out.toString());
        String text = Json.write(j);
        Report.writeReport(s.report, text);
        if (a.flag("json")) {
            out.println(text);
        }
        return 0;
    }

    private static Settings settings(Args a, String command, boolean finetune) {
        Settings s = new Settings();
        s.command = command;
        s.model = a.positionals().get(0);
        String ep = a.get("epochs", null);
        if (ep == null) {
            throw CliException.usage("--epochs E is required (the number of passes over the training split)");
        }
        long epochs = a.getLong("epochs", 0);
        if (epochs < 1 || epochs > 100_000) {
            throw CliException.usage("--epochs must be an integer in [1, 100000], got " + ep);
        }
        s.epochs = (int) epochs;
        s.out = Report.outputFile(a, "out");
        if (s.out == null) {
            throw CliException.usage("--out FILE.onnx is required (where the trained model is written)");
        }
        if (ModelLoader.isOnnx(s.model) && sameFile(s.out, Path.of(s.model))) {
            throw CliException.usage("--out " + s.out + " is the input model; inputs are never overwritten, choose"
                    + " another file");
        }
        s.report = Report.outputFile(a, "report");
        s.optimizer = a.get("optimizer", "sgd");
        if (!s.optimizer.equals("sgd") && !s.optimizer.equals("adamw")) {
            throw CliException.usage("--optimizer must be sgd or adamw, got '" + s.optimizer + "'");
        }
        s.lr = number(a, "lr", finetune ? 0.01 : 0.1, false);
        if (s.lr <= 0) {
            throw CliException.usage("--lr must be positive, got " + a.get("lr", null));
        }
        if (a.get("momentum", null) != null && s.optimizer.equals("adamw")) {
            throw CliException.usage("--momentum applies to --optimizer sgd; AdamW uses betas (0.9, 0.999)");
        }
        s.momentum = number(a, "momentum", 0.9, true);
        if (s.momentum >= 1) {
            throw CliException.usage("--momentum must be in [0, 1), got " + a.get("momentum", null));
        }
        s.sparse = a.get("sparse", null);
        if (s.sparse != null && !SPARSE.contains(s.sparse)) {
            throw CliException.usage("--sparse must be one of " + String.join(", ", SPARSE) + ", got '" + s.sparse + "'");
        }
        if (a.get("reg", null) != null && s.sparse == null) {
            throw CliException.usage("--reg is the sparse-training coefficient; give --sparse too");
        }
        s.reg = number(a, "reg", "bn-scale".equals(s.sparse) ? 1e-5 : 5e-4, true);
        // Torch-Pruning's reproduce/main.py trains sparse models without weight decay
        s.weightDecay = number(a, "weight-decay", s.sparse != null ? 0 : 5e-4, true);
        s.schedule = a.get("schedule", "cosine");
        if (!s.schedule.equals("cosine") && !s.schedule.equals("constant")) {
            Matcher mm = STEP.matcher(s.schedule);
            boolean ok = mm.matches();
            if (ok) {
                try {
                    double gamma = Double.parseDouble(mm.group(2));
                    ok = Integer.parseInt(mm.group(1)) >= 1 && gamma > 0 && gamma <= 1;
                } catch (NumberFormatException e) {
                    ok = false;
                }
            }
            if (!ok) {
                throw CliException.usage("--schedule must be cosine, constant or step:N:G (lr times G every N"
                        + " epochs, N >= 1, 0 < G <= 1), got '" + s.schedule + "'");
            }
        }
        String dir = a.get("checkpoint-dir", null);
        s.checkpointDir = dir == null ? null : Path.of(dir);
        s.resume = a.flag("resume");
        if (s.resume && s.checkpointDir == null) {
            throw CliException.usage("--resume continues from --checkpoint-dir DIR; give it");
        }
        if (s.checkpointDir != null) {
            if (Files.exists(s.checkpointDir) && !Files.isDirectory(s.checkpointDir)) {
                throw CliException.usage("--checkpoint-dir " + dir + " is a file, not a folder");
            }
            if (!s.resume) {
                try {
                    Files.createDirectories(s.checkpointDir);
                } catch (IOException e) {
                    throw new CliException(CliException.OTHER, "cannot create --checkpoint-dir " + dir + ": "
                            + e.getMessage(), e);
                }
            }
        }
        return s;
    }

    private static String summary(Settings s) {
        StringBuilder sb = new StringBuilder();
        sb.append(s.epochs).append(" epochs, ").append(s.optimizer).append(" lr ").append(s.lr);
        if (s.optimizer.equals("sgd")) {
            sb.append(" momentum ").append(s.momentum);
        }
        sb.append(" weight decay ").append(s.weightDecay).append(", schedule ").append(s.schedule);
        if (s.sparse != null) {
            sb.append(", sparse ").append(s.sparse).append(" reg ").append(s.reg);
        }
        if (s.checkpointDir != null) {
            sb.append(", checkpoints in ").append(s.checkpointDir);
        }
        return sb.toString();
    }

    private static Optimizer optimizer(Settings s, Graph g) {
        if (s.optimizer.equals("adamw")) {
            return AdamW.builder().lr(s.lr).weightDecay(s.weightDecay).build(List.of(ParamGroups.all(g)));
        }
        return Sgd.builder().lr(s.lr).momentum(s.momentum).weightDecay(s.weightDecay)
                .build(List.of(ParamGroups.all(g)));
    }

    /** Per-step schedules over the whole run ({@code steps per epoch · epochs}). */
    private static LrSchedule schedule(Settings s, int batchesPerEpoch) {
        if (s.schedule.equals("cosine")) {
            return CosineAnnealingLR.of(Math.max(1, s.epochs * batchesPerEpoch));
        }
        if (s.schedule.equals("constant")) {
            return LrSchedule.constant();
        }
        Matcher mm = STEP.matcher(s.schedule);
        if (!mm.matches()) {
            throw new IllegalStateException(s.schedule);
        }
        return new StepLR(Math.max(1, Integer.parseInt(mm.group(1)) * batchesPerEpoch), Double.parseDouble(mm.group(2)));
    }

    /** The pruner whose regulariser sparse training applies; the classifier is ignored as in {@code prune}. */
    private static BasePruner sparsePruner(Settings s, Graph g) {
        try {
            switch (s.sparse) {
                case "group-norm":
                    return GroupNormPruner.builder(g).reg(s.reg).importance(GroupMagnitudeImportance.builder().p(2)
                            .normalizer(Normalizer.MAX).build()).build();
                case "bn-scale":
                    return BNScalePruner.builder(g).reg(s.reg).importance(new BNScaleImportance()).build();
                default:
                    return GrowingRegPruner.builder(g).reg(s.reg).importance(GroupMagnitudeImportance.builder().p(2)
                            .normalizer(Normalizer.MAX).build()).build();
            }
        } catch (IllegalArgumentException e) {
            throw new CliException(CliException.UNSUPPORTED, "--sparse " + s.sparse + ": " + e.getMessage(), e);
        }
    }

    /** The checkpoint {@code epoch-E.onnx} with the largest E whose sidecar exists; exit 2 when there is none. */
    static Path lastCheckpoint(Path dir) {
        if (!Files.isDirectory(dir)) {
            throw CliException.usage("--resume: --checkpoint-dir " + dir + " does not exist");
        }
        Path best = null;
        int bestEpoch = -1;
        try (Stream<Path> files = Files.list(dir)) {
            for (Path f : (Iterable<Path>) files::iterator) {
                Matcher mm = CHECKPOINT.matcher(f.getFileName().toString());
                if (mm.matches() && TrainingCheckpoint.exists(f)) {
                    int e = Integer.parseInt(mm.group(1));
                    if (e > bestEpoch) {
                        bestEpoch = e;
                        best = f;
                    }
                }
            }
        } catch (IOException e) {
            throw new CliException(CliException.BAD_INPUT, "cannot list --checkpoint-dir " + dir + ": "
                    + e.getMessage(), e);
        }
        if (best == null) {
            throw CliException.usage("--resume: no checkpoint (epoch-E.onnx with its " + TrainingCheckpoint.SIDECAR_SUFFIX
                    + " sidecar) in " + dir);
        }
        return best;
    }

    /** Loads the checkpoint into {@code g} and {@code opt}; returns the epochs done. */
    private static int resume(Path file, Graph g, Optimizer opt, Map<String, Object> settings,
            List<Map<String, Object>> history) {
        TrainingCheckpoint.Loaded l;
        try {
            l = TrainingCheckpoint.loadInto(file, g);
            l.restoreOptimizer(opt);
        } catch (NoSuchFileException e) {
            throw new CliException(CliException.BAD_INPUT, "checkpoint file " + e.getFile() + " does not exist", e);
        } catch (IOException e) {
            throw new CliException(CliException.BAD_INPUT, "checkpoint " + file + ": " + e.getMessage(), e);
        }
        Object saved = Json.parse(l.state().extra().getOrDefault("settings", "{}"));
        List<String> differ = new ArrayList<>();
        if (saved instanceof Map<?, ?> sm) {
            for (Map.Entry<String, Object> e : settings.entrySet()) {
                Object a = normal(sm.get(e.getKey()));
                if (!Objects.equals(a, normal(e.getValue()))) {
                    differ.add(e.getKey() + " (checkpoint " + Json.write(sm.get(e.getKey())) + ", now "
                            + Json.write(e.getValue()) + ")");
                }
            }
        }
        if (!differ.isEmpty()) {
            throw CliException.usage("--resume: " + file + " was written with other settings: "
                    + String.join("; ", differ));
        }
        Object h = Json.parse(l.state().extra().getOrDefault("history", "[]"));
        if (h instanceof List<?> rows) {
            for (Object r : rows) {
                if (r instanceof Map<?, ?> row) {
                    Map<String, Object> copy = new LinkedHashMap<>();
                    row.forEach((k, v) -> copy.put(String.valueOf(k), v));
                    history.add(copy);
                }
            }
        }
        return l.state().epoch();
    }

    /** A JSON value in comparable form (numbers as doubles, maps and lists recursively). */
    private static Object normal(Object v) {
        if (v instanceof Number n) {
            return n.doubleValue();
        }
        if (v instanceof Map<?, ?> m) {
            Map<String, Object> out = new LinkedHashMap<>();
            m.forEach((k, x) -> out.put(String.valueOf(k), normal(x)));
            return out;
        }
        if (v instanceof List<?> l) {
            List<Object> out = new ArrayList<>();
            l.forEach(x -> out.add(normal(x)));
            return out;
        }
        return v;
    }

    private static boolean sameFile(Path a, Path b) {
        try {
            if (Files.exists(a) && Files.exists(b)) {
                return Files.isSameFile(a, b);
            }
        } catch (IOException e) {
            // fall through to the path comparison
        }
        return a.toAbsolutePath().normalize().equals(b.toAbsolutePath().normalize());
    }

    private static double number(Args a, String option, double fallback, boolean nonNegative) {
        String v = a.get(option, null);
        if (v == null) {
            return fallback;
        }
        double x;
        try {
            x = Double.parseDouble(v.trim());
        } catch (NumberFormatException e) {
            throw CliException.usage("--" + option + " expects a number, got '" + v + "'");
        }
        if (!Double.isFinite(x) || nonNegative && x < 0) {
            throw CliException.usage("--" + option + " must be a finite" + (nonNegative ? " non-negative" : "")
                    + " number, got '" + v + "'");
        }
        return x;
    }
}
