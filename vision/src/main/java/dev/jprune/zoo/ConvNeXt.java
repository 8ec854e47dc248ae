package dev.jprune.zoo;

import dev.jprune.ir.Graph;
import dev.jprune.ir.GraphBuilder;
import dev.jprune.ir.Value;
import dev.jprune.ops.AdaptiveAvgPool2d;
import dev.jprune.ops.Add;
import dev.jprune.ops.Conv2d;
import dev.jprune.ops.Flatten;
import dev.jprune.ops.FreeParameter;
import dev.jprune.ops.GELU;
import dev.jprune.ops.LayerNorm;
import dev.jprune.ops.LayerNorm2d;
import dev.jprune.ops.Linear;
import dev.jprune.ops.Mul;
import dev.jprune.ops.Permute;
import dev.jprune.ops.StochasticDepth;
import dev.jprune.tensor.Shape;

/**
 * torchvision's ConvNeXt ({@code torchvision.models.convnext}, Liu et al., "A ConvNet for the 2020s"):
 * {@code features.0} patchify stem (4×4 stride-4 convolution, channels-first LayerNorm), stages
 * {@code features.1, 3, 5, 7} of {@code CNBlock}s, downsampling {@code features.2, 4, 6} (LayerNorm, 2×2 stride-2
 * convolution), {@code avgpool}, {@code classifier} (LayerNorm, flatten, linear).
 *
 * <p>A {@code CNBlock} is: depthwise 7×7 convolution ({@code block.0}), {@code block.1} permute to channels-last,
 * LayerNorm ({@code block.2}, eps 1e-6), linear to 4× width, GELU, linear back, {@code block.6} permute to
 * channels-first; the result is multiplied by the block's {@code layer_scale} parameter ({@code (C, 1, 1)}, a
 * {@link FreeParameter} node named after the block, prunable along its channel axis), passes
 * {@code stochastic_depth} (the identity in eval mode) and is added to the block's input. torchvision's
 * channels-first {@code LayerNorm2d} (stem, downsampling, classifier) is the op {@link LayerNorm2d}, which
 * Torch-Pruning's counter does not count.
 */
public final class ConvNeXt {

    private ConvNeXt() {
    }

    /** Stage widths and block counts, and the stochastic depth probability of the last block. */
    record Config(int[] widths, int[] depths, double stochasticDepthProb) {
    }

    static final Config TINY = new Config(new int[] {96, 192, 384, 768}, new int[] {3, 3, 9, 3}, 0.1);
    static final Config SMALL = new Config(new int[] {96, 192, 384, 768}, new int[] {3, 3, 27, 3}, 0.4);
    static final Config BASE = new Config(new int[] {128, 256, 512, 1024}, new int[] {3, 3, 27, 3}, 0.5);
    static final Config LARGE = new Config(new int[] {192, 384, 768, 1536}, new int[] {3, 3, 27, 3}, 0.5);

    private static final double EPS = 1e-6;

    /** Builds the network for input {@code (N, C, H, W)} and {@code numClasses} outputs. */
    static Graph build(String name, Config cfg, Shape input, int numClasses) {
        GraphBuilder b = new GraphBuilder(name);
        Value x = b.input("input", input);
        int[] widths = cfg.widths();
        int totalBlocks = 0;
        for (int d : cfg.depths()) {
            totalBlocks += d;
        }
        int blockId = 0;
        int idx = 0;
        try (GraphBuilder.Scope f = b.scope("features")) {
            try (GraphBuilder.Scope s = b.scope(idx++)) {
                x = b.module("0", Conv2d.of(input.dim(1), widths[0], 4, 4, 0, true), x);
                x = layerNorm2d(b, "1", x, widths[0]);
            }
            for (int stage = 0; stage < widths.length; stage++) {
                try (GraphBuilder.Scope s = b.scope(idx++)) {
                    for (int i = 0; i < cfg.depths()[stage]; i++) {
                        double p = cfg.stochasticDepthProb() * blockId / (totalBlocks - 1.0);
                        x = block(b, Integer.toString(i), x, widths[stage], p);
                        blockId++;
                    }
                }
                if (stage + 1 < widths.length) {
                    try (GraphBuilder.Scope s = b.scope(idx++)) {
                        x = layerNorm2d(b, "0", x, widths[stage]);
                        x = b.module("1", Conv2d.of(widths[stage], widths[stage + 1], 2, 2, 0, true), x);
                    }
                }
            }
        }
        int last = widths[widths.length - 1];
        x = b.module("avgpool", new AdaptiveAvgPool2d(1, 1), x);
        try (GraphBuilder.Scope s = b.scope("classifier")) {
            x = layerNorm2d(b, "0", x, last);
            x = b.module("1", new Flatten(1, -1), x);
            x = b.module("2", Linear.of(last, numClasses, true), x);
        }
        return b.build(x);
    }

    /** {@code CNBlock} named {@code name} in the current scope. */
    private static Value block(GraphBuilder b, String name, Value input, int dim, double stochasticDepthProb) {
        // the block's own parameter comes first in its state_dict, before those of its sub-modules
        Value layerScale = b.module(name, new FreeParameter("layer_scale", Shape.of(dim, 1, 1), 0));
        try (GraphBuilder.Scope s = b.scope(name)) {
            Value y;
            try (GraphBuilder.Scope blk = b.scope("block")) {
                y = b.module("0", Conv2d.of(dim, dim, 7, 1, 3, dim, true), input);
                y = b.module("1", Permute.of(0, 2, 3, 1), y);
                y = b.module("2", new LayerNorm(Shape.of(dim), EPS, true), y);
                y = b.module("3", Linear.of(dim, 4 * dim, true), y);
                y = b.module("4", GELU.exact(), y);
                y = b.module("5", Linear.of(4 * dim, dim, true), y);
                y = b.module("6", Permute.of(0, 3, 1, 2), y);
            }
            y = b.call("mul", new Mul(), layerScale, y);
            y = b.module("stochastic_depth", new StochasticDepth(stochasticDepthProb, "row"), y);
            return b.call("add", new Add(), y, input);
        }
    }

    /** torchvision's {@code LayerNorm2d} (eps 1e-6) as module {@code name}. */
    private static Value layerNorm2d(GraphBuilder b, String name, Value x, int channels) {
        return b.module(name, new LayerNorm2d(channels, EPS), x);
    }
}
