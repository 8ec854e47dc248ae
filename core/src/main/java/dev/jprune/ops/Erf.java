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
 * {@code torch.erf} (ONNX {@code Erf}): the error function element-wise, any shape, from
 * {@link dev.jprune.ops.internal.SpecialFunctions#erf(double)} (double precision, rounded once).
 */
public record Erf() implements Op {

    private static final double TWO_OVER_SQRT_PI = 2.0 / Math.sqrt(Math.PI);

    @Override
    public String type() {
        return "Erf";
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
                out[i] = (float) SpecialFunctions.erf(in[i]);
            }
        })};
    }

    @Override
    public Saved saved() {
        return Saved.INPUTS;
    }

    /** {@code dx = dy · 2/√π · exp(−x²)}. */
    @Override
    public Tensor[] backward(Node node, BackwardContext ctx) {
        return new Tensor[] {ElementwiseSupport.mapGrad(ctx.input(0), ctx.gradOutput(0), (x, g, d, from, to) -> {
            for (int i = from; i < to; i++) {
                double v = x[i];
                d[i] = (float) (g[i] * TWO_OVER_SQRT_PI * Math.exp(-v * v));
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
        return "Erf()";
    }
}
