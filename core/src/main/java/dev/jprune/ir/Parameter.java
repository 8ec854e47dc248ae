package dev.jprune.ir;

import dev.jprune.tensor.Shape;
import dev.jprune.tensor.Tensor;

/**
 * A named tensor of a model: a parameter or buffer with its full {@code state_dict} name
 * ({@code layer1.0.conv1.weight}), its current value and, during training, its gradient.
 *
 * <p>The value is replaced (not resized in place) when the model is pruned or loaded; the tensor returned by
 * {@link #value()} is shared, not copied.
 *
 * <p>A parameter made by {@link #zeros} allocates its zero tensor only when {@link #value()} is first read, so a
 * freshly built model holds no weight storage: counting it ({@link #shape()}) costs nothing, and filling it
 * ({@link #setValue}) never keeps a zero copy beside the new values. This matters for the largest models
 * (RegNetY-128GF: 645 M parameters, 2.6 GB of floats).
 */
public final class Parameter {

    private final String name;
    private final ParamKind kind;
    private final DType dtype;
    /** The shape of the zeros still to allocate; null once a value exists. */
    private Shape pending;
    private volatile Tensor value;
    private Tensor grad;

    /** A named tensor holding {@code value} (shared). */
    public Parameter(String name, ParamKind kind, DType dtype, Tensor value) {
        this.name = name;
        this.kind = kind;
        this.dtype = dtype;
        this.value = value;
    }

    private Parameter(String name, ParamKind kind, DType dtype, Shape shape) {
        this.name = name;
        this.kind = kind;
        this.dtype = dtype;
        this.pending = shape;
    }

    /** A named tensor of zeros of {@code shape}, allocated when {@link #value()} is first read. */
    public static Parameter zeros(String name, ParamKind kind, DType dtype, Shape shape) {
        return new Parameter(name, kind, dtype, shape);
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

    /** The current value (shared); a parameter made by {@link #zeros} allocates its zeros here on first use. */
    public Tensor value() {
        Tensor v = value;
        if (v == null) {
            synchronized (this) {
                v = value;
                if (v == null) {
                    v = Tensor.zeros(pending);
                    value = v;
                    pending = null;
                }
            }
        }
        return v;
    }

    /** The current value's shape, without allocating a pending value. */
    public Shape shape() {
        Tensor v = value;
        if (v != null) {
            return v.shape();
        }
        synchronized (this) {
            return value != null ? value.shape() : pending;
        }
    }

    /** Whether the value's storage exists ({@code false} for a {@link #zeros} parameter not read or set yet). */
    public boolean allocated() {
        return value != null;
    }

    /** Replaces the value; the shape may change (pruning). */
    public void setValue(Tensor value) {
        synchronized (this) {
            this.value = value;
            pending = null;
        }
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
        return name + " " + shape() + (kind == ParamKind.BUFFER ? " (buffer)" : "");
    }
}
