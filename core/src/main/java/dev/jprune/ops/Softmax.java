package dev.jprune.ops;

import dev.jprune.exec.BackwardContext;
import dev.jprune.exec.Saved;
import dev.jprune.exec.ForwardContext;
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
 * {@code nn.Softmax(dim)}, any shape: {@code exp(x − max) / Σ exp(x − max)} along axis {@code dim} (negative counts
 * from the end). Numerically stable (max-subtracted); the exponentials and their sum are computed in double and
 * each output rounded once, which is at least as accurate as PyTorch's float accumulation. A row holding
 * {@code +inf}, or only {@code -inf}, gives NaN, as in PyTorch. Torch-Pruning does not count it.
 */
public record Softmax(int dim) implements Op {

    @Override
    public String type() {
        return "Softmax";
    }

    @Override
    public Shape[] inferShapes(Shape[] inputs) {
        Shapes.requireCount(this, inputs, 1);
        axis(inputs[0]);
        return new Shape[] {inputs[0]};
    }

    private int axis(Shape s) {
        int r = s.rank();
        if (dim < -Math.max(r, 1) || dim >= Math.max(r, 1)) {
            throw new IllegalArgumentException("Softmax: dim " + dim + " is out of range [" + -Math.max(r, 1) + ", "
                    + (Math.max(r, 1) - 1) + "] for an input of shape " + s);
        }
        return r == 0 ? -1 : dim < 0 ? dim + r : dim;
    }

    /** A new tensor of the input's shape. */
    @Override
    public Tensor[] forward(Node node, Tensor[] inputs, ForwardContext ctx) {
        Tensor x = inputs[0];
        Shape s = x.shape();
        int ax = axis(s);
        int len = ax < 0 ? 1 : s.dim(ax);
        int inner = ax < 0 ? 1 : s.product(ax + 1, s.rank());
        int outer = ax < 0 ? 1 : s.product(0, ax);
        Tensor out = Tensor.zeros(s);
        float[] in = x.data();
        float[] o = out.data();
        if (len == 0) {
            return new Tensor[] {out};
        }
        ElementwiseSupport.forItems(outer * inner, len, item -> {
            int base = (item / inner) * len * inner + item % inner;
            float max = Float.NEGATIVE_INFINITY;
            for (int k = 0; k < len; k++) {
                float v = in[base + k * inner];
                if (v > max || Float.isNaN(v)) {
                    max = v;
                }
            }
            double sum = 0;
            for (int k = 0; k < len; k++) {
                sum += Math.exp((double) in[base + k * inner] - max);
            }
            for (int k = 0; k < len; k++) {
                int idx = base + k * inner;
                o[idx] = (float) (Math.exp((double) in[idx] - max) / sum);
            }
        });
        return new Tensor[] {out};
    }

    @Override
    public Saved saved() {
        return Saved.OUTPUTS;
    }

    /** {@code dx = y · (dy − Σ dy·y)} along {@code dim}, the sum in double, from the saved output. */
    @Override
    public Tensor[] backward(Node node, BackwardContext ctx) {
        Tensor y = ctx.output(0);
        Shape s = y.shape();
        int ax = axis(s);
        int len = ax < 0 ? 1 : s.dim(ax);
        int inner = ax < 0 ? 1 : s.product(ax + 1, s.rank());
        int outer = ax < 0 ? 1 : s.product(0, ax);
        Tensor dxT = Tensor.zeros(s);
        if (len == 0) {
            return new Tensor[] {dxT};
        }
        float[] yd = y.data();
        float[] dy = ctx.gradOutput(0).data();
        float[] dx = dxT.data();
        ElementwiseSupport.forItems(outer * inner, len, item -> {
            int base = (item / inner) * len * inner + item % inner;
            double dot = 0;
            for (int k = 0; k < len; k++) {
                int idx = base + k * inner;
                dot += (double) dy[idx] * yd[idx];
            }
            for (int k = 0; k < len; k++) {
                int idx = base + k * inner;
                dx[idx] = (float) (yd[idx] * (dy[idx] - dot));
            }
        });
        return new Tensor[] {dxT};
    }

    /**
     * Identity on every axis, the softmax axis included: input and output lose the same indices. Along the other
     * axes the remaining outputs are unchanged. Along {@code dim} the function changes by design: the remaining
     * entries are renormalised over fewer terms (they still sum to one), which is what removing attention keys or
     * classes means; there is no removal along {@code dim} that preserves the outputs.
     */
    @Override
    public void linkAxes(Node node, Port from, int axis, Indices removed, AxisLinks links) {
        AxisSupport.elementwise(node, from, axis, removed, links);
    }

    @Override
    public String describe() {
        return "Softmax(dim=" + dim + ")";
    }
}
