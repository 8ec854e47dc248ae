package dev.jprune.io.onnx.internal.convert;

import dev.jprune.io.onnx.OnnxAttribute;
import dev.jprune.io.onnx.OnnxNode;
import dev.jprune.io.onnx.UnsupportedOnnxOpException;
import dev.jprune.ir.Value;
import dev.jprune.ops.Dropout;

import java.io.IOException;

import static dev.jprune.io.onnx.internal.convert.ImportContext.floatAttr;

/** Nodes that pass values through or define them: Identity, Dropout, Constant. */
final class Passthrough {

    private Passthrough() {
    }

    static void dropout(ImportContext cx, OnnxNode n, String name) throws IOException {
        float p = floatAttr(n, "ratio", 0.5f);
        if (cx.hasInput(n, 1)) {
            p = cx.scalar(n, cx.constant(n, 1, "ratio"));
        }
        cx.unary(n, name, new Dropout(p));
    }

    static void identity(ImportContext cx, OnnxNode n, String name) throws IOException {
        Value v = cx.valueOrNull(n.inputs().get(0));
        if (v != null) {
            cx.output(n, v);
        } else {
            cx.constant(n, 0, cx.constant(n, 0, "the input"));
        }
    }

    static void constant(ImportContext cx, OnnxNode n, String name) throws UnsupportedOnnxOpException {
        cx.constant(n, 0, value(cx, n));
    }

    /** The value of a {@code Constant} node (which has no inputs, so it can be read before its turn). */
    static Const value(ImportContext cx, OnnxNode n) throws UnsupportedOnnxOpException {
        Const c;
        OnnxAttribute a;
        if ((a = n.attribute("value")) != null) {
            c = Folding.tensor(cx, n, a.asTensor());
        } else if ((a = n.attribute("value_float")) != null) {
            c = Const.ofFloats(new int[0], new float[] {a.asFloat()});
        } else if ((a = n.attribute("value_floats")) != null) {
            float[] f = a.asFloats();
            c = Const.ofFloats(new int[] {f.length}, f);
        } else if ((a = n.attribute("value_int")) != null) {
            c = Const.ofLongs(new int[0], new long[] {a.asInt()});
        } else if ((a = n.attribute("value_ints")) != null) {
            long[] l = a.asInts();
            c = Const.ofLongs(new int[] {l.length}, l);
        } else {
            throw cx.unsupported(n, "no value, value_float(s) or value_int(s) attribute");
        }
        return c;
    }
}
