package dev.jprune.io.onnx.internal.export;

import dev.jprune.ops.Gather;
import dev.jprune.ops.Mean;
import dev.jprune.ops.Pad;
import dev.jprune.ops.Roll;
import dev.jprune.ops.Slice;
import dev.jprune.ops.Split;
import dev.jprune.tensor.Shape;

import static dev.jprune.io.onnx.internal.export.Emitter.ins;

/**
 * Ops that select, cut or reduce along axes: Slice → {@code Slice} (starts, ends, axes, steps as inputs), Split →
 * {@code Split} with the sizes as an input, Gather → {@code Gather} with INT64 indices, Pad (constant) →
 * {@code Pad} with ONNX's {@code [begins..., ends...]} order, Mean → {@code ReduceMean}, Roll → per rolled
 * dimension two {@code Slice}s and a {@code Concat} (on the flattened tensor, between two {@code Reshape}s, when
 * no dimension is given).
 */
final class IndexExporters {

    private IndexExporters() {
    }

    static void register(ExporterRegistry r) {
        r.register(Slice.class, (op, e) -> e.applyTo(0, "Slice", ins(e.in(0), e.ints(op.start()), e.ints(op.end()),
                e.ints(e.inShape(0).normalizeAxis(op.dim())), e.ints((long) op.step()))));
        r.register(Split.class, (op, e) -> {
            String[] outs = new String[e.node().outputs().size()];
            for (int k = 0; k < outs.length; k++) {
                outs[k] = e.out(k);
            }
            e.node("Split", ins(e.in(0), e.ints(op.sizes())), outs,
                    Attrs.i("axis", e.inShape(0).normalizeAxis(op.dim())));
        });
        r.register(Gather.class, (op, e) -> e.applyTo(0, "Gather", ins(e.in(0), e.indices(1)),
                Attrs.i("axis", e.inShape(0).normalizeAxis(op.axis()))));
        r.register(Pad.class, IndexExporters::pad);
        r.register(Mean.class, (op, e) -> {
            Shape in = e.inShape(0);
            int[] dims = op.dims();
            long[] axes = new long[dims.length];
            for (int k = 0; k < dims.length; k++) {
                axes[k] = in.normalizeAxis(dims[k]);
            }
            java.util.Arrays.sort(axes);
            if (e.opset() >= 18) {
                e.applyTo(0, "ReduceMean", ins(e.in(0), e.ints(axes)), Attrs.i("keepdims", op.keepDim() ? 1 : 0));
            } else {
                e.applyTo(0, "ReduceMean", ins(e.in(0)), Attrs.ints("axes", axes),
                        Attrs.i("keepdims", op.keepDim() ? 1 : 0));
            }
        });
        r.register(Roll.class, IndexExporters::roll);
    }

    private static void pad(Pad p, Emitter e) {
        if (!"constant".equals(p.mode())) {
            throw e.unsupported("mode '" + p.mode() + "'; only constant padding is exported");
        }
        int rank = e.inShape(0).rank();
        int[] torch = p.pads();
        long[] onnx = new long[2 * rank];
        for (int k = 0; 2 * k < torch.length; k++) {
            int axis = rank - 1 - k;
            onnx[axis] = torch[2 * k];
            onnx[rank + axis] = torch[2 * k + 1];
        }
        e.applyTo(0, "Pad", ins(e.in(0), e.ints(onnx), e.scalar(p.value())), Attrs.s("mode", "constant"));
    }

    private static void roll(Roll r, Emitter e) {
        Shape in = e.inShape(0);
        int[] shifts = r.shifts();
        int[] dims = r.dims();
        if (dims.length == 0) {
            int n = in.numel();
            String flat = e.apply("Reshape", ins(e.in(0), e.ints(n)));
            String rolled = n == 0 || Math.floorMod(shifts[0], n) == 0 ? flat : rollAxis(e, flat, 0, n, shifts[0], null);
            e.applyTo(0, "Reshape", ins(rolled, e.ints(in.dims())));
            return;
        }
        int last = -1;
        for (int k = 0; k < dims.length; k++) {
            int n = in.dim(in.normalizeAxis(dims[k]));
            if (n != 0 && Math.floorMod(shifts[k], n) != 0) {
                last = k;
            }
        }
        String x = e.in(0);
        if (last < 0) {
            e.applyTo(0, "Identity", ins(x));
            return;
        }
        for (int k = 0; k <= last; k++) {
            int axis = in.normalizeAxis(dims[k]);
            int n = in.dim(axis);
            if (n != 0 && Math.floorMod(shifts[k], n) != 0) {
                x = rollAxis(e, x, axis, n, shifts[k], k == last ? e.out(0) : null);
            }
        }
    }

    /**
     * {@code x} rolled by {@code shift} (not a multiple of {@code n}) along {@code axis} of size {@code n}:
     * {@code concat(x[n−s:], x[:n−s])}, written to {@code target} (a fresh value when null).
     */
    private static String rollAxis(Emitter e, String x, int axis, int n, int shift, String target) {
        int s = Math.floorMod(shift, n);
        String ax = e.ints(axis);
        String tail = e.apply("Slice", ins(x, e.ints(n - s), e.ints(n), ax));
        String head = e.apply("Slice", ins(x, e.ints(0), e.ints(n - s), ax));
        String out = target != null ? target : e.tmp();
        e.node("Concat", ins(tail, head), ins(out), Attrs.i("axis", axis));
        return out;
    }
}
