package dev.jprune.ops;

import dev.jprune.exec.BackwardContext;
import dev.jprune.exec.ForwardContext;
import dev.jprune.exec.Saved;
import dev.jprune.ir.Node;
import dev.jprune.ir.Op;
import dev.jprune.ir.ParamSpec;
import dev.jprune.ir.axis.AxisCut;
import dev.jprune.ir.axis.AxisLinks;
import dev.jprune.ir.axis.Indices;
import dev.jprune.ir.axis.Port;
import dev.jprune.ops.internal.AxisSupport;
import dev.jprune.tensor.Shape;
import dev.jprune.tensor.Tensor;

import java.util.List;

/**
 * {@code nn.PReLU(num_parameters)}: {@code x} where {@code x > 0}, else {@code weight[c]·x}, with one learned slope
 * per channel (axis 1) or, when {@code numParameters} is 1, one slope for every element. Parameter
 * {@code weight (numParameters)}. Any input of rank ≥ 2 (rank ≥ 1 with a single slope).
 */
public record PReLU(int numParameters) implements Op {

    /** Validates the slope count. */
    public PReLU {
        if (numParameters < 1) {
            throw new IllegalArgumentException("PReLU: num_parameters must be positive, got " + numParameters);
        }
    }

    @Override
    public String type() {
        return "PReLU";
    }

    /** {@code weight (numParameters)}. */
    @Override
    public List<ParamSpec> parameters() {
        return List.of(ParamSpec.param("weight", numParameters));
    }

    /** The input's shape; with several slopes the input's axis 1 must hold {@code numParameters} channels. */
    @Override
    public Shape[] inferShapes(Shape[] inputs) {
        Shapes.requireCount(this, inputs, 1);
        Shape in = inputs[0];
        if (numParameters > 1 && (in.rank() < 2 || in.dim(1) != numParameters)) {
            throw new IllegalArgumentException("PReLU with " + numParameters + " slopes expects an input (N, "
                    + numParameters + ", *), got " + in);
        }
        return new Shape[] {in};
    }

    /** The elements per channel slab ({@code H·W} for {@code (N, C, H, W)}), 1 for rank 2. */
    private static int inner(Shape s) {
        return s.rank() <= 2 ? 1 : s.product(2, s.rank());
    }

    /** A new tensor of the input's shape. */
    @Override
    public Tensor[] forward(Node node, Tensor[] inputs, ForwardContext ctx) {
        Tensor x = inputs[0];
        float[] w = node.param("weight").data();
        float[] in = x.data();
        Tensor out = Tensor.zeros(x.shape());
        float[] o = out.data();
        int inner = inner(x.shape());
        for (int i = 0; i < in.length; i++) {
            float slope = numParameters == 1 ? w[0] : w[(i / inner) % numParameters];
            float v = in[i];
            o[i] = v > 0f ? v : slope * v;
        }
        return new Tensor[] {out};
    }

    @Override
    public Saved saved() {
        return Saved.INPUTS;
    }

    /**
     * As PyTorch's {@code _prelu_kernel_backward}: {@code dx = dy} where {@code x > 0}, else {@code dy·weight[c]};
     * {@code dweight[c] += Σ dy·x} over the elements of channel {@code c} with {@code x ≤ 0} (summed in double).
     */
    @Override
    public Tensor[] backward(Node node, BackwardContext ctx) {
        Tensor x = ctx.input(0);
        float[] in = x.data();
        float[] dy = ctx.gradOutput(0).data();
        float[] w = node.param("weight").data();
        int inner = inner(x.shape());
        Tensor dx = ctx.needsInputGrad(0) ? Tensor.zeros(x.shape()) : null;
        Tensor dw = ctx.paramGrad("weight");
        double[] acc = new double[numParameters];
        for (int i = 0; i < in.length; i++) {
            int c = numParameters == 1 ? 0 : (i / inner) % numParameters;
            boolean pos = in[i] > 0f;
            if (dx != null) {
                dx.data()[i] = pos ? dy[i] : dy[i] * w[c];
            }
            if (!pos) {
                acc[c] += (double) dy[i] * in[i];
            }
        }
        if (dw != null) {
            for (int c = 0; c < numParameters; c++) {
                dw.data()[c] += (float) acc[c];
            }
        }
        return new Tensor[] {dx};
    }

    /** Torch-Pruning counts {@code nn.PReLU} as it counts ReLU: {@code numel(output)}. */
    @Override
    public long countOps(Shape[] inputs, Shape[] outputs) {
        return outputs[0].numelLong();
    }

    /** Identity on every axis; with a slope per channel, the channel axis also slices {@code weight}. */
    @Override
    public void linkAxes(Node node, Port from, int axis, Indices removed, AxisLinks links) {
        AxisSupport.elementwise(node, from, axis, removed, links);
    }

    /** Removed channels take their slopes with them (a single shared slope stays). */
    @Override
    public Op pruneAxes(Node node, AxisCut cut) {
        Indices removed = cut.removed(Port.out(0), 1);
        if (numParameters == 1 || removed.isEmpty()) {
            return this;
        }
        cut.sliceParam("weight", 0, removed.indices());
        return new PReLU(numParameters - removed.size());
    }

    @Override
    public String describe() {
        return "PReLU(num_parameters=" + numParameters + ")";
    }
}
