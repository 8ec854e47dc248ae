package dev.jprune.ops;

import dev.jprune.exec.BackwardContext;
import dev.jprune.exec.ForwardContext;
import dev.jprune.ir.Node;
import dev.jprune.ir.Op;
import dev.jprune.ir.axis.AxisLinks;
import dev.jprune.ir.axis.Indices;
import dev.jprune.ir.axis.Port;
import dev.jprune.tensor.Shape;
import dev.jprune.tensor.Tensor;

/**
 * {@code nn.PixelUnshuffle(r)} (ONNX {@code SpaceToDepth}), the inverse of {@link PixelShuffle}:
 * {@code (N, C, H·r, W·r) → (N, C·r², H, W)}; output channel {@code c·r² + i·r + j} (PyTorch's order) or, with
 * {@code dcr}, {@code (i·r + j)·C + c} (ONNX {@code SpaceToDepth}'s order) at {@code [h, w]} is input
 * {@code [c, h·r + i, w·r + j]}. Axis rules as {@link PixelShuffle}'s with the ports swapped: input channel
 * {@code c} and its block of {@code r²} output channels go together.
 *
 * @param downscaleFactor {@code r}
 * @param dcr             whether output channels are ordered block-first
 */
public record PixelUnshuffle(int downscaleFactor, boolean dcr) implements Op {

    /** Validates the factor. */
    public PixelUnshuffle {
        if (downscaleFactor < 1) {
            throw new IllegalArgumentException("PixelUnshuffle: downscale_factor must be positive, got "
                    + downscaleFactor);
        }
    }

    /** PyTorch's {@code nn.PixelUnshuffle(r)} (channel-first order). */
    public static PixelUnshuffle of(int downscaleFactor) {
        return new PixelUnshuffle(downscaleFactor, false);
    }

    @Override
    public String type() {
        return "PixelUnshuffle";
    }

    @Override
    public Shape[] inferShapes(Shape[] inputs) {
        Shapes.requireCount(this, inputs, 1);
        Shape in = inputs[0];
        int r = downscaleFactor;
        if (in.rank() != 4 || in.dim(2) % r != 0 || in.dim(3) % r != 0) {
            throw new IllegalArgumentException("PixelUnshuffle(" + r + ") expects an input (N, C, H·" + r + ", W·" + r
                    + "), got " + in);
        }
        return new Shape[] {Shape.of(in.dim(0), in.dim(1) * r * r, in.dim(2) / r, in.dim(3) / r)};
    }

    /** A new tensor. */
    @Override
    public Tensor[] forward(Node node, Tensor[] inputs, ForwardContext ctx) {
        Tensor x = inputs[0];
        Shape o = inferShapes(new Shape[] {x.shape()})[0];
        Tensor out = Tensor.zeros(o);
        PixelShuffle.move(out.data(), x.data(), x.dim(0), x.dim(1), o.dim(2), o.dim(3), downscaleFactor, dcr, false);
        return new Tensor[] {out};
    }

    /** The inverse permutation of the output gradient. */
    @Override
    public Tensor[] backward(Node node, BackwardContext ctx) {
        Tensor dy = ctx.gradOutput(0);
        Shape s = node.input(0).shape();
        Tensor dx = Tensor.zeros(s);
        PixelShuffle.move(dy.data(), dx.data(), s.dim(0), s.dim(1), dy.dim(2), dy.dim(3), downscaleFactor, dcr, true);
        return new Tensor[] {dx};
    }

    /** Batch: identity. Channels: input channel {@code c} and its {@code r²} output channels go together. */
    @Override
    public void linkAxes(Node node, Port from, int axis, Indices removed, AxisLinks links) {
        PixelShuffle.linkBlocks(node, Port.out(0), Port.in(0), downscaleFactor, dcr, from, axis, removed, links);
    }

    @Override
    public String describe() {
        return "PixelUnshuffle(downscale_factor=" + downscaleFactor + (dcr ? ", mode='DCR'" : "") + ")";
    }
}
