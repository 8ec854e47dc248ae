package dev.jprune.zoo;

import dev.jprune.ir.Graph;
import dev.jprune.ir.GraphBuilder;
import dev.jprune.ir.Value;
import dev.jprune.ops.AdaptiveAvgPool2d;
import dev.jprune.ops.BatchNorm2d;
import dev.jprune.ops.Conv2d;
import dev.jprune.ops.Dropout;
import dev.jprune.ops.Flatten;
import dev.jprune.ops.Linear;
import dev.jprune.ops.MaxPool2d;
import dev.jprune.ops.ReLU;
import dev.jprune.tensor.Shape;

/**
 * torchvision's VGG ({@code torchvision.models.vgg}): {@code features} (3×3 convolutions with bias, optional
 * BatchNorm, ReLU, 2×2 max pooling), {@code avgpool} to 7×7, {@code classifier} (4096, 4096, classes with ReLU
 * and dropout).
 */
public final class Vgg {

    private Vgg() {
    }

    /** Layer configurations A, B, D, E (VGG-11, 13, 16, 19); 0 marks a max pool. */
    static final int[] CFG_A = {64, 0, 128, 0, 256, 256, 0, 512, 512, 0, 512, 512, 0};
    static final int[] CFG_B = {64, 64, 0, 128, 128, 0, 256, 256, 0, 512, 512, 0, 512, 512, 0};
    static final int[] CFG_D = {64, 64, 0, 128, 128, 0, 256, 256, 256, 0, 512, 512, 512, 0, 512, 512, 512, 0};
    static final int[] CFG_E = {64, 64, 0, 128, 128, 0, 256, 256, 256, 256, 0, 512, 512, 512, 512, 0, 512, 512, 512, 512, 0};

    /** Builds the network for input {@code (N, C, H, W)}. */
    static Graph build(String name, int[] cfg, boolean batchNorm, Shape input, int numClasses) {
        GraphBuilder b = new GraphBuilder(name);
        Value x = b.input("input", input);
        int in = input.dim(1);
        int idx = 0;
        try (GraphBuilder.Scope s = b.scope("features")) {
            for (int v : cfg) {
                if (v == 0) {
                    x = b.module(Integer.toString(idx++), MaxPool2d.of(2, 2, 0), x);
                    continue;
                }
                x = b.module(Integer.toString(idx++), Conv2d.of(in, v, 3, 1, 1, true), x);
                if (batchNorm) {
                    x = b.module(Integer.toString(idx++), BatchNorm2d.of(v), x);
                }
                x = b.module(Integer.toString(idx++), new ReLU(), x);
                in = v;
            }
        }
        x = b.module("avgpool", new AdaptiveAvgPool2d(7, 7), x);
        x = b.call("flatten", new Flatten(1, -1), x);
        try (GraphBuilder.Scope s = b.scope("classifier")) {
            x = b.module("0", Linear.of(in * 7 * 7, 4096, true), x);
            x = b.module("1", new ReLU(), x);
            x = b.module("2", new Dropout(0.5), x);
            x = b.module("3", Linear.of(4096, 4096, true), x);
            x = b.module("4", new ReLU(), x);
            x = b.module("5", new Dropout(0.5), x);
            x = b.module("6", Linear.of(4096, numClasses, true), x);
        }
        return b.build(x);
    }
}
