package dev.jprune.bench.experiment;

import dev.jprune.count.OpCounter;
import dev.jprune.data.DataLoader;
import dev.jprune.data.IdxDataset;
import dev.jprune.data.Subset;
import dev.jprune.data.Transform;
import dev.jprune.data.Transforms;
import dev.jprune.internal.Json;
import dev.jprune.io.checkpoint.TrainingCheckpoint;
import dev.jprune.io.checkpoint.TrainingState;
import dev.jprune.ir.Graph;
import dev.jprune.prune.BNScalePruner;
import dev.jprune.prune.BasePruner;
import dev.jprune.prune.GroupNormPruner;
import dev.jprune.prune.ProgressivePruning;
import dev.jprune.prune.PrunerBuilder;
import dev.jprune.prune.importance.BNScaleImportance;
import dev.jprune.prune.importance.GroupMagnitudeImportance;
import dev.jprune.prune.importance.Normalizer;
import dev.jprune.prune.importance.RandomImportance;
import dev.jprune.tensor.Shape;
import dev.jprune.train.Accuracy;
import dev.jprune.train.CosineAnnealingLR;
import dev.jprune.train.EpochResult;
import dev.jprune.train.Evaluation;
import dev.jprune.train.LrSchedule;
import dev.jprune.train.ParamGroups;
import dev.jprune.train.ProgressLog;
import dev.jprune.train.Sgd;
import dev.jprune.train.Trainer;
import dev.jprune.weights.RandomInit;
import dev.jprune.zoo.Zoo;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The Fashion-MNIST pruning experiment (issue 8): resnet20 (1 input channel, 10 classes) trained from scratch, then
 * pruned to a MAC speed-up of at least 2 with each criterion and fine-tuned, Torch-Pruning's CIFAR recipe
 * ({@code reproduce/main.py}) on jprune's engine:
 * <ul>
 *   <li>data: Fashion-MNIST zero-padded to 32×32, normalised with mean 0.2860 and std 0.3530; training adds
 *       pad 4 + random crop 32 and a random horizontal flip; training batches of 128 drop the last partial batch;</li>
 *   <li>base: SGD momentum 0.9, weight decay 5e-4 on every parameter, lr 0.1 with per-step cosine decay to 0;</li>
 *   <li>pruning: global ranking, {@code fc} ignored, pruning ratio 1.0 in 400 iterative steps, stepping until the
 *       speed-up is reached; group L1 and L2 ({@code MagnitudeImportance(p)}), group-norm (group L2 normalised by
 *       the maximum, {@code GroupNormPruner}, sparse training first), BN-scale ({@code BNScalePruner}, sparse
 *       training first) and random;</li>
 *   <li>sparse training: lr 0.01 constant, no weight decay, the pruner's regulariser after each backward;</li>
 *   <li>fine-tuning: SGD momentum 0.9, weight decay 5e-4, lr 0.01 with per-step cosine decay.</li>
 * </ul>
 * Every training epoch ends with a {@link TrainingCheckpoint} in the work folder and a line in its
 * {@code state.json}; a re-run with the same settings continues from there. Writes the results JSON atomically
 * after each criterion.
 */
public final class FashionMnistExperiment {

    static final float MEAN = 0.2860f;
    static final float STD = 0.3530f;
    static final Shape EXAMPLE = Shape.of(1, 1, 32, 32);

    private final Settings s;
    private final ExperimentState state;
    private final PrintStream log;
    private final DataLoader train;
    private final DataLoader test;

    /** The experiment's settings (command-line flags). */
    record Settings(Path data, Path work, Path out, Path doc, List<String> criteria, int epochs, int sparseEpochs,
                    int finetuneEpochs, int batch, long seed, double speedUp, int steps, int trainLimit, int testLimit) {

        Map<String, Object> asMap() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("model", "resnet20");
            m.put("data", "fashion-mnist");
            m.put("criteria", criteria);
            m.put("epochs", epochs);
            m.put("sparse_epochs", sparseEpochs);
            m.put("finetune_epochs", finetuneEpochs);
            m.put("batch", batch);
            m.put("seed", seed);
            m.put("speed_up", speedUp);
            m.put("iterative_steps", steps);
            m.put("train_limit", trainLimit);
            m.put("test_limit", testLimit);
            return m;
        }
    }

    FashionMnistExperiment(Settings s, PrintStream log) throws IOException {
        this.s = s;
        this.log = log;
        Files.createDirectories(s.work());
        this.state = ExperimentState.open(s.work().resolve("state.json"), s.asMap());
        IdxDataset trainSet = IdxDataset.open(s.data().resolve("train-images-idx3-ubyte.gz"),
                s.data().resolve("train-labels-idx1-ubyte.gz"), IdxDataset.FASHION_MNIST_CLASSES);
        IdxDataset testSet = IdxDataset.open(s.data().resolve("t10k-images-idx3-ubyte.gz"),
                s.data().resolve("t10k-labels-idx1-ubyte.gz"), IdxDataset.FASHION_MNIST_CLASSES);
        Transform normalize = Transforms.normalize(new float[] {MEAN}, new float[] {STD});
        Transform trainT = Transforms.compose(Transforms.pad(2), Transforms.randomCrop(32, 4),
                Transforms.randomHorizontalFlip(0.5), normalize);
        Transform testT = Transforms.compose(Transforms.pad(2), normalize);
        this.train = DataLoader.builder(Subset.first(trainSet, s.trainLimit())).batchSize(s.batch()).shuffle(true)
                .dropLast(true).seed(s.seed()).transform(trainT).prefetch(3).build();
        this.test = DataLoader.builder(Subset.first(testSet, s.testLimit())).batchSize(500).transform(testT).build();
    }

    /** Runs (or resumes) every stage and writes the results; returns the rows. */
    List<Map<String, Object>> run() throws IOException {
        log.printf(Locale.ROOT, "fashion-mnist: %d training batches of %d, %d test images, work folder %s%n",
                train.batchCount(), s.batch(), test.sampleCount(), s.work());
        Path base = trainBase();
        Map<String, Object> baseFig = state.stage("base");
        List<Map<String, Object>> rows = new ArrayList<>();
        for (String c : s.criteria()) {
            rows.add(criterion(c, base, baseFig));
            writeResults(rows);
        }
        return rows;
    }

    // ------------------------------------------------------------------ stages

    private Path trainBase() throws IOException {
        String stage = "base";
        Path last = checkpoint(stage, s.epochs());
        if (state.stage(stage) != null) {
            return last;
        }
        Graph g = Zoo.build("resnet20", EXAMPLE, 10);
        RandomInit.fill(g, s.seed());
        Sgd sgd = sgd(g, 0.1, 5e-4);
        LrSchedule cosine = CosineAnnealingLR.of(s.epochs() * train.batchCount());
        trainEpochs(stage, g, sgd, cosine, s.epochs(), null, null);
        Graph done = model(last, null);
        Accuracy acc = Evaluation.run(done, test);
        OpCounter.Count count = OpCounter.count(done);
        Map<String, Object> fig = new LinkedHashMap<>();
        fig.put("acc", acc.top1());
        fig.put("top5", acc.top5());
        fig.put("macs", count.ops());
        fig.put("params", count.params());
        state.finish(stage, fig);
        log.printf(Locale.ROOT, "base: %s, %d MACs, %d params%n", acc, count.ops(), count.params());
        return last;
    }

    private Map<String, Object> criterion(String c, Path base, Map<String, Object> baseFig) throws IOException {
        String pruneStage = c + "/prune";
        Path pruned = s.work().resolve(file(c + "-pruned"));
        Path history = history(c);
        if (state.stage(pruneStage) == null) {
            Path start = base;
            if (sparse(c)) {
                String sl = c + "/sparse";
                start = checkpoint(sl, s.sparseEpochs());
                if (state.stage(sl) == null) {
                    trainEpochs(sl, null, null, LrSchedule.constant(), s.sparseEpochs(), base, null);
                    state.finish(sl, Map.of("epochs", s.sparseEpochs()));
                }
            }
            long t0 = System.nanoTime();
            Graph g = model(start, null);
            BasePruner pruner = pruner(c, g);
            ProgressivePruning.Result r = ProgressivePruning.untilSpeedUp(pruner, g, s.speedUp());
            pruner.saveHistory(history);
            Accuracy acc = Evaluation.run(g, test);
            OpCounter.Count count = OpCounter.count(g);
            TrainingCheckpoint.save(pruned, g, null, null, TrainingState.atEpoch(0, s.seed()));
            Map<String, Object> fig = new LinkedHashMap<>();
            fig.put("steps", r.steps());
            fig.put("speed_up", r.speedUp());
            fig.put("acc", acc.top1());
            fig.put("macs", count.ops());
            fig.put("params", count.params());
            state.addSeconds(c, (System.nanoTime() - t0) / 1e9);
            state.finish(pruneStage, fig);
            log.printf(Locale.ROOT, "%s: pruned in %d steps to %.3fx, %s%n", c, r.steps(), r.speedUp(), acc);
        }
        String ft = c + "/finetune";
        Path last = checkpoint(ft, s.finetuneEpochs());
        if (state.stage(ft) == null) {
            trainEpochs(ft, null, null, CosineAnnealingLR.of(s.finetuneEpochs() * train.batchCount()),
                    s.finetuneEpochs(), pruned, history);
            Accuracy acc = Evaluation.run(model(last, history), test);
            state.finish(ft, Map.of("acc", acc.top1(), "top5", acc.top5()));
            log.printf(Locale.ROOT, "%s: fine-tuned, %s%n", c, acc);
        }
        Map<String, Object> p = state.stage(pruneStage);
        Map<String, Object> row = new LinkedHashMap<>();
        row.put("criterion", c);
        row.put("base_acc", baseFig.get("acc"));
        row.put("final_acc", state.stage(ft).get("acc"));
        row.put("acc_after_prune_before_finetune", p.get("acc"));
        row.put("base_macs", baseFig.get("macs"));
        row.put("macs", p.get("macs"));
        row.put("base_params", baseFig.get("params"));
        row.put("params", p.get("params"));
        row.put("seconds", Math.round(state.secondsOf(c) * 10) / 10.0);
        return row;
    }

    /**
     * Trains {@code epochs} epochs of stage {@code stage}, resuming after its last finished epoch. The first epoch
     * starts from {@code g} with {@code sgd} (the base stage) or from the checkpoint {@code from} with a fresh
     * optimiser; later ones from the stage's own last checkpoint with its optimiser state. {@code history} is the
     * pruning history of a pruned model's stages (null before pruning).
     */
    private void trainEpochs(String stage, Graph g, Sgd sgd, LrSchedule schedule, int epochs, Path from, Path history)
            throws IOException {
        boolean isSparse = stage.endsWith("/sparse");
        String criterion = stage.contains("/") ? stage.substring(0, stage.indexOf('/')) : stage;
        for (int e = state.epochs(stage).size(); e < epochs; e++) {
            long t0 = System.nanoTime();
            if (e > 0) {
                TrainingCheckpoint.Loaded l = TrainingCheckpoint.loadInto(checkpoint(stage, e), zoo(history));
                g = l.graph();
                sgd = optimizerFor(stage, g);
                l.restoreOptimizer(sgd);
            } else if (g == null) {
                g = model(from, history);
                sgd = optimizerFor(stage, g);
            }
            Trainer.Builder tb = Trainer.builder(g, sgd).schedule(schedule).seed(s.seed())
                    .listener(new ProgressLog(log, stage, 30));
            if (isSparse) {
                BasePruner pruner = pruner(criterion, g);
                tb.afterBackward(step -> pruner.regularize());
            }
            EpochResult r = tb.build().trainEpoch(train, e);
            Accuracy acc = Evaluation.run(g, test);
            TrainingCheckpoint.save(checkpoint(stage, e + 1), g, null, sgd,
                    TrainingState.atEpoch(e + 1, s.seed()).with("stage", stage));
            double secs = (System.nanoTime() - t0) / 1e9;
            Map<String, Object> fig = new LinkedHashMap<>();
            fig.put("epoch", e + 1);
            fig.put("train_loss", r.meanLoss());
            fig.put("train_acc", r.top1());
            fig.put("test_acc", acc.top1());
            fig.put("train_seconds", r.seconds());
            fig.put("seconds", secs);
            if (!stage.equals("base")) {
                state.addSeconds(criterion, secs);
            }
            state.addEpoch(stage, fig);
            log.printf(Locale.ROOT, "%s epoch %d/%d: loss %.4f, train acc %.4f, test %s, %.1f s (training %.1f s)%n",
                    stage, e + 1, epochs, r.meanLoss(), r.top1(), acc, secs, r.seconds());
            g = null;
            sgd = null;
        }
    }

    /**
     * resnet20 built by the zoo (so its layer names and MAC count are Torch-Pruning's), with the pruning of
     * {@code history} replayed when it is not null, holding the weights of {@code checkpoint}.
     */
    private static Graph model(Path checkpoint, Path history) throws IOException {
        return TrainingCheckpoint.loadInto(checkpoint, zoo(history)).graph();
    }

    private static Graph zoo(Path history) throws IOException {
        Graph g = Zoo.build("resnet20", EXAMPLE, 10);
        if (history != null) {
            BasePruner.replayHistory(g, history);
        }
        return g;
    }

    private Path history(String criterion) {
        return s.work().resolve(criterion + "-pruned.history.json");
    }

    private Sgd optimizerFor(String stage, Graph g) {
        if (stage.equals("base")) {
            return sgd(g, 0.1, 5e-4);
        }
        return stage.endsWith("/sparse") ? sgd(g, 0.01, 0) : sgd(g, 0.01, 5e-4);
    }

    private static Sgd sgd(Graph g, double lr, double weightDecay) {
        return Sgd.builder().lr(lr).momentum(0.9).weightDecay(weightDecay).build(List.of(ParamGroups.all(g)));
    }

    static boolean sparse(String criterion) {
        return criterion.equals("group-norm") || criterion.equals("bn-scale");
    }

    /** The pruner of Torch-Pruning's {@code get_pruner} for {@code criterion}, global, {@code fc} ignored. */
    BasePruner pruner(String criterion, Graph g) {
        PrunerBuilder<? extends BasePruner, ?> b;
        switch (criterion) {
            case "l1":
            case "l2":
                b = BasePruner.builder(g).importance(GroupMagnitudeImportance.builder()
                        .p(criterion.equals("l1") ? 1 : 2).build());
                break;
            case "group-norm":
                b = GroupNormPruner.builder(g).reg(5e-4).importance(GroupMagnitudeImportance.builder().p(2)
                        .normalizer(Normalizer.MAX).build());
                break;
            case "bn-scale":
                b = BNScalePruner.builder(g).reg(1e-5).importance(new BNScaleImportance());
                break;
            case "random":
                b = BasePruner.builder(g).importance(new RandomImportance(s.seed()));
                break;
            default:
                throw new IllegalArgumentException("unknown criterion '" + criterion
                        + "'; expected l1, l2, group-norm, bn-scale or random");
        }
        return b.globalPruning(true).pruningRatio(1.0).iterativeSteps(s.steps()).ignoredLayers(List.of("fc")).build();
    }

    private Path checkpoint(String stage, int epoch) {
        return s.work().resolve(file(stage.replace('/', '-') + "-e" + epoch));
    }

    private static String file(String name) {
        return name + ".onnx";
    }

    private void writeResults(List<Map<String, Object>> rows) throws IOException {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("rows", rows);
        out.put("settings", s.asMap());
        out.put("base_epochs", state.epochs("base"));
        ExperimentState.writeAtomically(s.out(), Json.write(out) + "\n");
    }

    // ------------------------------------------------------------------ command line

    /** Runs the experiment; flags as {@link #parse}. */
    public static void main(String[] args) throws IOException {
        Settings s;
        try {
            s = parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println("fashion-mnist: " + e.getMessage());
            System.exit(2);
            return;
        }
        List<Map<String, Object>> rows = new FashionMnistExperiment(s, System.out).run();
        String table = table(rows);
        System.out.println(table);
        System.out.println("results: " + s.out());
        if (updateDoc(s.doc(), table)) {
            System.out.println("table updated in " + s.doc());
        }
    }

    /** A Markdown table of the rows, as in the documentation. */
    static String table(List<Map<String, Object>> rows) {
        StringBuilder sb = new StringBuilder(
                "| criterion | base acc | after pruning | after fine-tuning | MACs | params | speed-up | seconds |\n"
                        + "|---|---|---|---|---|---|---|---|\n");
        for (Map<String, Object> r : rows) {
            long bm = ((Number) r.get("base_macs")).longValue();
            long m = ((Number) r.get("macs")).longValue();
            sb.append(String.format(Locale.ROOT, "| %s | %.2f %% | %.2f %% | %.2f %% | %,d → %,d | %,d → %,d | %.2f× | %.0f |%n",
                    r.get("criterion"), 100 * num(r, "base_acc"), 100 * num(r, "acc_after_prune_before_finetune"),
                    100 * num(r, "final_acc"), bm, m, ((Number) r.get("base_params")).longValue(),
                    ((Number) r.get("params")).longValue(), (double) bm / m, num(r, "seconds")));
        }
        return sb.toString();
    }

    static final String BEGIN = "<!-- fashion-mnist results: begin (written by bench/fashion-mnist) -->";
    static final String END = "<!-- fashion-mnist results: end -->";

    /**
     * Replaces what lies between {@link #BEGIN} and {@link #END} in {@code doc} with {@code table}, atomically;
     * false (and nothing written) when the file or its markers are absent.
     */
    static boolean updateDoc(Path doc, String table) throws IOException {
        if (!Files.isRegularFile(doc)) {
            return false;
        }
        String text = Files.readString(doc);
        int b = text.indexOf(BEGIN);
        int e = text.indexOf(END);
        if (b < 0 || e < b) {
            return false;
        }
        String updated = text.substring(0, b + BEGIN.length()) + "\n" + table + text.substring(e);
        ExperimentState.writeAtomically(doc, updated);
        return true;
    }

    private static double num(Map<String, Object> r, String k) {
        return ((Number) r.get(k)).doubleValue();
    }

    /**
     * Flags: {@code --data DIR} (default /usr/share/datasets/fashion-mnist, Debian's dataset-fashion-mnist),
     * {@code --work DIR} (default bench/work/fashion-mnist), {@code --out FILE} (default
     * bench/results/fashion-mnist.json), {@code --doc FILE} (default docs/FASHION-MNIST.md: the table between its
     * result markers is replaced), {@code --criteria l1,l2,group-norm,bn-scale,random}, {@code --epochs 6},
     * {@code --sparse-epochs 2}, {@code --finetune-epochs 3}, {@code --batch 128}, {@code --seed 0},
     * {@code --speed-up 2.0}, {@code --steps 400}, {@code --train-limit N} and {@code --test-limit N} (the first N
     * images only, for a quick trial; 0 = all).
     */
    static Settings parse(String[] args) {
        Map<String, String> f = new LinkedHashMap<>();
        f.put("data", "/usr/share/datasets/fashion-mnist");
        f.put("work", "bench/work/fashion-mnist");
        f.put("out", "bench/results/fashion-mnist.json");
        f.put("doc", "docs/FASHION-MNIST.md");
        f.put("criteria", "l1,l2,group-norm,bn-scale,random");
        f.put("epochs", "6");
        f.put("sparse-epochs", "2");
        f.put("finetune-epochs", "3");
        f.put("batch", "128");
        f.put("seed", "0");
        f.put("speed-up", "2.0");
        f.put("steps", "400");
        f.put("train-limit", "0");
        f.put("test-limit", "0");
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (!a.startsWith("--") || !f.containsKey(a.substring(2))) {
                throw new IllegalArgumentException("unknown option '" + a + "'; options: --" + String.join(", --", f.keySet()));
            }
            if (i + 1 >= args.length) {
                throw new IllegalArgumentException(a + " needs a value");
            }
            f.put(a.substring(2), args[++i]);
        }
        List<String> criteria = List.of(f.get("criteria").split(","));
        for (String c : criteria) {
            if (!List.of("l1", "l2", "group-norm", "bn-scale", "random").contains(c)) {
                throw new IllegalArgumentException("--criteria: unknown criterion '" + c
                        + "'; expected l1, l2, group-norm, bn-scale, random");
            }
        }
        Path data = Path.of(f.get("data"));
        if (!Files.isDirectory(data)) {
            throw new IllegalArgumentException("--data " + data + " is not a folder; install Debian's dataset-fashion-mnist"
                    + " (apt-get install dataset-fashion-mnist) or point --data at the four IDX files");
        }
        return new Settings(data, Path.of(f.get("work")), Path.of(f.get("out")), Path.of(f.get("doc")), criteria, positive(f, "epochs"),
                positive(f, "sparse-epochs"), positive(f, "finetune-epochs"), positive(f, "batch"),
                Long.parseLong(f.get("seed")), Double.parseDouble(f.get("speed-up")), positive(f, "steps"),
                nonNegative(f, "train-limit"), nonNegative(f, "test-limit"));
    }

    private static int positive(Map<String, String> f, String k) {
        int v = nonNegative(f, k);
        if (v == 0) {
            throw new IllegalArgumentException("--" + k + " must be > 0, got 0");
        }
        return v;
    }

    private static int nonNegative(Map<String, String> f, String k) {
        try {
            int v = Integer.parseInt(f.get(k));
            if (v < 0) {
                throw new NumberFormatException();
            }
            return v;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--" + k + " must be a whole number >= 0, got " + f.get(k));
        }
    }
}
