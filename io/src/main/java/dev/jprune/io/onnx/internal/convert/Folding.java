package dev.jprune.io.onnx.internal.convert;

import dev.jprune.io.onnx.OnnxAttribute;
import dev.jprune.io.onnx.OnnxDataType;
import dev.jprune.io.onnx.OnnxNode;
import dev.jprune.io.onnx.OnnxTensor;
import dev.jprune.io.onnx.UnsupportedOnnxOpException;
import dev.jprune.io.onnx.internal.convert.ConstOps.Bin;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

import static dev.jprune.io.onnx.internal.convert.ImportContext.intAttr;

/**
 * Ops of shape sub-graphs that only exist at import time: their inputs are constants (initializers, {@code Constant}
 * outputs, folded results, or the static {@code Shape} of a graph value) and their result is a {@link Const}:
 * Shape, Size, Cast, ConstantOfShape, Range, Equal/Less/Greater, And/Or/Not, Where, Mod, ScatterND, Min/Max,
 * ReduceProd. A graph-value input to one of these is refused, naming the node.
 */
final class Folding {

    private Folding() {
    }

    /** The static shape of input 0 (graph value or constant), optionally cut by {@code start}/{@code end} (opset 15). */
    static void shape(ImportContext cx, OnnxNode n, String name) throws IOException {
        int[] d = cx.inputDims(n, 0);
        int r = d.length;
        long start = intAttr(n, "start", 0);
        long end = intAttr(n, "end", r);
        start = Math.max(0, Math.min(r, start < 0 ? start + r : start));
        end = Math.max(0, Math.min(r, end < 0 ? end + r : end));
        int len = (int) Math.max(0, end - start);
        long[] out = new long[len];
        for (int i = 0; i < len; i++) {
            out[i] = d[(int) start + i];
        }
        cx.constant(n, 0, Const.ofLongs(new int[] {len}, out));
    }

    static void size(ImportContext cx, OnnxNode n, String name) throws IOException {
        cx.constant(n, 0, Const.ofLongs(new int[0], new long[] {ConstOps.numel(cx.inputDims(n, 0))}));
    }

    /**
     * Cast of a constant: to FLOAT, FLOAT16, BFLOAT16, DOUBLE → floats rounded to that type's precision (DOUBLE and
     * FLOAT keep the float32 values); to integer or BOOL types → int64 with ONNX's conversion ({@link ConstOps#cast}).
     * A graph value cast to a float type passes through (graph values are float32).
     */
    static void cast(ImportContext cx, OnnxNode n, String name) throws IOException {
        OnnxDataType to = OnnxDataType.ofCode((int) intAttr(n, "to", 0));
        boolean toFloat = to == OnnxDataType.FLOAT || to == OnnxDataType.DOUBLE || to == OnnxDataType.FLOAT16
                || to == OnnxDataType.BFLOAT16;
        if (!cx.isConst(n, 0)) {
            if (toFloat && cx.valueOrNull(n.inputs().get(0)) != null) { // graph values are float already
                cx.output(n, cx.valueOrNull(n.inputs().get(0)));
                return;
            }
            throw cx.unsupported(n, "Cast to " + to + " of a graph value (only import-time constants are cast)");
        }
        if (!toFloat && !OnnxTensor.isInteger(to)) {
            throw cx.unsupported(n, "Cast to " + (to == null ? "data type " + intAttr(n, "to", 0) : to)
                    + "; casts to FLOAT, FLOAT16, BFLOAT16, DOUBLE, the integer types and BOOL fold");
        }
        cx.constant(n, 0, ConstOps.cast(cx.constant(n, 0, "the input"), to));
    }

    /** A tensor of the constant shape at input 0 filled with the {@code value} attribute (float 0 by default). */
    static void constantOfShape(ImportContext cx, OnnxNode n, String name) throws IOException {
        long[] shape = cx.longs(n, 0, "the shape");
        int[] dims = new int[shape.length];
        for (int i = 0; i < dims.length; i++) {
            dims[i] = Math.toIntExact(shape[i]);
        }
        OnnxAttribute a = n.attribute("value");
        Const v = a == null ? Const.ofFloats(new int[0], new float[] {0f}) : tensor(cx, n, a.asTensor());
        cx.constant(n, 0, ConstLayout.expand(ConstLayout.reshape(v, new int[0]), dims));
    }

    static void range(ImportContext cx, OnnxNode n, String name) throws IOException {
        cx.constant(n, 0, ConstOps.range(cx.constant(n, 0, "start"), cx.constant(n, 1, "limit"),
                cx.constant(n, 2, "delta")));
    }

    /** A binary op that only folds (comparisons, logic, Mod, Min/Max of two inputs). */
    static OpConverter foldBinary(Bin op) {
        return (cx, n, name) -> {
            if (n.inputs().size() != 2) {
                throw cx.unsupported(n, n.inputs().size() + " inputs; two are supported");
            }
            cx.constant(n, 0, ConstOps.binary(op, cx.constant(n, 0, "input A"), cx.constant(n, 1, "input B")));
        };
    }

    static void mod(ImportContext cx, OnnxNode n, String name) throws IOException {
        foldBinary(intAttr(n, "fmod", 0) != 0 ? Bin.FMOD : Bin.MOD).convert(cx, n, name);
    }

    static void not(ImportContext cx, OnnxNode n, String name) throws IOException {
        cx.constant(n, 0, ConstOps.not(cx.constant(n, 0, "the input")));
    }

    static void where(ImportContext cx, OnnxNode n, String name) throws IOException {
        cx.constant(n, 0, ConstOps.where(cx.constant(n, 0, "the condition"), cx.constant(n, 1, "X"),
                cx.constant(n, 2, "Y")));
    }

    static void scatterND(ImportContext cx, OnnxNode n, String name) throws IOException {
        String reduction = ImportContext.stringAttr(n, "reduction", "none");
        if (!reduction.equals("none")) {
            throw cx.unsupported(n, "reduction '" + reduction + "'");
        }
        cx.constant(n, 0, ConstLayout.scatterND(cx.constant(n, 0, "the data"), cx.constant(n, 1, "the indices"),
                cx.constant(n, 2, "the updates")));
    }

    /** ReduceProd of a constant over the given axes (attribute before opset 18, input from 18) or all of them. */
    static void reduceProd(ImportContext cx, OnnxNode n, String name) throws IOException {
        Const c = cx.constant(n, 0, "the data");
        long[] axes = cx.opset() >= 18 ? (cx.hasInput(n, 1) ? cx.longs(n, 1, "axes") : null)
                : (n.attribute("axes") != null ? n.attribute("axes").asInts() : null);
        if (axes != null && axes.length > 0 && !(c.dims().length == 1 && axes.length == 1)) {
            throw cx.unsupported(n, "ReduceProd over some axes of a rank-" + c.dims().length + " constant");
        }
        boolean keep = intAttr(n, "keepdims", 1) != 0;
        int[] dims = keep ? new int[c.dims().length] : new int[0];
        java.util.Arrays.fill(dims, 1);
        if (c.isInteger()) {
            long p = 1;
            for (long v : c.longs()) {
                p = Math.multiplyExact(p, v);
            }
            cx.constant(n, 0, Const.ofLongs(dims, new long[] {p}));
        } else {
            float p = 1;
            for (float v : c.floats()) {
                p *= v;
            }
            cx.constant(n, 0, Const.ofFloats(dims, new float[] {p}));
        }
    }

    /** Min/Max of any number of constants. */
    static OpConverter variadic(Bin op) {
        return (cx, n, name) -> {
            Const acc = cx.constant(n, 0, "input 0");
            for (int i = 1; i < n.inputs().size(); i++) {
                acc = ConstOps.binary(op, acc, cx.constant(n, i, "input " + i));
            }
            cx.constant(n, 0, acc);
        };
    }

    /** A tensor attribute or {@code Constant} value as a constant: float types as floats, integer and bool types as int64. */
    static Const tensor(ImportContext cx, OnnxNode n, OnnxTensor t) throws UnsupportedOnnxOpException {
        long[] d = t.dims();
        int[] dims = new int[d.length];
        for (int i = 0; i < d.length; i++) {
            dims[i] = Math.toIntExact(d[i]);
        }
        OnnxDataType type = t.dataType();
        try {
            if (OnnxTensor.isFloating(type)) {
                return Const.ofFloats(dims, t.toFloats());
            }
            if (OnnxTensor.isInteger(type)) {
                return Const.ofLongs(dims, t.toLongs());
            }
        } catch (IllegalStateException e) { // wrong size, UINT64 beyond int64
            throw cx.unsupported(n, "value tensor '" + t.name() + "': " + e.getMessage());
        }
        throw cx.unsupported(n, "a " + (type == null ? "data type " + t.proto().getDataType() : type)
                + " value tensor '" + t.name() + "'; FLOAT, FLOAT16, BFLOAT16, DOUBLE, integer and BOOL tensors"
                + " are supported");
    }

    /** The constants at every present input. */
    static List<Const> all(ImportContext cx, OnnxNode n) throws IOException {
        List<Const> out = new ArrayList<>();
        for (int i = 0; i < n.inputs().size(); i++) {
            out.add(cx.constant(n, i, "input " + i));
        }
        return out;
    }
}
