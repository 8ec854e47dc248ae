package dev.jprune.zoo;

import dev.jprune.exec.Executor;
import dev.jprune.ir.Graph;
import dev.jprune.tensor.Shape;
import dev.jprune.tensor.Tensor;
import dev.jprune.testing.Reference;
import dev.jprune.weights.Parity;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The zoo's transformers against torchvision: vision transformers (ViT) against Torch-Pruning's reference
 * ({@code shared/reference/torchvision_tp.jsonl}, whose ViT records have parameters and logits but no MACs), the
 * others (Swin, Swin V2, MaxViT), for which Torch-Pruning has no record, against {@code
 * extra_reference_transformers.jsonl} made from torchvision by {@code make_extra_reference_transformers.py} (both
 * beside this class's resources), which also fixes the {@code state_dict} keys and their order by a digest. With
 * parity weights on the parity input the first 8 logits must match the reference within
 * {@code 1e-4 · max|ref| + 1e-6} and the logit sum within {@code 1e-4 · max|logit| · 1000 + 1e-6}, as in
 * {@link ZooReferenceTest}. The pruning invariant is {@link TransformerInvariant}'s.
 */
class TransformerTest {

    @Test
    void vitHasTorchvisionStateDictNames() {
        Graph g = Zoo.build("vit_b_16");
        List<String> keys = List.copyOf(g.stateDict().keySet());
        assertEquals(List.of("class_token", "conv_proj.weight", "conv_proj.bias", "encoder.pos_embedding",
                "encoder.layers.encoder_layer_0.ln_1.weight", "encoder.layers.encoder_layer_0.ln_1.bias",
                "encoder.layers.encoder_layer_0.self_attention.in_proj_weight",
                "encoder.layers.encoder_layer_0.self_attention.in_proj_bias",
                "encoder.layers.encoder_layer_0.self_attention.out_proj.weight",
                "encoder.layers.encoder_layer_0.self_attention.out_proj.bias",
                "encoder.layers.encoder_layer_0.ln_2.weight", "encoder.layers.encoder_layer_0.ln_2.bias",
                "encoder.layers.encoder_layer_0.mlp.0.weight", "encoder.layers.encoder_layer_0.mlp.0.bias",
                "encoder.layers.encoder_layer_0.mlp.3.weight", "encoder.layers.encoder_layer_0.mlp.3.bias"),
                keys.subList(0, 16));
        assertEquals(List.of("encoder.ln.weight", "encoder.ln.bias", "heads.head.weight", "heads.head.bias"),
                keys.subList(keys.size() - 4, keys.size()));
        // torchvision's vit_b_16 state_dict: 4 + 12 layers × 12 + 4 entries
        assertEquals(152, keys.size());
        assertEquals(Shape.of(1, 197, 768), g.stateDict().get("encoder.pos_embedding").value().shape());
        assertNotNull(g.node("encoder.layers.encoder_layer_11.add#1"));
        assertNotNull(g.node("encoder.layers.encoder_layer_0.mlp.1"));
        assertTrue(!g.node("class_token").isModuleCall());
    }

    @Test
    void vitBuildsForOtherInputsAndClassCounts() {
        Graph g = Zoo.build("vit_b_32", Shape.of(2, 3, 64, 96), 10);
        assertEquals(Shape.of(2, 10), g.outputs().get(0).shape());
        assertEquals(Shape.of(1, 2 * 3 + 1, 768), g.stateDict().get("encoder.pos_embedding").value().shape());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Zoo.build("vit_b_16", Shape.of(1, 3, 100, 100), 10));
        assertTrue(e.getMessage().contains("vit_b_16") && e.getMessage().contains("16"), e.getMessage());
    }

    @Test
    void swinHasTorchvisionStateDictNames() {
        Graph g = Zoo.build("swin_t");
        List<String> keys = List.copyOf(g.stateDict().keySet());
        assertEquals(List.of("features.0.0.weight", "features.0.0.bias", "features.0.2.weight", "features.0.2.bias",
                "features.1.0.norm1.weight", "features.1.0.norm1.bias",
                "features.1.0.attn.relative_position_bias_table", "features.1.0.attn.relative_position_index",
                "features.1.0.attn.qkv.weight", "features.1.0.attn.qkv.bias", "features.1.0.attn.proj.weight",
                "features.1.0.attn.proj.bias"), keys.subList(0, 12));
        assertEquals(List.of("features.2.reduction.weight", "features.2.norm.weight", "features.2.norm.bias"),
                keys.subList(32, 35));
        assertEquals("head.bias", keys.get(keys.size() - 1));
        assertEquals(185, keys.size());
        // the fixed index: token 0 against token 48 of a 7×7 window is offset (−6, −6), entry 0 of the 13×13 table
        float[] index = g.stateDict().get("features.1.0.attn.relative_position_index").value().data();
        assertEquals(2401, index.length);
        assertEquals(84f, index[0]);
        assertEquals(0f, index[48]);
        assertNotNull(g.node("features.1.1.attn.roll"));
        assertNotNull(g.node("features.1.1.attn.roll#1"));
        assertNull(g.node("features.1.0.attn.roll"), "even blocks do not shift");
        assertNotNull(g.node("features.1.0.stochastic_depth#1"));
    }

    @Test
    void swinBuildsForOtherInputsAndClassCounts() {
        // 100×72: feature maps 25×18, 13×9, 7×5, 4×3 need padding to whole windows and odd-size patch merging
        Graph g = Zoo.build("swin_t", Shape.of(2, 3, 100, 72), 10);
        assertEquals(Shape.of(2, 10), g.outputs().get(0).shape());
        assertNotNull(g.node("features.1.0.attn.pad"));
        assertNotNull(g.node("features.4.pad"));
        Graph v2 = Zoo.build("swin_v2_t", Shape.of(1, 3, 64, 64), 7);
        assertEquals(Shape.of(1, 7), v2.outputs().get(0).shape());
    }

    @Test
    void swinV2HasTorchvisionStateDictNames() {
        Graph g = Zoo.build("swin_v2_t");
        List<String> keys = List.copyOf(g.stateDict().keySet());
        // registration order, not call order: norm1 before attn, proj before cpb_mlp, reduction before norm
        assertEquals(List.of("features.1.0.norm1.weight", "features.1.0.norm1.bias", "features.1.0.attn.logit_scale",
                "features.1.0.attn.relative_coords_table", "features.1.0.attn.relative_position_index",
                "features.1.0.attn.qkv.weight", "features.1.0.attn.qkv.bias", "features.1.0.attn.proj.weight",
                "features.1.0.attn.proj.bias", "features.1.0.attn.cpb_mlp.0.weight", "features.1.0.attn.cpb_mlp.0.bias",
                "features.1.0.attn.cpb_mlp.2.weight", "features.1.0.norm2.weight", "features.1.0.norm2.bias"),
                keys.subList(4, 18));
        assertEquals(233, keys.size());
        assertEquals(Shape.of(3, 1, 1), g.stateDict().get("features.1.0.attn.logit_scale").value().shape());
        // relative_coords_table as torchvision builds it: offset −7 of a window of 8 maps to −log2(9)/3
        float[] coords = g.stateDict().get("features.1.0.attn.relative_coords_table").value().data();
        assertEquals(-Math.log(9) / Math.log(2) / 3, coords[0], 1e-6);
        assertEquals(0f, coords[(7 * 15 + 7) * 2]);
        // 28×28 and 14×14 maps are padded to windows of 8; the 7×7 map fits one window and is not shifted
        assertNotNull(g.node("features.3.1.attn.pad"));
        assertNull(g.node("features.7.1.attn.roll"));
        assertTrue(g.node("features.1.0.attn.normalize") != null && g.node("features.1.0.attn.normalize#1") != null);
    }

    @Test
    void maxvitHasTorchvisionStateDictNames() {
        Graph g = Zoo.build("maxvit_t");
        List<String> keys = List.copyOf(g.stateDict().keySet());
        String layer = "blocks.0.layers.0.layers.";
        assertEquals(List.of("stem.0.0.weight", "stem.0.1.weight", "stem.0.1.bias", "stem.0.1.running_mean",
                "stem.0.1.running_var", "stem.0.1.num_batches_tracked", "stem.1.0.weight", "stem.1.0.bias",
                layer + "MBconv.proj.1.weight", layer + "MBconv.proj.1.bias", layer + "MBconv.layers.pre_norm.weight"),
                keys.subList(0, 11));
        assertTrue(keys.contains(layer + "MBconv.layers.squeeze_excitation.fc2.bias"));
        assertEquals(List.of(layer + "grid_attention.attn_layer.1.relative_position_bias_table",
                layer + "grid_attention.attn_layer.1.relative_position_index",
                layer + "grid_attention.attn_layer.1.to_qkv.weight"),
                keys.subList(keys.indexOf(layer + "grid_attention.attn_layer.0.bias") + 1,
                        keys.indexOf(layer + "grid_attention.attn_layer.0.bias") + 4));
        assertEquals(List.of("classifier.2.weight", "classifier.2.bias", "classifier.3.weight", "classifier.3.bias",
                "classifier.5.weight"), keys.subList(keys.size() - 5, keys.size()));
        assertEquals(582, keys.size());
        assertEquals(Shape.of(49, 49),
                g.stateDict().get(layer + "window_attention.attn_layer.1.relative_position_index").value().shape());
        assertNotNull(g.node(layer + "grid_attention.partition_swap"));
        assertNotNull(g.node("blocks.1.layers.1.layers.MBconv.proj"));
        assertNotNull(g.node(layer + "window_attention.stochastic_dropout#1"));
    }

    @Test
    void maxvitBuildsForOtherInputsAndClassCounts() {
        Graph g = Zoo.build("maxvit_t", Shape.of(2, 1, 224, 221), 10);
        assertEquals(Shape.of(2, 10), g.outputs().get(0).shape());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Zoo.build("maxvit_t", Shape.of(1, 3, 192, 192), 10));
        assertTrue(e.getMessage().contains("maxvit_t") && e.getMessage().contains("48x48"), e.getMessage());
    }

    /** Every model of the extra reference: the parameter count, and the state_dict keys in torchvision's order. */
    @ParameterizedTest
    @ValueSource(strings = {"swin_t", "swin_s", "swin_b", "swin_v2_t", "swin_v2_s", "swin_v2_b", "maxvit_t"})
    void stateDictKeysMatchTorchvision(String model) {
        Map<String, Object> ref = extraReference(model);
        Graph g = Zoo.build(model);
        assertEquals(((Number) ref.get("params")).longValue(), g.parameterCount(), model + " params");
        assertEquals(((Number) ref.get("state_dict_size")).intValue(), g.stateDict().size(), model + " keys");
        assertEquals(ref.get("state_dict_sha256"), keysDigest(g), model + ": state_dict keys or their order");
    }

    @ParameterizedTest
    @ValueSource(strings = {"vit_b_32:152", "vit_l_16:296", "vit_l_32:296"})
    void vitStateDictSizes(String modelAndSize) {
        String[] m = modelAndSize.split(":");
        Graph g = Zoo.build(m[0]);
        // 4 + 12 per encoder layer + 4
        assertEquals(Integer.parseInt(m[1]), g.stateDict().size(), m[0]);
        assertEquals("heads.head.bias", List.copyOf(g.stateDict().keySet()).get(g.stateDict().size() - 1));
    }

    /** One small model per family in the everyday run. */
    @ParameterizedTest
    @ValueSource(strings = {"vit_b_32", "swin_t", "swin_v2_t", "maxvit_t"})
    void parityForwardMatchesTorchvision(String model) {
        checkForward(model);
    }

    @Tag("slow")
    @ParameterizedTest
    @ValueSource(strings = {"vit_b_16", "vit_l_16", "vit_l_32", "swin_s", "swin_b", "swin_v2_s", "swin_v2_b"})
    void parityForwardMatchesTorchvisionSlow(String model) {
        checkForward(model);
    }

    /** 632 M parameters (2.5 GB of weights): run with the largest heap. */
    @Tag("slow")
    @Test
    void vitH14ParityForwardMatchesTorchvision() {
        checkForward("vit_h_14");
    }

    /**
     * About 4 s: 13 groups of an 88 M-parameter model (every MLP, and the residual stream, which runs through the
     * attentions because torchvision's {@code nn.MultiheadAttention} ties its widths to the embedding).
     */
    @Tag("slow")
    @Test
    void vitPruningInvariant() {
        TransformerInvariant.Result r = TransformerInvariant.check("vit_b_32", Shape.of(1, 3, 64, 64));
        assertTrue(r.exact() >= 12, "every encoder layer's MLP group is exact: " + r);
    }

    @Test
    void swinPruningInvariant() {
        TransformerInvariant.Result r = TransformerInvariant.check("swin_t", Shape.of(1, 3, 64, 64));
        assertTrue(r.exact() >= 24, "every block's qkv and MLP groups are exact: " + r);
    }

    @Test
    void swinV2PruningInvariant() {
        TransformerInvariant.Result r = TransformerInvariant.check("swin_v2_t", Shape.of(1, 3, 64, 64));
        assertTrue(r.exact() >= 36, "every block's qkv, MLP and position-bias MLP groups are exact: " + r);
    }

    /** At 224×224, the smallest input MaxViT accepts. */
    @Tag("slow")
    @Test
    void maxvitPruningInvariant() {
        TransformerInvariant.Result r = TransformerInvariant.check("maxvit_t", Shape.of(1, 3, 224, 224));
        assertTrue(r.exact() >= 11 * 5, "every layer's MBConv, squeeze-excitation, qkv and MLP groups are exact: " + r);
    }

    /** The reference record of {@code model}: Torch-Pruning's where it has one, else this project's own. */
    private static Map<String, Object> reference(String model) {
        return Reference.anyWithBase(model).orElseGet(() -> extraReference(model));
    }

    private static List<Map<String, Object>> extra;

    /**
     * The record of {@code model} in {@code extra_reference_transformers.jsonl} (beside this class's resources),
     * made by {@code make_extra_reference_transformers.py} from torchvision with parity weights.
     */
    static synchronized Map<String, Object> extraReference(String model) {
        if (extra == null) {
            try {
                extra = Reference.read(Path.of(TransformerTest.class.getResource(EXTRA).toURI()));
            } catch (URISyntaxException e) {
                throw new IllegalStateException(e);
            }
        }
        return extra.stream().filter(r -> model.equals(r.get("model"))).findFirst()
                .orElseThrow(() -> new AssertionError("no record for " + model + " in " + EXTRA));
    }

    private static final String EXTRA = "extra_reference_transformers.jsonl";

    /** The SHA-256 of the state_dict keys joined by newlines, as the reference script computes it. */
    private static String keysDigest(Graph g) {
        try {
            byte[] d = MessageDigest.getInstance("SHA-256")
                    .digest(String.join("\n", g.stateDict().keySet()).getBytes(StandardCharsets.UTF_8));
            StringBuilder sb = new StringBuilder();
            for (byte x : d) {
                sb.append(String.format("%02x", x));
            }
            return sb.toString();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void checkForward(String model) {
        Map<String, Object> ref = reference(model);
        Shape input = ZooReferenceTest.inputOf(ref);
        Graph g = Zoo.build(model, input, 1000);
        Object params = ref.containsKey("base_params") ? ref.get("base_params") : ref.get("params");
        assertEquals(((Number) params).longValue(), g.parameterCount(), model + " params");
        if (ref.containsKey("state_dict_sha256")) {
            assertEquals(((Number) ref.get("state_dict_size")).intValue(), g.stateDict().size(), model + " keys");
            assertEquals(ref.get("state_dict_sha256"), keysDigest(g), model + ": state_dict keys or their order");
        }
        Parity.fill(g);
        long t0 = System.nanoTime();
        Tensor y = Executor.run(g, Parity.input(input))[0];
        long ms = (System.nanoTime() - t0) / 1_000_000;
        double[] shape = Reference.doubles(ref.get("out_shape"));
        assertEquals(Shape.of((int) shape[0], (int) shape[1]), y.shape(), model + " output shape");
        ZooReferenceTest.assertLogits(model, ref, y, "forward " + ms + " ms");
    }
}
