package dev.jprune.zoo;

import dev.jprune.ir.Graph;
import dev.jprune.ir.GraphBuilder;
import dev.jprune.ir.Value;
import dev.jprune.ops.AdaptiveAvgPool2d;
import dev.jprune.ops.Conv2d;
import dev.jprune.ops.Dropout;
import dev.jprune.ops.Flatten;
import dev.jprune.ops.Linear;
import dev.jprune.ops.MaxPool2d;
import dev.jprune.ops.ReLU;
import dev.jprune.tensor.Shape;

/**
 * torchvision's AlexNet ({@code torchvision.models.alexnet}, the one-GPU variant of "One weird trick"):
 * {@code features} (five convolutions with bias and ReLU, three 3×3 stride-2 max pools), {@code avgpool} to 6×6,
 * {@code classifier} (dropout, 4096, ReLU, dropout, 4096, ReLU, classes). The smallest input is 63×63.
 */
public final class AlexNet {

    private AlexNet() {
    }

    /** Builds the network for input {@code (N, C, H, W)} and {@code numClasses} outputs. */
    static Graph build(String name, Shape input, int numClasses) {
        GraphBuilder b = new GraphBuilder(name);
        Value x = b.input("input", input);
        try (GraphBuilder.Scope s = b.scope("features")) {
            x = b.module("0", Conv2d.of(input.dim(1), 64, 11, 4, 2, true), x);
            x = b.module("1", new ReLU(), x);
            x = b.module("2", MaxPool2d.of(3, 2, 0), x);
            x = b.module("3", Conv2d.of(64, 192, 5, 1, 2, true), x);
            x = b.module("4", new ReLU(), x);
            x = b.module("5", MaxPool2d.of(3, 2, 0), x);
            x = b.module("6", Conv2d.of(192, 384, 3, 1, 1, true), x);
            x = b.module("7", new ReLU(), x);
            x = b.module("8", Conv2d.of(384, 256, 3, 1, 1, true), x);
            x = b.module("9", new ReLU(), x);
            x = b.module("10", Conv2d.of(256, 256, 3, 1, 1, true), x);
            x = b.module("11", new ReLU(), x);
            x = b.module("12", MaxPool2d.of(3, 2, 0), x);
        }
        x = b.module("avgpool", new AdaptiveAvgPool2d(6, 6), x);
        x = b.call("flatten", new Flatten(1, -1), x);
        try (GraphBuilder.Scope s = b.scope("classifier")) {
            x = b.module("0", new Dropout(0.5), x);
            x = b.module("1", Linear.of(256 * 6 * 6, 4096, true), x);
            x = b.module("2", new ReLU(), x);
            x = b.module("3", new Dropout(0.5), x);
            x = b.module("4", Linear.of(4096, 4096, true), x);
            x = b.module("5", new ReLU(), x);
            x = b.module("6", Linear.of(4096, numClasses, true), x);
        }
        return b.build(x);
    }
}
