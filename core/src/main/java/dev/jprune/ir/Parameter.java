package dev.jprune.ir;

import dev.jprune.tensor.Tensor;

/**
 * A named tensor of a model: a parameter or buffer with its full {@code state_dict} name
 * ({@code layer1.0.conv1.weight}), its current value and, during training, its gradient.
 *
 * <p>The value is replaced (not resized in place) when the model is pruned or loaded; the tensor returned by
 * {@link #value()} is shared, not copied.
 */
public final class Parameter {

    private final String name;
    private final ParamKind kind;
    private final DType dtype;
    private Tensor value;
    private Tensor grad;

    /** A named tensor holding {@code value} (shared). */
    public Parameter(String name, ParamKind kind, DType dtype, Tensor value) {
        this.name = name;
        this.kind = kind;
        this.dtype = dtype;
        this.value = value;
    }

    /** The full {@code state_dict} name. */
    public String name() {
        return name;
    }

    /** Parameter or buffer. */
    public ParamKind kind() {
        return kind;
    }

    /** The element type it has in PyTorch/ONNX. */
    public DType dtype() {
        return dtype;
    }

    /** The last component of the name ({@code weight}, {@code running_var}). */
    public String leafName() {
        int dot = name.lastIndexOf('.');
        return dot < 0 ? name : name.substring(dot + 1);
    }

    /** The current value (shared). */
    public Tensor value() {
        return value;
    }

    /** Replaces the value; the shape may change (pruning). */
    public void setValue(Tensor value) {
        this.value = value;
    }

    /** The gradient, or {@code null} outside training. */
    public Tensor grad() {
        return grad;
    }

    /** Sets or clears the gradient. */
    public void setGrad(Tensor grad) {
        this.grad = grad;
    }

    /** Whether this is a trainable parameter (not a buffer). */
    public boolean trainable() {
        return kind == ParamKind.PARAMETER;
    }

    @Override
    public String toString() {
        return name + " " + value.shape() + (kind == ParamKind.BUFFER ? " (buffer)" : "");
    }
}
