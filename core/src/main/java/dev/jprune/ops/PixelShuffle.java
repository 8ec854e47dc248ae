package dev.jprune.ops;

import dev.jprune.exec.BackwardContext;
import dev.jprune.exec.ForwardContext;
import dev.jprune.ir.Node;
import dev.jprune.ir.Op;
import dev.jprune.ir.axis.AxisLinks;
import dev.jprune.ir.axis.Indices;
import dev.jprune.ir.axis.Port;
import dev.jprune.ops.internal.AxisSupport;
import dev.jprune.tensor.Shape;
import dev.jprune.tensor.Tensor;

/**
 * {@code nn.PixelShuffle(r)} (ONNX {@code DepthToSpace}): {@code (N, C·r², H, W) → (N, C, H·r, W·r)}. Output
 * {@code [n, c, h·r + i, w·r + j]} is input channel {@code c·r² + i·r + j} (PyTorch's order, ONNX mode {@code CRD})
 * or, with {@code dcr}, input channel {@code (i·r + j)·C + c} (ONNX's default mode {@code DCR}), at {@code [h, w]}.
 *
 * <p>Axis rules: the batch axis passes through; output channel {@code c} is a block of {@code r²} input channels,
 * so a removal on either side takes whole blocks (as a reshape of the channel axis into {@code (C, r, r)} would).
 *
 * @param upscaleFactor {@code r}
 * @param dcr           whether input channels are ordered block-first ({@code DCR}) rather than channel-first
 */
public record PixelShuffle(int upscaleFactor, boolean dcr) implements Op {

    /** Validates the factor. */
    public PixelShuffle {
        if (upscaleFactor < 1) {
            throw new IllegalArgumentException("PixelShuffle: upscale_factor must be positive, got " + upscaleFactor);
        }
    }

    /** PyTorch's {@code nn.PixelShuffle(r)} (channel-first order). */
    public static PixelShuffle of(int upscaleFactor) {
        return new PixelShuffle(upscaleFactor, false);
    }

    @Override
    public String type() {
        return "PixelShuffle";
    }

    @Override
    public Shape[] inferShapes(Shape[] inputs) {
        Shapes.requireCount(this, inputs, 1);
        Shape in = inputs[0];
        int rr = upscaleFactor * upscaleFactor;
        if (in.rank() != 4 || in.dim(1) % rr != 0) {
            throw new IllegalArgumentException("PixelShuffle(" + upscaleFactor + ") expects an input (N, C·" + rr
                    + ", H, W), got " + in);
        }
        return new Shape[] {Shape.of(in.dim(0), in.dim(1) / rr, in.dim(2) * upscaleFactor, in.dim(3) * upscaleFactor)};
    }

    /** A new tensor. */
    @Override
    public Tensor[] forward(Node node, Tensor[] inputs, ForwardContext ctx) {
        Shape o = inferShapes(new Shape[] {inputs[0].shape()})[0];
        Tensor out = Tensor.zeros(o);
        move(inputs[0].data(), out.data(), o.dim(0), o.dim(1), inputs[0].dim(2), inputs[0].dim(3), upscaleFactor,
                dcr, true);
        return new Tensor[] {out};
    }

    /** The inverse permutation of the output gradient. */
    @Override
    public Tensor[] backward(Node node, BackwardContext ctx) {
        Tensor dy = ctx.gradOutput(0);
        Shape s = node.input(0).shape();
        Tensor dx = Tensor.zeros(s);
        move(dx.data(), dy.data(), dy.dim(0), dy.dim(1), s.dim(2), s.dim(3), upscaleFactor, dcr, false);
        return new Tensor[] {dx};
    }

    /**
     * Copies between {@code low (N, C·r², h, w)} and {@code high (N, C, h·r, w·r)}: into {@code high} when
     * {@code toHigh}, else into {@code low}.
     */
    static void move(float[] low, float[] high, int n, int c, int h, int w, int r, boolean dcr, boolean toHigh) {
        int hr = h * r;
        int wr = w * r;
        for (int img = 0; img < n; img++) {
            for (int ch = 0; ch < c; ch++) {
                for (int i = 0; i < r; i++) {
                    for (int j = 0; j < r; j++) {
                        int src = dcr ? (i * r + j) * c + ch : ch * r * r + i * r + j;
                        int lowPlane = (img * c * r * r + src) * h * w;
                        int highPlane = (img * c + ch) * hr * wr;
                        for (int y = 0; y < h; y++) {
                            for (int x = 0; x < w; x++) {
                                int l = lowPlane + y * w + x;
                                int hi = highPlane + (y * r + i) * wr + x * r + j;
                                if (toHigh) {
                                    high[hi] = low[l];
                                } else {
                                    low[l] = high[hi];
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    /**
     * The channels of the {@code r²}-block behind high-resolution channel {@code ch} of {@code c}: {@code ch·r² + k}
     * channel-first, {@code k·c + ch} block-first.
     */
    static int[] block(int ch, int c, int r, boolean dcr) {
        int[] b = new int[r * r];
        for (int k = 0; k < b.length; k++) {
            b[k] = dcr ? k * c + ch : ch * r * r + k;
        }
        return b;
    }

    /** The high-resolution channel (of {@code c}) of low-resolution channel {@code lowCh}. */
    static int owner(int lowCh, int c, int r, boolean dcr) {
        return dcr ? lowCh % c : lowCh / (r * r);
    }

    /**
     * Links the block-structured channel axis of a pixel shuffle or unshuffle: {@code low} is the port with
     * {@code C·r²} channels, {@code high} the one with {@code C}.
     */
    static void linkBlocks(Node node, Port low, Port high, int r, boolean dcr, Port from, int axis, Indices removed,
                           AxisLinks links) {
        AxisSupport.requireAxis(node, from, axis, "only the batch and channel axes can be pruned", 0, 1);
        if (axis == 0) {
            links.link(Port.in(0), 0, removed);
            links.link(Port.out(0), 0, removed);
            return;
        }
        int c = AxisSupport.shape(node, high).dim(1);
        Indices highCh = from.equals(low) ? removed.map(i -> owner(i, c, r, dcr)) : removed;
        links.link(high, 1, highCh);
        links.link(low, 1, highCh.flatMap(ch -> block(ch, c, r, dcr)));
    }

    /** Batch: identity. Channels: output channel {@code c} and its {@code r²} input channels go together. */
    @Override
    public void linkAxes(Node node, Port from, int axis, Indices removed, AxisLinks links) {
        linkBlocks(node, Port.in(0), Port.out(0), upscaleFactor, dcr, from, axis, removed, links);
    }

    @Override
    public String describe() {
        return "PixelShuffle(upscale_factor=" + upscaleFactor + (dcr ? ", mode='DCR'" : "") + ")";
    }
}
