package dev.jprune.zoo;

import dev.jprune.ir.Graph;
import dev.jprune.ir.GraphBuilder;
import dev.jprune.ir.Value;
import dev.jprune.ops.AdaptiveAvgPool2d;
import dev.jprune.ops.BatchNorm2d;
import dev.jprune.ops.Conv2d;
import dev.jprune.ops.Flatten;
import dev.jprune.ops.Linear;
import dev.jprune.ops.MaxPool2d;
import dev.jprune.ops.ReLU;
import dev.jprune.tensor.Shape;

/**
 * The CIFAR VGG of Torch-Pruning's CIFAR benchmarks ({@code vgg19} there is {@code vgg19_bn} of its
 * {@code models/cifar/vgg.py}): five blocks {@code block0..4} of 3×3 convolutions with bias, BatchNorm and ReLU
 * (the block's last ReLU is applied outside it), 2×2 max pools {@code pool0..2} between the first four blocks
 * ({@code pool3} only for 64×64 inputs, as there), {@code pool4} global average pooling and one
 * {@code classifier} Linear from 512 features.
 */
public final class CifarVgg {

    /** Configuration E (VGG-19) per block. */
    static final int[][] CFG_E = {{64, 64}, {128, 128}, {256, 256, 256, 256}, {512, 512, 512, 512}, {512, 512, 512, 512}};

    private CifarVgg() {
    }

    /** Builds the network for input {@code (N, C, H, W)}. */
    static Graph build(String name, int[][] cfg, Shape input, int numClasses) {
        GraphBuilder b = new GraphBuilder(name);
        Value x = b.input("input", input);
        int in = input.dim(1);
        for (int blk = 0; blk < cfg.length; blk++) {
            int idx = 0;
            try (GraphBuilder.Scope s = b.scope("block" + blk)) {
                for (int j = 0; j < cfg[blk].length; j++) {
                    int v = cfg[blk][j];
                    x = b.module(Integer.toString(idx++), Conv2d.of(in, v, 3, 1, 1, true), x);
                    x = b.module(Integer.toString(idx++), BatchNorm2d.of(v), x);
                    if (j < cfg[blk].length - 1) {
                        x = b.module(Integer.toString(idx++), new ReLU(), x);
                    }
                    in = v;
                }
            }
            x = b.call("relu", new ReLU(), x);
            if (blk < 3 || (blk == 3 && input.dim(2) == 64)) {
                x = b.module("pool" + blk, MaxPool2d.of(2, 2, 0), x);
            }
        }
        x = b.module("pool4", new AdaptiveAvgPool2d(1, 1), x);
        x = b.call("view", new Flatten(1, -1), x);
        x = b.module("classifier", Linear.of(in, numClasses, true), x);
        return b.build(x);
    }
}
