package dev.jprune.io.onnx.internal.export;

import static dev.jprune.io.onnx.internal.export.Emitter.ins;

/** ONNX sub-forms several exporters share, written for the emitter's opset. */
final class Forms {

    private Forms() {
    }

    /** {@code ReduceMean(x, axes, keepdims)}: axes an attribute before opset 18, an input from 18. */
    static String reduceMean(Emitter e, String x, long[] axes, boolean keep) {
        return reduce(e, "ReduceMean", x, axes, keep);
    }

    /** A reduction ({@code ReduceMean}, {@code ReduceL2}) with its axes written for the opset. */
    static String reduce(Emitter e, String op, String x, long[] axes, boolean keep) {
        if (e.opset() >= 18) {
            return e.apply(op, ins(x, e.ints(axes)), Attrs.i("keepdims", keep ? 1 : 0));
        }
        return e.apply(op, ins(x), Attrs.ints("axes", axes), Attrs.i("keepdims", keep ? 1 : 0));
    }

    /**
     * {@code (x − mean) / sqrt(var + eps)} over {@code axes} (kept), with the biased variance: the normalisation of
     * LayerNorm, GroupNorm and LayerNorm2d written with elementary ops.
     */
    static String standardize(Emitter e, String x, long[] axes, double eps) {
        String mean = reduceMean(e, x, axes, true);
        String d = e.apply("Sub", ins(x, mean));
        String var = reduceMean(e, e.apply("Mul", ins(d, d)), axes, true);
        String sd = e.apply("Sqrt", ins(e.apply("Add", ins(var, e.scalar(eps)))));
        return e.apply("Div", ins(d, sd));
    }

    /** The axes {@code from..rank-1}. */
    static long[] tail(int from, int rank) {
        long[] a = new long[rank - from];
        for (int k = 0; k < a.length; k++) {
            a[k] = from + k;
        }
        return a;
    }
}
