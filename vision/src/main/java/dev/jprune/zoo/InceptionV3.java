package dev.jprune.zoo;

import dev.jprune.ir.Graph;
import dev.jprune.ir.GraphBuilder;
import dev.jprune.ir.Value;
import dev.jprune.ops.AdaptiveAvgPool2d;
import dev.jprune.ops.AvgPool2d;
import dev.jprune.ops.Concat;
import dev.jprune.ops.Dropout;
import dev.jprune.ops.Flatten;
import dev.jprune.ops.Linear;
import dev.jprune.ops.MaxPool2d;
import dev.jprune.tensor.Shape;

/**
 * torchvision's Inception v3 ({@code torchvision.models.inception_v3}, class {@code Inception3}) in eval mode without
 * the auxiliary classifier ({@code aux_logits=False}: no {@code AuxLogits} module): the BasicConv2d stem
 * {@code Conv2d_1a_3x3 .. Conv2d_4a_3x3} with two max pools, {@code Mixed_5b..5d} (InceptionA), {@code Mixed_6a}
 * (InceptionB), {@code Mixed_6b..6e} (InceptionC, factorised 1×7/7×1), {@code Mixed_7a} (InceptionD),
 * {@code Mixed_7b/7c} (InceptionE, with the inner 1×3/3×1 concatenations), {@code avgpool}, {@code dropout},
 * {@code fc}. The pooling branches use functional {@code avg_pool2d}/{@code max_pool2d}, which Torch-Pruning does not
 * count. The smallest input is 75×75. {@code transformInput} is torchvision's {@code transform_input} (see
 * {@link GoogLeNet}): False for the zoo's model, as for {@code inception_v3(weights=None)} and the reference.
 */
public final class InceptionV3 {

    private InceptionV3() {
    }

    /** Builds the network for input {@code (N, C, H, W)} and {@code numClasses} outputs. */
    static Graph build(String name, Shape input, int numClasses, boolean transformInput) {
        GraphBuilder b = new GraphBuilder(name);
        Value x = b.input("input", input);
        if (transformInput) {
            x = Layers.transformInput(b, x);
        }
        x = Layers.basicConv2d(b, "Conv2d_1a_3x3", x, input.dim(1), 32, 3, 2, 0);
        x = Layers.basicConv2d(b, "Conv2d_2a_3x3", x, 32, 32, 3, 1, 0);
        x = Layers.basicConv2d(b, "Conv2d_2b_3x3", x, 32, 64, 3, 1, 1);
        x = b.module("maxpool1", MaxPool2d.of(3, 2, 0), x);
        x = Layers.basicConv2d(b, "Conv2d_3b_1x1", x, 64, 80, 1, 1, 0);
        x = Layers.basicConv2d(b, "Conv2d_4a_3x3", x, 80, 192, 3, 1, 0);
        x = b.module("maxpool2", MaxPool2d.of(3, 2, 0), x);
        x = inceptionA(b, "Mixed_5b", x, 192, 32);
        x = inceptionA(b, "Mixed_5c", x, 256, 64);
        x = inceptionA(b, "Mixed_5d", x, 288, 64);
        x = inceptionB(b, "Mixed_6a", x, 288);
        x = inceptionC(b, "Mixed_6b", x, 768, 128);
        x = inceptionC(b, "Mixed_6c", x, 768, 160);
        x = inceptionC(b, "Mixed_6d", x, 768, 160);
        x = inceptionC(b, "Mixed_6e", x, 768, 192);
        x = inceptionD(b, "Mixed_7a", x, 768);
        x = inceptionE(b, "Mixed_7b", x, 1280);
        x = inceptionE(b, "Mixed_7c", x, 2048);
        x = b.module("avgpool", new AdaptiveAvgPool2d(1, 1), x);
        x = b.module("dropout", new Dropout(0.5), x);
        x = b.call("flatten", new Flatten(1, -1), x);
        x = b.module("fc", Linear.of(2048, numClasses, true), x);
        return b.build(x);
    }

    /** A BasicConv2d with a 1×n ({@code wide}) or n×1 kernel and the padding that keeps the size. */
    private static Value factorised(GraphBuilder b, String name, Value x, int in, int out, int n, boolean wide) {
        return wide ? Layers.basicConv2d(b, name, x, in, out, 1, n, 1, 0, n / 2)
                : Layers.basicConv2d(b, name, x, in, out, n, 1, 1, n / 2, 0);
    }

    private static Value inceptionA(GraphBuilder b, String name, Value x, int in, int poolFeatures) {
        try (GraphBuilder.Scope s = b.scope(name)) {
            Value b1 = Layers.basicConv2d(b, "branch1x1", x, in, 64, 1, 1, 0);
            Value b5 = Layers.basicConv2d(b, "branch5x5_1", x, in, 48, 1, 1, 0);
            b5 = Layers.basicConv2d(b, "branch5x5_2", b5, 48, 64, 5, 1, 2);
            Value b3 = Layers.basicConv2d(b, "branch3x3dbl_1", x, in, 64, 1, 1, 0);
            b3 = Layers.basicConv2d(b, "branch3x3dbl_2", b3, 64, 96, 3, 1, 1);
            b3 = Layers.basicConv2d(b, "branch3x3dbl_3", b3, 96, 96, 3, 1, 1);
            Value bp = b.call("avg_pool2d", AvgPool2d.of(3, 1, 1), x);
            bp = Layers.basicConv2d(b, "branch_pool", bp, in, poolFeatures, 1, 1, 0);
            return b.call("cat", new Concat(1), b1, b5, b3, bp);
        }
    }

    private static Value inceptionB(GraphBuilder b, String name, Value x, int in) {
        try (GraphBuilder.Scope s = b.scope(name)) {
            Value b3 = Layers.basicConv2d(b, "branch3x3", x, in, 384, 3, 2, 0);
            Value bd = Layers.basicConv2d(b, "branch3x3dbl_1", x, in, 64, 1, 1, 0);
            bd = Layers.basicConv2d(b, "branch3x3dbl_2", bd, 64, 96, 3, 1, 1);
            bd = Layers.basicConv2d(b, "branch3x3dbl_3", bd, 96, 96, 3, 2, 0);
            Value bp = b.call("max_pool2d", MaxPool2d.of(3, 2, 0), x);
            return b.call("cat", new Concat(1), b3, bd, bp);
        }
    }

    private static Value inceptionC(GraphBuilder b, String name, Value x, int in, int c7) {
        try (GraphBuilder.Scope s = b.scope(name)) {
            Value b1 = Layers.basicConv2d(b, "branch1x1", x, in, 192, 1, 1, 0);
            Value b7 = Layers.basicConv2d(b, "branch7x7_1", x, in, c7, 1, 1, 0);
            b7 = factorised(b, "branch7x7_2", b7, c7, c7, 7, true);
            b7 = factorised(b, "branch7x7_3", b7, c7, 192, 7, false);
            Value bd = Layers.basicConv2d(b, "branch7x7dbl_1", x, in, c7, 1, 1, 0);
            bd = factorised(b, "branch7x7dbl_2", bd, c7, c7, 7, false);
            bd = factorised(b, "branch7x7dbl_3", bd, c7, c7, 7, true);
            bd = factorised(b, "branch7x7dbl_4", bd, c7, c7, 7, false);
            bd = factorised(b, "branch7x7dbl_5", bd, c7, 192, 7, true);
            Value bp = b.call("avg_pool2d", AvgPool2d.of(3, 1, 1), x);
            bp = Layers.basicConv2d(b, "branch_pool", bp, in, 192, 1, 1, 0);
            return b.call("cat", new Concat(1), b1, b7, bd, bp);
        }
    }

    private static Value inceptionD(GraphBuilder b, String name, Value x, int in) {
        try (GraphBuilder.Scope s = b.scope(name)) {
            Value b3 = Layers.basicConv2d(b, "branch3x3_1", x, in, 192, 1, 1, 0);
            b3 = Layers.basicConv2d(b, "branch3x3_2", b3, 192, 320, 3, 2, 0);
            Value b7 = Layers.basicConv2d(b, "branch7x7x3_1", x, in, 192, 1, 1, 0);
            b7 = factorised(b, "branch7x7x3_2", b7, 192, 192, 7, true);
            b7 = factorised(b, "branch7x7x3_3", b7, 192, 192, 7, false);
            b7 = Layers.basicConv2d(b, "branch7x7x3_4", b7, 192, 192, 3, 2, 0);
            Value bp = b.call("max_pool2d", MaxPool2d.of(3, 2, 0), x);
            return b.call("cat", new Concat(1), b3, b7, bp);
        }
    }

    private static Value inceptionE(GraphBuilder b, String name, Value x, int in) {
        try (GraphBuilder.Scope s = b.scope(name)) {
            Value b1 = Layers.basicConv2d(b, "branch1x1", x, in, 320, 1, 1, 0);
            Value b3 = Layers.basicConv2d(b, "branch3x3_1", x, in, 384, 1, 1, 0);
            b3 = b.call("cat", new Concat(1), factorised(b, "branch3x3_2a", b3, 384, 384, 3, true),
                    factorised(b, "branch3x3_2b", b3, 384, 384, 3, false));
            Value bd = Layers.basicConv2d(b, "branch3x3dbl_1", x, in, 448, 1, 1, 0);
            bd = Layers.basicConv2d(b, "branch3x3dbl_2", bd, 448, 384, 3, 1, 1);
            bd = b.call("cat", new Concat(1), factorised(b, "branch3x3dbl_3a", bd, 384, 384, 3, true),
                    factorised(b, "branch3x3dbl_3b", bd, 384, 384, 3, false));
            Value bp = b.call("avg_pool2d", AvgPool2d.of(3, 1, 1), x);
            bp = Layers.basicConv2d(b, "branch_pool", bp, in, 192, 1, 1, 0);
            return b.call("cat", new Concat(1), b1, b3, bd, bp);
        }
    }
}
