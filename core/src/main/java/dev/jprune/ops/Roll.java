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
import dev.jprune.tensor.Shape;
import dev.jprune.tensor.Tensor;

import java.util.Arrays;

/**
 * {@code torch.roll}: shifts elements cyclically, {@code out[(i + shift) mod n] = x[i]} along each listed dimension
 * (Swin's shifted windows use it on {@code (N, H, W, C)} with dims {@code (1, 2)}). With no dims the tensor is rolled
 * as if flattened, then given back its shape; {@code shifts} then holds exactly one amount. Shifts may be negative or
 * exceed the size. The output is a new tensor of the input's shape.
 *
 * @param shifts one shift per dimension in {@code dims} (or one for the flattened tensor)
 * @param dims   the dimensions rolled (negative counts from the end); may be empty
 */
public record Roll(int[] shifts, int[] dims) implements Op {

    /** Checks that shifts and dims match in number; takes defensive copies. */
    public Roll {
        shifts = shifts.clone();
        dims = dims.clone();
        if (dims.length == 0 ? shifts.length != 1 : shifts.length != dims.length) {
            throw new IllegalArgumentException("Roll: expected " + (dims.length == 0 ? 1 : dims.length)
                    + " shift(s) for dims " + LayoutSupport.tuple(dims) + ", got " + LayoutSupport.tuple(shifts));
        }
    }

    /** {@code torch.roll(x, shift, dim)}. */
    public static Roll of(int shift, int dim) {
        return new Roll(new int[] {shift}, new int[] {dim});
    }

    /** The shifts (copied). */
    @Override
    public int[] shifts() {
        return shifts.clone();
    }

    /** The dimensions (copied). */
    @Override
    public int[] dims() {
        return dims.clone();
    }

    @Override
    public String type() {
        return "Roll";
    }

    /** The input shape; the dims must be in range. */
    @Override
    public Shape[] inferShapes(Shape[] inputs) {
        Shapes.requireCount(this, inputs, 1);
        for (int d : dims) {
            LayoutSupport.normalizeDim(this, d, inputs[0].rank());
        }
        return new Shape[] {inputs[0]};
    }

    /** One cyclic copy per listed dimension (or one over the flattened data). */
    @Override
    public Tensor[] forward(Node node, Tensor[] inputs, ForwardContext ctx) {
        inferShapes(new Shape[] {inputs[0].shape()});
        return new Tensor[] {rolled(inputs[0], 1)};
    }

    /** The output gradient rolled back by the opposite shifts (a new tensor). */
    @Override
    public Tensor[] backward(Node node, BackwardContext ctx) {
        return new Tensor[] {rolled(ctx.gradOutput(0), -1)};
    }

    /** A new tensor: {@code x} rolled by {@code sign·shifts}. */
    private Tensor rolled(Tensor x, int sign) {
        Shape s = x.shape();
        if (dims.length == 0) {
            Tensor out = Tensor.zeros(s);
            roll(x.data(), out.data(), 1, x.numel(), 1, shifts[0], sign);
            return out;
        }
        float[] cur = x.data();
        for (int i = 0; i < dims.length; i++) {
            int axis = s.normalizeAxis(dims[i]);
            float[] next = new float[cur.length];
            roll(cur, next, s.product(0, axis), s.dim(axis), s.product(axis + 1, s.rank()), shifts[i], sign);
            cur = next;
        }
        return Tensor.wrap(s, cur);
    }

    /** Rolls a {@code (outer, size, inner)} array by {@code sign·shift} (sign ±1) along the middle dimension. */
    private static void roll(float[] src, float[] dst, int outer, int size, int inner, int shift, int sign) {
        if (size == 0 || inner == 0) {
            return;
        }
        int k = Math.floorMod(shift, size);
        if (sign < 0) {
            k = (size - k) % size;
        }
        int tail = (size - k) * inner;
        int head = k * inner;
        for (int o = 0; o < outer; o++) {
            int base = o * size * inner;
            // x[0 .. size-k) goes to out[k .. size), x[size-k .. size) to out[0 .. k).
            System.arraycopy(src, base, dst, base + head, tail);
            System.arraycopy(src, base + tail, dst, base, head);
        }
    }

    /**
     * The identity on every axis that is not rolled; a rolled axis cannot lose indices (the shift would move other
     * elements into place), nor can any axis of a flattened roll (no dims).
     */
    @Override
    public void linkAxes(Node node, Port from, int axis, Indices removed, AxisLinks links) {
        int rank = node.input(0).shape().rank();
        int[] rolled = new int[dims.length];
        for (int i = 0; i < dims.length; i++) {
            rolled[i] = LayoutSupport.normalizeDim(this, dims[i], rank);
        }
        int[] free = dims.length == 0 ? new int[0] : AxisSupport.axesExcept(rank, rolled);
        AxisSupport.requireAxis(node, from, axis, dims.length == 0 ? "a roll of the flattened tensor mixes every axis"
                : "rolled axes cannot be pruned", free);
        links.link(from.input() ? Port.out(0) : Port.in(0), axis, removed);
    }

    /** {@code Roll(shifts=(-3, -3), dims=(1, 2))}. */
    @Override
    public String describe() {
        return "Roll(shifts=" + LayoutSupport.tuple(shifts) + ", dims=" + LayoutSupport.tuple(dims) + ")";
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Roll r && Arrays.equals(shifts, r.shifts) && Arrays.equals(dims, r.dims);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(shifts) * 31 + Arrays.hashCode(dims);
    }

    @Override
    public String toString() {
        return describe();
    }
}
