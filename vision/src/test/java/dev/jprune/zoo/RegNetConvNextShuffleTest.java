package dev.jprune.zoo;

import dev.jprune.count.OpCounter;
import dev.jprune.depgraph.PruningInvariantTest;
import dev.jprune.exec.Executor;
import dev.jprune.ir.Graph;
import dev.jprune.ir.Node;
import dev.jprune.ir.Parameter;
import dev.jprune.tensor.Shape;
import dev.jprune.tensor.Tensor;
import dev.jprune.testing.Reference;
import dev.jprune.weights.Parity;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * RegNet X/Y, ConvNeXt and ShuffleNetV2 against torchvision 0.14.
 *
 * <ul>
 *   <li>{@code state_dict} keys and shapes, in order: the SHA-256 of the lines {@code "key d0,d1,..."} equals
 *   torchvision's ({@code extra_state_dict_keys.jsonl}, written by {@code make_extra_reference.py}); plus a few names
 *   spelled out per family.</li>
 *   <li>Forward with parity weights on the parity input: the first 8 logits within {@code 1e-4·max|ref| + 1e-6} of
 *   the reference and the logit sum as in {@link ZooReferenceTest}. The reference is Torch-Pruning's record
 *   ({@code torchvision_tp.jsonl}) for RegNet and ConvNeXt, and for ShuffleNet, which Torch-Pruning could not run,
 *   {@code extra_reference.jsonl} made with torchvision by {@code make_extra_reference.py} (no MAC count there).</li>
 *   <li>Other input sizes and class counts build and run; the pruning invariant holds for one model of each
 *   family.</li>
 * </ul>
 * The parameter and MAC counts of RegNet and ConvNeXt are checked by {@link ZooReferenceTest#countsMatchTorchPruning}.
 */
class RegNetConvNextShuffleTest {

    static final List<String> REGNETS = List.of("regnet_x_400mf", "regnet_x_800mf", "regnet_x_1_6gf", "regnet_x_3_2gf",
            "regnet_x_8gf", "regnet_x_16gf", "regnet_x_32gf", "regnet_y_400mf", "regnet_y_800mf", "regnet_y_1_6gf",
            "regnet_y_3_2gf", "regnet_y_8gf", "regnet_y_16gf", "regnet_y_32gf", "regnet_y_128gf");
    static final List<String> CONVNEXTS = List.of("convnext_tiny", "convnext_small", "convnext_base", "convnext_large");
    static final List<String> SHUFFLENETS = List.of("shufflenet_v2_x0_5", "shufflenet_v2_x1_0", "shufflenet_v2_x1_5",
            "shufflenet_v2_x2_0");

    /** One small model per family: their forward passes run in the everyday suite. */
    static final List<String> EVERYDAY = List.of("regnet_x_400mf", "regnet_y_400mf", "convnext_tiny",
            "shufflenet_v2_x0_5");

    /** 645 M parameters: forwarded only in {@link #parityForwardRegNetY128gf}, with the large heap. */
    static final String HUGE = "regnet_y_128gf";

    static Stream<String> allModels() {
        return Stream.of(REGNETS, CONVNEXTS, SHUFFLENETS).flatMap(List::stream);
    }

    static Stream<String> slowForwardModels() {
        return allModels().filter(m -> !EVERYDAY.contains(m) && !m.equals(HUGE));
    }

    // ---- names ---------------------------------------------------------------------------------------------------

    @ParameterizedTest
    @MethodSource("allModels")
    void stateDictKeysAndShapesAreTorchvisions(String model) {
        Graph g = Zoo.build(model);
        Map<String, Object> ref = keyRecord(model);
        assertEquals(((Number) ref.get("entries")).intValue(), g.stateDict().size(), model + " state_dict entries");
        assertEquals(ref.get("sha256"), keyDigest(g), model + ": state_dict keys and shapes differ from torchvision's");
        // building allocates no weights: a 645 M-parameter model is counted and named without its 2.6 GB
        assertTrue(g.stateDict().values().stream().noneMatch(Parameter::allocated), model + " allocated weights");
    }

    @Test
    void regnetNames() {
        Graph y = Zoo.build("regnet_y_400mf");
        List<String> keys = List.copyOf(y.stateDict().keySet());
        assertEquals("stem.0.weight", keys.get(0));
        assertTrue(keys.contains("trunk_output.block1.block1-0.proj.0.weight"));
        assertTrue(keys.contains("trunk_output.block2.block2-2.f.se.fc1.bias"));
        assertTrue(keys.contains("trunk_output.block4.block4-5.f.c.1.num_batches_tracked"));
        assertEquals("fc.bias", keys.get(keys.size() - 1));
        assertNotNull(y.node("trunk_output.block1.block1-0.add"));
        assertNotNull(y.node("trunk_output.block1.block1-0.activation"));
        assertNotNull(y.node("trunk_output.block1.block1-0.f.se.mul"));
        assertNotNull(y.node("trunk_output.block1.block1-0.f.se.scale_activation"));
        assertFalse(y.node("trunk_output.block1.block1-0.f.se.mul").isModuleCall());
        assertEquals(48 / 8, ((dev.jprune.ops.Conv2d) y.requireNode("trunk_output.block1.block1-0.f.b.0").op()).groups());
        Graph x = Zoo.build("regnet_x_400mf");
        assertTrue(x.stateDict().keySet().stream().noneMatch(k -> k.contains(".se.")), "RegNetX has no SE");
        assertNotNull(x.node("trunk_output.block3.block3-6.f.b.0"));
        assertNotNull(x.node("flatten"));
    }

    @Test
    void convnextNames() {
        Graph g = Zoo.build("convnext_tiny");
        List<String> keys = List.copyOf(g.stateDict().keySet());
        assertEquals(List.of("features.0.0.weight", "features.0.0.bias", "features.0.1.weight", "features.0.1.bias",
                "features.1.0.layer_scale", "features.1.0.block.0.weight"), keys.subList(0, 6));
        assertTrue(keys.contains("features.2.0.weight") && keys.contains("features.2.1.weight"));
        assertTrue(keys.contains("features.5.8.block.5.bias"));
        assertEquals(List.of("classifier.0.weight", "classifier.0.bias", "classifier.2.weight", "classifier.2.bias"),
                keys.subList(keys.size() - 4, keys.size()));
        assertEquals("Permute", g.requireNode("features.1.0.block.1").op().type());
        assertEquals("LayerNorm", g.requireNode("features.1.0.block.2").op().type());
        assertEquals("LayerNorm2d", g.requireNode("features.0.1").op().type());
        assertEquals("Parameter", g.requireNode("features.1.0").op().type());
        assertNotNull(g.node("features.1.0.mul"));
        assertNotNull(g.node("features.7.2.add"));
        assertEquals("StochasticDepth", g.requireNode("features.7.2.stochastic_depth").op().type());
        assertEquals("Flatten", g.requireNode("classifier.1").op().type());
    }

    @Test
    void shufflenetNames() {
        Graph g = Zoo.build("shufflenet_v2_x1_0");
        List<String> keys = List.copyOf(g.stateDict().keySet());
        assertEquals("conv1.0.weight", keys.get(0));
        assertTrue(keys.contains("stage2.0.branch1.0.weight"));
        assertTrue(keys.contains("stage3.7.branch2.6.running_var"));
        assertTrue(keys.stream().noneMatch(k -> k.startsWith("stage2.1.branch1")), "stride-1 units have no branch1");
        assertEquals("fc.bias", keys.get(keys.size() - 1));
        assertEquals("Split", g.requireNode("stage2.1.chunk").op().type());
        assertEquals("Concat", g.requireNode("stage2.1.cat").op().type());
        assertEquals("Reshape", g.requireNode("stage2.1.view").op().type());
        assertEquals("Transpose", g.requireNode("stage2.1.transpose").op().type());
        assertEquals("Reshape", g.requireNode("stage2.1.view#1").op().type());
        Node mean = g.requireNode("mean");
        assertFalse(mean.isModuleCall());
        assertEquals(Shape.of(1, 1024), mean.output(0).shape());
    }

    // ---- counts (ShuffleNet: no Torch-Pruning record) --------------------------------------------------------------

    @ParameterizedTest
    @MethodSource("shufflenets")
    void shufflenetParameterCountsMatchTorchvision(String model) {
        Map<String, Object> ref = extraRecord(model);
        Graph g = Zoo.build(model, ZooReferenceTest.inputOf(ref), 1000);
        assertEquals(((Number) ref.get("base_params")).longValue(), OpCounter.count(g).params(), model + " params");
    }

    static Stream<String> shufflenets() {
        return SHUFFLENETS.stream();
    }

    // ---- forward -------------------------------------------------------------------------------------------------

    @ParameterizedTest
    @MethodSource("everyday")
    void parityForwardMatchesTorchvision(String model) {
        checkForward(model);
    }

    static Stream<String> everyday() {
        return EVERYDAY.stream();
    }

    @Tag("slow")
    @ParameterizedTest
    @MethodSource("slowForwardModels")
    void parityForwardMatchesTorchvisionSlow(String model) {
        checkForward(model);
    }

    /** 645 M parameters (2.6 GB of floats): needs the whole-suite heap ({@code -Xmx6g}, the build's default). */
    @Tag("slow")
    @Test
    void parityForwardRegNetY128gf() {
        long need = 5L << 30;
        if (Runtime.getRuntime().maxMemory() < need) {
            String msg = HUGE + " needs a heap of at least 5 GB (run with -Dtest.heap=-Xmx6g), have "
                    + (Runtime.getRuntime().maxMemory() >> 20) + " MB";
            if (System.getenv("CI") != null) {
                throw new AssertionError(msg);
            }
            Assumptions.abort(msg);
        }
        checkForward(HUGE);
    }

    private static void checkForward(String model) {
        Map<String, Object> ref = reference(model);
        Shape input = ZooReferenceTest.inputOf(ref);
        Graph g = Zoo.build(model, input, 1000);
        Parity.fill(g);
        long t0 = System.nanoTime();
        Tensor y = Executor.run(g, Parity.input(input))[0];
        double seconds = (System.nanoTime() - t0) / 1e9;
        double[] shape = Reference.doubles(ref.get("out_shape"));
        assertEquals(Shape.of((int) shape[0], (int) shape[1]), y.shape(), model + " output shape");
        ZooReferenceTest.assertLogits(model, ref, y, String.format("forward %.2f s", seconds));
    }

    // ---- other inputs, pruning invariant --------------------------------------------------------------------------

    @ParameterizedTest
    @ValueSource(strings = {"regnet_y_400mf", "regnet_x_400mf", "convnext_tiny", "shufflenet_v2_x0_5"})
    void otherInputSizesAndClassCountsBuildAndRun(String model) {
        Graph g = Zoo.build(model, Shape.of(2, 3, 64, 80), 10);
        assertEquals(Shape.of(2, 10), g.outputs().get(0).shape());
        Parity.fill(g);
        Tensor y = Executor.run(g, Parity.input(Shape.of(2, 3, 64, 80)))[0];
        assertEquals(Shape.of(2, 10), y.shape());
        for (float v : y.data()) {
            assertTrue(Float.isFinite(v), model + " produced " + v);
        }
        Graph gray = Zoo.build(model, Shape.of(1, 1, 32, 32), 7);
        assertEquals(Shape.of(1, 7), gray.outputs().get(0).shape());
    }

    @Test
    void tooSmallInputsAreNamed() {
        IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> Zoo.build("convnext_tiny", Shape.of(1, 3, 16, 16), 10));
        assertTrue(e.getMessage().contains("layer features."), e.getMessage());
    }

    @Test
    void regnetStagesFollowBlockParams() {
        // torchvision: BlockParams.from_init_params(depth=16, w_0=48, w_a=27.89, w_m=2.09, group_width=8)
        assertEquals(List.of(new RegNet.Stage(48, 1, 8), new RegNet.Stage(104, 3, 8), new RegNet.Stage(208, 6, 8),
                new RegNet.Stage(440, 6, 8)), RegNet.stages(RegNet.Y_400MF));
        assertEquals(List.of(new RegNet.Stage(32, 1, 16), new RegNet.Stage(64, 2, 16), new RegNet.Stage(160, 7, 16),
                new RegNet.Stage(400, 12, 16)), RegNet.stages(RegNet.X_400MF));
        assertEquals(List.of(new RegNet.Stage(528, 2, 264), new RegNet.Stage(1056, 7, 264),
                new RegNet.Stage(2904, 17, 264), new RegNet.Stage(7392, 1, 264)), RegNet.stages(RegNet.Y_128GF));
    }

    @ParameterizedTest
    @ValueSource(strings = {"regnet_y_400mf", "regnet_x_400mf", "shufflenet_v2_x0_5"})
    void pruningInvariant(String model) {
        PruningInvariantTest.check(model, Shape.of(1, 3, 64, 64));
    }

    @Tag("slow")
    @ParameterizedTest
    @ValueSource(strings = {"convnext_tiny"})
    void pruningInvariantSlow(String model) {
        PruningInvariantTest.check(model, Shape.of(1, 3, 64, 64));
    }

    // ---- reference data ------------------------------------------------------------------------------------------

    private static Map<String, Object> reference(String model) {
        if (SHUFFLENETS.contains(model)) {
            return extraRecord(model);
        }
        return Reference.anyWithBase(model)
                .orElseThrow(() -> new AssertionError("no reference record with base figures for " + model));
    }

    private static List<Map<String, Object>> resource(String name) {
        try {
            return Reference.read(Path.of(RegNetConvNextShuffleTest.class.getResource(name).toURI()));
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    private static Optional<Map<String, Object>> find(List<Map<String, Object>> records, String model) {
        return records.stream().filter(r -> model.equals(r.get("model"))).findFirst();
    }

    /** The record of {@code extra_reference.jsonl} (torchvision's own figures, for ShuffleNet). */
    static Map<String, Object> extraRecord(String model) {
        return find(resource("extra_reference.jsonl"), model)
                .orElseThrow(() -> new AssertionError("no record for " + model + " in extra_reference.jsonl"));
    }

    private static Map<String, Object> keyRecord(String model) {
        return find(resource("extra_state_dict_keys.jsonl"), model)
                .orElseThrow(() -> new AssertionError("no record for " + model + " in extra_state_dict_keys.jsonl"));
    }

    /** SHA-256 (hex) of the lines {@code "key d0,d1,...\n"} of the state_dict, in order (scalars: empty shape). */
    static String keyDigest(Graph g) {
        StringBuilder sb = new StringBuilder();
        for (Map.Entry<String, Parameter> e : g.stateDict().entrySet()) {
            int[] d = e.getValue().shape().dims();
            sb.append(e.getKey()).append(' ')
                    .append(IntStream.of(d).mapToObj(Integer::toString).collect(Collectors.joining(","))).append('\n');
        }
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                    .digest(sb.toString().getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
