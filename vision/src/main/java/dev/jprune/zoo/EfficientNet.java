package dev.jprune.zoo;

import dev.jprune.ir.Graph;
import dev.jprune.ir.GraphBuilder;
import dev.jprune.ir.Op;
import dev.jprune.ir.Value;
import dev.jprune.ops.AdaptiveAvgPool2d;
import dev.jprune.ops.Add;
import dev.jprune.ops.BatchNorm2d;
import dev.jprune.ops.Dropout;
import dev.jprune.ops.Flatten;
import dev.jprune.ops.Linear;
import dev.jprune.ops.SiLU;
import dev.jprune.ops.Sigmoid;
import dev.jprune.ops.StochasticDepth;
import dev.jprune.tensor.Shape;

import java.util.function.IntFunction;

/**
 * torchvision's EfficientNet B0–B7 and EfficientNetV2 S/M/L ({@code torchvision.models.efficientnet}):
 * {@code features.0} stem (3×3 stride 2, SiLU), one Sequential per stage {@code features.1..n} of MBConv blocks
 * (optional 1×1 expansion, depthwise k×k, squeeze-excitation with SiLU and Sigmoid, linear 1×1 projection) or, in
 * V2's first stages, FusedMBConv blocks (k×k expansion, linear 1×1 projection; a single k×k conv when not
 * expanding), each under {@code block} with {@code stochastic_depth} (identity in eval mode) and a residual add when
 * the shape is kept; then a 1×1 conv ({@code features.n+1}), {@code avgpool}, functional flatten and
 * {@code classifier} (Dropout, Linear). The stochastic depth probability grows linearly from 0 to 0.2 over the
 * blocks, as torchvision's.
 */
public final class EfficientNet {

    private EfficientNet() {
    }

    /**
     * One stage: expansion ratio, kernel, first stride, input and output channels, number of blocks, and whether
     * the blocks are FusedMBConv. For B0–B7 the channels and block counts are those of B0, scaled by the variant.
     */
    record Stage(double expand, int kernel, int stride, int in, int out, int layers, boolean fused) {
    }

    /**
     * A variant: stages (already scaled), dropout, last conv width (0: four times the last stage's output), and
     * the BatchNorm's eps and momentum.
     */
    record Variant(Stage[] stages, double dropout, int lastChannel, double bnEps, double bnMomentum) {
    }

    private static final double[][] B0 = {
        {1, 3, 1, 32, 16, 1}, {6, 3, 2, 16, 24, 2}, {6, 5, 2, 24, 40, 2}, {6, 3, 2, 40, 80, 3}, {6, 5, 1, 80, 112, 3},
        {6, 5, 2, 112, 192, 4}, {6, 3, 1, 192, 320, 1},
    };
    /** V2 rows, expansion, kernel, stride, in, out, layers, fused (1) or not (0). */
    private static final double[][] V2_S = {
        {1, 3, 1, 24, 24, 2, 1}, {4, 3, 2, 24, 48, 4, 1}, {4, 3, 2, 48, 64, 4, 1}, {4, 3, 2, 64, 128, 6, 0},
        {6, 3, 1, 128, 160, 9, 0}, {6, 3, 2, 160, 256, 15, 0},
    };
    private static final double[][] V2_M = {
        {1, 3, 1, 24, 24, 3, 1}, {4, 3, 2, 24, 48, 5, 1}, {4, 3, 2, 48, 80, 5, 1}, {4, 3, 2, 80, 160, 7, 0},
        {6, 3, 1, 160, 176, 14, 0}, {6, 3, 2, 176, 304, 18, 0}, {6, 3, 1, 304, 512, 5, 0},
    };
    private static final double[][] V2_L = {
        {1, 3, 1, 32, 32, 4, 1}, {4, 3, 2, 32, 64, 7, 1}, {4, 3, 2, 64, 96, 7, 1}, {4, 3, 2, 96, 192, 10, 0},
        {6, 3, 1, 192, 224, 19, 0}, {6, 3, 2, 224, 384, 25, 0}, {6, 3, 1, 384, 640, 7, 0},
    };

    private static final double STOCHASTIC_DEPTH = 0.2;

    /**
     * EfficientNet B{@code k} with torchvision's width and depth multipliers and dropout; B5–B7 use BatchNorm
     * {@code eps=0.001, momentum=0.01}.
     */
    static Variant b(double width, double depth, double dropout, boolean tfNorm) {
        Stage[] stages = new Stage[B0.length];
        for (int i = 0; i < B0.length; i++) {
            double[] r = B0[i];
            stages[i] = new Stage(r[0], (int) r[1], (int) r[2], adjustChannels(r[3], width), adjustChannels(r[4], width),
                    (int) Math.ceil(r[5] * depth), false);
        }
        return new Variant(stages, dropout, 0, tfNorm ? 0.001 : 1e-5, tfNorm ? 0.01 : 0.1);
    }

    /** EfficientNetV2 {@code "s"}, {@code "m"} or {@code "l"}: BatchNorm {@code eps=0.001}, last conv 1280. */
    static Variant v2(String size, double dropout) {
        double[][] rows = switch (size) {
            case "s" -> V2_S;
            case "m" -> V2_M;
            case "l" -> V2_L;
            default -> throw new IllegalArgumentException("EfficientNetV2 size must be s, m or l, got " + size);
        };
        Stage[] stages = new Stage[rows.length];
        for (int i = 0; i < rows.length; i++) {
            double[] r = rows[i];
            stages[i] = new Stage(r[0], (int) r[1], (int) r[2], (int) r[3], (int) r[4], (int) r[5], r[6] != 0);
        }
        return new Variant(stages, dropout, 1280, 0.001, 0.1);
    }

    /** torchvision's {@code _MBConvConfig.adjust_channels}: {@code _make_divisible(channels · width, 8)}. */
    private static int adjustChannels(double channels, double width) {
        return MobileNetV2.makeDivisible(channels * width, 8);
    }

    /** Builds the variant for input {@code (N, C, H, W)} and {@code numClasses} outputs. */
    static Graph build(String name, Variant v, Shape input, int numClasses) {
        IntFunction<Op> norm = c -> new BatchNorm2d(c, v.bnEps(), v.bnMomentum(), true);
        Stage[] stages = v.stages();
        int total = 0;
        for (Stage st : stages) {
            total += st.layers();
        }
        GraphBuilder b = new GraphBuilder(name);
        Value x = b.input("input", input);
        int lastIn = stages[stages.length - 1].out();
        int lastOut = v.lastChannel() > 0 ? v.lastChannel() : 4 * lastIn;
        try (GraphBuilder.Scope s = b.scope("features")) {
            x = Layers.convBnAct(b, "0", x, input.dim(1), stages[0].in(), 3, 2, 1, norm, SiLU::new);
            int blockId = 0;
            for (int i = 0; i < stages.length; i++) {
                Stage st = stages[i];
                try (GraphBuilder.Scope stage = b.scope(i + 1)) {
                    for (int j = 0; j < st.layers(); j++) {
                        int in = j == 0 ? st.in() : st.out();
                        int stride = j == 0 ? st.stride() : 1;
                        double sdProb = STOCHASTIC_DEPTH * blockId / total;
                        try (GraphBuilder.Scope blk = b.scope(j)) {
                            x = st.fused() ? fusedMbConv(b, x, st, in, stride, sdProb, norm)
                                    : mbConv(b, x, st, in, stride, sdProb, norm);
                        }
                        blockId++;
                    }
                }
            }
            x = Layers.convBnAct(b, Integer.toString(stages.length + 1), x, lastIn, lastOut, 1, 1, 1, norm, SiLU::new);
        }
        x = b.module("avgpool", AdaptiveAvgPool2d.of(1), x);
        x = b.call("flatten", new Flatten(1, -1), x);
        try (GraphBuilder.Scope s = b.scope("classifier")) {
            x = b.module("0", new Dropout(v.dropout()), x);
            x = b.module("1", Linear.of(lastOut, numClasses, true), x);
        }
        return b.build(x);
    }

    /** torchvision's {@code MBConv}. */
    private static Value mbConv(GraphBuilder b, Value x, Stage st, int in, int stride, double sdProb,
                                IntFunction<Op> norm) {
        int expanded = adjustChannels(in, st.expand());
        Value y = x;
        try (GraphBuilder.Scope s = b.scope("block")) {
            int i = 0;
            if (expanded != in) {
                y = Layers.convBnAct(b, Integer.toString(i++), y, in, expanded, 1, 1, 1, norm, SiLU::new);
            }
            y = Layers.convBnAct(b, Integer.toString(i++), y, expanded, expanded, st.kernel(), stride, expanded, norm,
                    SiLU::new);
            y = Layers.squeezeExcitation(b, Integer.toString(i++), y, expanded, Math.max(1, in / 4), SiLU::new,
                    Sigmoid::new);
            y = Layers.convBnAct(b, Integer.toString(i), y, expanded, st.out(), 1, 1, 1, norm, null);
        }
        return residual(b, x, y, in, st.out(), stride, sdProb);
    }

    /** torchvision's {@code FusedMBConv}. */
    private static Value fusedMbConv(GraphBuilder b, Value x, Stage st, int in, int stride, double sdProb,
                                     IntFunction<Op> norm) {
        int expanded = adjustChannels(in, st.expand());
        Value y;
        try (GraphBuilder.Scope s = b.scope("block")) {
            if (expanded != in) {
                y = Layers.convBnAct(b, "0", x, in, expanded, st.kernel(), stride, 1, norm, SiLU::new);
                y = Layers.convBnAct(b, "1", y, expanded, st.out(), 1, 1, 1, norm, null);
            } else {
                y = Layers.convBnAct(b, "0", x, in, st.out(), st.kernel(), stride, 1, norm, SiLU::new);
            }
        }
        return residual(b, x, y, in, st.out(), stride, sdProb);
    }

    /** {@code stochastic_depth} then {@code result += input} when stride 1 keeps the channel count. */
    private static Value residual(GraphBuilder b, Value x, Value y, int in, int out, int stride, double sdProb) {
        if (stride != 1 || in != out) {
            return y;
        }
        y = b.module("stochastic_depth", new StochasticDepth(sdProb, "row"), y);
        return b.call("add", new Add(), y, x);
    }
}
