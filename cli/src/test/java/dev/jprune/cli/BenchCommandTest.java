package dev.jprune.cli;

import ai.onnxruntime.OrtSession;
import dev.jprune.cli.CliRun.Result;
import dev.jprune.cli.TinyOnnx.Variant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import static dev.jprune.cli.CliRun.expectError;
import static dev.jprune.cli.CliRun.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code jprune bench} through the CLI entry point on the CIFAR ResNet-20 at 32×32 with 1 warm-up and 2 timed runs
 * (timings are only checked to be positive and self-consistent: the machine is shared, so no speed ratio is
 * asserted): both engines and both models in the table and the report, the MAC counts against {@code prune}'s, the
 * ONNX Runtime output within {@code 1e-4·max|jprune| + 1e-5} of jprune's, {@code --engine}, {@code --batch},
 * {@code --replay}, an ONNX file, and the error paths with their exit codes.
 */
class BenchCommandTest {

    private static final String[] FAST = {"--input", "1,3,32,32", "--iters", "2", "--warmup", "1", "--warmup-ms", "0"};

    private static Result bench(String... args) {
        String[] all = new String[args.length + FAST.length + 1];
        all[0] = "bench";
        System.arraycopy(args, 0, all, 1, args.length);
        System.arraycopy(FAST, 0, all, 1 + args.length, FAST.length);
        Result r = run(all);
        assertEquals(0, r.code(), "exit code of " + Arrays.toString(all) + "; stderr: " + r.err());
        return r;
    }

    private static Map<?, ?> map(Map<?, ?> j, String key) {
        Object v = j.get(key);
        assertTrue(v instanceof Map, key + " should be an object in " + j);
        return (Map<?, ?>) v;
    }

    private static double num(Map<?, ?> j, String key) {
        Object v = j.get(key);
        assertTrue(v instanceof Number, key + " should be a number in " + j);
        return ((Number) v).doubleValue();
    }

    /** The timing keys, positive, ordered (min ≤ median ≤ p90, min ≤ mean), and images/s = batch·1000/median. */
    private static void assertTiming(Map<?, ?> t, int batch, int runs) {
        double median = num(t, "median_ms");
        double min = num(t, "min_ms");
        assertTrue(min > 0, "positive timings: " + t);
        assertTrue(min <= median && median <= num(t, "p90_ms"), "min <= median <= p90: " + t);
        assertTrue(num(t, "mean_ms") >= min, "mean >= min: " + t);
        // both are rounded to 1e-4: compare within 0.1 %
        double ips = batch * 1000.0 / median;
        assertEquals(ips, num(t, "images_per_s"), 1e-3 * ips + 1e-3, "images/s: " + t);
        assertEquals(runs, ((Number) t.get("runs")).intValue());
        assertEquals(1, ((Number) t.get("warmup_runs")).intValue(), "--warmup 1 --warmup-ms 0: one warm-up run");
    }

    private static void assertOrtAgrees(Map<?, ?> ort) {
        assertEquals("ORT_ENABLE_ALL", ort.get("optimization"));
        double diff = num(ort, "max_abs_diff");
        double tol = num(ort, "tolerance");
        assertTrue(tol >= 1e-5, "tolerance = 1e-4·max|ref| + 1e-5: " + ort);
        assertTrue(diff <= tol, "ONNX Runtime should agree with jprune on ResNet-20: " + ort);
        assertEquals(Boolean.TRUE, ort.get("agrees"));
    }

    @Test
    void bothEnginesBeforeAndAfterPruning(@TempDir Path dir) throws IOException {
        Path report = dir.resolve("bench.json");
        Result r = bench("resnet20", "--ratio", "0.5", "--threads", "1", "--report", report.toString(), "--json");
        String out = r.out();
        for (String row : List.of("jprune  | base", "jprune  | pruned", "ort     | base", "ort     | pruned")) {
            assertTrue(out.contains(row), "table row '" + row + "' in:\n" + out);
        }
        assertTrue(out.contains("engine  | model  |       MACs |     params |  median ms |     p90 ms |  images/s"), out);
        assertTrue(out.contains("speed-up      MACs "), out);
        assertTrue(out.contains("ORT_ENABLE_ALL"), "the ORT optimisation level is stated: " + out);
        assertTrue(out.contains("agrees with jprune"), out);
        assertFalse(out.contains("warning"), out);

        Map<?, ?> j = r.json();
        assertEquals(List.of("model", "input", "config", "base", "pruned", "speed_up"), List.copyOf(j.keySet()));
        assertEquals("resnet20", j.get("model"));
        assertEquals(List.of(1L, 3L, 32L, 32L), j.get("input"));
        Map<?, ?> config = map(j, "config");
        assertEquals(0.5, num(config, "ratio"));
        assertEquals("l2", config.get("importance"));
        assertEquals(1L, config.get("ort_threads"));
        assertEquals("both", config.get("engine"));
        assertEquals(2L, config.get("iters"));
        assertEquals(1L, config.get("warmup"));
        assertEquals(0L, config.get("warmup_ms"));
        assertFalse(config.containsKey("out"), "prune's outputs are not bench's: " + config);

        // the MACs and params are prune's figures for the same options
        Map<?, ?> pruneJson = run("prune", "resnet20", "--input", "1,3,32,32", "--ratio", "0.5", "--json").json();
        Map<?, ?> base = map(j, "base");
        Map<?, ?> pruned = map(j, "pruned");
        assertEquals(pruneJson.get("base_macs"), base.get("macs"));
        assertEquals(pruneJson.get("base_params"), base.get("params"));
        assertEquals(pruneJson.get("macs"), pruned.get("macs"));
        assertEquals(pruneJson.get("params"), pruned.get("params"));
        assertTrue(num(pruned, "macs") < num(base, "macs"), "pruning removes MACs");
        assertTrue(num(pruned, "params") < num(base, "params"), "pruning removes parameters");
        for (Map<?, ?> m : List.of(base, pruned)) {
            assertTiming(map(m, "jprune"), 1, 2);
            assertTiming(map(m, "ort"), 1, 2);
            assertOrtAgrees(map(m, "ort"));
        }
        Map<?, ?> up = map(j, "speed_up");
        assertEquals(num(base, "macs") / num(pruned, "macs"), num(up, "macs"), 1e-4);
        assertEquals(num(map(base, "jprune"), "median_ms") / num(map(pruned, "jprune"), "median_ms"),
                num(up, "jprune"), 1e-3 * num(up, "jprune"));
        assertEquals(num(map(base, "ort"), "median_ms") / num(map(pruned, "ort"), "median_ms"),
                num(up, "ort"), 1e-3 * num(up, "ort"));

        assertEquals(r.lastLine() + "\n", Files.readString(report, StandardCharsets.UTF_8), "report = the --json line");
    }

    @Test
    void engineJpruneHasNoOrtSection() {
        Result r = bench("resnet20", "--ratio", "0.3", "--engine", "jprune", "--json");
        assertFalse(r.out().contains("ort     |"), r.out());
        assertFalse(r.out().contains("ONNX Runtime"), r.out());
        Map<?, ?> j = r.json();
        for (String which : List.of("base", "pruned")) {
            assertFalse(map(j, which).containsKey("ort"), which + ": " + j);
            assertTiming(map(map(j, which), "jprune"), 1, 2);
        }
        assertFalse(map(j, "speed_up").containsKey("ort"));
        assertTrue(map(j, "speed_up").containsKey("jprune"));
        assertFalse(map(j, "config").containsKey("ort_threads"));
    }

    @Test
    void withoutRatioOnlyTheBaseIsMeasured() {
        Result r = bench("resnet20", "--engine", "ort", "--json");
        assertTrue(r.out().contains("ort     | base"), r.out());
        assertFalse(r.out().contains("| pruned"), r.out());
        assertFalse(r.out().contains("jprune  |"), r.out());
        Map<?, ?> j = r.json();
        assertNull(j.get("pruned"));
        assertNull(j.get("speed_up"));
        Map<?, ?> base = map(j, "base");
        assertFalse(base.containsKey("jprune"));
        assertTiming(map(base, "ort"), 1, 2);
        assertOrtAgrees(map(base, "ort"));
        assertEquals(Boolean.FALSE, map(j, "config").get("prune"));
        assertFalse(map(j, "config").containsKey("ratio"), "no pruning settings without --ratio: " + j.get("config"));
    }

    @Test
    void batchRunsTheModelAtThatBatch() {
        Map<?, ?> j = bench("resnet20", "--ratio", "0.5", "--batch", "3", "--json").json();
        assertEquals(List.of(3L, 3L, 32L, 32L), j.get("input"));
        Map<?, ?> one = bench("resnet20", "--ratio", "0.5", "--engine", "jprune", "--json").json();
        for (String which : List.of("base", "pruned")) {
            Map<?, ?> m = map(j, which);
            assertTiming(map(m, "jprune"), 3, 2);
            assertTiming(map(m, "ort"), 3, 2);
            assertOrtAgrees(map(m, "ort"));
            // MACs are per example, whatever the batch
            assertEquals(map(one, which).get("macs"), m.get("macs"));
        }
    }

    @Test
    void replayBenchmarksTheSavedPruning(@TempDir Path dir) {
        Path history = dir.resolve("history.json");
        Map<?, ?> p = run("prune", "resnet20", "--input", "1,3,32,32", "--ratio", "0.4", "--global",
                "--save-history", history.toString(), "--json").json();
        Map<?, ?> j = bench("resnet20", "--replay", history.toString(), "--engine", "jprune", "--json").json();
        assertEquals(p.get("macs"), map(j, "pruned").get("macs"));
        assertEquals(p.get("params"), map(j, "pruned").get("params"));
        assertEquals(history.toString(), map(j, "config").get("replay"));
    }

    @Test
    void onnxFileOnBothEngines(@TempDir Path dir) throws IOException {
        Path f = TinyOnnx.write(dir.resolve("tiny.onnx"), Variant.STATIC);
        Result r = run("bench", f.toString(), "--ratio", "0.5", "--iters", "2", "--warmup", "1", "--warmup-ms", "100",
                "--json");
        assertEquals(0, r.code(), r.err());
        Map<?, ?> j = r.json();
        // a forward pass of this 8x8 model takes microseconds: 100 ms of warm-up is many runs, never above the cap
        for (String engine : List.of("jprune", "ort")) {
            int warm = ((Number) map(map(j, "base"), engine).get("warmup_runs")).intValue();
            assertTrue(warm > 1 && warm <= Latency.MAX_WARMUP_RUNS, engine + " warm-up runs: " + warm);
        }
        assertEquals(TinyOnnx.PARAMS, map(j, "base").get("params"));
        assertTrue(num(map(j, "pruned"), "params") < TinyOnnx.PARAMS);
        assertOrtAgrees(map(map(j, "base"), "ort"));
        assertOrtAgrees(map(map(j, "pruned"), "ort"));
    }

    @Test
    void badOptionValuesAreUsageErrorsNamingTheFlag() {
        expectError(run("bench", "resnet20", "--iters", "0"), 2, "--iters");
        expectError(run("bench", "resnet20", "--iters", "many"), 2, "--iters expects an integer");
        expectError(run("bench", "resnet20", "--warmup", "-1"), 2, "--warmup");
        expectError(run("bench", "resnet20", "--warmup-ms", "-5"), 2, "--warmup-ms");
        expectError(run("bench", "resnet20", "--batch", "0"), 2, "--batch");
        expectError(run("bench", "resnet20", "--batch", "2.5"), 2, "--batch expects an integer");
        expectError(run("bench", "resnet20", "--threads", "0"), 2, "--threads");
        expectError(run("bench", "resnet20", "--engine", "tvm"), 2, "--engine must be one of jprune, ort, both");
        expectError(run("bench", "resnet20", "--iters"), 2, "--iters");
        expectError(run("bench"), 2, "usage: jprune bench");
        expectError(run("bench", "resnet20", "resnet56"), 2, "usage: jprune bench");
    }

    @Test
    void pruneErrorsAreReportedAsPruneReportsThem(@TempDir Path dir) {
        expectError(run("bench", "resnet20", "--ratio", "1.5"), 2, "--ratio must be in [0, 1)");
        expectError(run("bench", "resnet20", "--ratio", "0.5", "--importance", "l3"), 2, "--importance must be one of");
        expectError(run("bench", "resnet20", "--ratio", "0.5", "--importance", "taylor"), 2, "--calib parity:N");
        expectError(run("bench", "resnet20", "--ratio", "0.5", "--ignore", "nolayer", "--input", "1,3,32,32"), 2,
                "--ignore: layer 'nolayer'");
        expectError(run("bench", "resnet20", "--importance", "l1"), 2, "--importance configures pruning");
        expectError(run("bench", "resnet20", "--global"), 2, "--global configures pruning");
        expectError(run("bench", "resnet20", "--ratio", "0.5", "--out", "x.onnx"), 2, "unknown option --out");
        expectError(run("bench", "resnet20", "--ratio", "0.5", "--replay", "h.json"), 2, "cannot be combined");
        expectError(run("bench", "nosuchnet"), 2, "unknown model 'nosuchnet'");
        expectError(run("bench", "resnet20", "--input", "1,3,32"), 2, "--input expects N,C,H,W");
        expectError(run("bench", "resnet20", "--replay", dir.resolve("absent.json").toString()), 3, "absent.json");
        expectError(run("bench", dir.resolve("absent.onnx").toString()), 3, "absent.onnx");
        expectError(run("bench", "resnet20", "--report", dir.resolve("no/such/dir/r.json").toString()), 2,
                "does not exist");
    }

    @Test
    void onnxRuntimeRefusingTheModelIsExit4WithItsMessage() {
        try (OrtSession.SessionOptions so = new OrtSession.SessionOptions()) {
            byte[] notAModel = "not an ONNX model".getBytes(StandardCharsets.UTF_8);
            CliException e = assertThrows(CliException.class, () -> Latency.load(notAModel, null, so, "tiny (base)"));
            assertEquals(CliException.UNSUPPORTED, e.exitCode());
            assertTrue(e.getMessage().startsWith("ONNX Runtime cannot load the exported model of tiny (base): "),
                    e.getMessage());
            assertTrue(e.getMessage().length() > "ONNX Runtime cannot load the exported model of tiny (base): ".length()
                    + 5, "ONNX Runtime's own message follows: " + e.getMessage());
            assertFalse(e.getMessage().contains("\n"), "one line: " + e.getMessage());
        }
    }
}
