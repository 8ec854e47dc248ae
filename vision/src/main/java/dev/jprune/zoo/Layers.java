package dev.jprune.zoo;

import dev.jprune.ir.GraphBuilder;
import dev.jprune.ir.Op;
import dev.jprune.ir.Value;
import dev.jprune.ops.AdaptiveAvgPool2d;
import dev.jprune.ops.Add;
import dev.jprune.ops.BatchNorm2d;
import dev.jprune.ops.Constant;
import dev.jprune.ops.Conv2d;
import dev.jprune.ops.Mul;
import dev.jprune.ops.ReLU;
import dev.jprune.tensor.Shape;
import dev.jprune.tensor.Tensor;

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
     * GoogLeNet's and Inception v3's {@code BasicConv2d} module {@code name}: {@code conv} (no bias), {@code bn}
     * (BatchNorm2d with eps 0.001), then a functional ReLU (node {@code name.relu}, not counted by Torch-Pruning).
     */
    static Value basicConv2d(GraphBuilder b, String name, Value x, int in, int out, int kH, int kW, int stride,
                             int padH, int padW) {
        try (GraphBuilder.Scope s = b.scope(name)) {
            x = b.module("conv", new Conv2d(in, out, kH, kW, stride, stride, padH, padW, 1, 1, 1, false), x);
            x = b.module("bn", new BatchNorm2d(out, 1e-3, 0.1, true), x);
            return b.call("relu", new ReLU(), x);
        }
    }

    /** {@link #basicConv2d} with a square kernel {@code k} and padding {@code pad}. */
    static Value basicConv2d(GraphBuilder b, String name, Value x, int in, int out, int k, int stride, int pad) {
        return basicConv2d(b, name, x, in, out, k, k, stride, pad, pad);
    }

    /**
     * GoogLeNet's and Inception v3's {@code transform_input}: channel {@code c} of an RGB input {@code (N, 3, H, W)}
     * becomes {@code x · (std_c / 0.5) + (mean_c − 0.5) / 0.5} with ImageNet's mean and std, mapping
     * ImageNet-normalised pixels to {@code (x − 0.5) / 0.5}. torchvision slices, scales and concatenates the three
     * channels; here one {@code mul} by a per-channel constant ({@code input_scale}, shape {@code (1, 3, 1, 1)}) and
     * one {@code add} ({@code input_shift}) compute the same float32 values.
     */
    static Value transformInput(GraphBuilder b, Value x) {
        if (channels(x) != 3) {
            throw new IllegalArgumentException("transform_input needs an RGB input (N, 3, H, W), got " + x.shape());
        }
        double[] mean = {0.485, 0.456, 0.406};
        double[] std = {0.229, 0.224, 0.225};
        float[] scale = new float[3];
        float[] shift = new float[3];
        for (int c = 0; c < 3; c++) {
            scale[c] = (float) (std[c] / 0.5);
            shift[c] = (float) ((mean[c] - 0.5) / 0.5);
        }
        Value k = b.call("input_scale", new Constant(Tensor.of(Shape.of(1, 3, 1, 1), scale)));
        Value d = b.call("input_shift", new Constant(Tensor.of(Shape.of(1, 3, 1, 1), shift)));
        return b.call("add", new Add(), b.call("mul", new Mul(), x, k), d);
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
