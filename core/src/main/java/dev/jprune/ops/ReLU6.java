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
import dev.jprune.tensor.Shape;
import dev.jprune.tensor.Tensor;

/** {@code nn.ReLU6}: {@code min(max(x, 0), 6)} element-wise, any shape; NaN stays NaN. */
public record ReLU6() implements Op {

    @Override
    public String type() {
        return "ReLU6";
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
                k.clamp(in, from, 0f, 6f, out, from, to - from))};
    }

    @Override
    public Saved saved() {
        return Saved.INPUTS;
    }

    /**
     * As PyTorch ({@code nn.ReLU6} is {@code Hardtanh(0, 6)}; the scalar CPU and CUDA {@code hardtanh_backward}):
     * {@code dx = 0} where {@code x <= 0} or {@code x >= 6}, else {@code dy}. So the gradient passes only strictly
     * inside {@code (0, 6)}, is 0 exactly at the kinks 0 and 6, and a NaN input passes {@code dy} through
     * (PyTorch's vectorised CPU path gives 0 there).
     */
    @Override
    public Tensor[] backward(Node node, BackwardContext ctx) {
        return new Tensor[] {ElementwiseSupport.mapGrad(ctx.input(0), ctx.gradOutput(0), (x, g, d, from, to) -> {
            for (int i = from; i < to; i++) {
                d[i] = x[i] <= 0f || x[i] >= 6f ? 0f : g[i];
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
        return "ReLU6()";
    }
}
