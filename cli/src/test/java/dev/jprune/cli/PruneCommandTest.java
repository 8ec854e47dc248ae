package dev.jprune.cli;

import dev.jprune.cli.CliRun.Result;
import dev.jprune.exec.Executor;
import dev.jprune.io.onnx.OnnxImporter;
import dev.jprune.io.onnx.OnnxImporter.FillMissing;
import dev.jprune.io.onnx.OnnxModelFile;
import dev.jprune.io.onnx.OnnxNode;
import dev.jprune.ir.Graph;
import dev.jprune.tensor.Shape;
import dev.jprune.weights.Parity;
import dev.jprune.internal.Json;
import dev.jprune.testing.Reference;
import dev.jprune.testing.Tolerance;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static dev.jprune.cli.CliRun.run;
import static dev.jprune.cli.CliRun.expectError;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code jprune prune} through the CLI entry point: Torch-Pruning's quickstart figures, CLI.md's report (file and
 * {@code --json} line), Torch-Pruning's reference records for ResNet-18 reproduced through the options, history save
 * and replay, and every error path with its exit code. Runs that only exercise plumbing use a 64×64 input; the
 * figures compared with Torch-Pruning need its 224×224.
 */
class PruneCommandTest {

    /** A small input for runs whose figures do not matter. */
    private static final String SMALL = "1,3,64,64";

    private static Result prune(String... args) {
        return CliRun.ok("prune", args);
    }

    private static long number(Map<?, ?> j, String key) {
        return ((Number) j.get(key)).longValue();
    }

    @Test
    void torchPruningQuickstartFigures() {
        // ResNet-18, group L2, local, half the channels, round_to 8: the sizes do not depend on the weights
        Result r = prune("resnet18", "--ratio", "0.5", "--round-to", "8", "--json");
        Map<?, ?> j = r.json();
        assertEquals(1_822_177_768L, number(j, "base_macs"));
        assertEquals(487_202_536L, number(j, "macs"));
        assertEquals(11_689_512L, number(j, "base_params"));
        assertEquals(3_055_880L, number(j, "params"));
        assertEquals(List.of(1L, 1000L), j.get("output_shape"));
        assertTrue(r.out().contains("macs          1,822,177,768 -> 487,202,536"), r.out());
        assertTrue(r.out().contains("speed-up      3.74x"), r.out());
    }

    @Test
    void reportFileEqualsTheJsonLineAndListsEveryLayer(@TempDir Path dir) throws IOException {
        Path report = dir.resolve("report.json");
        Result r = prune("resnet18", "--input", SMALL, "--ratio", "0.5", "--report", report.toString(), "--json");
        String file = Files.readString(report, StandardCharsets.UTF_8);
        assertTrue(file.endsWith("\n"), "the report ends with a newline");
        assertEquals(r.lastLine(), file.strip());
        assertEquals(List.of(report), listing(dir), "only the report is left in its folder");

        Map<?, ?> j = r.json();
        assertEquals(List.of("model", "input", "config", "base_params", "base_macs", "params", "macs", "output_shape",
                "output_head", "layers"), List.copyOf(j.keySet()));
        assertEquals("resnet18", j.get("model"));
        assertEquals(List.of(1L, 3L, 64L, 64L), j.get("input"));
        assertEquals(8, ((List<?>) j.get("output_head")).size());
        Map<?, ?> config = (Map<?, ?>) j.get("config");
        assertEquals("l2", config.get("importance"));
        assertEquals(2.0, config.get("p"));
        assertEquals("mean", config.get("reduction"));
        assertEquals("mean", config.get("normalizer"));
        assertEquals("base", config.get("pruner"));
        assertEquals(0.5, config.get("ratio"));
        assertEquals(false, config.get("global"));
        assertNull(config.get("round_to"));
        assertEquals(1L, config.get("steps"));
        assertEquals(1.0, config.get("max_ratio"));
        assertEquals(true, config.get("default_ignore"));
        assertEquals("dims", config.get("heads"));
        assertEquals(0.5, config.get("head_ratio"));
        assertEquals("none", config.get("weights"));

        Map<?, ?> layers = (Map<?, ?>) j.get("layers");
        assertEquals(41, layers.size(), "ResNet-18 has 20 convolutions, 20 BatchNorms and fc");
        assertEquals(layer("Conv2d", 64, 64, 32, 32), sizes(layers.get("layer1.0.conv1")));
        assertEquals(layer("BatchNorm2d", 64, 64, 32, 32), sizes(layers.get("bn1")));
        assertEquals(layer("Conv2d", 3, 64, 3, 32), sizes(layers.get("conv1")));
        assertEquals(layer("Linear", 512, 1000, 256, 1000), sizes(layers.get("fc")), "the classifier keeps its outputs");
        assertTrue(r.out().contains("layer1.0.conv1"), r.out());
    }

    @Test
    void everyOptionIsResolvedInTheConfig() {
        Result r = prune("resnet18", "--input", SMALL, "--ratio", "0.5", "--importance", "lamp", "--reduction", "max",
                "--global", "--round-to", "4", "--steps", "2", "--max-ratio", "0.9", "--ratio-for", "layer1=0.2",
                "--ratio-for", "layer2.0.conv1, layer2.1.conv1=0.3", "--ignore", "layer4", "--heads", "whole",
                "--head-ratio", "0.25", "--pruner", "growing-reg", "--seed", "3", "--json");
        Map<?, ?> j = r.json();
        Map<?, ?> c = (Map<?, ?>) j.get("config");
        assertEquals("lamp", c.get("importance"));
        assertEquals(2.0, c.get("p"));
        assertEquals("max", c.get("reduction"));
        assertEquals("lamp", c.get("normalizer"));
        assertEquals("growing-reg", c.get("pruner"));
        assertEquals(true, c.get("global"));
        assertEquals(4L, c.get("round_to"));
        assertEquals(2L, c.get("steps"));
        assertEquals(0.9, c.get("max_ratio"));
        assertEquals(List.of(Map.of("layers", List.of("layer1"), "ratio", 0.2),
                Map.of("layers", List.of("layer2.0.conv1", "layer2.1.conv1"), "ratio", 0.3)), c.get("ratio_for"));
        assertEquals(List.of("layer4"), c.get("ignore"));
        assertEquals("whole", c.get("heads"));
        assertEquals(0.25, c.get("head_ratio"));
        assertEquals(3L, c.get("seed"));
        assertNull(c.get("calib"));
        Map<?, ?> layers = (Map<?, ?>) j.get("layers");
        for (String ignored : List.of("layer4.0.conv1", "layer4.1.conv2", "layer4.0.downsample.0")) {
            Map<?, ?> l = (Map<?, ?>) layers.get(ignored);
            assertEquals(((Map<?, ?>) l.get("before")).get("out"), ((Map<?, ?>) l.get("after")).get("out"), ignored);
        }
        assertTrue(r.out().contains("pruning       lamp (p 2, reduction max, normalizer lamp), pruner growing-reg,"
                + " ratio 0.5 global, round to 4, 2 steps, max ratio 0.9, layer1=0.2,"
                + " layer2.0.conv1,layer2.1.conv1=0.3"), r.out());
        assertTrue(r.out().contains("parameter layers changed (the others are as before; the report lists all)"), r.out());
    }

    private static Map<String, Object> layer(String type, long in, long out, long inAfter, long outAfter) {
        return Map.of("type", type, "before", Map.of("in", in, "out", out), "after", Map.of("in", inAfter, "out", outAfter));
    }

    /** CLI.md's keys of a {@code layers} entry ({@code type}, {@code before}, {@code after}), without the counts. */
    private static Map<?, ?> sizes(Object entry) {
        Map<?, ?> m = (Map<?, ?>) entry;
        return Map.of("type", m.get("type"), "before", m.get("before"), "after", m.get("after"));
    }

    private static List<Path> listing(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.sorted().toList();
        }
    }

    // ------------------------------------------------------------------ Torch-Pruning's reference records

    @Test
    void taylorWithCalibrationMatchesTorchPruning() {
        checkReference(Reference.find("resnet18", "local_taylor").orElseThrow(),
                "--importance", "taylor", "--tp-compat", "--calib", "parity:2");
    }

    @Test
    void globalL2MatchesTorchPruning() {
        checkReference(Reference.find("resnet18", "global_l2").orElseThrow(), "--global");
    }

    /** The options that reproduce each ResNet-18 record (the reference README's settings). */
    private static final Map<String, List<String>> OPTIONS = Map.ofEntries(
            Map.entry("local_l1_groupnorm", List.of("--pruner", "group-norm", "--importance", "l1")),
            Map.entry("local_l2_round8", List.of("--round-to", "8")),
            Map.entry("global_lamp", List.of("--importance", "lamp", "--global")),
            Map.entry("local_fpgm", List.of("--importance", "fpgm")),
            Map.entry("global_bn_scale", List.of("--importance", "bn", "--global")),
            Map.entry("local_hessian", List.of("--importance", "hessian", "--calib", "parity:2")),
            Map.entry("global_l2_iterative5", List.of("--global", "--steps", "5")),
            Map.entry("global_l2_isomorphic", List.of("--global", "--isomorphic")),
            Map.entry("global_l2_max08", List.of("--global", "--ratio", "0.7", "--max-ratio", "0.8")),
            Map.entry("global_l1_sum_max", List.of("--importance", "l1", "--reduction", "sum", "--normalizer", "max",
                    "--global")),
            Map.entry("local_l2_first_none", List.of("--reduction", "first", "--normalizer", "none")),
            Map.entry("local_ratio_dict", List.of("--ratio-for", "layer1=0.2", "--ratio-for", "layer2,layer3=0.6")));

    static Stream<String> otherConfigs() {
        List<String> configs = new ArrayList<>();
        List<Map<String, Object>> all = new ArrayList<>(Reference.records());
        all.addAll(Reference.optionRecords());
        for (Map<String, Object> r : all) {
            String config = (String) r.get("config");
            if ("resnet18".equals(r.get("model")) && "ok".equals(r.get("status"))
                    && !config.equals("local_taylor") && !config.equals("global_l2")) {
                configs.add(config);
            }
        }
        return configs.stream();
    }

    /** Every other ResNet-18 record (Torch-Pruning's main and option references) through the CLI's options. */
    @Tag("slow")
    @ParameterizedTest(name = "{0}")
    @MethodSource("otherConfigs")
    void everyResNet18RecordThroughTheOptions(String config) {
        Map<String, Object> record = Reference.optionRecords().stream().filter(r -> isResNet18(r, config)).findFirst()
                .orElseGet(() -> Reference.find("resnet18", config).orElseThrow());
        List<String> options = OPTIONS.get(config);
        assertTrue(options != null, "no CLI options for reference config " + config);
        checkReference(record, options.toArray(new String[0]));
    }

    private static boolean isResNet18(Map<String, Object> r, String config) {
        return "resnet18".equals(r.get("model")) && config.equals(r.get("config"));
    }

    /**
     * Runs {@code prune resnet18 --weights parity --ratio 0.5 --tp-compat OPTIONS --json} (a later {@code --ratio}
     * wins) and requires the record's params, MACs, every Conv2d/Linear/BatchNorm size and its first 8 outputs within
     * {@code 1e-3 · max|ref| + 1e-6}.
     */
    private static void checkReference(Map<String, Object> record, String... options) {
        List<String> args = new ArrayList<>(List.of("resnet18", "--weights", "parity", "--ratio", "0.5", "--json"));
        args.addAll(Arrays.asList(options));
        if (!args.contains("--tp-compat")) {
            args.add("--tp-compat");
        }
        Map<?, ?> j = prune(args.toArray(new String[0])).json();
        String what = record.get("config") + " " + args;
        assertEquals(number(record, "base_params"), number(j, "base_params"), what);
        assertEquals(number(record, "base_macs"), number(j, "base_macs"), what);
        assertEquals(number(record, "params"), number(j, "params"), what);
        assertEquals(number(record, "macs"), number(j, "macs"), what);
        Map<?, ?> layers = (Map<?, ?>) j.get("layers");
        @SuppressWarnings("unchecked")
        Map<String, List<List<Object>>> refLayers = (Map<String, List<List<Object>>>) record.get("layers");
        for (Map.Entry<String, List<List<Object>>> e : refLayers.entrySet()) {
            List<Object> ref = e.getValue().get(1);
            Map<?, ?> after = (Map<?, ?>) ((Map<?, ?>) layers.get(e.getKey())).get("after");
            long in = ((Number) ref.get(1)).longValue();
            long out = ref.size() > 2 ? ((Number) ref.get(2)).longValue() : in; // BatchNorm: features
            assertEquals(List.of(in, out), List.of(after.get("in"), after.get("out")), what + " " + e.getKey());
        }
        Tolerance.assertClose(Reference.doubles(record.get("out_head")), Reference.doubles(j.get("output_head")),
                1e-3, 1e-6, what + " output_head");
    }

    // ------------------------------------------------------------------ history

    @Test
    void savedHistoryReplaysOnAFreshModel(@TempDir Path dir) throws IOException {
        Path history = dir.resolve("history.json");
        Map<?, ?> pruned = prune("resnet18", "--input", SMALL, "--ratio", "0.4", "--global", "--save-history",
                history.toString(), "--json").json();
        Map<?, ?> doc = (Map<?, ?>) Json.parse(Files.readString(history));
        assertEquals("jprune-pruning-history", doc.get("format"));
        assertFalse(((List<?>) doc.get("history")).isEmpty());

        Result replay = prune("resnet18", "--input", SMALL, "--replay", history.toString(), "--json");
        Map<?, ?> replayed = replay.json();
        for (String key : List.of("base_params", "base_macs", "params", "macs", "output_shape", "output_head", "layers")) {
            assertEquals(pruned.get(key), replayed.get(key), key);
        }
        Map<String, Object> config = new java.util.LinkedHashMap<>();
        config.put("weights", "none");
        config.put("seed", 0L);
        config.put("save_weights", null);
        config.put("out", null);
        config.put("fold_bn", false);
        config.put("opset", null);
        config.put("replay", history.toString());
        assertEquals(config, replayed.get("config"));
        assertTrue(replay.out().contains("replay " + history), replay.out());
    }

    @Test
    void attentionHeadsArePrunedAsDimsByDefaultOrWhole() {
        String input = "1,3,64,64";
        String mha = "encoder.layers.encoder_layer_0.self_attention";
        Map<?, ?> dims = prune("vit_b_32", "--input", input, "--ratio", "0.5", "--json").json();
        Map<?, ?> whole = prune("vit_b_32", "--input", input, "--ratio", "0.5", "--heads", "whole", "--head-ratio",
                "0.25", "--json").json();
        Map<?, ?> dimsLayer = (Map<?, ?>) ((Map<?, ?>) dims.get("layers")).get(mha);
        Map<?, ?> wholeLayer = (Map<?, ?>) ((Map<?, ?>) whole.get("layers")).get(mha);
        assertEquals("MultiheadAttention", dimsLayer.get("type"));
        long before = number((Map<?, ?>) dimsLayer.get("before"), "out");
        assertEquals(768L, before);
        // dims: half the hidden positions in every head (12 heads of 32); whole: 3 of 12 heads go (9 heads of 64)
        assertEquals(384L, number((Map<?, ?>) dimsLayer.get("after"), "out"));
        assertEquals(576L, number((Map<?, ?>) wholeLayer.get("after"), "out"));
        assertEquals("whole", ((Map<?, ?>) whole.get("config")).get("heads"));
    }

    @Test
    void prunedWeightsSavedAsSafetensorsReloadAfterTheHistory(@TempDir Path dir) throws IOException {
        Path history = dir.resolve("history.json");
        Path weights = dir.resolve("pruned.safetensors");
        Map<?, ?> pruned = prune("resnet18", "--input", SMALL, "--weights", "parity", "--ratio", "0.3",
                "--save-history", history.toString(), "--save-weights", weights.toString(), "--json").json();
        assertTrue(Files.size(weights) > 0);
        // a fresh model: the history gives it the pruned shapes, then the file gives it the pruned weights
        Map<?, ?> reloaded = prune("resnet18", "--input", SMALL, "--replay", history.toString(), "--weights",
                weights.toString(), "--json").json();
        for (String key : List.of("params", "macs", "output_shape", "output_head", "layers")) {
            assertEquals(pruned.get(key), reloaded.get(key), key);
        }
        // without the history the file does not fit the unpruned model: exit 3 naming a mis-shaped key
        Result r = run("prune", "resnet18", "--input", SMALL, "--ratio", "0.3", "--weights", weights.toString());
        expectError(r, 3, "pruned.safetensors");
        assertTrue(r.err().contains(".weight"), r.err());
        expectError(run("prune", "resnet18", "--input", SMALL, "--ratio", "0.3", "--weights",
                dir.resolve("absent.pth").toString()), 3, "absent.pth");
    }

    // ------------------------------------------------------------------ errors

    @Test
    void badOptionValuesAreUsageErrors() {
        expectError(run("prune", "resnet18", "--input", SMALL, "--ratio", "1.0"), 2, "--ratio must be in [0, 1), got 1.0");
        expectError(run("prune", "resnet18", "--input", SMALL, "--ratio", "-0.1"), 2, "--ratio must be in [0, 1)");
        expectError(run("prune", "resnet18", "--input", SMALL, "--ratio", "half"), 2, "--ratio expects a number");
        expectError(run("prune", "resnet18", "--input", SMALL), 2, "--ratio R is required");
        expectError(run("prune", "resnet18", "--ratio", "0.5", "--importance", "l3"), 2,
                "--importance must be one of l1, l2, bn, lamp, fpgm, taylor, hessian, random; got 'l3'");
        expectError(run("prune", "resnet18", "--ratio", "0.5", "--pruner", "magic"), 2, "--pruner must be one of");
        expectError(run("prune", "resnet18", "--ratio", "0.5", "--reduction", "median"), 2, "--reduction must be one of");
        expectError(run("prune", "resnet18", "--ratio", "0.5", "--normalizer", "z"), 2, "--normalizer must be one of");
        expectError(run("prune", "resnet18", "--ratio", "0.5", "--importance", "taylor"), 2, "--calib parity:N");
        expectError(run("prune", "resnet18", "--ratio", "0.5", "--importance", "hessian"), 2, "--calib parity:N");
        expectError(run("prune", "resnet18", "--ratio", "0.5", "--calib", "parity:2"), 2,
                "--calib is only used by taylor and hessian");
        // --calib DIR[:N] names a dataset folder (DataOptionsTest covers it): a missing one is exit 3
        expectError(run("prune", "resnet18", "--ratio", "0.5", "--importance", "taylor", "--calib", "imagenet:8"), 3,
                "imagenet");
        expectError(run("prune", "resnet18", "--ratio", "0.5", "--importance", "taylor", "--calib", "parity:0"), 2,
                "--calib expects");
        expectError(run("prune", "resnet18", "--ratio", "0.5", "--importance", "bn", "--p", "2"), 2,
                "--p applies to --importance l1, l2, lamp and fpgm");
        expectError(run("prune", "resnet18", "--ratio", "0.5", "--importance", "lamp", "--normalizer", "max"), 2,
                "always uses the lamp normalizer");
        expectError(run("prune", "resnet18", "--ratio", "0.5", "--round-to", "0"), 2, "--round-to must be a positive");
        // resnet20's widest layer has 64 channels: a multiple of 64 cannot be kept while removing any
        expectError(run("prune", "resnet20", "--ratio", "0.5", "--round-to", "64"), 4,
                "--round-to 64 cannot be met by resnet20: keeping a multiple of 64 channels while removing some needs a"
                        + " layer of at least 128 output channels, and the widest has 64");
        assertEquals(0, run("prune", "resnet20", "--ratio", "0.5", "--round-to", "32").code(), "64 >= 2 x 32 is possible");
        expectError(run("prune", "resnet18", "--ratio", "0.5", "--steps", "0"), 2, "--steps must be");
        expectError(run("prune", "resnet18", "--ratio", "0.5", "--max-ratio", "1.5"), 2, "--max-ratio must be in (0, 1]");
        expectError(run("prune", "resnet18", "--ratio", "0.5", "--heads", "some"), 2, "--heads must be whole or dims");
        expectError(run("prune", "resnet18", "--ratio", "0.5", "--head-ratio", "1"), 2, "--head-ratio must be in [0, 1)");
        expectError(run("prune", "resnet18", "--ratio", "0.5", "--frobnicate"), 2, "unknown option --frobnicate");
        expectError(run("prune", "resnet18", "--ratio", "0.5", "--replay", "h.json"), 2,
                "--ratio cannot be combined with it");
    }

    @Test
    void malformedRatioForIsAUsageError() {
        for (String spec : List.of("layer1", "layer1=", "=0.3", "layer1=0.3x", "layer1,,layer2=0.3", "layer1=1.2")) {
            expectError(run("prune", "resnet18", "--ratio", "0.5", "--ratio-for", spec), 2,
                    "--ratio-for expects LAYER[,LAYER...]=R");
        }
    }

    @Test
    void unknownLayersAreUsageErrorsNamingThem() {
        expectError(run("prune", "resnet18", "--input", SMALL, "--ratio", "0.5", "--ignore", "nosuchlayer"), 2,
                "--ignore: layer 'nosuchlayer' is not in resnet18");
        expectError(run("prune", "resnet18", "--input", SMALL, "--ratio", "0.5", "--ignore", "layer1.0.conv"), 2,
                "did you mean layer1.0.conv1");
        expectError(run("prune", "resnet18", "--input", SMALL, "--ratio", "0.5", "--ratio-for", "layer1,layer9=0.3"), 2,
                "--ratio-for: layer 'layer9' is not in resnet18");
    }

    @Test
    void badHistoryFilesExitWith3NamingTheFile(@TempDir Path dir) throws IOException {
        Path missing = dir.resolve("missing.json");
        expectError(run("prune", "resnet18", "--input", SMALL, "--replay", missing.toString()), 3,
                "history file " + missing + " does not exist");
        Path malformed = Files.writeString(dir.resolve("malformed.json"), "{\"format\": \"jprune-pruning-history\", ");
        expectError(run("prune", "resnet18", "--input", SMALL, "--replay", malformed.toString()), 3, malformed.toString());
        Path other = Files.writeString(dir.resolve("other.json"),
                "{\"format\": \"jprune-pruning-history\", \"version\": 1, \"history\": [[\"features.0\", true, [0, 1]]]}");
        expectError(run("prune", "resnet18", "--input", SMALL, "--replay", other.toString()), 3,
                "history file " + other + " does not fit resnet18");
    }

    /**
     * {@code --out} writes the pruned zoo model as ONNX with torchvision's names and the pruned sizes; it imports again
     * with the reported output. {@code --fold-bn} writes no BatchNormalization and the same function.
     */
    @Test
    void outWritesThePrunedZooModelAsOnnx(@TempDir Path dir) throws IOException {
        Path onnx = dir.resolve("pruned.onnx");
        Result r = run("prune", "resnet18", "--input", SMALL, "--weights", "parity", "--ratio", "0.5", "--round-to", "8",
                "--out", onnx.toString(), "--json");
        assertEquals(0, r.code(), r.err());
        Map<?, ?> j = r.json();
        assertTrue(r.out().contains("onnx          " + onnx), r.out());
        OnnxModelFile written = OnnxModelFile.read(onnx);
        assertArrayEquals(new long[] {32, 3, 7, 7}, written.initializer("conv1.weight").dims());
        assertArrayEquals(new long[] {32}, written.initializer("bn1.running_var").dims());
        assertArrayEquals(new long[] {1000, 256}, written.initializer("fc.weight").dims());
        Shape in = Shape.of(1, 3, 64, 64);
        Graph g = OnnxImporter.importModel(onnx, FillMissing.NONE, in);
        assertEquals(j.get("params"), g.parameterCount());
        assertHead(j, Executor.run(g, Parity.input(in))[0].data(), "the written model");

        Path folded = dir.resolve("folded.onnx");
        Result f = run("prune", "resnet18", "--input", SMALL, "--weights", "parity", "--ratio", "0.5", "--round-to", "8",
                "--out", folded.toString(), "--fold-bn", "--json");
        assertEquals(0, f.code(), f.err());
        assertTrue(f.out().contains("BatchNorm folded"), f.out());
        OnnxModelFile fm = OnnxModelFile.read(folded);
        for (OnnxNode n : fm.nodes()) {
            assertTrue(!n.opType().equals("BatchNormalization"), "folded model holds " + n);
        }
        Graph fg = OnnxImporter.importModel(folded, FillMissing.NONE, in);
        assertTrue(fg.parameterCount() < g.parameterCount(), fg.parameterCount() + " vs " + g.parameterCount());
        assertHead(j, Executor.run(fg, Parity.input(in))[0].data(), "the BN-folded model");
        assertEquals(List.of(dir.resolve("folded.onnx"), dir.resolve("pruned.onnx")), listing(dir));
    }

    /** The report's output head against a forward pass of a written model (1e-4 relative to the largest, + 1e-6). */
    private static void assertHead(Map<?, ?> report, float[] y, String what) {
        List<?> head = (List<?>) report.get("output_head");
        double max = 0;
        for (Object o : head) {
            max = Math.max(max, Math.abs(((Number) o).doubleValue()));
        }
        for (int i = 0; i < head.size(); i++) {
            assertEquals(((Number) head.get(i)).doubleValue(), y[i], 1e-4 * max + 1e-6, what + ", output " + i);
        }
    }

    @Test
    void failedRunsLeaveNoReportBehind(@TempDir Path dir) throws IOException {
        Path report = dir.resolve("report.json");
        expectError(run("prune", "resnet18", "--input", SMALL, "--ratio", "0.5", "--ignore", "nosuchlayer",
                "--report", report.toString()), 2, "nosuchlayer");
        Path bad = Files.writeString(dir.resolve("bad.json"), "[[\"conv1\", true, [0, 99]]]");
        expectError(run("prune", "resnet18", "--input", SMALL, "--replay", bad.toString(), "--report",
                report.toString()), 3, bad.toString());
        assertEquals(List.of(bad), listing(dir), "no report and no temporary file");
        // a folder that does not exist is a bad option value, found before any work
        Path nowhere = dir.resolve("no-such-folder").resolve("report.json");
        expectError(run("prune", "resnet18", "--ratio", "0.5", "--report", nowhere.toString()), 2,
                "folder " + nowhere.getParent() + " does not exist");
        expectError(run("prune", "resnet18", "--ratio", "0.5", "--save-history", nowhere.toString()), 2,
                "--save-history");
        assertEquals(List.of(bad), listing(dir));
    }

    @Test
    void verboseAddsTheStackTrace() {
        Result r = run("prune", "resnet18", "--ratio", "1.0", "--verbose");
        assertEquals(2, r.code());
        assertTrue(r.err().contains("\tat "), r.err());
    }

    @Test
    void helpListsPrune() {
        Result r = run("--help");
        assertEquals(0, r.code());
        assertTrue(r.out().contains("jprune prune MODEL --ratio R"), r.out());
    }
}
