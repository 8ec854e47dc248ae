package dev.jprune.zoo;

import dev.jprune.ir.Graph;
import dev.jprune.ir.GraphBuilder;
import dev.jprune.ir.Value;
import dev.jprune.ops.Add;
import dev.jprune.ops.Attention;
import dev.jprune.ops.Concat;
import dev.jprune.ops.Conv2d;
import dev.jprune.ops.Dropout;
import dev.jprune.ops.Expand;
import dev.jprune.ops.FreeParameter;
import dev.jprune.ops.GELU;
import dev.jprune.ops.LayerNorm;
import dev.jprune.ops.Linear;
import dev.jprune.ops.Permute;
import dev.jprune.ops.Reshape;
import dev.jprune.ops.Slice;
import dev.jprune.ops.Squeeze;
import dev.jprune.tensor.Shape;

/**
 * torchvision's VisionTransformer ({@code torchvision.models.vision_transformer}): {@code conv_proj} cuts the image
 * into patches, the free parameter {@code class_token} is prepended, {@code encoder.pos_embedding} added, then
 * {@code encoder.layers.encoder_layer_i} ({@code ln_1}, {@code self_attention} (an {@code nn.MultiheadAttention},
 * {@link Attention#multiheadAttention} with its widths {@link Attention.Width#TIED tied} to the embedding as PyTorch's
 * module requires, so a pruned model loads into torchvision again), {@code ln_2}, {@code mlp.0}/{@code mlp.3} with GELU), {@code encoder.ln},
 * the class token's output and {@code heads.head}. LayerNorms use eps 1e-6; dropouts are 0 (identity).
 *
 * <p>torchvision builds the model for one square image size; here the patch grid follows the input: an
 * {@code (N, C, H, W)} input with {@code H} and {@code W} multiples of the patch size gives
 * {@code (H/p)·(W/p) + 1} tokens, and the position embedding has that length.
 */
public final class VisionTransformer {

    private VisionTransformer() {
    }

    /** Patch size, encoder layers, heads, hidden (embedding) size and MLP size of a variant. */
    record Config(int patch, int layers, int heads, int hidden, int mlp) {
    }

    static final Config VIT_B_16 = new Config(16, 12, 12, 768, 3072);
    static final Config VIT_B_32 = new Config(32, 12, 12, 768, 3072);
    static final Config VIT_L_16 = new Config(16, 24, 16, 1024, 4096);
    static final Config VIT_L_32 = new Config(32, 24, 16, 1024, 4096);
    static final Config VIT_H_14 = new Config(14, 32, 16, 1280, 5120);

    /**
     * Builds the network for input {@code (N, C, H, W)} and {@code numClasses} outputs; throws
     * {@link IllegalArgumentException} when {@code H} or {@code W} is not a multiple of the patch size.
     */
    static Graph build(String name, Config cfg, Shape input, int numClasses) {
        int n = input.dim(0);
        int p = cfg.patch();
        if (input.dim(2) % p != 0 || input.dim(3) % p != 0) {
            throw new IllegalArgumentException("model " + name + ": input height and width must be multiples of the"
                    + " patch size " + p + ", got " + input);
        }
        int gridH = input.dim(2) / p;
        int gridW = input.dim(3) / p;
        int e = cfg.hidden();
        GraphBuilder b = new GraphBuilder(name);
        Value x = b.input("input", input);
        Value token = b.own("class_token", FreeParameter.of("class_token", 1, 1, e));
        x = b.module("conv_proj", Conv2d.of(input.dim(1), e, p, p, 0, true), x);
        x = b.call("reshape", Reshape.of(n, e, gridH * gridW), x);
        x = b.call("permute", Permute.of(0, 2, 1), x);
        Value batchToken = b.call("expand", Expand.of(n, -1, -1), token);
        x = b.call("cat", new Concat(1), batchToken, x);
        try (GraphBuilder.Scope s = b.scope("encoder")) {
            Value pos = b.own("pos_embedding", FreeParameter.of("pos_embedding", 1, gridH * gridW + 1, e));
            x = b.call("add", new Add(), x, pos);
            x = b.module("dropout", new Dropout(0.0), x);
            try (GraphBuilder.Scope l = b.scope("layers")) {
                for (int i = 0; i < cfg.layers(); i++) {
                    try (GraphBuilder.Scope blk = b.scope("encoder_layer_" + i)) {
                        x = encoderBlock(b, x, cfg);
                    }
                }
            }
            x = b.module("ln", layerNorm(e), x);
        }
        // x[:, 0]: the class token's output
        x = b.call("slice", Slice.of(1, 0, 1), x);
        x = b.call("squeeze", Squeeze.of(1), x);
        try (GraphBuilder.Scope s = b.scope("heads")) {
            x = b.module("head", Linear.of(e, numClasses, true), x);
        }
        return b.build(x);
    }

    /** torchvision's {@code EncoderBlock}: pre-norm self-attention and MLP, each with a residual add. */
    private static Value encoderBlock(GraphBuilder b, Value input, Config cfg) {
        int e = cfg.hidden();
        Value x = b.module("ln_1", layerNorm(e), input);
        x = Attention.multiheadAttention(b, "self_attention", e, cfg.heads(), x, Attention.Width.TIED);
        x = b.module("dropout", new Dropout(0.0), x);
        x = b.call("add", new Add(), x, input);
        Value y = b.module("ln_2", layerNorm(e), x);
        try (GraphBuilder.Scope s = b.scope("mlp")) {
            y = b.module("0", Linear.of(e, cfg.mlp(), true), y);
            y = b.module("1", GELU.exact(), y);
            y = b.module("2", new Dropout(0.0), y);
            y = b.module("3", Linear.of(cfg.mlp(), e, true), y);
            y = b.module("4", new Dropout(0.0), y);
        }
        return b.call("add", new Add(), x, y);
    }

    private static LayerNorm layerNorm(int features) {
        return new LayerNorm(Shape.of(features), 1e-6, true);
    }
}
