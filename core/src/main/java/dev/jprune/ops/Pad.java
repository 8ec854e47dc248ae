package dev.jprune.ops;

import dev.jprune.exec.BackwardContext;
import dev.jprune.exec.ForwardContext;
import dev.jprune.ir.Node;
import dev.jprune.ir.Op;
import dev.jprune.ir.axis.AxisLinks;
import dev.jprune.ir.axis.Indices;
import dev.jprune.ir.axis.Port;
import dev.jprune.ops.internal.AxisSupport;
import dev.jprune.ops.internal.LayoutSupport;
import dev.jprune.ops.internal.ModuleRepr;
import dev.jprune.tensor.Shape;
import dev.jprune.tensor.Tensor;

import java.util.Arrays;
import java.util.stream.IntStream;

/**
 * {@code F.pad(x, pads, mode='constant', value)}: pads (or, with negative amounts, crops) the trailing dimensions.
 * {@code pads} is in PyTorch's order, last dimension first: {@code (left, right)} for the last, then
 * {@code (top, bottom)} for the one before, and so on, so {@code (1, 1, 2, 0)} on {@code (N, C, H, W)} gives
 * {@code (N, C, H + 2, W + 2)}. New positions hold {@code value}. Only {@code constant} mode is implemented
 * (reflect/replicate/circular are rejected with an error naming the mode).
 *
 * @param pads  an even number of amounts, at most two per input dimension
 * @param value the fill value
 * @param mode  {@code "constant"}
 */
public record Pad(int[] pads, double value, String mode) implements Op {

    /** Validates the amounts' count and the mode; takes a defensive copy. */
    public Pad {
        pads = pads.clone();
        if (pads.length == 0 || pads.length % 2 != 0) {
            throw new IllegalArgumentException("Pad: pads must hold a positive, even number of amounts, got "
                    + LayoutSupport.tuple(pads));
        }
        if (!"constant".equals(mode)) {
            throw new IllegalArgumentException("Pad: mode '" + mode + "' is not supported; expected 'constant'");
        }
    }

    /** {@code F.pad(x, pads)}: constant zero padding. */
    public static Pad of(int... pads) {
        return new Pad(pads, 0.0, "constant");
    }

    /** The amounts as given (copied). */
    @Override
    public int[] pads() {
        return pads.clone();
    }

    /** A copy with other amounts (pruning a padded channel dimension). */
    public Pad withPads(int... newPads) {
        return new Pad(newPads, value, mode);
    }

    /** The amount added before dimension {@code axis} of a rank-{@code rank} input (0 when not padded). */
    public int before(int axis, int rank) {
        int k = rank - 1 - axis;
        return 2 * k < pads.length ? pads[2 * k] : 0;
    }

    /** The amount added after dimension {@code axis} of a rank-{@code rank} input (0 when not padded). */
    public int after(int axis, int rank) {
        int k = rank - 1 - axis;
        return 2 * k + 1 < pads.length ? pads[2 * k + 1] : 0;
    }

    @Override
    public String type() {
        return "Pad";
    }

    /** Each padded dimension grows by its two amounts (shrinks when negative); none may become negative. */
    @Override
    public Shape[] inferShapes(Shape[] inputs) {
        Shapes.requireCount(this, inputs, 1);
        Shape in = inputs[0];
        int rank = in.rank();
        if (pads.length > 2 * rank) {
            throw new IllegalArgumentException("Pad with " + pads.length + " amounts " + LayoutSupport.tuple(pads)
                    + " expects an input of at least " + pads.length / 2 + " dimensions, got " + in);
        }
        int[] out = in.dims();
        for (int a = 0; a < rank; a++) {
            long d = (long) out[a] + before(a, rank) + after(a, rank);
            if (d < 0) {
                throw new IllegalArgumentException("Pad: input " + in + " with pads " + LayoutSupport.tuple(pads)
                        + " gives size " + d + " in dimension " + a + "; expected a non-negative size");
            }
            out[a] = Math.toIntExact(d);
        }
        return new Shape[] {Shape.of(out)};
    }

    /** A new tensor filled with {@code value}, with the overlapping part of the input copied in. */
    @Override
    public Tensor[] forward(Node node, Tensor[] inputs, ForwardContext ctx) {
        Tensor x = inputs[0];
        Shape in = x.shape();
        Shape os = inferShapes(new Shape[] {in})[0];
        Tensor out = Tensor.full(os, (float) value);
        int rank = in.rank();
        int[] inStrides = in.strides();
        int[] outStrides = os.strides();
        int[] box = new int[rank];
        int srcOff = 0;
        int dstOff = 0;
        for (int a = 0; a < rank; a++) {
            int lo = before(a, rank);
            int inStart = Math.max(0, -lo);
            int outStart = Math.max(0, lo);
            box[a] = Math.max(0, Math.min(in.dim(a) - inStart, os.dim(a) - outStart));
            srcOff += inStart * inStrides[a];
            dstOff += outStart * outStrides[a];
        }
        LayoutSupport.copy(x.data(), srcOff, inStrides, out.data(), dstOff, outStrides, box);
        return new Tensor[] {out};
    }

    /**
     * The output gradient cropped back to the input: padded positions are dropped, and input positions removed by a
     * negative amount get zero.
     */
    @Override
    public Tensor[] backward(Node node, BackwardContext ctx) {
        Tensor dy = ctx.gradOutput(0);
        Shape in = node.input(0).shape();
        Shape os = dy.shape();
        Tensor dx = Tensor.zeros(in);
        int rank = in.rank();
        int[] inStrides = in.strides();
        int[] outStrides = os.strides();
        int[] box = new int[rank];
        int inOff = 0;
        int outOff = 0;
        for (int a = 0; a < rank; a++) {
            int lo = before(a, rank);
            int inStart = Math.max(0, -lo);
            int outStart = Math.max(0, lo);
            box[a] = Math.max(0, Math.min(in.dim(a) - inStart, os.dim(a) - outStart));
            inOff += inStart * inStrides[a];
            outOff += outStart * outStrides[a];
        }
        LayoutSupport.copy(dy.data(), outOff, outStrides, dx.data(), inOff, inStrides, box);
        return new Tensor[] {dx};
    }

    /**
     * The identity on every axis with no padding on either side (channels and batch for a spatial pad); a padded
     * (or cropped) axis cannot lose indices.
     */
    @Override
    public void linkAxes(Node node, Port from, int axis, Indices removed, AxisLinks links) {
        int rank = node.input(0).shape().rank();
        int[] free = IntStream.range(0, rank)
                .filter(a -> before(a, rank) == 0 && after(a, rank) == 0).toArray();
        AxisSupport.requireAxis(node, from, axis, "padded axes cannot be pruned", free);
        links.link(from.input() ? Port.out(0) : Port.in(0), axis, removed);
    }

    /** {@code Pad(pad=(1, 1, 2, 0), mode='constant', value=0.0)}. */
    @Override
    public String describe() {
        return "Pad(pad=" + LayoutSupport.tuple(pads) + ", mode='" + mode + "', value=" + ModuleRepr.pyFloat(value) + ")";
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Pad p && Arrays.equals(pads, p.pads) && Double.compare(value, p.value) == 0
                && mode.equals(p.mode);
    }

    @Override
    public int hashCode() {
        return (Arrays.hashCode(pads) * 31 + Double.hashCode(value)) * 31 + mode.hashCode();
    }

    @Override
    public String toString() {
        return describe();
    }
}
