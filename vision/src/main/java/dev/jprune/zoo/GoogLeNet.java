package dev.jprune.zoo;

import dev.jprune.ir.Graph;
import dev.jprune.ir.GraphBuilder;
import dev.jprune.ir.Value;
import dev.jprune.ops.AdaptiveAvgPool2d;
import dev.jprune.ops.Concat;
import dev.jprune.ops.Dropout;
import dev.jprune.ops.Flatten;
import dev.jprune.ops.Linear;
import dev.jprune.ops.MaxPool2d;
import dev.jprune.tensor.Shape;

/**
 * torchvision's GoogLeNet (Inception v1, {@code torchvision.models.googlenet}) in eval mode without the auxiliary
 * classifiers ({@code aux_logits=False}: no {@code aux1}/{@code aux2} modules): BasicConv2d stem {@code conv1..3}
 * with ceil-mode max pools, nine Inception blocks ({@code inception3a..5b}; branches {@code branch1},
 * {@code branch2.0/1}, {@code branch3.0/1} — 3×3, torchvision's known substitute for 5×5 — and {@code branch4}: a
 * 3×3 max pool then a 1×1 projection, concatenated), {@code avgpool}, {@code dropout}, {@code fc}.
 *
 * <p>{@code transformInput} is torchvision's {@code transform_input}: False for {@code googlenet(weights=None)}, the
 * zoo's model and the reference's; torchvision's ImageNet weights were trained with it True (the builder sets it
 * when loading them), which re-normalises each input channel from ImageNet's statistics to {@code (x − 0.5) / 0.5}.
 */
public final class GoogLeNet {

    private GoogLeNet() {
    }

    /** Per block: in, ch1x1, ch3x3red, ch3x3, ch5x5red, ch5x5, pool_proj. */
    private static final int[][] BLOCKS = {
        {192, 64, 96, 128, 16, 32, 32}, {256, 128, 128, 192, 32, 96, 64},
        {480, 192, 96, 208, 16, 48, 64}, {512, 160, 112, 224, 24, 64, 64}, {512, 128, 128, 256, 24, 64, 64},
        {512, 112, 144, 288, 32, 64, 64}, {528, 256, 160, 320, 32, 128, 128},
        {832, 256, 160, 320, 32, 128, 128}, {832, 384, 192, 384, 48, 128, 128},
    };
    private static final String[] NAMES = {"3a", "3b", "4a", "4b", "4c", "4d", "4e", "5a", "5b"};

    /** Builds the network for input {@code (N, C, H, W)} and {@code numClasses} outputs. */
    static Graph build(String name, Shape input, int numClasses, boolean transformInput) {
        GraphBuilder b = new GraphBuilder(name);
        Value x = b.input("input", input);
        if (transformInput) {
            x = Layers.transformInput(b, x);
        }
        x = Layers.basicConv2d(b, "conv1", x, input.dim(1), 64, 7, 2, 3);
        x = b.module("maxpool1", MaxPool2d.of(3, 2, 0, true), x);
        x = Layers.basicConv2d(b, "conv2", x, 64, 64, 1, 1, 0);
        x = Layers.basicConv2d(b, "conv3", x, 64, 192, 3, 1, 1);
        x = b.module("maxpool2", MaxPool2d.of(3, 2, 0, true), x);
        for (int i = 0; i < BLOCKS.length; i++) {
            try (GraphBuilder.Scope s = b.scope("inception" + NAMES[i])) {
                x = inception(b, x, BLOCKS[i]);
            }
            if (NAMES[i].equals("3b")) {
                x = b.module("maxpool3", MaxPool2d.of(3, 2, 0, true), x);
            } else if (NAMES[i].equals("4e")) {
                x = b.module("maxpool4", MaxPool2d.of(2, 2, 0, true), x);
            }
        }
        x = b.module("avgpool", new AdaptiveAvgPool2d(1, 1), x);
        x = b.call("flatten", new Flatten(1, -1), x);
        x = b.module("dropout", new Dropout(0.2), x);
        x = b.module("fc", Linear.of(1024, numClasses, true), x);
        return b.build(x);
    }

    private static Value inception(GraphBuilder b, Value x, int[] c) {
        Value b1 = Layers.basicConv2d(b, "branch1", x, c[0], c[1], 1, 1, 0);
        Value b2;
        try (GraphBuilder.Scope s = b.scope("branch2")) {
            b2 = Layers.basicConv2d(b, "0", x, c[0], c[2], 1, 1, 0);
            b2 = Layers.basicConv2d(b, "1", b2, c[2], c[3], 3, 1, 1);
        }
        Value b3;
        try (GraphBuilder.Scope s = b.scope("branch3")) {
            b3 = Layers.basicConv2d(b, "0", x, c[0], c[4], 1, 1, 0);
            b3 = Layers.basicConv2d(b, "1", b3, c[4], c[5], 3, 1, 1);
        }
        Value b4;
        try (GraphBuilder.Scope s = b.scope("branch4")) {
            b4 = b.module("0", MaxPool2d.of(3, 1, 1, true), x);
            b4 = Layers.basicConv2d(b, "1", b4, c[0], c[6], 1, 1, 0);
        }
        return b.call("cat", new Concat(1), b1, b2, b3, b4);
    }
}
