package dev.jprune.zoo;

import dev.jprune.ir.GraphBuilder;
import dev.jprune.ir.Op;
import dev.jprune.ir.Value;
import dev.jprune.ops.AdaptiveAvgPool2d;
import dev.jprune.ops.BatchNorm2d;
import dev.jprune.ops.Conv2d;
import dev.jprune.ops.Mul;

import java.util.function.IntFunction;
import java.util.function.Supplier;

/** Building blocks shared by the zoo models, named as torchvision names them. */
final class Layers {

    private Layers() {
    }

    /**
     * torchvision's {@code Conv2dNormActivation} (a Sequential): {@code .0} conv without bias, {@code .1}
     * BatchNorm2d, {@code .2} the activation (omitted when {@code activation} is null). Padding is
     * {@code (k − 1) / 2}.
     */
    static Value convBnAct(GraphBuilder b, String name, Value x, int in, int out, int k, int stride, int groups,
                           Supplier<Op> activation) {
        return convBnAct(b, name, x, in, out, k, stride, groups, BatchNorm2d::of, activation);
    }

    /**
     * {@link #convBnAct(GraphBuilder, String, Value, int, int, int, int, int, Supplier)} with another norm layer:
     * {@code norm} makes it for a channel count (torchvision's {@code norm_layer}, e.g. a BatchNorm2d with
     * {@code eps=1e-3}).
     */
    static Value convBnAct(GraphBuilder b, String name, Value x, int in, int out, int k, int stride, int groups,
                           IntFunction<Op> norm, Supplier<Op> activation) {
        try (GraphBuilder.Scope s = b.scope(name)) {
            x = b.module("0", Conv2d.of(in, out, k, stride, (k - 1) / 2, groups, false), x);
            x = b.module("1", norm.apply(out), x);
            if (activation != null) {
                x = b.module("2", activation.get(), x);
            }
            return x;
        }
    }

    /**
     * torchvision's {@code ops.SqueezeExcitation} on {@code (N, C, H, W)} under {@code name}: {@code avgpool}
     * (AdaptiveAvgPool2d(1)), {@code fc1} (1×1 conv {@code C → squeeze} with bias), {@code activation},
     * {@code fc2} (1×1 conv {@code squeeze → C} with bias), {@code scale_activation}, then the functional
     * {@code scale * input} ({@code name.mul}).
     */
    static Value squeezeExcitation(GraphBuilder b, String name, Value x, int channels, int squeeze,
                                   Supplier<Op> activation, Supplier<Op> scaleActivation) {
        try (GraphBuilder.Scope s = b.scope(name)) {
            Value scale = b.module("avgpool", AdaptiveAvgPool2d.of(1), x);
            scale = b.module("fc1", Conv2d.of(channels, squeeze, 1, 1, 0, true), scale);
            scale = b.module("activation", activation.get(), scale);
            scale = b.module("fc2", Conv2d.of(squeeze, channels, 1, 1, 0, true), scale);
            scale = b.module("scale_activation", scaleActivation.get(), scale);
            return b.call("mul", new Mul(), scale, x);
        }
    }

    /** The channel count of a 4-D value. */
    static int channels(Value x) {
        return x.shape().dim(1);
    }
}
