package dev.jprune.zoo;

import dev.jprune.ir.Graph;
import dev.jprune.ir.GraphBuilder;
import dev.jprune.ir.Value;
import dev.jprune.ops.AdaptiveAvgPool2d;
import dev.jprune.ops.Add;
import dev.jprune.ops.Clamp;
import dev.jprune.ops.Concat;
import dev.jprune.ops.Constant;
import dev.jprune.ops.Conv2d;
import dev.jprune.ops.Dropout;
import dev.jprune.ops.Exp;
import dev.jprune.ops.Flatten;
import dev.jprune.ops.FreeBuffer;
import dev.jprune.ops.FreeParameter;
import dev.jprune.ops.GELU;
import dev.jprune.ops.Gather;
import dev.jprune.ops.LayerNorm;
import dev.jprune.ops.Linear;
import dev.jprune.ops.MatMul;
import dev.jprune.ops.Mul;
import dev.jprune.ops.Normalize;
import dev.jprune.ops.Pad;
import dev.jprune.ops.Permute;
import dev.jprune.ops.ReLU;
import dev.jprune.ops.Reshape;
import dev.jprune.ops.Roll;
import dev.jprune.ops.Sigmoid;
import dev.jprune.ops.Slice;
import dev.jprune.ops.Softmax;
import dev.jprune.ops.Split;
import dev.jprune.ops.Squeeze;
import dev.jprune.ops.StochasticDepth;
import dev.jprune.ops.Transpose;
import dev.jprune.ops.Unsqueeze;
import dev.jprune.tensor.Shape;
import dev.jprune.tensor.Tensor;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * torchvision's Swin Transformer and Swin Transformer V2 ({@code torchvision.models.swin_transformer}):
 * {@code features.0} patch embedding (convolution, permute to {@code (N, H, W, C)}, LayerNorm), then stages of
 * blocks {@code features.1, 3, 5, 7} separated by patch merging {@code features.2, 4, 6}, then {@code norm},
 * {@code permute}, {@code avgpool}, {@code flatten}, {@code head}.
 *
 * <p>Each block ({@code features.i.j}) applies shifted-window attention ({@code attn}: padding to whole windows, a
 * cyclic shift by half a window with {@link Roll} on odd blocks, window partition by view and permute, {@code qkv}
 * and {@code proj} linear layers, the relative position bias gathered from a table by the fixed buffer
 * {@code relative_position_index} ({@link Gather}), the −100 mask between shifted regions, the reverse partition
 * and shift) and an MLP, each with a residual add. Swin V1 is pre-norm with scaled dot-product attention; Swin V2 is
 * post-norm with cosine attention ({@link Normalize} on queries and keys, a learnt per-head {@code logit_scale}
 * clamped at log 100 and exponentiated), a continuous position bias ({@code cpb_mlp} applied to the buffer
 * {@code relative_coords_table}, then {@code 16·sigmoid}), the key bias held at zero in the forward, and patch
 * merging that normalises after the reduction.
 *
 * <p>Built for any {@code (N, C, H, W)}: windows and masks follow the feature sizes as torchvision computes them
 * in the forward. The functional {@code F.dropout} calls with probability 0 are left out (identities).
 */
public final class SwinTransformer {

    private SwinTransformer() {
    }

    /** Patch size, embedding size, blocks and heads per stage, window size and version of a variant. */
    record Config(int patch, int embedDim, int[] depths, int[] heads, int window, double stochasticDepth,
                  boolean v2) {
    }

    static final Config SWIN_T = new Config(4, 96, new int[] {2, 2, 6, 2}, new int[] {3, 6, 12, 24}, 7, 0.2, false);
    static final Config SWIN_S = new Config(4, 96, new int[] {2, 2, 18, 2}, new int[] {3, 6, 12, 24}, 7, 0.3, false);
    static final Config SWIN_B = new Config(4, 128, new int[] {2, 2, 18, 2}, new int[] {4, 8, 16, 32}, 7, 0.5, false);
    static final Config SWIN_V2_T = new Config(4, 96, new int[] {2, 2, 6, 2}, new int[] {3, 6, 12, 24}, 8, 0.2, true);
    static final Config SWIN_V2_S = new Config(4, 96, new int[] {2, 2, 18, 2}, new int[] {3, 6, 12, 24}, 8, 0.3, true);
    static final Config SWIN_V2_B = new Config(4, 128, new int[] {2, 2, 18, 2}, new int[] {4, 8, 16, 32}, 8, 0.5, true);

    /** Builds the network for input {@code (N, C, H, W)} and {@code numClasses} outputs. */
    static Graph build(String name, Config cfg, Shape input, int numClasses) {
        GraphBuilder b = new GraphBuilder(name);
        Map<String, Tensor> buffers = new LinkedHashMap<>();
        Value x = b.input("input", input);
        int stages = cfg.depths().length;
        int totalBlocks = 0;
        for (int d : cfg.depths()) {
            totalBlocks += d;
        }
        try (GraphBuilder.Scope f = b.scope("features")) {
            try (GraphBuilder.Scope s = b.scope(0)) {
                x = b.module("0", Conv2d.of(input.dim(1), cfg.embedDim(), cfg.patch(), cfg.patch(), 0, true), x);
                x = b.module("1", Permute.of(0, 2, 3, 1), x);
                x = b.module("2", LayerNorm.of(cfg.embedDim()), x);
            }
            int idx = 1;
            int blockId = 0;
            for (int stage = 0; stage < stages; stage++) {
                int dim = cfg.embedDim() << stage;
                try (GraphBuilder.Scope s = b.scope(idx++)) {
                    for (int i = 0; i < cfg.depths()[stage]; i++) {
                        double p = cfg.stochasticDepth() * blockId++ / (totalBlocks - 1);
                        int shift = i % 2 == 0 ? 0 : cfg.window() / 2;
                        try (GraphBuilder.Scope blk = b.scope(i)) {
                            x = block(b, x, dim, cfg.heads()[stage], cfg.window(), shift, p, cfg.v2(), buffers);
                        }
                    }
                }
                if (stage < stages - 1) {
                    try (GraphBuilder.Scope s = b.scope(idx++)) {
                        x = patchMerging(b, x, dim, cfg.v2());
                    }
                }
            }
        }
        int features = cfg.embedDim() << (stages - 1);
        x = b.module("norm", LayerNorm.of(features), x);
        x = b.module("permute", Permute.of(0, 3, 1, 2), x);
        x = b.module("avgpool", new AdaptiveAvgPool2d(1, 1), x);
        x = b.module("flatten", new Flatten(1, -1), x);
        x = b.module("head", Linear.of(features, numClasses, true), x);
        Graph g = b.build(x);
        buffers.forEach((k, v) -> g.stateDict().get(k).setValue(v));
        return g;
    }

    /** {@code SwinTransformerBlock} (pre-norm) or {@code SwinTransformerBlockV2} (post-norm) on {@code (N, H, W, C)}. */
    private static Value block(GraphBuilder b, Value x, int dim, int heads, int window, int shift, double p,
                               boolean v2, Map<String, Tensor> buffers) {
        LayerNorm norm = LayerNorm.of(dim);
        StochasticDepth drop = new StochasticDepth(p, "row");
        Value h;
        if (v2) {
            b.declare("norm1", norm); // registered before attn, applied after it
            h = attention(b, x, dim, heads, window, shift, true, buffers);
            h = b.module("norm1", norm, h);
        } else {
            h = b.module("norm1", norm, x);
            h = attention(b, h, dim, heads, window, shift, false, buffers);
        }
        x = b.call("add", new Add(), x, b.module("stochastic_depth", drop, h));
        if (v2) {
            b.declare("norm2", norm);
            h = b.module("norm2", norm, mlp(b, x, dim));
        } else {
            h = mlp(b, b.module("norm2", norm, x), dim);
        }
        return b.call("add", new Add(), x, b.module("stochastic_depth", drop, h));
    }

    /** torchvision's {@code MLP(dim, [4·dim, dim])} with GELU: {@code mlp.0} to {@code mlp.4}. */
    private static Value mlp(GraphBuilder b, Value x, int dim) {
        try (GraphBuilder.Scope s = b.scope("mlp")) {
            x = b.module("0", Linear.of(dim, 4 * dim, true), x);
            x = b.module("1", GELU.exact(), x);
            x = b.module("2", new Dropout(0.0), x);
            x = b.module("3", Linear.of(4 * dim, dim, true), x);
            return b.module("4", new Dropout(0.0), x);
        }
    }

    /**
     * {@code PatchMerging} / {@code PatchMergingV2}: pad to even sizes, the four interleaved half-resolution views
     * concatenated to {@code 4C}, then LayerNorm and the reduction to {@code 2C} (V2: reduction, then LayerNorm).
     */
    private static Value patchMerging(GraphBuilder b, Value x, int dim, boolean v2) {
        Linear reduction = Linear.of(4 * dim, 2 * dim, false);
        b.declare("reduction", reduction); // registered before norm
        Shape s = x.shape();
        int padH = s.dim(1) % 2;
        int padW = s.dim(2) % 2;
        if (padH + padW > 0) {
            x = b.call("pad", Pad.of(0, 0, 0, padW, 0, padH), x);
        }
        Value[] parts = new Value[4];
        int[][] starts = {{0, 0}, {1, 0}, {0, 1}, {1, 1}};
        for (int i = 0; i < 4; i++) {
            Value r = b.call("slice", new Slice(1, starts[i][0], Long.MAX_VALUE, 2), x);
            parts[i] = b.call("slice", new Slice(2, starts[i][1], Long.MAX_VALUE, 2), r);
        }
        x = b.call("cat", new Concat(-1), parts);
        if (v2) {
            x = b.module("reduction", reduction, x);
            return b.module("norm", LayerNorm.of(2 * dim), x);
        }
        x = b.module("norm", LayerNorm.of(4 * dim), x);
        return b.module("reduction", reduction, x);
    }

    /**
     * {@code ShiftedWindowAttention} / {@code ShiftedWindowAttentionV2} ({@code attn}) on {@code (N, H, W, C)}, with
     * torchvision's {@code shifted_window_attention} inlined under the module's name.
     */
    private static Value attention(GraphBuilder b, Value x, int dim, int heads, int window, int shift, boolean v2,
                                   Map<String, Tensor> buffers) {
        int n = window * window;
        int table = (2 * window - 1) * (2 * window - 1);
        try (GraphBuilder.Scope s = b.scope("attn")) {
            Value logitScale = null;
            Value qkvBias = null;
            Value bias;
            if (v2) {
                logitScale = b.own("logit_scale", FreeParameter.of("logit_scale", heads, 1, 1));
                Value coords = b.own("relative_coords_table",
                        FreeBuffer.of("relative_coords_table", 1, 2 * window - 1, 2 * window - 1, 2));
                buffers.put(b.currentPath() + ".relative_coords_table", relativeCoordsTable(window));
                Value index = positionIndex(b, window, buffers);
                b.declare("qkv", Linear.of(dim, 3 * dim, false));
                try (GraphBuilder.Scope q = b.scope("qkv")) {
                    qkvBias = b.own("bias", FreeParameter.of("bias", 3 * dim));
                }
                b.declare("proj", Linear.of(dim, dim, true));
                Value t;
                try (GraphBuilder.Scope c = b.scope("cpb_mlp")) {
                    t = b.module("0", Linear.of(2, 512, true), coords);
                    t = b.module("1", new ReLU(), t);
                    t = b.module("2", Linear.of(512, heads, false), t);
                }
                t = b.call("view", Reshape.of(-1, heads), t);
                bias = relativePositionBias(b, t, index, n, heads);
                bias = b.call("sigmoid", new Sigmoid(), bias);
                bias = b.call("mul", new Mul(), constant(b, 16f), bias);
            } else {
                Value t = b.own("relative_position_bias_table",
                        FreeParameter.of("relative_position_bias_table", table, heads));
                Value index = positionIndex(b, window, buffers);
                bias = relativePositionBias(b, t, index, n, heads);
            }
            return windowAttention(b, x, dim, heads, window, shift, bias, logitScale, qkvBias);
        }
    }

    private static Value constant(GraphBuilder b, float v) {
        return b.call("constant", Constant.scalar(v));
    }

    /** The buffer {@code relative_position_index} {@code (N²,)} of the current attention module. */
    private static Value positionIndex(GraphBuilder b, int window, Map<String, Tensor> buffers) {
        int n = window * window;
        Value index = b.own("relative_position_index", FreeBuffer.index("relative_position_index", n * n));
        buffers.put(b.currentPath() + ".relative_position_index",
                Tensor.wrap(Shape.of(n * n), relativePositionIndex(window, window)));
        return index;
    }

    /** {@code _get_relative_position_bias}: {@code table[index]} viewed {@code (N, N, heads)}, to {@code (1, heads, N, N)}. */
    private static Value relativePositionBias(GraphBuilder b, Value table, Value index, int n, int heads) {
        Value bias = b.call("index", new Gather(0), table, index);
        bias = b.call("view", Reshape.of(n, n, heads), bias);
        bias = b.call("permute", Permute.of(2, 0, 1), bias);
        return b.call("unsqueeze", new Unsqueeze(0), bias);
    }

    /** torchvision's {@code shifted_window_attention}; {@code logitScale} and {@code qkvBias} only for V2. */
    private static Value windowAttention(GraphBuilder b, Value input, int dim, int heads, int window, int shift,
                                         Value bias, Value logitScale, Value qkvBias) {
        Shape s = input.shape();
        int batch = s.dim(0);
        int h = s.dim(1);
        int w = s.dim(2);
        int padR = (window - w % window) % window;
        int padB = (window - h % window) % window;
        Value x = input;
        if (padR + padB > 0) {
            x = b.call("pad", Pad.of(0, 0, 0, padR, 0, padB), x);
        }
        int ph = h + padB;
        int pw = w + padR;
        // no shift where the window covers the whole (padded) feature map
        int shiftH = window >= ph ? 0 : shift;
        int shiftW = window >= pw ? 0 : shift;
        boolean shifted = shiftH + shiftW > 0;
        if (shifted) {
            x = b.call("roll", new Roll(new int[] {-shiftH, -shiftW}, new int[] {1, 2}), x);
        }
        int windows = (ph / window) * (pw / window);
        int n = window * window;
        int hd = dim / heads;
        x = b.call("view", Reshape.of(batch, ph / window, window, pw / window, window, dim), x);
        x = b.call("permute", Permute.of(0, 1, 3, 2, 4, 5), x);
        x = b.call("reshape", Reshape.of(batch * windows, n, dim), x);

        Value qkv;
        if (qkvBias != null) {
            // V2 zeroes the key part of the bias in the forward (on a copy): F.linear(x, W, bias * [1, 0, 1])
            qkv = b.module("qkv", Linear.of(dim, 3 * dim, false), x);
            float[] mask = new float[3 * dim];
            Arrays.fill(mask, 0, dim, 1f);
            Arrays.fill(mask, 2 * dim, 3 * dim, 1f);
            Value keep = b.call("constant", new Constant(Tensor.wrap(Shape.of(3 * dim), mask)));
            qkv = b.call("add", new Add(), qkv, b.call("mul", new Mul(), qkvBias, keep));
        } else {
            qkv = b.module("qkv", Linear.of(dim, 3 * dim, true), x);
        }
        qkv = b.call("reshape", Reshape.of(batch * windows, n, 3, heads, hd), qkv);
        qkv = b.call("permute", Permute.of(2, 0, 3, 1, 4), qkv);
        Value[] parts = b.callMulti("split", Split.of(0, 1, 1, 1), qkv);
        Value q = b.call("squeeze", Squeeze.of(0), parts[0]);
        Value k = b.call("squeeze", Squeeze.of(0), parts[1]);
        Value v = b.call("squeeze", Squeeze.of(0), parts[2]);
        Value attn;
        if (logitScale != null) {
            q = b.call("normalize", Normalize.of(-1), q);
            k = b.call("normalize", Normalize.of(-1), k);
            attn = b.call("matmul", new MatMul(), q, b.call("transpose", new Transpose(-2, -1), k));
            Value scale = b.call("clamp", Clamp.atMost((float) Math.log(100.0)), logitScale);
            attn = b.call("mul", new Mul(), attn, b.call("exp", new Exp(), scale));
        } else {
            q = b.call("mul", new Mul(), q, constant(b, (float) Math.pow(hd, -0.5)));
            attn = b.call("matmul", new MatMul(), q, b.call("transpose", new Transpose(-2, -1), k));
        }
        attn = b.call("add", new Add(), attn, bias);
        if (shifted) {
            attn = b.call("view", Reshape.of(batch, windows, heads, n, n), attn);
            Value mask = b.call("constant", new Constant(shiftMask(ph, pw, window, shiftH, shiftW)));
            attn = b.call("add", new Add(), attn, mask);
            attn = b.call("view", Reshape.of(-1, heads, n, n), attn);
        }
        attn = b.call("softmax", new Softmax(-1), attn);
        x = b.call("matmul", new MatMul(), attn, v);
        x = b.call("transpose", new Transpose(1, 2), x);
        x = b.call("reshape", Reshape.of(batch * windows, n, dim), x);
        x = b.module("proj", Linear.of(dim, dim, true), x);

        x = b.call("view", Reshape.of(batch, ph / window, pw / window, window, window, dim), x);
        x = b.call("permute", Permute.of(0, 1, 3, 2, 4, 5), x);
        x = b.call("reshape", Reshape.of(batch, ph, pw, dim), x);
        if (shifted) {
            x = b.call("roll", new Roll(new int[] {shiftH, shiftW}, new int[] {1, 2}), x);
        }
        if (padR + padB > 0) {
            x = b.call("slice", Slice.of(1, 0, h), x);
            x = b.call("slice", Slice.of(2, 0, w), x);
        }
        return x;
    }

    /**
     * The attention mask of shifted windows, {@code (1, windows, 1, N, N)}: −100 between tokens of a window that
     * came from different regions of the rolled feature map, 0 within a region (torchvision's construction: label
     * the nine regions, partition the labels into windows, compare).
     */
    static Tensor shiftMask(int ph, int pw, int window, int shiftH, int shiftW) {
        int[][] hs = {{0, -window}, {-window, -shiftH}, {-shiftH, Integer.MAX_VALUE}};
        int[][] ws = {{0, -window}, {-window, -shiftW}, {-shiftW, Integer.MAX_VALUE}};
        int[][] label = new int[ph][pw];
        int count = 0;
        for (int[] hr : hs) {
            for (int[] wr : ws) {
                for (int i = pyIndex(hr[0], ph); i < pyIndex(hr[1], ph); i++) {
                    for (int j = pyIndex(wr[0], pw); j < pyIndex(wr[1], pw); j++) {
                        label[i][j] = count;
                    }
                }
                count++;
            }
        }
        int gw = pw / window;
        int windows = (ph / window) * gw;
        int n = window * window;
        float[] m = new float[windows * n * n];
        for (int win = 0; win < windows; win++) {
            int r0 = (win / gw) * window;
            int c0 = (win % gw) * window;
            for (int i = 0; i < n; i++) {
                int li = label[r0 + i / window][c0 + i % window];
                for (int j = 0; j < n; j++) {
                    int lj = label[r0 + j / window][c0 + j % window];
                    m[(win * n + i) * n + j] = li == lj ? 0f : -100f;
                }
            }
        }
        return Tensor.wrap(Shape.of(1, windows, 1, n, n), m);
    }

    /** A Python slice bound on an axis of {@code size} ({@code MAX_VALUE} for {@code None}): negatives count back. */
    private static int pyIndex(int bound, int size) {
        if (bound == Integer.MAX_VALUE) {
            return size;
        }
        int i = bound < 0 ? bound + size : bound;
        return Math.max(0, Math.min(size, i));
    }

    /**
     * The relative position index of a {@code wh × ww} window, {@code (wh·ww)²} entries: for tokens {@code i} and
     * {@code j} at {@code (hi, wi)} and {@code (hj, wj)}, {@code (hi − hj + wh − 1)·(2ww − 1) + wi − wj + ww − 1}.
     */
    static float[] relativePositionIndex(int wh, int ww) {
        int n = wh * ww;
        float[] idx = new float[n * n];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                int dh = i / ww - j / ww + wh - 1;
                int dw = i % ww - j % ww + ww - 1;
                idx[i * n + j] = dh * (2 * ww - 1) + dw;
            }
        }
        return idx;
    }

    /**
     * Swin V2's {@code relative_coords_table} {@code (1, 2w − 1, 2w − 1, 2)}: relative offsets scaled to
     * {@code [−8, 8]} and mapped by {@code sign(t)·log2(|t| + 1)/3}, in float as torchvision computes it.
     */
    static Tensor relativeCoordsTable(int window) {
        int size = 2 * window - 1;
        float[] t = new float[size * size * 2];
        for (int a = 0; a < size; a++) {
            for (int c = 0; c < size; c++) {
                float[] rel = {(float) (a - (window - 1)), (float) (c - (window - 1))};
                for (int k = 0; k < 2; k++) {
                    float v = rel[k] / (float) (window - 1) * 8f;
                    float m = (float) (Math.log(Math.abs(v) + 1f) / Math.log(2.0));
                    t[(a * size + c) * 2 + k] = Math.signum(v) * m / 3f;
                }
            }
        }
        return Tensor.wrap(Shape.of(1, size, size, 2), t);
    }
}
