package dev.jprune.zoo;

import dev.jprune.ir.Graph;
import dev.jprune.ir.GraphBuilder;
import dev.jprune.ir.Value;
import dev.jprune.ops.Add;
import dev.jprune.ops.AvgPool2d;
import dev.jprune.ops.BatchNorm2d;
import dev.jprune.ops.Conv2d;
import dev.jprune.ops.Flatten;
import dev.jprune.ops.Linear;
import dev.jprune.ops.ReLU;
import dev.jprune.tensor.Shape;

/**
 * The small ResNets for 32×32 images that Torch-Pruning's CIFAR benchmarks use
 * ({@code reproduce/engine/models/cifar/resnet_tiny.py}): depth {@code 6n + 2} with basic blocks, filters
 * 16/16/32/64, a 3×3 stem without pooling, a 1×1 convolution + BatchNorm downsample where the shape changes,
 * {@code AvgPool2d(8)} and {@code fc}. Module names follow that file: {@code conv1, bn1, relu, layer1..3, avgpool,
 * fc}, blocks {@code layerS.I.conv1/bn1/conv2/bn2/downsample.0/downsample.1}.
 */
public final class CifarResNet {

    private static final int[] FILTERS = {16, 16, 32, 64};

    private CifarResNet() {
    }

    /**
     * Builds the depth-{@code depth} network for input {@code (N, C, H, W)}. The final {@code AvgPool2d(8)} expects
     * 8×8 maps, i.e. 32×32 inputs; other sizes are refused with the size that was given.
     */
    static Graph build(String name, int depth, Shape input, int numClasses) {
        if ((depth - 2) % 6 != 0 || depth < 8) {
            throw new IllegalArgumentException(name + ": depth must be 6n + 2 (8, 14, 20, 32, 44, 56, 110), got " + depth);
        }
        if (input.dim(2) != 32 || input.dim(3) != 32) {
            throw new IllegalArgumentException(name + " takes 32×32 images (its avgpool is AvgPool2d(8) on 8×8 maps), got "
                    + input.dim(2) + "×" + input.dim(3));
        }
        int n = (depth - 2) / 6;
        GraphBuilder b = new GraphBuilder(name);
        Value x = b.input("input", input);
        x = b.module("conv1", Conv2d.of(input.dim(1), FILTERS[0], 3, 1, 1, false), x);
        x = b.module("bn1", BatchNorm2d.of(FILTERS[0]), x);
        x = b.module("relu", new ReLU(), x);
        int inplanes = FILTERS[0];
        for (int stage = 0; stage < 3; stage++) {
            int planes = FILTERS[stage + 1];
            try (GraphBuilder.Scope s = b.scope("layer" + (stage + 1))) {
                for (int i = 0; i < n; i++) {
                    int stride = stage > 0 && i == 0 ? 2 : 1;
                    boolean downsample = i == 0 && (stride != 1 || inplanes != planes);
                    try (GraphBuilder.Scope blk = b.scope(i)) {
                        x = basicBlock(b, x, inplanes, planes, stride, downsample);
                    }
                    inplanes = planes;
                }
            }
        }
        x = b.module("avgpool", AvgPool2d.of(8, 8, 0), x);
        x = b.call("view", new Flatten(1, -1), x);
        x = b.module("fc", Linear.of(inplanes, numClasses, true), x);
        return b.build(x);
    }

    private static Value basicBlock(GraphBuilder b, Value x, int inplanes, int planes, int stride, boolean downsample) {
        Value residual = x;
        Value out = b.module("conv1", Conv2d.of(inplanes, planes, 3, stride, 1, false), x);
        out = b.module("bn1", BatchNorm2d.of(planes), out);
        out = b.module("relu", new ReLU(), out);
        out = b.module("conv2", Conv2d.of(planes, planes, 3, 1, 1, false), out);
        out = b.module("bn2", BatchNorm2d.of(planes), out);
        if (downsample) {
            try (GraphBuilder.Scope s = b.scope("downsample")) {
                residual = b.module("0", Conv2d.of(inplanes, planes, 1, stride, 0, false), x);
                residual = b.module("1", BatchNorm2d.of(planes), residual);
            }
        }
        out = b.call("add", new Add(), out, residual);
        return b.call("relu", new ReLU(), out);
    }
}
