package dev.jprune.io.onnx.internal.convert;

import dev.jprune.io.onnx.OnnxNode;
import dev.jprune.ops.AvgPool2d;
import dev.jprune.ops.MaxPool2d;
import dev.jprune.ops.Mean;
import dev.jprune.ir.Value;

import java.io.IOException;

import static dev.jprune.io.onnx.internal.convert.ImportContext.intAttr;

/** Pooling and reductions: MaxPool, AveragePool (2-D), ReduceMean. */
final class Pooling {

    private Pooling() {
    }

    static void maxPool(ImportContext cx, OnnxNode n, String name) throws IOException {
        int[] k = cx.ints(n, "kernel_shape", 2, 1);
        int[] s = cx.ints(n, "strides", 2, 1);
        int[] d = cx.ints(n, "dilations", 2, 1);
        int[] p = new int[2];
        Value x = cx.padded(n, name, cx.dynamic(n, 0), k, s, d, Double.NEGATIVE_INFINITY, p);
        cx.output(n, cx.apply(n, name, new MaxPool2d(k[0], k[1], s[0], s[1], p[0], p[1], d[0], d[1],
                intAttr(n, "ceil_mode", 0) != 0), true, x));
    }

    static void avgPool(ImportContext cx, OnnxNode n, String name) throws IOException {
        int[] k = cx.ints(n, "kernel_shape", 2, 1);
        int[] s = cx.ints(n, "strides", 2, 1);
        boolean includePad = intAttr(n, "count_include_pad", 0) != 0;
        int[] p = new int[2];
        Value x = cx.padded(n, name, cx.dynamic(n, 0), k, s, new int[] {1, 1}, includePad ? 0.0 : Double.NaN, p);
        cx.output(n, cx.apply(n, name, new AvgPool2d(k[0], k[1], s[0], s[1], p[0], p[1],
                intAttr(n, "ceil_mode", 0) != 0, includePad, null), true, x));
    }

    /** ReduceMean: axes as an attribute, or (opset 18) as an input; empty axes reduce all or nothing. */
    static void reduceMean(ImportContext cx, OnnxNode n, String name) throws IOException {
        Value x = cx.dynamic(n, 0);
        long[] axes;
        if (cx.hasInput(n, 1)) {
            axes = cx.longs(n, 1, "axes");
        } else {
            axes = n.attribute("axes") == null ? new long[0] : n.attribute("axes").asInts();
        }
        if (axes.length == 0) {
            if (intAttr(n, "noop_with_empty_axes", 0) != 0) {
                cx.output(n, x);
                return;
            }
            axes = new long[x.shape().rank()];
            for (int i = 0; i < axes.length; i++) {
                axes[i] = i;
            }
        }
        int[] dims = new int[axes.length];
        for (int i = 0; i < dims.length; i++) {
            dims[i] = Math.toIntExact(axes[i]);
        }
        cx.output(n, cx.apply(n, name, new Mean(dims, intAttr(n, "keepdims", 1) != 0), false, x));
    }
}
