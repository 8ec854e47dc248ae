package dev.jprune.zoo;

import dev.jprune.ir.Graph;
import dev.jprune.ir.GraphBuilder;
import dev.jprune.ir.Value;
import dev.jprune.ops.AdaptiveAvgPool2d;
import dev.jprune.ops.Add;
import dev.jprune.ops.BatchNorm2d;
import dev.jprune.ops.Conv2d;
import dev.jprune.ops.Dropout;
import dev.jprune.ops.Linear;
import dev.jprune.ops.ReLU;
import dev.jprune.ops.Squeeze;
import dev.jprune.tensor.Shape;

/**
 * torchvision's MNASNet B1 ({@code torchvision.models.mnasnet}, version 2: the stem scales with the depth
 * multiplier {@code alpha}): one flat Sequential {@code layers} — {@code 0..7} the stem (3×3 stride 2 conv, BN,
 * ReLU, depthwise separable 3×3 without skip), {@code 8..13} six stacks of inverted residuals (each block a
 * Sequential {@code layers} of 1×1 expansion, depthwise k×k, linear 1×1; residual add when the shape is kept),
 * {@code 14..16} 1×1 conv to 1280, BN, ReLU — then the functional {@code x.mean([2, 3])} and {@code classifier}
 * (Dropout 0.2, Linear). Every BatchNorm has momentum {@code 1 − 0.9997}.
 *
 * <p>{@code x.mean([2, 3])} is built from existing ops: a functional AdaptiveAvgPool2d(1) named {@code mean} (the
 * same average, not counted by Torch-Pruning since it is not a module) and a Squeeze of dims 2 and 3 named
 * {@code squeeze}.
 */
public final class Mnasnet {

    private Mnasnet() {
    }

    private static final double BN_MOMENTUM = 1 - 0.9997;
    private static final int[] DEPTHS = {32, 16, 24, 40, 80, 96, 192, 320};
    /** Per stack: kernel, stride, expansion factor, repeats (input and output depths follow DEPTHS). */
    private static final int[][] STACKS = {{3, 2, 3, 3}, {5, 2, 3, 3}, {5, 2, 6, 3}, {3, 1, 6, 2}, {5, 2, 6, 4},
        {3, 1, 6, 1}};

    /** Builds MNASNet with depth multiplier {@code alpha} (0.5, 0.75, 1.0, 1.3) for input {@code (N, C, H, W)}. */
    static Graph build(String name, double alpha, Shape input, int numClasses) {
        int[] d = new int[DEPTHS.length];
        for (int i = 0; i < d.length; i++) {
            // torchvision's _round_to_multiple_of(depth * alpha, 8) is _make_divisible with the same 0.9 bias
            d[i] = MobileNetV2.makeDivisible(DEPTHS[i] * alpha, 8);
        }
        GraphBuilder b = new GraphBuilder(name);
        Value x = b.input("input", input);
        try (GraphBuilder.Scope s = b.scope("layers")) {
            x = b.module("0", Conv2d.of(input.dim(1), d[0], 3, 2, 1, false), x);
            x = b.module("1", bn(d[0]), x);
            x = b.module("2", new ReLU(), x);
            x = b.module("3", Conv2d.of(d[0], d[0], 3, 1, 1, d[0], false), x);
            x = b.module("4", bn(d[0]), x);
            x = b.module("5", new ReLU(), x);
            x = b.module("6", Conv2d.of(d[0], d[1], 1, 1, 0, false), x);
            x = b.module("7", bn(d[1]), x);
            int idx = 8;
            for (int st = 0; st < STACKS.length; st++) {
                int[] c = STACKS[st];
                try (GraphBuilder.Scope stack = b.scope(idx++)) {
                    for (int r = 0; r < c[3]; r++) {
                        try (GraphBuilder.Scope blk = b.scope(r)) {
                            int in = r == 0 ? d[st + 1] : d[st + 2];
                            x = invertedResidual(b, x, in, d[st + 2], c[0], r == 0 ? c[1] : 1, c[2]);
                        }
                    }
                }
            }
            x = b.module(Integer.toString(idx++), Conv2d.of(d[7], 1280, 1, 1, 0, false), x);
            x = b.module(Integer.toString(idx++), bn(1280), x);
            x = b.module(Integer.toString(idx), new ReLU(), x);
        }
        x = b.call("mean", AdaptiveAvgPool2d.of(1), x);
        x = b.call("squeeze", Squeeze.of(2, 3), x);
        try (GraphBuilder.Scope s = b.scope("classifier")) {
            x = b.module("0", new Dropout(0.2), x);
            x = b.module("1", Linear.of(1280, numClasses, true), x);
        }
        return b.build(x);
    }

    private static BatchNorm2d bn(int c) {
        return new BatchNorm2d(c, 1e-5, BN_MOMENTUM, true);
    }

    /** torchvision's {@code _InvertedResidual}: a Sequential {@code layers} of eight modules. */
    private static Value invertedResidual(GraphBuilder b, Value x, int in, int out, int k, int stride, int expansion) {
        int mid = in * expansion;
        Value y;
        try (GraphBuilder.Scope s = b.scope("layers")) {
            y = b.module("0", Conv2d.of(in, mid, 1, 1, 0, false), x);
            y = b.module("1", bn(mid), y);
            y = b.module("2", new ReLU(), y);
            y = b.module("3", Conv2d.of(mid, mid, k, stride, k / 2, mid, false), y);
            y = b.module("4", bn(mid), y);
            y = b.module("5", new ReLU(), y);
            y = b.module("6", Conv2d.of(mid, out, 1, 1, 0, false), y);
            y = b.module("7", bn(out), y);
        }
        return in == out && stride == 1 ? b.call("add", new Add(), y, x) : y;
    }
}
