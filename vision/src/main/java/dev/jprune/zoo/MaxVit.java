package dev.jprune.zoo;

import dev.jprune.ir.Graph;
import dev.jprune.ir.GraphBuilder;
import dev.jprune.ir.Op;
import dev.jprune.ir.Value;
import dev.jprune.ops.AdaptiveAvgPool2d;
import dev.jprune.ops.Add;
import dev.jprune.ops.AvgPool2d;
import dev.jprune.ops.BatchNorm2d;
import dev.jprune.ops.Constant;
import dev.jprune.ops.Conv2d;
import dev.jprune.ops.Dropout;
import dev.jprune.ops.Flatten;
import dev.jprune.ops.FreeBuffer;
import dev.jprune.ops.FreeParameter;
import dev.jprune.ops.GELU;
import dev.jprune.ops.Gather;
import dev.jprune.ops.Identity;
import dev.jprune.ops.LayerNorm;
import dev.jprune.ops.Linear;
import dev.jprune.ops.MatMul;
import dev.jprune.ops.Mul;
import dev.jprune.ops.Permute;
import dev.jprune.ops.Reshape;
import dev.jprune.ops.SiLU;
import dev.jprune.ops.Sigmoid;
import dev.jprune.ops.Softmax;
import dev.jprune.ops.Split;
import dev.jprune.ops.StochasticDepth;
import dev.jprune.ops.Tanh;
import dev.jprune.ops.Transpose;
import dev.jprune.ops.Unsqueeze;
import dev.jprune.tensor.Shape;
import dev.jprune.tensor.Tensor;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * torchvision's MaxViT ({@code torchvision.models.maxvit}): {@code stem} (two 3×3 convolutions, the first with
 * stride 2), four {@code blocks.i} of {@code layers.j} MaxViT layers, each an {@code MBconv} (pre-norm, 1×1
 * expansion, depthwise 3×3, squeeze-excitation with SiLU, 1×1 projection, and a shortcut {@code proj} that pools and
 * projects when the shape changes) followed by block ({@code window_attention}) and grid ({@code grid_attention})
 * partition attention layers (partition into 7×7 windows or a 7×7 grid, pre-norm relative-position multi-head
 * attention with the bias gathered by {@code relative_position_index}, pre-norm MLP, departition), then
 * {@code classifier} (pooling, LayerNorm, Linear, Tanh, Linear without bias). BatchNorms use eps 1e-3 and momentum
 * 0.99, activations are GELU.
 *
 * <p>torchvision fixes the grid at construction from the input size; here it follows the input: every block's
 * feature map (the input halved five times, rounding up) must be a multiple of the partition size 7, as torchvision
 * requires (224 gives 56, 28, 14, 7).
 */
public final class MaxVit {

    private MaxVit() {
    }

    /** Stem channels, per-block channels and layers, head size, partition size and final stochastic depth. */
    record Config(int stem, int[] channels, int[] layers, int headDim, int partition, double stochasticDepth) {
    }

    static final Config MAXVIT_T = new Config(64, new int[] {64, 128, 256, 512}, new int[] {2, 2, 5, 2}, 32, 7, 0.2);

    private static final int EXPANSION = 4;
    private static final double SQUEEZE = 0.25;
    private static final int MLP_RATIO = 4;

    /**
     * Builds the network for input {@code (N, C, H, W)} and {@code numClasses} outputs; throws
     * {@link IllegalArgumentException} when a block's feature map is not a multiple of the partition size.
     */
    static Graph build(String name, Config cfg, Shape input, int numClasses) {
        int h = input.dim(2);
        int w = input.dim(3);
        StringBuilder sizes = new StringBuilder();
        boolean fits = true;
        int gh = halve(h);
        int gw = halve(w);
        for (int i = 0; i < cfg.channels().length; i++) {
            gh = halve(gh);
            gw = halve(gw);
            sizes.append(i == 0 ? "" : ", ").append(gh).append('x').append(gw);
            fits &= gh % cfg.partition() == 0 && gw % cfg.partition() == 0;
        }
        if (!fits) {
            throw new IllegalArgumentException("model " + name + ": the blocks' feature maps " + sizes + " of input "
                    + input + " must be multiples of the partition size " + cfg.partition());
        }
        GraphBuilder b = new GraphBuilder(name);
        Map<String, Tensor> buffers = new LinkedHashMap<>();
        Value x = b.input("input", input);
        try (GraphBuilder.Scope s = b.scope("stem")) {
            x = convNormAct(b, "0", x, input.dim(1), cfg.stem(), 3, 2, 1, false);
            try (GraphBuilder.Scope t = b.scope("1")) {
                x = b.module("0", Conv2d.of(cfg.stem(), cfg.stem(), 3, 1, 1, true), x);
            }
        }
        int total = 0;
        for (int n : cfg.layers()) {
            total += n;
        }
        int layerId = 0;
        int in = cfg.stem();
        try (GraphBuilder.Scope s = b.scope("blocks")) {
            for (int i = 0; i < cfg.channels().length; i++) {
                int out = cfg.channels()[i];
                try (GraphBuilder.Scope blk = b.scope(i); GraphBuilder.Scope ls = b.scope("layers")) {
                    for (int j = 0; j < cfg.layers()[i]; j++) {
                        // np.linspace(0, p, total)
                        double p = total == 1 ? 0 : cfg.stochasticDepth() * layerId / (total - 1);
                        layerId++;
                        try (GraphBuilder.Scope l = b.scope(j); GraphBuilder.Scope t = b.scope("layers")) {
                            try (GraphBuilder.Scope m = b.scope("MBconv")) {
                                x = mbConv(b, x, j == 0 ? in : out, out, j == 0 ? 2 : 1, p);
                            }
                            try (GraphBuilder.Scope a = b.scope("window_attention")) {
                                x = partitionAttention(b, x, cfg, false, p, buffers);
                            }
                            try (GraphBuilder.Scope a = b.scope("grid_attention")) {
                                x = partitionAttention(b, x, cfg, true, p, buffers);
                            }
                        }
                    }
                }
                in = out;
            }
        }
        try (GraphBuilder.Scope s = b.scope("classifier")) {
            x = b.module("0", new AdaptiveAvgPool2d(1, 1), x);
            x = b.module("1", new Flatten(1, -1), x);
            x = b.module("2", LayerNorm.of(in), x);
            x = b.module("3", Linear.of(in, in, true), x);
            x = b.module("4", new Tanh(), x);
            x = b.module("5", Linear.of(in, numClasses, false), x);
        }
        Graph g = b.build(x);
        buffers.forEach((k, v) -> g.stateDict().get(k).setValue(v));
        return g;
    }

    /** A 3×3, stride-2, padding-1 convolution's output size. */
    private static int halve(int size) {
        return (size - 1) / 2 + 1;
    }

    private static BatchNorm2d batchNorm(int features) {
        return new BatchNorm2d(features, 1e-3, 0.99, true);
    }

    /** {@code Conv2dNormActivation} with MaxViT's BatchNorm and GELU: {@code .0}, {@code .1}, {@code .2}. */
    private static Value convNormAct(GraphBuilder b, String name, Value x, int in, int out, int k, int stride,
                                     int groups, boolean bias) {
        try (GraphBuilder.Scope s = b.scope(name)) {
            x = b.module("0", Conv2d.of(in, out, k, stride, (k - 1) / 2, groups, bias), x);
            x = b.module("1", batchNorm(out), x);
            return b.module("2", GELU.exact(), x);
        }
    }

    /** {@code MBConv}: the shortcut {@code proj} plus the stochastic-depth-scaled {@code layers}. */
    private static Value mbConv(GraphBuilder b, Value x, int in, int out, int stride, double p) {
        Value res;
        if (stride != 1 || in != out) {
            try (GraphBuilder.Scope s = b.scope("proj")) {
                res = x;
                int i = 0;
                if (stride == 2) {
                    res = b.module(Integer.toString(i++), AvgPool2d.of(3, stride, 1), res);
                }
                res = b.module(Integer.toString(i), Conv2d.of(in, out, 1, 1, 0, true), res);
            }
        } else {
            res = b.module("proj", new Identity(), x);
        }
        int mid = out * EXPANSION;
        int sqz = (int) (out * SQUEEZE);
        Value y;
        try (GraphBuilder.Scope s = b.scope("layers")) {
            y = b.module("pre_norm", batchNorm(in), x);
            y = convNormAct(b, "conv_a", y, in, mid, 1, 1, 1, false);
            y = convNormAct(b, "conv_b", y, mid, mid, 3, stride, mid, false);
            try (GraphBuilder.Scope se = b.scope("squeeze_excitation")) {
                Value scale = b.module("avgpool", new AdaptiveAvgPool2d(1, 1), y);
                scale = b.module("fc1", Conv2d.of(mid, sqz, 1, 1, 0, true), scale);
                scale = b.module("activation", new SiLU(), scale);
                scale = b.module("fc2", Conv2d.of(sqz, mid, 1, 1, 0, true), scale);
                scale = b.module("scale_activation", new Sigmoid(), scale);
                y = b.call("mul", new Mul(), scale, y);
            }
            y = b.module("conv_c", Conv2d.of(mid, out, 1, 1, 0, true), y);
        }
        Op drop = p > 0 ? new StochasticDepth(p, "row") : new Identity();
        y = b.module("stochastic_depth", drop, y);
        return b.call("add", new Add(), res, y);
    }

    /**
     * {@code PartitionAttentionLayer} on {@code (N, C, H, W)}: window partition ({@code p} = the partition size) or
     * grid partition ({@code p} = the number of partitions, then the partition and token axes swapped), so attention
     * always runs over 49 tokens; two residual sub-layers; the reverse.
     */
    private static Value partitionAttention(GraphBuilder b, Value x, Config cfg, boolean grid, double pDrop,
                                            Map<String, Tensor> buffers) {
        Shape s = x.shape();
        int batch = s.dim(0);
        int c = s.dim(1);
        int h = s.dim(2);
        int w = s.dim(3);
        int partitions = h / cfg.partition();
        int p = grid ? partitions : cfg.partition();
        int gh = h / p;
        int gw = w / p;
        try (GraphBuilder.Scope t = b.scope("partition_op")) {
            x = b.call("reshape", Reshape.of(batch, c, h / p, p, w / p, p), x);
            x = b.call("permute", Permute.of(0, 2, 4, 3, 5, 1), x);
            x = b.call("reshape", Reshape.of(batch, (h / p) * (w / p), p * p, c), x);
        }
        x = b.module("partition_swap", grid ? new Transpose(-2, -3) : new Identity(), x);
        StochasticDepth drop = new StochasticDepth(pDrop, "row");
        Value y;
        try (GraphBuilder.Scope t = b.scope("attn_layer")) {
            y = b.module("0", LayerNorm.of(c), x);
            try (GraphBuilder.Scope a = b.scope("1")) {
                y = relativeAttention(b, y, c, cfg.headDim(), cfg.partition(), buffers);
            }
            y = b.module("2", new Dropout(0.0), y);
        }
        x = b.call("add", new Add(), x, b.module("stochastic_dropout", drop, y));
        try (GraphBuilder.Scope t = b.scope("mlp_layer")) {
            y = b.module("0", LayerNorm.of(c), x);
            y = b.module("1", Linear.of(c, c * MLP_RATIO, true), y);
            y = b.module("2", GELU.exact(), y);
            y = b.module("3", Linear.of(c * MLP_RATIO, c, true), y);
            y = b.module("4", new Dropout(0.0), y);
        }
        x = b.call("add", new Add(), x, b.module("stochastic_dropout", drop, y));
        x = b.module("departition_swap", grid ? new Transpose(-2, -3) : new Identity(), x);
        try (GraphBuilder.Scope t = b.scope("departition_op")) {
            x = b.call("reshape", Reshape.of(batch, gh, gw, p, p, c), x);
            x = b.call("permute", Permute.of(0, 5, 1, 3, 2, 4), x);
            return b.call("reshape", Reshape.of(batch, c, gh * p, gw * p), x);
        }
    }

    /**
     * {@code RelativePositionalMultiHeadAttention} on {@code (N, G, P, C)} in the current scope: {@code to_qkv},
     * chunked into q, k, v of {@code C / headDim} heads, keys scaled by {@code C^-½} (the feature size, as torchvision),
     * {@code softmax(q·kᵀ + bias)·v} with the bias {@code relative_position_bias_table[relative_position_index]},
     * then {@code merge}.
     */
    private static Value relativeAttention(GraphBuilder b, Value x, int c, int headDim, int size,
                                           Map<String, Tensor> buffers) {
        int heads = c / headDim;
        int n = size * size;
        Value table = b.own("relative_position_bias_table",
                FreeParameter.of("relative_position_bias_table", (2 * size - 1) * (2 * size - 1), heads));
        Value index = b.own("relative_position_index", FreeBuffer.index("relative_position_index", n, n));
        buffers.put(b.currentPath() + ".relative_position_index",
                Tensor.wrap(Shape.of(n, n), SwinTransformer.relativePositionIndex(size, size)));
        Shape s = x.shape();
        int batch = s.dim(0);
        int groups = s.dim(1);
        int tokens = s.dim(2);
        Value qkv = b.module("to_qkv", Linear.of(c, 3 * c, true), x);
        Value[] parts = b.callMulti("chunk", Split.chunk(-1, 3, 3 * c), qkv);
        Value[] heads3 = new Value[3];
        for (int i = 0; i < 3; i++) {
            Value r = b.call("reshape", Reshape.of(batch, groups, tokens, heads, headDim), parts[i]);
            heads3[i] = b.call("permute", Permute.of(0, 1, 3, 2, 4), r);
        }
        Value k = b.call("mul", new Mul(), heads3[1], b.call("constant", Constant.scalar((float) Math.pow(c, -0.5))));
        Value dot = b.call("einsum", new MatMul(), heads3[0], b.call("transpose", new Transpose(-2, -1), k));
        Value bias = b.call("gather", new Gather(0), table, b.call("view", Reshape.of(n * n), index));
        bias = b.call("view", Reshape.of(n, n, heads), bias);
        bias = b.call("permute", Permute.of(2, 0, 1), bias);
        bias = b.call("unsqueeze", new Unsqueeze(0), bias);
        dot = b.call("softmax", new Softmax(-1), b.call("add", new Add(), dot, bias));
        Value out = b.call("einsum", new MatMul(), dot, heads3[2]);
        out = b.call("permute", Permute.of(0, 1, 3, 2, 4), out);
        out = b.call("reshape", Reshape.of(batch, groups, tokens, c), out);
        return b.module("merge", Linear.of(c, c, true), out);
    }
}
