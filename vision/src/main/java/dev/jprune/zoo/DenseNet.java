package dev.jprune.zoo;

import dev.jprune.ir.Graph;
import dev.jprune.ir.GraphBuilder;
import dev.jprune.ir.Value;
import dev.jprune.ops.AdaptiveAvgPool2d;
import dev.jprune.ops.AvgPool2d;
import dev.jprune.ops.BatchNorm2d;
import dev.jprune.ops.Concat;
import dev.jprune.ops.Conv2d;
import dev.jprune.ops.Flatten;
import dev.jprune.ops.Linear;
import dev.jprune.ops.MaxPool2d;
import dev.jprune.ops.ReLU;
import dev.jprune.tensor.Shape;

import java.util.ArrayList;
import java.util.List;

/**
 * torchvision's DenseNet-BC ({@code torchvision.models.densenet}) in eval mode: {@code features} ({@code conv0},
 * {@code norm0}, {@code relu0}, {@code pool0}, dense blocks {@code denseblock1..4} separated by
 * {@code transition1..3} — BN, ReLU, 1×1 convolution halving the channels, 2×2 average pool — and {@code norm5}),
 * then a functional ReLU, global average pooling and the {@code classifier}. Each {@code denselayerK} concatenates
 * every earlier feature map of its block ({@code cat}, one input for the first layer, as torchvision's
 * {@code torch.cat([x], 1)}), then {@code norm1, relu1, conv1} (1×1 to {@code bn_size · growth}) and
 * {@code norm2, relu2, conv2} (3×3 to {@code growth}); the block ends with the concatenation of all of them.
 * {@code drop_rate} is 0 in every torchvision variant, so there is no dropout.
 */
public final class DenseNet {

    private DenseNet() {
    }

    /** Growth rate, layers per block, stem width; {@code bn_size} is 4 throughout. */
    record Config(int growthRate, int[] blocks, int initFeatures) {
    }

    static final Config DENSENET121 = new Config(32, new int[] {6, 12, 24, 16}, 64);
    static final Config DENSENET161 = new Config(48, new int[] {6, 12, 36, 24}, 96);
    static final Config DENSENET169 = new Config(32, new int[] {6, 12, 32, 32}, 64);
    static final Config DENSENET201 = new Config(32, new int[] {6, 12, 48, 32}, 64);

    private static final int BN_SIZE = 4;

    /** Builds the network for input {@code (N, C, H, W)} and {@code numClasses} outputs. */
    static Graph build(String name, Config cfg, Shape input, int numClasses) {
        GraphBuilder b = new GraphBuilder(name);
        Value x = b.input("input", input);
        int features = cfg.initFeatures();
        try (GraphBuilder.Scope s = b.scope("features")) {
            x = b.module("conv0", Conv2d.of(input.dim(1), features, 7, 2, 3, false), x);
            x = b.module("norm0", BatchNorm2d.of(features), x);
            x = b.module("relu0", new ReLU(), x);
            x = b.module("pool0", MaxPool2d.of(3, 2, 1), x);
            int[] blocks = cfg.blocks();
            for (int i = 0; i < blocks.length; i++) {
                try (GraphBuilder.Scope blk = b.scope("denseblock" + (i + 1))) {
                    x = denseBlock(b, x, features, blocks[i], cfg.growthRate());
                }
                features += blocks[i] * cfg.growthRate();
                if (i != blocks.length - 1) {
                    try (GraphBuilder.Scope t = b.scope("transition" + (i + 1))) {
                        x = b.module("norm", BatchNorm2d.of(features), x);
                        x = b.module("relu", new ReLU(), x);
                        x = b.module("conv", Conv2d.of(features, features / 2, 1, 1, 0, false), x);
                        x = b.module("pool", AvgPool2d.of(2, 2, 0), x);
                    }
                    features /= 2;
                }
            }
            x = b.module("norm5", BatchNorm2d.of(features), x);
        }
        x = b.call("relu", new ReLU(), x);
        x = b.call("adaptive_avg_pool2d", new AdaptiveAvgPool2d(1, 1), x);
        x = b.call("flatten", new Flatten(1, -1), x);
        x = b.module("classifier", Linear.of(features, numClasses, true), x);
        return b.build(x);
    }

    private static Value denseBlock(GraphBuilder b, Value x, int in, int layers, int growth) {
        List<Value> features = new ArrayList<>();
        features.add(x);
        for (int i = 0; i < layers; i++) {
            try (GraphBuilder.Scope s = b.scope("denselayer" + (i + 1))) {
                Value y = b.call("cat", new Concat(1), features.toArray(new Value[0]));
                y = b.module("norm1", BatchNorm2d.of(in + i * growth), y);
                y = b.module("relu1", new ReLU(), y);
                y = b.module("conv1", Conv2d.of(in + i * growth, BN_SIZE * growth, 1, 1, 0, false), y);
                y = b.module("norm2", BatchNorm2d.of(BN_SIZE * growth), y);
                y = b.module("relu2", new ReLU(), y);
                y = b.module("conv2", Conv2d.of(BN_SIZE * growth, growth, 3, 1, 1, false), y);
                features.add(y);
            }
        }
        return b.call("cat", new Concat(1), features.toArray(new Value[0]));
    }
}
