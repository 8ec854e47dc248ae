package dev.jprune.zoo;

import dev.jprune.ir.GraphBuilder;
import dev.jprune.ir.Op;
import dev.jprune.ir.Value;
import dev.jprune.ops.BatchNorm2d;
import dev.jprune.ops.Conv2d;

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
        try (GraphBuilder.Scope s = b.scope(name)) {
            x = b.module("0", Conv2d.of(in, out, k, stride, (k - 1) / 2, groups, false), x);
            x = b.module("1", BatchNorm2d.of(out), x);
            if (activation != null) {
                x = b.module("2", activation.get(), x);
            }
            return x;
        }
    }

    /** The channel count of a 4-D value. */
    static int channels(Value x) {
        return x.shape().dim(1);
    }
}
