package dev.jprune.cli;

import dev.jprune.cli.CliRun.Result;
import dev.jprune.io.onnx.OnnxImporter;
import dev.jprune.ir.Graph;
import dev.jprune.ir.Parameter;
import dev.jprune.tensor.Shape;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import static dev.jprune.cli.CliRun.expectError;
import static dev.jprune.cli.CliRun.run;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code jprune train} and {@code finetune}: the written model and report, exact resume from the per-epoch
 * checkpoints, sparse training feeding {@code prune}, and every usage and input error. Tiny synthetic IDX data
 * (28×28, padded to 32×32) and resnet20 keep each run to a few seconds.
 */
class TrainCommandTest {

    private static Result ok(String... args) {
        Result r = run(args);
        assertEquals(0, r.code(), "exit code of " + Arrays.toString(args) + "; stderr: " + r.err());
        return r;
    }

    private static String[] args(Path data, String... more) {
        List<String> a = new ArrayList<>(List.of("--data", data.toString(), "--pad", "2", "--batch", "8",
                "--mean", "0.5", "--std", "0.25"));
        a.addAll(List.of(more));
        return a.toArray(new String[0]);
    }

    private static String[] cmd(String command, String model, String[] rest) {
        String[] all = new String[rest.length + 2];
        all[0] = command;
        all[1] = model;
        System.arraycopy(rest, 0, all, 2, rest.length);
        return all;
    }

    private static double num(Map<?, ?> j, String key) {
        return ((Number) j.get(key)).doubleValue();
    }

    @Test
    void trainWritesTheModelThatEvalMeasuresAndAReport(@TempDir Path tmp) throws IOException {
        Path data = TestData.idx(tmp.resolve("d"), 16, 8);
        Path out = tmp.resolve("trained.onnx");
        Path report = tmp.resolve("train.json");
        Result r = ok(cmd("train", "resnet20", args(data, "--epochs", "2", "--out", out.toString(), "--report",
                report.toString(), "--json")));
        Map<?, ?> j = r.json();
        assertEquals(r.lastLine(), Files.readString(report).strip());
        List<?> epochs = (List<?>) j.get("epochs");
        assertEquals(2, epochs.size());
        for (int e = 0; e < 2; e++) {
            Map<?, ?> row = (Map<?, ?>) epochs.get(e);
            assertEquals((long) e + 1, row.get("epoch"));
            for (String k : List.of("train_loss", "train_acc", "test_top1", "test_top5", "seconds")) {
                assertTrue(row.get(k) instanceof Number, k + " in " + row);
            }
        }
        Map<?, ?> settings = (Map<?, ?>) j.get("settings");
        assertEquals(0.1, num(settings, "lr"));
        assertEquals(5e-4, num(settings, "weight_decay"));
        assertEquals("cosine", settings.get("schedule"));
        Map<?, ?> fin = (Map<?, ?>) j.get("final");
        assertEquals(8L, fin.get("samples"));
        assertTrue(Files.isRegularFile(out));
        assertTrue(r.out().contains("epoch 2/2"), r.out());

        // the written model, evaluated by eval, scores what train reported for its last epoch
        Map<?, ?> e = ok(cmd("eval", out.toString(), args(data, "--json"))).json();
        assertEquals(num(fin, "top1"), num(e, "top1"), 1e-12);
        assertEquals(num(fin, "loss"), num(e, "loss"), 1e-5 * Math.abs(num(fin, "loss")) + 1e-6);
    }

    @Test
    void resumeFromTheLastCheckpointIsExact(@TempDir Path tmp) throws IOException {
        Path data = TestData.idx(tmp.resolve("d"), 8, 4);
        Path a = tmp.resolve("a.onnx");
        Path b = tmp.resolve("b.onnx");
        Path ckA = tmp.resolve("ckA");
        Path ckB = tmp.resolve("ckB");
        ok(cmd("train", "resnet20", args(data, "--epochs", "2", "--out", a.toString(), "--checkpoint-dir",
                ckA.toString())));
        assertTrue(Files.isRegularFile(ckA.resolve("epoch-1.onnx")));
        assertTrue(Files.isRegularFile(ckA.resolve("epoch-2.onnx.state.safetensors")));
        // the same run, interrupted after epoch 1 (its epoch-2 checkpoint removed), then resumed
        ok(cmd("train", "resnet20", args(data, "--epochs", "2", "--out", b.toString(), "--checkpoint-dir",
                ckB.toString())));
        Files.delete(ckB.resolve("epoch-2.onnx"));
        Files.delete(ckB.resolve("epoch-2.onnx.state.safetensors"));
        Files.delete(b);
        Result r = ok(cmd("train", "resnet20", args(data, "--epochs", "2", "--out", b.toString(),
                "--checkpoint-dir", ckB.toString(), "--resume", "--json")));
        assertTrue(r.out().contains("resumed"), r.out());
        assertFalse(r.out().contains("epoch 1/2"), "epoch 1 is not trained again: " + r.out());
        assertEquals(2, ((List<?>) r.json().get("epochs")).size(), "the history holds the checkpointed epoch too");
        Graph ga = read(a);
        Graph gb = read(b);
        for (Parameter p : ga.stateDict().values()) {
            assertArrayEquals(p.value().data(), gb.stateDict().get(p.name()).value().data(), 0f, p.name());
        }
        // resuming with other settings is refused, naming the setting
        expectError(run(cmd("train", "resnet20", args(data, "--epochs", "2", "--lr", "0.05", "--out",
                b.toString(), "--checkpoint-dir", ckB.toString(), "--resume"))), 2, "lr");
    }

    private static Graph read(Path onnx) throws IOException {
        return OnnxImporter.read(onnx, OnnxImporter.FillMissing.NONE, Shape.of(1, 1, 32, 32)).graph();
    }

    private static double bnGammaL1(Graph g) {
        double sum = 0;
        for (Parameter p : g.stateDict().values()) {
            if (p.name().contains("bn") && p.name().endsWith(".weight")) {
                for (float v : p.value().data()) {
                    sum += Math.abs(v);
                }
            }
        }
        return sum;
    }

    @Test
    void sparseFinetuneShrinksBnScalesAndFeedsPrune(@TempDir Path tmp) throws IOException {
        Path data = TestData.idx(tmp.resolve("d"), 16, 4);
        Path base = tmp.resolve("base.onnx");
        // 16 images in batches of 8: 2 steps per epoch
        ok(cmd("train", "resnet20", args(data, "--epochs", "1", "--out", base.toString())));
        Path plain = tmp.resolve("plain.onnx");
        Path sparse = tmp.resolve("sparse.onnx");
        Result p = ok(cmd("finetune", base.toString(), args(data, "--epochs", "1", "--schedule", "constant",
                "--weight-decay", "0", "--out", plain.toString(), "--json")));
        assertEquals(0.01, num((Map<?, ?>) p.json().get("settings"), "lr"), "finetune's default lr");
        Result s = ok(cmd("finetune", base.toString(), args(data, "--epochs", "1", "--schedule", "constant",
                "--sparse", "bn-scale", "--reg", "0.05", "--out", sparse.toString(), "--json")));
        Map<?, ?> settings = (Map<?, ?>) s.json().get("settings");
        assertEquals(0.0, num(settings, "weight_decay"), "sparse training has no weight decay by default");
        // the L1 penalty on the BN scales (reg 0.05, 2 steps of lr 0.01) lowers their sum
        double l1Plain = bnGammaL1(read(plain));
        double l1Sparse = bnGammaL1(read(sparse));
        assertTrue(l1Sparse < l1Plain - 1e-4, "sparse " + l1Sparse + " vs plain " + l1Plain);
        // the slimming flow: prune the sparse model with the same pruner
        Result pr = ok("prune", sparse.toString(), "--pruner", "bn-scale", "--importance", "bn", "--ratio", "0.3",
                "--json");
        assertTrue(((Number) pr.json().get("params")).longValue() < ((Number) pr.json().get("base_params")).longValue());
        for (String kind : List.of("group-norm", "growing-reg")) {
            ok(cmd("finetune", base.toString(), args(data, "--epochs", "1", "--limit", "8", "--sparse", kind,
                    "--out", tmp.resolve(kind + ".onnx").toString())));
        }
    }

    @Test
    void adamwStepScheduleOnCifar(@TempDir Path tmp) throws IOException {
        Path data = TestData.cifar10(tmp.resolve("c"), 3, 4);
        Result r = ok("train", "resnet20", "--data", data.toString(), "--batch", "5", "--epochs", "2",
                "--optimizer", "adamw", "--lr", "1e-3", "--schedule", "step:1:0.5", "--crop", "32",
                "--crop-padding", "4", "--flip", "--out", tmp.resolve("c.onnx").toString(), "--json");
        Map<?, ?> j = r.json();
        assertEquals("adamw", ((Map<?, ?>) j.get("settings")).get("optimizer"));
        assertEquals(2, ((List<?>) j.get("epochs")).size());
        assertTrue(r.out().contains("lr 0.000500") || r.out().contains("lr 0.0005"), "step halves the lr: " + r.out());
    }

    @Test
    void usageAndInputErrors(@TempDir Path tmp) throws IOException {
        Path data = TestData.idx(tmp.resolve("d"), 4, 2);
        String out = tmp.resolve("o.onnx").toString();
        expectError(run(cmd("train", "resnet20", args(data, "--out", out))), 2, "--epochs");
        expectError(run(cmd("train", "resnet20", args(data, "--epochs", "0", "--out", out))), 2, "--epochs");
        expectError(run(cmd("train", "resnet20", args(data, "--epochs", "x", "--out", out))), 2, "--epochs");
        expectError(run(cmd("train", "resnet20", args(data, "--epochs", "1"))), 2, "--out");
        expectError(run(cmd("train", "resnet20", args(data, "--epochs", "1", "--out", out, "--lr", "abc"))), 2, "--lr");
        expectError(run(cmd("train", "resnet20", args(data, "--epochs", "1", "--out", out, "--lr", "0"))), 2, "--lr");
        expectError(run(cmd("train", "resnet20", args(data, "--epochs", "1", "--out", out, "--momentum", "1"))), 2,
                "--momentum");
        expectError(run(cmd("train", "resnet20", args(data, "--epochs", "1", "--out", out, "--weight-decay", "-1"))),
                2, "--weight-decay");
        expectError(run(cmd("train", "resnet20", args(data, "--epochs", "1", "--out", out, "--optimizer", "rmsprop"))),
                2, "--optimizer");
        expectError(run(cmd("train", "resnet20", args(data, "--epochs", "1", "--out", out, "--optimizer", "adamw",
                "--momentum", "0.8"))), 2, "--momentum");
        for (String bad : List.of("step:0:0.1", "step:2", "step:2:1.5", "linear")) {
            expectError(run(cmd("train", "resnet20", args(data, "--epochs", "1", "--out", out, "--schedule", bad))),
                    2, "--schedule");
        }
        expectError(run(cmd("train", "resnet20", args(data, "--epochs", "1", "--out", out, "--sparse", "l1"))), 2,
                "--sparse");
        expectError(run(cmd("train", "resnet20", args(data, "--epochs", "1", "--out", out, "--reg", "1e-4"))), 2,
                "--reg");
        expectError(run(cmd("train", "resnet20", args(data, "--epochs", "1", "--out", out, "--split", "test"))), 2,
                "--split");
        expectError(run(cmd("train", "resnet20", args(data, "--epochs", "1", "--out", out, "--resume"))), 2,
                "--checkpoint-dir");
        Path empty = Files.createDirectories(tmp.resolve("empty"));
        expectError(run(cmd("train", "resnet20", args(data, "--epochs", "1", "--out", out, "--resume",
                "--checkpoint-dir", empty.toString()))), 2, "no checkpoint");
        expectError(run(cmd("train", "resnet20", args(data, "--epochs", "1", "--out", out, "--resume",
                "--checkpoint-dir", tmp.resolve("nope").toString()))), 2, "nope");
        expectError(run(cmd("train", "resnet20", args(data, "--epochs", "1", "--out",
                tmp.resolve("no/dir/o.onnx").toString()))), 2, "--out");
        // --out equal to the input model is refused, and the input is left alone
        Path model = tmp.resolve("m.onnx");
        Files.writeString(model, "placeholder");
        expectError(run(cmd("finetune", model.toString(), args(data, "--epochs", "1", "--out", model.toString()))),
                2, "input model");
        assertEquals("placeholder", Files.readString(model));
        expectError(run(cmd("finetune", tmp.resolve("absent.onnx").toString(), args(data, "--epochs", "1", "--out",
                out))), 3, "absent.onnx");
        expectError(run(cmd("finetune", model.toString(), args(data, "--epochs", "1", "--out", out))), 3, "m.onnx");
        expectError(run("train", "resnet20", "--epochs", "1", "--out", out), 2, "--data");
        assertFalse(Files.exists(Path.of(out)), "no output after a failure");
    }
}
