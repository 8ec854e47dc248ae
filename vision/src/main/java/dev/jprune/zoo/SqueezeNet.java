package dev.jprune.zoo;

import dev.jprune.ir.Graph;
import dev.jprune.ir.GraphBuilder;
import dev.jprune.ir.Value;
import dev.jprune.ops.AdaptiveAvgPool2d;
import dev.jprune.ops.Concat;
import dev.jprune.ops.Conv2d;
import dev.jprune.ops.Dropout;
import dev.jprune.ops.Flatten;
import dev.jprune.ops.MaxPool2d;
import dev.jprune.ops.ReLU;
import dev.jprune.tensor.Shape;

/**
 * torchvision's SqueezeNet 1.0 and 1.1 ({@code torchvision.models.squeezenet}): {@code features} (a stem convolution,
 * ReLU, ceil-mode max pools and eight Fire modules: a 1×1 {@code squeeze}, then {@code expand1x1} and
 * {@code expand3x3} concatenated along the channels), {@code classifier} (dropout 0.5, a 1×1 convolution to the
 * classes, ReLU, global average pooling), flattened. Every convolution has a bias.
 */
public final class SqueezeNet {

    private SqueezeNet() {
    }

    /** A Fire module: squeeze planes, expand 1×1 planes, expand 3×3 planes; 0 marks a max pool. */
    private static final int[][] V1_0 = {
        {16, 64, 64}, {16, 64, 64}, {32, 128, 128}, {0}, {32, 128, 128}, {48, 192, 192}, {48, 192, 192},
        {64, 256, 256}, {0}, {64, 256, 256},
    };
    private static final int[][] V1_1 = {
        {16, 64, 64}, {16, 64, 64}, {0}, {32, 128, 128}, {32, 128, 128}, {0}, {48, 192, 192}, {48, 192, 192},
        {64, 256, 256}, {64, 256, 256},
    };

    /**
     * Builds version {@code "1_0"} (7×7 stride-2 stem to 96 channels) or {@code "1_1"} (3×3 stride-2 stem to 64) for
     * input {@code (N, C, H, W)} and {@code numClasses} outputs.
     */
    static Graph build(String name, String version, Shape input, int numClasses) {
        boolean v10 = switch (version) {
            case "1_0" -> true;
            case "1_1" -> false;
            default -> throw new IllegalArgumentException("SqueezeNet version must be 1_0 or 1_1, got " + version);
        };
        GraphBuilder b = new GraphBuilder(name);
        Value x = b.input("input", input);
        int idx = 0;
        int in = v10 ? 96 : 64;
        try (GraphBuilder.Scope s = b.scope("features")) {
            x = b.module(Integer.toString(idx++), v10 ? Conv2d.of(input.dim(1), 96, 7, 2, 0, true)
                    : Conv2d.of(input.dim(1), 64, 3, 2, 0, true), x);
            x = b.module(Integer.toString(idx++), new ReLU(), x);
            x = b.module(Integer.toString(idx++), MaxPool2d.of(3, 2, 0, true), x);
            for (int[] f : v10 ? V1_0 : V1_1) {
                if (f[0] == 0) {
                    x = b.module(Integer.toString(idx++), MaxPool2d.of(3, 2, 0, true), x);
                    continue;
                }
                try (GraphBuilder.Scope fire = b.scope(idx++)) {
                    x = fire(b, x, in, f[0], f[1], f[2]);
                }
                in = f[1] + f[2];
            }
        }
        try (GraphBuilder.Scope s = b.scope("classifier")) {
            x = b.module("0", new Dropout(0.5), x);
            x = b.module("1", Conv2d.of(in, numClasses, 1, 1, 0, true), x);
            x = b.module("2", new ReLU(), x);
            x = b.module("3", new AdaptiveAvgPool2d(1, 1), x);
        }
        x = b.call("flatten", new Flatten(1, -1), x);
        return b.build(x);
    }

    private static Value fire(GraphBuilder b, Value x, int in, int squeeze, int expand1, int expand3) {
        x = b.module("squeeze", Conv2d.of(in, squeeze, 1, 1, 0, true), x);
        x = b.module("squeeze_activation", new ReLU(), x);
        Value e1 = b.module("expand1x1", Conv2d.of(squeeze, expand1, 1, 1, 0, true), x);
        e1 = b.module("expand1x1_activation", new ReLU(), e1);
        Value e3 = b.module("expand3x3", Conv2d.of(squeeze, expand3, 3, 1, 1, true), x);
        e3 = b.module("expand3x3_activation", new ReLU(), e3);
        return b.call("cat", new Concat(1), e1, e3);
    }
}
