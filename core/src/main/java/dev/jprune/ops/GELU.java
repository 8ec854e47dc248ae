package dev.jprune.ops;

import dev.jprune.exec.BackwardContext;
import dev.jprune.exec.ForwardContext;
import dev.jprune.exec.Saved;
import dev.jprune.ir.Node;
import dev.jprune.ir.Op;
import dev.jprune.ir.axis.AxisLinks;
import dev.jprune.ir.axis.Indices;
import dev.jprune.ir.axis.Port;
import dev.jprune.ops.internal.AxisSupport;
import dev.jprune.ops.internal.ElementwiseSupport;
import dev.jprune.ops.internal.SpecialFunctions;
import dev.jprune.tensor.Shape;
import dev.jprune.tensor.Tensor;

/**
 * {@code nn.GELU} element-wise, any shape. {@code approximate = "none"}: {@code x/2 · (1 + erf(x/√2))};
 * {@code "tanh"}: {@code x/2 · (1 + tanh(√(2/π) · (x + 0.044715 x³)))}. Evaluated in double and rounded once
 * (PyTorch evaluates in float, so results may differ by an ulp or so).
 */
public record GELU(String approximate) implements Op {

    private static final double SQRT_HALF = Math.sqrt(0.5);
    private static final double TANH_SCALE = Math.sqrt(2.0 / Math.PI);
    private static final double TANH_CUBIC = 0.044715;
    private static final double INV_SQRT_2PI = 1.0 / Math.sqrt(2.0 * Math.PI);

    /** Validates {@code approximate}: {@code "none"} or {@code "tanh"}. */
    public GELU {
        if (!"none".equals(approximate) && !"tanh".equals(approximate)) {
            throw new IllegalArgumentException("GELU: approximate must be 'none' or 'tanh', got '" + approximate + "'");
        }
    }

    /** The exact (erf) form, PyTorch's default. */
    public static GELU exact() {
        return new GELU("none");
    }

    @Override
    public String type() {
        return "GELU";
    }

    @Override
    public Shape[] inferShapes(Shape[] inputs) {
        return ElementwiseSupport.sameShape(this, inputs);
    }

    /** A new tensor of the input's shape. */
    @Override
    public Tensor[] forward(Node node, Tensor[] inputs, ForwardContext ctx) {
        if ("tanh".equals(approximate)) {
            return new Tensor[] {ElementwiseSupport.map(inputs[0], (in, out, from, to) -> {
                for (int i = from; i < to; i++) {
                    double x = in[i];
                    out[i] = (float) (0.5 * x * (1.0 + Math.tanh(TANH_SCALE * (x + TANH_CUBIC * x * x * x))));
                }
            })};
        }
        return new Tensor[] {ElementwiseSupport.map(inputs[0], (in, out, from, to) -> {
            for (int i = from; i < to; i++) {
                double x = in[i];
                out[i] = (float) (0.5 * x * (1.0 + SpecialFunctions.erf(x * SQRT_HALF)));
            }
        })};
    }

    @Override
    public Saved saved() {
        return Saved.INPUTS;
    }

    /**
     * As PyTorch's {@code gelu_backward}, in double: {@code "none"}: {@code dy · (Φ(x) + x·φ(x))} with the normal
     * CDF {@code Φ} and density {@code φ}; {@code "tanh"}: {@code dy · (½(1 + t) + ½x·(1 − t²)·√(2/π)·(1 + 3·0.044715·x²))}
     * with {@code t = tanh(√(2/π)·(x + 0.044715·x³))}.
     */
    @Override
    public Tensor[] backward(Node node, BackwardContext ctx) {
        if ("tanh".equals(approximate)) {
            return new Tensor[] {ElementwiseSupport.mapGrad(ctx.input(0), ctx.gradOutput(0), (x, g, d, from, to) -> {
                for (int i = from; i < to; i++) {
                    double v = x[i];
                    double t = Math.tanh(TANH_SCALE * (v + TANH_CUBIC * v * v * v));
                    double dt = (1.0 - t * t) * TANH_SCALE * (1.0 + 3.0 * TANH_CUBIC * v * v);
                    d[i] = (float) (g[i] * (0.5 * (1.0 + t) + 0.5 * v * dt));
                }
            })};
        }
        return new Tensor[] {ElementwiseSupport.mapGrad(ctx.input(0), ctx.gradOutput(0), (x, g, d, from, to) -> {
            for (int i = from; i < to; i++) {
                double v = x[i];
                double cdf = 0.5 * (1.0 + SpecialFunctions.erf(v * SQRT_HALF));
                double pdf = INV_SQRT_2PI * Math.exp(-0.5 * v * v);
                d[i] = (float) (g[i] * (cdf + v * pdf));
            }
        })};
    }

    /** Torch-Pruning: {@code numel(output)}. */
    @Override
    public long countOps(Shape[] inputs, Shape[] outputs) {
        return outputs[0].numelLong();
    }

    /** Identity on every axis, broadcast operands excepted. */
    @Override
    public void linkAxes(Node node, Port from, int axis, Indices removed, AxisLinks links) {
        AxisSupport.elementwise(node, from, axis, removed, links);
    }

    @Override
    public String describe() {
        return "GELU(approximate='" + approximate + "')";
    }
}
