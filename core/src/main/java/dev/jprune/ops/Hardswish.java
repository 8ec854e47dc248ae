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
import dev.jprune.tensor.Shape;
import dev.jprune.tensor.Tensor;

/**
 * {@code nn.Hardswish}: {@code x · min(max(x + 3, 0), 6) / 6} element-wise, any shape, in float and in PyTorch's
 * order of operations: 0 for {@code x <= -3}, {@code x} for {@code x >= 3}. Torch-Pruning does not count it.
 */
public record Hardswish() implements Op {

    @Override
    public String type() {
        return "Hardswish";
    }

    @Override
    public Shape[] inferShapes(Shape[] inputs) {
        return ElementwiseSupport.sameShape(this, inputs);
    }

    /** A new tensor of the input's shape. */
    @Override
    public Tensor[] forward(Node node, Tensor[] inputs, ForwardContext ctx) {
        return new Tensor[] {ElementwiseSupport.map(inputs[0], (in, out, from, to) -> {
            for (int i = from; i < to; i++) {
                float x = in[i];
                out[i] = x * Math.min(Math.max(x + 3f, 0f), 6f) / 6f;
            }
        })};
    }

    @Override
    public Saved saved() {
        return Saved.INPUTS;
    }

    /**
     * As PyTorch's {@code hardswish_backward} (its scalar CPU and its CUDA kernel): 0 for {@code x < −3},
     * {@code dy · (x/3 + 1/2)} for {@code −3 <= x <= 3} and {@code dy} for {@code x > 3}. So at exactly −3 the
     * gradient is {@code −dy/2} and at exactly 3 it is {@code 1.5·dy} (the inner piece's values, not the outer
     * pieces' 0 and 1), and a NaN input passes {@code dy} through. (PyTorch's vectorised CPU path differs at exactly
     * 3, giving {@code dy}, and at NaN, giving NaN.)
     */
    @Override
    public Tensor[] backward(Node node, BackwardContext ctx) {
        return new Tensor[] {ElementwiseSupport.mapGrad(ctx.input(0), ctx.gradOutput(0), (x, g, d, from, to) -> {
            for (int i = from; i < to; i++) {
                float v = x[i];
                d[i] = v < -3f ? 0f : v <= 3f ? g[i] * (v / 3f + 0.5f) : g[i];
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
        return "Hardswish()";
    }
}
