package dev.jprune.zoo;

import dev.jprune.ir.Graph;
import dev.jprune.ir.GraphBuilder;
import dev.jprune.ir.Value;
import dev.jprune.ops.Add;
import dev.jprune.ops.AdaptiveAvgPool2d;
import dev.jprune.ops.BatchNorm2d;
import dev.jprune.ops.Conv2d;
import dev.jprune.ops.Dropout;
import dev.jprune.ops.Flatten;
import dev.jprune.ops.Linear;
import dev.jprune.ops.ReLU6;
import dev.jprune.tensor.Shape;

/**
 * torchvision's MobileNetV2 ({@code torchvision.models.mobilenetv2}): {@code features.0} stem, 17 inverted residual
 * blocks {@code features.1..17} (expansion 1×1, depthwise 3×3, linear 1×1 projection under {@code conv}),
 * {@code features.18} 1×1 to 1280, functional global average pooling, {@code classifier} (dropout 0.2, linear).
 */
public final class MobileNetV2 {

    private MobileNetV2() {
    }

    /** Expansion t, channels c, repeats n, first stride s. */
    private static final int[][] SETTINGS = {
        {1, 16, 1, 1}, {6, 24, 2, 2}, {6, 32, 3, 2}, {6, 64, 4, 2}, {6, 96, 3, 1}, {6, 160, 3, 2}, {6, 320, 1, 1},
    };

    /** torchvision's {@code _make_divisible}: round to the nearest multiple of {@code divisor}, never below 90 %. */
    static int makeDivisible(double v, int divisor) {
        int newV = Math.max(divisor, (int) (v + divisor / 2.0) / divisor * divisor);
        if (newV < 0.9 * v) {
            newV += divisor;
        }
        return newV;
    }

    /** Builds the network with width multiplier {@code width} for input {@code (N, C, H, W)}. */
    static Graph build(String name, double width, Shape input, int numClasses) {
        GraphBuilder b = new GraphBuilder(name);
        Value x = b.input("input", input);
        int inputChannel = makeDivisible(32 * width, 8);
        int lastChannel = makeDivisible(1280 * Math.max(1.0, width), 8);
        int idx = 0;
        try (GraphBuilder.Scope s = b.scope("features")) {
            x = Layers.convBnAct(b, Integer.toString(idx++), x, input.dim(1), inputChannel, 3, 2, 1, ReLU6::new);
            for (int[] st : SETTINGS) {
                int out = makeDivisible(st[1] * width, 8);
                for (int i = 0; i < st[2]; i++) {
                    int stride = i == 0 ? st[3] : 1;
                    try (GraphBuilder.Scope blk = b.scope(idx++)) {
                        x = invertedResidual(b, x, inputChannel, out, stride, st[0]);
                    }
                    inputChannel = out;
                }
            }
            x = Layers.convBnAct(b, Integer.toString(idx), x, inputChannel, lastChannel, 1, 1, 1, ReLU6::new);
        }
        x = b.call("adaptive_avg_pool2d", new AdaptiveAvgPool2d(1, 1), x);
        x = b.call("flatten", new Flatten(1, -1), x);
        try (GraphBuilder.Scope s = b.scope("classifier")) {
            x = b.module("0", new Dropout(0.2), x);
            x = b.module("1", Linear.of(lastChannel, numClasses, true), x);
        }
        return b.build(x);
    }

    private static Value invertedResidual(GraphBuilder b, Value x, int inp, int oup, int stride, int expand) {
        int hidden = (int) Math.round(inp * (double) expand);
        boolean residual = stride == 1 && inp == oup;
        Value y = x;
        try (GraphBuilder.Scope s = b.scope("conv")) {
            int i = 0;
            if (expand != 1) {
                y = Layers.convBnAct(b, Integer.toString(i++), y, inp, hidden, 1, 1, 1, ReLU6::new);
            }
            y = Layers.convBnAct(b, Integer.toString(i++), y, hidden, hidden, 3, stride, hidden, ReLU6::new);
            y = b.module(Integer.toString(i++), Conv2d.of(hidden, oup, 1, 1, 0, false), y);
            y = b.module(Integer.toString(i), BatchNorm2d.of(oup), y);
        }
        return residual ? b.call("add", new Add(), x, y) : y;
    }
}
