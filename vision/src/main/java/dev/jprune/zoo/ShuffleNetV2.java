package dev.jprune.zoo;

import dev.jprune.ir.Graph;
import dev.jprune.ir.GraphBuilder;
import dev.jprune.ir.Value;
import dev.jprune.ops.BatchNorm2d;
import dev.jprune.ops.Concat;
import dev.jprune.ops.Conv2d;
import dev.jprune.ops.Linear;
import dev.jprune.ops.MaxPool2d;
import dev.jprune.ops.Mean;
import dev.jprune.ops.ReLU;
import dev.jprune.ops.Reshape;
import dev.jprune.ops.Split;
import dev.jprune.ops.Transpose;
import dev.jprune.tensor.Shape;

/**
 * torchvision's ShuffleNetV2 ({@code torchvision.models.shufflenetv2}, Ma et al.): {@code conv1} (3×3 stride-2
 * convolution, BatchNorm, ReLU), {@code maxpool}, {@code stage2..4} of inverted residual units, {@code conv5} (1×1,
 * BatchNorm, ReLU), global average pooling by the functional {@code x.mean([2, 3])} (node {@code mean}), {@code fc}.
 *
 * <p>A unit with stride 2 concatenates {@code branch1(x)} (depthwise 3×3, BN, 1×1, BN, ReLU) and {@code branch2(x)}
 * (1×1, BN, ReLU, depthwise 3×3, BN, 1×1, BN, ReLU); with stride 1 it chunks its input in two halves along the
 * channels ({@code chunk}), passes the second through {@code branch2} and concatenates ({@code cat}). Then the channel
 * shuffle as torchvision writes it: {@code view} to {@code (N, 2, C/2, H, W)}, {@code transpose(1, 2)}, {@code view}
 * to {@code (N, C, H, W)} (nodes {@code view}, {@code transpose}, {@code view#1} of the unit).
 */
public final class ShuffleNetV2 {

    private ShuffleNetV2() {
    }

    private static final int[] REPEATS = {4, 8, 4};

    static final int[] X0_5 = {24, 48, 96, 192, 1024};
    static final int[] X1_0 = {24, 116, 232, 464, 1024};
    static final int[] X1_5 = {24, 176, 352, 704, 1024};
    static final int[] X2_0 = {24, 244, 488, 976, 2048};

    /** Builds the network with stage output channels {@code channels} for input {@code (N, C, H, W)}. */
    static Graph build(String name, int[] channels, Shape input, int numClasses) {
        GraphBuilder b = new GraphBuilder(name);
        Value x = b.input("input", input);
        try (GraphBuilder.Scope s = b.scope("conv1")) {
            x = b.module("0", Conv2d.of(input.dim(1), channels[0], 3, 2, 1, false), x);
            x = b.module("1", BatchNorm2d.of(channels[0]), x);
            x = b.module("2", new ReLU(), x);
        }
        x = b.module("maxpool", MaxPool2d.of(3, 2, 1), x);
        int in = channels[0];
        for (int stage = 0; stage < REPEATS.length; stage++) {
            int out = channels[stage + 1];
            try (GraphBuilder.Scope s = b.scope("stage" + (stage + 2))) {
                for (int i = 0; i < REPEATS[stage]; i++) {
                    try (GraphBuilder.Scope u = b.scope(i)) {
                        x = unit(b, x, i == 0 ? in : out, out, i == 0 ? 2 : 1);
                    }
                }
            }
            in = out;
        }
        int last = channels[channels.length - 1];
        try (GraphBuilder.Scope s = b.scope("conv5")) {
            x = b.module("0", Conv2d.of(in, last, 1, 1, 0, false), x);
            x = b.module("1", BatchNorm2d.of(last), x);
            x = b.module("2", new ReLU(), x);
        }
        x = b.call("mean", Mean.of(2, 3), x);
        x = b.module("fc", Linear.of(last, numClasses, true), x);
        return b.build(x);
    }

    /** {@code InvertedResidual(inp, oup, stride)}. */
    private static Value unit(GraphBuilder b, Value x, int inp, int oup, int stride) {
        int branch = oup / 2;
        if (stride == 1 && inp != branch * 2) {
            throw new IllegalArgumentException("ShuffleNetV2 unit with stride 1 needs inp == oup, got " + inp + " and "
                    + oup);
        }
        Value out;
        if (stride == 1) {
            Value[] halves = b.callMulti("chunk", Split.chunk(1, 2, Layers.channels(x)), x);
            out = b.call("cat", new Concat(1), halves[0], branch2(b, halves[1], branch, branch, stride));
        } else {
            Value left;
            try (GraphBuilder.Scope s = b.scope("branch1")) {
                left = b.module("0", Conv2d.of(inp, inp, 3, stride, 1, inp, false), x);
                left = b.module("1", BatchNorm2d.of(inp), left);
                left = b.module("2", Conv2d.of(inp, branch, 1, 1, 0, false), left);
                left = b.module("3", BatchNorm2d.of(branch), left);
                left = b.module("4", new ReLU(), left);
            }
            out = b.call("cat", new Concat(1), left, branch2(b, x, inp, branch, stride));
        }
        return channelShuffle(b, out, 2);
    }

    private static Value branch2(GraphBuilder b, Value x, int in, int branch, int stride) {
        try (GraphBuilder.Scope s = b.scope("branch2")) {
            Value y = b.module("0", Conv2d.of(in, branch, 1, 1, 0, false), x);
            y = b.module("1", BatchNorm2d.of(branch), y);
            y = b.module("2", new ReLU(), y);
            y = b.module("3", Conv2d.of(branch, branch, 3, stride, 1, branch, false), y);
            y = b.module("4", BatchNorm2d.of(branch), y);
            y = b.module("5", Conv2d.of(branch, branch, 1, 1, 0, false), y);
            y = b.module("6", BatchNorm2d.of(branch), y);
            return b.module("7", new ReLU(), y);
        }
    }

    /** torchvision's {@code channel_shuffle}: view, transpose(1, 2), view back. */
    private static Value channelShuffle(GraphBuilder b, Value x, int groups) {
        Shape s = x.shape();
        int n = s.dim(0);
        int c = s.dim(1);
        int h = s.dim(2);
        int w = s.dim(3);
        Value y = b.call("view", Reshape.of(n, groups, c / groups, h, w), x);
        y = b.call("transpose", new Transpose(1, 2), y);
        return b.call("view", Reshape.of(n, -1, h, w), y);
    }
}
