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
import dev.jprune.ops.Hardsigmoid;
import dev.jprune.ops.Hardswish;
import dev.jprune.ops.Linear;
import dev.jprune.ops.ReLU;
import dev.jprune.tensor.Shape;

import java.util.function.IntFunction;
import java.util.function.Supplier;

/**
 * torchvision's MobileNetV3 ({@code torchvision.models.mobilenetv3}), large and small, width 1.0, no dilation:
 * {@code features.0} stem (3×3 stride 2, Hardswish), inverted residual blocks {@code features.1..n} (each a
 * Sequential {@code block}: optional 1×1 expansion, depthwise k×k, optional squeeze-excitation with ReLU and
 * Hardsigmoid, linear 1×1 projection; residual add when the shape is kept), a 1×1 conv to six times the last width
 * (Hardswish), {@code avgpool}, functional flatten, {@code classifier} (Linear, Hardswish, Dropout 0.2, Linear).
 * Every BatchNorm has {@code eps=0.001, momentum=0.01}.
 */
public final class MobileNetV3 {

    private MobileNetV3() {
    }

    /**
     * One row of Tables 1 and 2 of the paper: input channels, kernel, expanded channels, output channels,
     * squeeze-excitation, Hardswish (else ReLU), stride.
     */
    record Bneck(int in, int kernel, int expanded, int out, boolean se, boolean hardswish, int stride) {
    }

    /** The large variant's blocks; last channel 1280. */
    static final Bneck[] LARGE = {
        new Bneck(16, 3, 16, 16, false, false, 1),
        new Bneck(16, 3, 64, 24, false, false, 2),
        new Bneck(24, 3, 72, 24, false, false, 1),
        new Bneck(24, 5, 72, 40, true, false, 2),
        new Bneck(40, 5, 120, 40, true, false, 1),
        new Bneck(40, 5, 120, 40, true, false, 1),
        new Bneck(40, 3, 240, 80, false, true, 2),
        new Bneck(80, 3, 200, 80, false, true, 1),
        new Bneck(80, 3, 184, 80, false, true, 1),
        new Bneck(80, 3, 184, 80, false, true, 1),
        new Bneck(80, 3, 480, 112, true, true, 1),
        new Bneck(112, 3, 672, 112, true, true, 1),
        new Bneck(112, 5, 672, 160, true, true, 2),
        new Bneck(160, 5, 960, 160, true, true, 1),
        new Bneck(160, 5, 960, 160, true, true, 1),
    };

    /** The small variant's blocks; last channel 1024. */
    static final Bneck[] SMALL = {
        new Bneck(16, 3, 16, 16, true, false, 2),
        new Bneck(16, 3, 72, 24, false, false, 2),
        new Bneck(24, 3, 88, 24, false, false, 1),
        new Bneck(24, 5, 96, 40, true, true, 2),
        new Bneck(40, 5, 240, 40, true, true, 1),
        new Bneck(40, 5, 240, 40, true, true, 1),
        new Bneck(40, 5, 120, 48, true, true, 1),
        new Bneck(48, 5, 144, 48, true, true, 1),
        new Bneck(48, 5, 288, 96, true, true, 2),
        new Bneck(96, 5, 576, 96, true, true, 1),
        new Bneck(96, 5, 576, 96, true, true, 1),
    };

    private static final IntFunction<Op> NORM = c -> new BatchNorm2d(c, 0.001, 0.01, true);

    /** {@code mobilenet_v3_large}. */
    static Graph large(String name, Shape input, int numClasses) {
        return build(name, LARGE, 1280, input, numClasses);
    }

    /** {@code mobilenet_v3_small}. */
    static Graph small(String name, Shape input, int numClasses) {
        return build(name, SMALL, 1024, input, numClasses);
    }

    /** Builds the network from its block table and the width of the classifier's hidden layer. */
    static Graph build(String name, Bneck[] setting, int lastChannel, Shape input, int numClasses) {
        GraphBuilder b = new GraphBuilder(name);
        Value x = b.input("input", input);
        int idx = 0;
        int lastConvOut;
        try (GraphBuilder.Scope s = b.scope("features")) {
            int stem = adjust(setting[0].in());
            x = Layers.convBnAct(b, Integer.toString(idx++), x, input.dim(1), stem, 3, 2, 1, NORM, Hardswish::new);
            for (Bneck cnf : setting) {
                try (GraphBuilder.Scope blk = b.scope(idx++)) {
                    x = invertedResidual(b, x, cnf);
                }
            }
            int lastConvIn = adjust(setting[setting.length - 1].out());
            lastConvOut = 6 * lastConvIn;
            x = Layers.convBnAct(b, Integer.toString(idx), x, lastConvIn, lastConvOut, 1, 1, 1, NORM, Hardswish::new);
        }
        x = b.module("avgpool", AdaptiveAvgPool2d.of(1), x);
        x = b.call("flatten", new Flatten(1, -1), x);
        try (GraphBuilder.Scope s = b.scope("classifier")) {
            x = b.module("0", Linear.of(lastConvOut, lastChannel, true), x);
            x = b.module("1", new Hardswish(), x);
            x = b.module("2", new Dropout(0.2), x);
            x = b.module("3", Linear.of(lastChannel, numClasses, true), x);
        }
        return b.build(x);
    }

    /** torchvision's {@code InvertedResidualConfig.adjust_channels} at width 1.0. */
    private static int adjust(int channels) {
        return MobileNetV2.makeDivisible(channels, 8);
    }

    private static Value invertedResidual(GraphBuilder b, Value x, Bneck cnf) {
        int in = adjust(cnf.in());
        int expanded = adjust(cnf.expanded());
        int out = adjust(cnf.out());
        Supplier<Op> act = cnf.hardswish() ? Hardswish::new : ReLU::new;
        Value y = x;
        try (GraphBuilder.Scope s = b.scope("block")) {
            int i = 0;
            if (expanded != in) {
                y = Layers.convBnAct(b, Integer.toString(i++), y, in, expanded, 1, 1, 1, NORM, act);
            }
            y = Layers.convBnAct(b, Integer.toString(i++), y, expanded, expanded, cnf.kernel(), cnf.stride(), expanded,
                    NORM, act);
            if (cnf.se()) {
                int squeeze = MobileNetV2.makeDivisible(expanded / 4, 8);
                y = Layers.squeezeExcitation(b, Integer.toString(i++), y, expanded, squeeze, ReLU::new,
                        Hardsigmoid::new);
            }
            y = Layers.convBnAct(b, Integer.toString(i), y, expanded, out, 1, 1, 1, NORM, null);
        }
        boolean residual = cnf.stride() == 1 && in == out;
        return residual ? b.call("add", new Add(), y, x) : y;
    }
}
