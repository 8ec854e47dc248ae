package dev.jprune.ops;

import dev.jprune.exec.ForwardContext;
import dev.jprune.ir.Node;
import dev.jprune.ir.Op;
import dev.jprune.ops.internal.ElementwiseSupport;
import dev.jprune.ops.internal.ModuleRepr;
import dev.jprune.ops.internal.PoolSupport;
import dev.jprune.tensor.Shape;
import dev.jprune.tensor.Tensor;

/**
 * {@code nn.AdaptiveMaxPool2d}: {@code (N, C, H, W) → (N, C, outH, outW)}, the maximum of each window (a NaN in a window makes its output NaN, as in PyTorch). Window {@code i} of an
 * axis of length {@code in} covers {@code [floor(i·in/out), ceil((i+1)·in/out))}, as PyTorch, so windows may overlap
 * and differ in size when {@code out} does not divide {@code in}.
 */
public record AdaptiveMaxPool2d(int outH, int outW) implements Op {

    /** Validates the output size. */
    public AdaptiveMaxPool2d {
        if (outH < 1 || outW < 1) {
            throw new IllegalArgumentException("AdaptiveMaxPool2d: output_size must be positive, got (" + outH + ", " + outW + ")");
        }
    }

    /** A square output {@code (size, size)}. */
    public static AdaptiveMaxPool2d of(int size) {
        return new AdaptiveMaxPool2d(size, size);
    }

    @Override
    public String type() {
        return "AdaptiveMaxPool2d";
    }

    @Override
    public Shape[] inferShapes(Shape[] inputs) {
        Shapes.requireCount(this, inputs, 1);
        Shape in = inputs[0];
        Shapes.requireRank(this, in, 4, "(N, C, H, W)");
        if (in.dim(2) < 1 || in.dim(3) < 1) {
            throw new IllegalArgumentException("AdaptiveMaxPool2d expects an input (N, C, H, W) with H, W >= 1, got " + in);
        }
        return new Shape[] {Shape.of(in.dim(0), in.dim(1), outH, outW)};
    }

    /** A new tensor {@code (N, C, outH, outW)}. */
    @Override
    public Tensor[] forward(Node node, Tensor[] inputs, ForwardContext ctx) {
        Tensor x = inputs[0];
        int h = x.dim(2);
        int w = x.dim(3);
        Tensor y = Tensor.zeros(x.dim(0), x.dim(1), outH, outW);
        float[] in = x.data();
        float[] o = y.data();
        ElementwiseSupport.forItems(x.dim(0) * x.dim(1), h * w, plane -> {
            int inBase = plane * h * w;
            int outBase = plane * outH * outW;
            for (int i = 0; i < outH; i++) {
                int hs = PoolSupport.adaptiveStart(i, h, outH);
                int he = PoolSupport.adaptiveEnd(i, h, outH);
                for (int j = 0; j < outW; j++) {
                    int ws = PoolSupport.adaptiveStart(j, w, outW);
                    int we = PoolSupport.adaptiveEnd(j, w, outW);
                    float acc = Float.NEGATIVE_INFINITY;
                    for (int ih = hs; ih < he; ih++) {
                        int row = inBase + ih * w;
                        for (int iw = ws; iw < we; iw++) {
                            float v = in[row + iw];
                            if (v > acc || Float.isNaN(v)) {
                                acc = v;
                            }
                        }
                    }
                    o[outBase + i * outW + j] = acc;
                }
            }
        });
        return new Tensor[] {y};
    }

    /** Torch-Pruning: {@code numel(input)}. */
    @Override
    public long countOps(Shape[] inputs, Shape[] outputs) {
        return inputs[0].numelLong();
    }

    /** {@code AdaptiveMaxPool2d(output_size=(1, 1))}. */
    @Override
    public String describe() {
        return "AdaptiveMaxPool2d(output_size=" + ModuleRepr.tuple(outH, outW) + ")";
    }
}
