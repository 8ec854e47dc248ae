package dev.jprune.ops;

import dev.jprune.exec.BackwardContext;
import dev.jprune.exec.ForwardContext;
import dev.jprune.exec.Saved;
import dev.jprune.ir.Node;
import dev.jprune.ir.Op;
import dev.jprune.ir.axis.AxisLinks;
import dev.jprune.ir.axis.Indices;
import dev.jprune.ir.axis.Port;
import dev.jprune.kernels.Kernels;
import dev.jprune.ops.internal.AxisSupport;
import dev.jprune.ops.internal.ElementwiseSupport;
import dev.jprune.ops.internal.ModuleRepr;
import dev.jprune.tensor.Shape;
import dev.jprune.tensor.Tensor;

/**
 * {@code torch.clamp(x, min, max)} (ONNX {@code Clip}) element-wise, any shape: {@code min(max(x, min), max)}.
 * An absent bound is an infinity ({@code -inf} for min, {@code +inf} for max). As in PyTorch, a NaN input stays
 * NaN, a NaN bound makes every output NaN, and {@code min > max} sets every element to {@code max}.
 */
public record Clamp(float min, float max) implements Op {

    /** Clamps from below only ({@code torch.clamp(x, min=lo)}). */
    public static Clamp atLeast(float lo) {
        return new Clamp(lo, Float.POSITIVE_INFINITY);
    }

    /** Clamps from above only ({@code torch.clamp(x, max=hi)}). */
    public static Clamp atMost(float hi) {
        return new Clamp(Float.NEGATIVE_INFINITY, hi);
    }

    @Override
    public String type() {
        return "Clamp";
    }

    @Override
    public Shape[] inferShapes(Shape[] inputs) {
        return ElementwiseSupport.sameShape(this, inputs);
    }

    /** A new tensor of the input's shape. */
    @Override
    public Tensor[] forward(Node node, Tensor[] inputs, ForwardContext ctx) {
        Kernels k = ctx.kernels();
        return new Tensor[] {ElementwiseSupport.map(inputs[0], (in, out, from, to) ->
                k.clamp(in, from, min, max, out, from, to - from))};
    }

    @Override
    public Saved saved() {
        return Saved.INPUTS;
    }

    /**
     * As PyTorch's {@code clamp_backward}: {@code dx = dy} where {@code min <= x <= max} (bounds included; an absent
     * bound is an infinity, so always satisfied), 0 elsewhere and at NaN; with {@code min > max} every gradient is 0.
     */
    @Override
    public Tensor[] backward(Node node, BackwardContext ctx) {
        return new Tensor[] {ElementwiseSupport.mapGrad(ctx.input(0), ctx.gradOutput(0), (x, g, d, from, to) -> {
            for (int i = from; i < to; i++) {
                d[i] = x[i] >= min && x[i] <= max ? g[i] : 0f;
            }
        })};
    }

    /** Identity on every axis, broadcast operands excepted. */
    @Override
    public void linkAxes(Node node, Port from, int axis, Indices removed, AxisLinks links) {
        AxisSupport.elementwise(node, from, axis, removed, links);
    }

    @Override
    public String describe() {
        return "Clamp(min=" + bound(min, Float.NEGATIVE_INFINITY) + ", max=" + bound(max, Float.POSITIVE_INFINITY) + ")";
    }

    private static String bound(float b, float absent) {
        return b == absent ? "None" : ModuleRepr.pyFloat(Double.parseDouble(Float.toString(b)));
    }
}
