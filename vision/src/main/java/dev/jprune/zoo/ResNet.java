package dev.jprune.zoo;

import dev.jprune.ir.Graph;
import dev.jprune.ir.GraphBuilder;
import dev.jprune.ir.Value;
import dev.jprune.ops.Add;
import dev.jprune.ops.AdaptiveAvgPool2d;
import dev.jprune.ops.BatchNorm2d;
import dev.jprune.ops.Conv2d;
import dev.jprune.ops.Flatten;
import dev.jprune.ops.Linear;
import dev.jprune.ops.MaxPool2d;
import dev.jprune.ops.ReLU;
import dev.jprune.tensor.Shape;

/**
 * torchvision's ResNet ({@code torchvision.models.resnet}, v1.5: the stride sits on the 3×3 convolution of the
 * bottleneck), with its module and parameter names: {@code conv1, bn1, relu, maxpool, layer1..4, avgpool, fc}.
 * ResNeXt and Wide ResNet are the same network with another bottleneck width: {@code groups} and
 * {@code width_per_group} give the 3×3 convolution {@code planes · width_per_group / 64 · groups} channels in
 * {@code groups} groups (1 and 64 for ResNet).
 */
public final class ResNet {

    private ResNet() {
    }

    /**
     * The block type, per-stage block counts, and the bottleneck's {@code groups} and {@code width_per_group} of a
     * ResNet variant (torchvision's basic block takes only 1 and 64).
     */
    record Config(boolean bottleneck, int[] layers, int groups, int widthPerGroup) {
    }

    static final Config RESNET18 = new Config(false, new int[] {2, 2, 2, 2}, 1, 64);
    static final Config RESNET34 = new Config(false, new int[] {3, 4, 6, 3}, 1, 64);
    static final Config RESNET50 = new Config(true, new int[] {3, 4, 6, 3}, 1, 64);
    static final Config RESNET101 = new Config(true, new int[] {3, 4, 23, 3}, 1, 64);
    static final Config RESNET152 = new Config(true, new int[] {3, 8, 36, 3}, 1, 64);
    static final Config RESNEXT50_32X4D = new Config(true, new int[] {3, 4, 6, 3}, 32, 4);
    static final Config RESNEXT101_32X8D = new Config(true, new int[] {3, 4, 23, 3}, 32, 8);
    static final Config RESNEXT101_64X4D = new Config(true, new int[] {3, 4, 23, 3}, 64, 4);
    static final Config WIDE_RESNET50_2 = new Config(true, new int[] {3, 4, 6, 3}, 1, 128);
    static final Config WIDE_RESNET101_2 = new Config(true, new int[] {3, 4, 23, 3}, 1, 128);

    /** Builds the network for input {@code (N, 3, H, W)} and {@code numClasses} outputs. */
    static Graph build(String name, Config cfg, Shape input, int numClasses) {
        GraphBuilder b = new GraphBuilder(name);
        Value x = b.input("input", input);
        x = b.module("conv1", Conv2d.of(input.dim(1), 64, 7, 2, 3, false), x);
        x = b.module("bn1", BatchNorm2d.of(64), x);
        x = b.module("relu", new ReLU(), x);
        x = b.module("maxpool", MaxPool2d.of(3, 2, 1), x);
        int inplanes = 64;
        int expansion = cfg.bottleneck() ? 4 : 1;
        int[] planes = {64, 128, 256, 512};
        for (int stage = 0; stage < 4; stage++) {
            try (GraphBuilder.Scope s = b.scope("layer" + (stage + 1))) {
                for (int i = 0; i < cfg.layers()[stage]; i++) {
                    int stride = stage > 0 && i == 0 ? 2 : 1;
                    boolean downsample = stride != 1 || inplanes != planes[stage] * expansion;
                    try (GraphBuilder.Scope blk = b.scope(i)) {
                        x = cfg.bottleneck()
                                ? bottleneck(b, x, inplanes, planes[stage], stride, downsample, cfg)
                                : basicBlock(b, x, inplanes, planes[stage], stride, downsample);
                    }
                    inplanes = planes[stage] * expansion;
                }
            }
        }
        x = b.module("avgpool", new AdaptiveAvgPool2d(1, 1), x);
        x = b.call("flatten", new Flatten(1, -1), x);
        x = b.module("fc", Linear.of(512 * expansion, numClasses, true), x);
        return b.build(x);
    }

    private static Value basicBlock(GraphBuilder b, Value x, int inplanes, int planes, int stride, boolean downsample) {
        Value identity = x;
        Value out = b.module("conv1", Conv2d.of(inplanes, planes, 3, stride, 1, false), x);
        out = b.module("bn1", BatchNorm2d.of(planes), out);
        out = b.module("relu", new ReLU(), out);
        out = b.module("conv2", Conv2d.of(planes, planes, 3, 1, 1, false), out);
        out = b.module("bn2", BatchNorm2d.of(planes), out);
        if (downsample) {
            identity = downsample(b, x, inplanes, planes, stride);
        }
        out = b.call("add", new Add(), out, identity);
        return b.module("relu", new ReLU(), out);
    }

    private static Value bottleneck(GraphBuilder b, Value x, int inplanes, int planes, int stride, boolean downsample,
                                    Config cfg) {
        int width = planes * cfg.widthPerGroup() / 64 * cfg.groups();
        Value identity = x;
        Value out = b.module("conv1", Conv2d.of(inplanes, width, 1, 1, 0, false), x);
        out = b.module("bn1", BatchNorm2d.of(width), out);
        out = b.module("relu", new ReLU(), out);
        out = b.module("conv2", Conv2d.of(width, width, 3, stride, 1, cfg.groups(), false), out);
        out = b.module("bn2", BatchNorm2d.of(width), out);
        out = b.module("relu", new ReLU(), out);
        out = b.module("conv3", Conv2d.of(width, planes * 4, 1, 1, 0, false), out);
        out = b.module("bn3", BatchNorm2d.of(planes * 4), out);
        if (downsample) {
            identity = downsample(b, x, inplanes, planes * 4, stride);
        }
        out = b.call("add", new Add(), out, identity);
        return b.module("relu", new ReLU(), out);
    }

    private static Value downsample(GraphBuilder b, Value x, int in, int out, int stride) {
        try (GraphBuilder.Scope s = b.scope("downsample")) {
            Value y = b.module("0", Conv2d.of(in, out, 1, stride, 0, false), x);
            return b.module("1", BatchNorm2d.of(out), y);
        }
    }
}
