package dev.jprune.ir;

import dev.jprune.tensor.Shape;

/**
 * A parameter or buffer an op declares: its local name ({@code weight}, {@code running_var}), shape, kind and
 * element type. The node that applies the op owns a {@link Parameter} for each spec, named
 * {@code <node name>.<local name>} as in a PyTorch {@code state_dict}.
 */
public record ParamSpec(String name, Shape shape, ParamKind kind, DType dtype) {

    public ParamSpec {
        if (name.isEmpty() || name.contains(".")) {
            throw new IllegalArgumentException("parameter local name must be non-empty without dots: '" + name + "'");
        }
    }

    /** A trainable float parameter. */
    public static ParamSpec param(String name, int... dims) {
        return new ParamSpec(name, Shape.of(dims), ParamKind.PARAMETER, DType.FLOAT32);
    }

    /** A float buffer (not trained, not counted as a parameter), e.g. {@code running_mean}. */
    public static ParamSpec buffer(String name, int... dims) {
        return new ParamSpec(name, Shape.of(dims), ParamKind.BUFFER, DType.FLOAT32);
    }

    /** An integer buffer, e.g. {@code num_batches_tracked} (stored as floats holding whole numbers). */
    public static ParamSpec intBuffer(String name, int... dims) {
        return new ParamSpec(name, Shape.of(dims), ParamKind.BUFFER, DType.INT64);
    }
}
