package dev.jprune.ops;

import dev.jprune.ir.GraphBuilder;
import dev.jprune.ir.Op;
import dev.jprune.ir.Value;
import dev.jprune.tensor.Shape;

/**
 * Builds attention blocks out of ordinary ops, so the dependency graph sees the projections and the head layout
 * (there is deliberately no single multi-head-attention op: at most the input projection knows it belongs to
 * PyTorch's module, {@link Width#TIED}).
 */
public final class Attention {

    private Attention() {
    }

    /**
     * How the widths inside an attention block relate to its embedding, which decides what pruning may do to them.
     */
    public enum Width {
        /**
         * PyTorch's {@code nn.MultiheadAttention}: queries, keys and values have the width {@code embed_dim}, so
         * an embedding position {@code i} is also query, key and value dimension {@code i}. The input projection
         * is one {@link MultiheadInProjection} node whose axis rule ties its rows {@code i}, {@code E + i},
         * {@code 2E + i} to its column {@code i}: pruning the embedding (the residual stream of a transformer)
         * removes the same positions from {@code in_proj} (rows and columns), the heads and {@code out_proj} (rows
         * and columns), as Torch-Pruning prunes the module, and nothing inside the attention is pruned on its own.
         * With {@code HeadMode.DIMS} an embedding position takes the same in-head position of every head with it
         * (Torch-Pruning's {@code channel_groups = {mha: num_heads}}); with {@code HeadMode.WHOLE} it takes its
         * whole head. The pruned model loads into {@code nn.MultiheadAttention} again. torchvision's ViT uses
         * this.
         */
        TIED,
        /**
         * The projections are ordinary {@link Linear} layers: the embedding (in_proj's columns, out_proj's rows)
         * and the widths inside the attention (query and key dimensions together, value dimensions with
         * out_proj's columns) are pruned separately. More freedom, but the result has query, key and value widths
         * other than {@code embed_dim}, which {@code nn.MultiheadAttention} cannot hold (it would need separate
         * projections); this is what a graph of the same computation without the module (an exported ONNX graph)
         * allows.
         */
        FREE
    }

    /**
     * {@link #multiheadAttention(GraphBuilder, String, int, int, Value, Width)} with {@link Width#FREE}
     * projections.
     */
    public static Value multiheadAttention(GraphBuilder b, String moduleLocalName, int embedDim, int numHeads, Value x) {
        return multiheadAttention(b, moduleLocalName, embedDim, numHeads, x, Width.FREE);
    }

    /**
     * {@code nn.MultiheadAttention(embed_dim, num_heads, batch_first=True)} applied as self-attention,
     * {@code attn(x, x, x, need_weights=False)[0]}, on {@code x (N, L, E)} → {@code (N, L, E)}; no mask, no dropout
     * (eval), no bias_k/bias_v, no add_zero_attn. With {@code name} the module's local name under the current scope
     * ({@code self_attention} in torchvision's ViT encoder block), it emits:
     * <ol>
     *   <li>{@code name}: the input projection {@code (E → 3E)} with parameters {@code name.in_proj_weight (3E, E)}
     *       and {@code name.in_proj_bias (3E)}, as in the {@code state_dict} — this node stands for the attention
     *       module itself: a {@link MultiheadInProjection} ({@link Width#TIED}) or a {@link Linear}
     *       ({@link Width#FREE});</li>
     *   <li>{@code name.split}: {@link Split} on the last dimension into q, k, v of {@code (N, L, E)} each;</li>
     *   <li>{@code name.reshape}, {@code #1}, {@code #2}: {@link Reshape} of q, k, v to {@code (N, L, H, D)}, then
     *       {@code name.permute}, {@code #1}, {@code #2}: {@link Permute} {@code (0, 2, 1, 3)} to {@code (N, H, L, D)};
     *       head {@code h} takes embedding dimensions {@code [h·D, (h + 1)·D)}, as PyTorch's head split does;</li>
     *   <li>{@code name.attention}: {@link ScaledDotProductAttention} with the default scale {@code 1/√D};</li>
     *   <li>{@code name.permute#3} back to {@code (N, L, H, D)} and {@code name.reshape#3} to {@code (N, L, E)};</li>
     *   <li>{@code name.out_proj}: {@link Linear}{@code (E, E)} with {@code name.out_proj.weight}/{@code .bias}.</li>
     * </ol>
     * Only the two projections are module calls. The op count is therefore that of two Linear layers, not the
     * ptflops attention formula Torch-Pruning's counter applies to a whole {@code nn.MultiheadAttention} (which
     * adds the query scaling, the per-head products and softmax, and counts the biases per token).
     *
     * @param b               the builder, positioned in the enclosing module's scope
     * @param moduleLocalName the attention module's local name (no dots)
     * @param embedDim        E
     * @param numHeads        H, dividing E
     * @param x               the input {@code (N, L, E)}
     * @param width           whether the widths inside are tied to {@code E} (PyTorch's module) or free
     * @return the output value {@code (N, L, E)}
     * @throws IllegalArgumentException naming the module when E is not divisible by H or {@code x} is not
     *                                  {@code (N, L, E)}
     */
    public static Value multiheadAttention(GraphBuilder b, String moduleLocalName, int embedDim, int numHeads, Value x,
                                           Width width) {
        if (embedDim < 1 || numHeads < 1 || embedDim % numHeads != 0) {
            throw new IllegalArgumentException("MultiheadAttention " + moduleLocalName + ": embed_dim " + embedDim
                    + " must be divisible by num_heads " + numHeads);
        }
        Shape s = x.shape();
        if (s.rank() != 3 || s.dim(2) != embedDim) {
            throw new IllegalArgumentException("MultiheadAttention " + moduleLocalName + " expects input (N, L, "
                    + embedDim + ") (batch_first), got " + s);
        }
        int n = s.dim(0);
        int len = s.dim(1);
        int headDim = embedDim / numHeads;
        Op inProj = width == Width.TIED ? new MultiheadInProjection(embedDim, numHeads, true)
                : new Linear(embedDim, 3 * embedDim, true, MultiheadInProjection.WEIGHT, MultiheadInProjection.BIAS);
        Value qkv = b.module(moduleLocalName, inProj, x);
        try (GraphBuilder.Scope scope = b.scope(moduleLocalName)) {
            Value[] parts = b.callMulti("split", Split.of(-1, embedDim, embedDim, embedDim), qkv);
            Value[] heads = new Value[3];
            for (int i = 0; i < 3; i++) {
                Value r = b.call("reshape", Reshape.of(n, len, numHeads, headDim), parts[i]);
                heads[i] = b.call("permute", Permute.of(0, 2, 1, 3), r);
            }
            Value attn = b.call("attention", ScaledDotProductAttention.of(), heads[0], heads[1], heads[2]);
            Value merged = b.call("reshape", Reshape.of(n, len, embedDim), b.call("permute", Permute.of(0, 2, 1, 3), attn));
            return b.module("out_proj", Linear.of(embedDim, embedDim, true), merged);
        }
    }
}
