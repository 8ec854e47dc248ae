package dev.jprune.io.onnx.internal.export;

import dev.jprune.ops.Concat;
import dev.jprune.ops.Expand;
import dev.jprune.ops.Flatten;
import dev.jprune.ops.Permute;
import dev.jprune.ops.Reshape;
import dev.jprune.ops.Squeeze;
import dev.jprune.ops.Transpose;
import dev.jprune.ops.Unsqueeze;
import dev.jprune.tensor.Shape;

import java.util.ArrayList;
import java.util.List;

import static dev.jprune.io.onnx.internal.export.Emitter.ins;

/**
 * Layout ops. Shapes are written from the node's current static output shape, never from stored attributes (a
 * pruned model's reshape target may be stale): Reshape → {@code Reshape(x, output shape)}, Expand →
 * {@code Expand(x, output shape)}, Flatten → {@code Flatten(axis=1)} when it gives {@code (N, rest)}, otherwise a
 * Reshape. Transpose and Permute → {@code Transpose(perm)}, Concat → {@code Concat(axis)}, Squeeze → {@code Squeeze}
 * of the dimensions that are 1 (or {@code Identity} when none is), Unsqueeze → {@code Unsqueeze}, axes as inputs.
 */
final class LayoutExporters {

    private LayoutExporters() {
    }

    static void register(ExporterRegistry r) {
        r.register(Reshape.class, LayoutExporters::reshape);
        r.register(Expand.class, (op, e) -> e.applyTo(0, "Expand", ins(e.in(0), e.ints(e.outShape(0).dims()))));
        r.register(Flatten.class, (op, e) -> {
            Shape in = e.inShape(0);
            if (in.rank() >= 2 && e.outShape(0).rank() == 2 && in.normalizeAxis(op.startDim()) == 1
                    && in.normalizeAxis(op.endDim()) == in.rank() - 1) {
                e.applyTo(0, "Flatten", ins(e.in(0)), Attrs.i("axis", 1));
            } else {
                e.applyTo(0, "Reshape", ins(e.in(0), e.ints(e.outShape(0).dims())));
            }
        });
        r.register(Transpose.class, (op, e) -> {
            int rank = e.inShape(0).rank();
            int[] perm = identity(rank);
            int a = e.inShape(0).normalizeAxis(op.dim0());
            int b = e.inShape(0).normalizeAxis(op.dim1());
            perm[a] = b;
            perm[b] = a;
            e.applyTo(0, "Transpose", ins(e.in(0)), Attrs.ints("perm", perm));
        });
        r.register(Permute.class, (op, e) -> {
            int rank = e.inShape(0).rank();
            int[] perm = op.dims();
            for (int k = 0; k < perm.length; k++) {
                perm[k] = perm[k] < 0 ? perm[k] + rank : perm[k];
            }
            e.applyTo(0, "Transpose", ins(e.in(0)), Attrs.ints("perm", perm));
        });
        r.register(Concat.class, (op, e) -> {
            String[] in = new String[e.inCount()];
            for (int k = 0; k < in.length; k++) {
                in[k] = e.in(k);
            }
            e.applyTo(0, "Concat", in, Attrs.i("axis", e.inShape(0).normalizeAxis(op.dim())));
        });
        r.register(Squeeze.class, (op, e) -> {
            Shape in = e.inShape(0);
            List<Integer> axes = new ArrayList<>();
            if (op.dims().length == 0) {
                for (int d = 0; d < in.rank(); d++) {
                    if (in.dim(d) == 1) {
                        axes.add(d);
                    }
                }
            } else {
                for (int d : op.dims()) {
                    int a = in.normalizeAxis(d);
                    if (in.dim(a) == 1 && !axes.contains(a)) {
                        axes.add(a);
                    }
                }
            }
            if (axes.isEmpty()) {
                e.applyTo(0, "Identity", ins(e.in(0)));
            } else {
                long[] a = new long[axes.size()];
                for (int k = 0; k < a.length; k++) {
                    a[k] = axes.get(k);
                }
                java.util.Arrays.sort(a);
                e.applyTo(0, "Squeeze", ins(e.in(0), e.ints(a)));
            }
        });
        r.register(Unsqueeze.class, (op, e) -> {
            int d = op.dim() < 0 ? op.dim() + e.inShape(0).rank() + 1 : op.dim();
            e.applyTo(0, "Unsqueeze", ins(e.in(0), e.ints(d)));
        });
    }

    /**
     * The op's own target (a −1 kept, as the file had it) while it still gives the current output shape, else that
     * shape: pruning changes sizes without rewriting every target.
     */
    private static void reshape(Reshape op, Emitter e) {
        int[] target = op.target();
        boolean current;
        try {
            current = op.resolve(e.inShape(0)).equals(e.outShape(0));
        } catch (IllegalArgumentException stale) {
            current = false;
        }
        e.applyTo(0, "Reshape", ins(e.in(0), e.ints(current ? target : e.outShape(0).dims())));
    }

    private static int[] identity(int rank) {
        int[] p = new int[rank];
        for (int k = 0; k < rank; k++) {
            p[k] = k;
        }
        return p;
    }
}
