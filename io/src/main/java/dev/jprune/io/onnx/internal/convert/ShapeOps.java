package dev.jprune.io.onnx.internal.convert;

import dev.jprune.io.onnx.OnnxNode;
import dev.jprune.ir.Op;
import dev.jprune.ir.Value;
import dev.jprune.ops.Concat;
import dev.jprune.ops.Flatten;
import dev.jprune.ops.Pad;
import dev.jprune.ops.Reshape;
import dev.jprune.tensor.Shape;

import java.io.IOException;
import java.util.Arrays;

import static dev.jprune.io.onnx.internal.convert.ImportContext.floatAttr;
import static dev.jprune.io.onnx.internal.convert.ImportContext.intAttr;

/** Shape-changing ops: Flatten, Reshape (constant targets), Concat, Pad. */
final class ShapeOps {

    private ShapeOps() {
    }

    static void flatten(ImportContext cx, OnnxNode n, String name) throws IOException {
        Value x = cx.dynamic(n, 0);
        int rank = x.shape().rank();
        int axis = (int) intAttr(n, "axis", 1);
        axis = axis < 0 ? axis + rank : axis;
        if (axis < 0 || axis > rank) {
            throw cx.unsupported(n, "axis " + intAttr(n, "axis", 1) + " for input " + x.shape());
        }
        Op op = axis == 1 && rank >= 2 ? Flatten.of() : Reshape.of(axis == 0 ? 1 : x.shape().product(0, axis), -1);
        cx.output(n, cx.apply(n, name, op, false, x));
    }

    static void concat(ImportContext cx, OnnxNode n, String name) throws IOException {
        Value[] in = new Value[n.inputs().size()];
        for (int i = 0; i < in.length; i++) {
            in[i] = cx.dynamic(n, i);
        }
        cx.output(n, cx.apply(n, name, new Concat((int) intAttr(n, "axis", 1)), false, in));
    }

    /** Reshape to a constant shape; ONNX's 0 copies the input's size unless {@code allowzero}. */
    static void reshape(ImportContext cx, OnnxNode n, String name) throws IOException {
        long[] shape = cx.longs(n, 1, "the shape");
        boolean allowZero = intAttr(n, "allowzero", 0) != 0;
        int[] inDims = cx.inputDims(n, 0);
        int[] target = new int[shape.length];
        for (int i = 0; i < target.length; i++) {
            long t = shape[i];
            if (t == 0 && !allowZero) {
                if (i >= inDims.length) {
                    throw cx.unsupported(n, "shape entry " + i + " is 0 (copy) but the input has rank " + inDims.length);
                }
                t = inDims[i];
            }
            target[i] = Math.toIntExact(t);
        }
        if (cx.isFoldable(n, 0)) {
            Const c = cx.constant(n, 0, "the data");
            Shape out = Reshape.of(target).resolve(Shape.of(c.dims()));
            cx.constant(n, 0, new Const(out.dims(), c.floats(), c.longs()));
            return;
        }
        cx.output(n, cx.apply(n, name, Reshape.of(target), false, cx.dynamic(n, 0)));
    }

    /** Constant-mode Pad with non-negative amounts; ONNX's {@code [begins..., ends...]} become F.pad's order. */
    static void pad(ImportContext cx, OnnxNode n, String name) throws IOException {
        String mode = ImportContext.stringAttr(n, "mode", "constant");
        if (!mode.equals("constant")) {
            throw cx.unsupported(n, "mode '" + mode + "'; only 'constant' is supported");
        }
        if (cx.hasInput(n, 3)) {
            throw cx.unsupported(n, "the axes input");
        }
        Value x = cx.dynamic(n, 0);
        long[] p = cx.hasInput(n, 1) ? cx.longs(n, 1, "pads") : n.attribute("pads").asInts(); // attribute: opset < 11
        int rank = x.shape().rank();
        if (p.length != 2 * rank) {
            throw cx.unsupported(n, "pads hold " + p.length + " entries for an input of rank " + rank);
        }
        float value = cx.hasInput(n, 2) ? cx.scalar(n, cx.constant(n, 2, "constant_value")) : floatAttr(n, "value", 0f);
        int[] torch = new int[2 * rank];
        for (int k = 0; k < rank; k++) {
            int axis = rank - 1 - k;
            if (p[axis] < 0 || p[rank + axis] < 0) {
                throw cx.unsupported(n, "negative pads (cropping) " + Arrays.toString(p));
            }
            torch[2 * k] = Math.toIntExact(p[axis]);
            torch[2 * k + 1] = Math.toIntExact(p[rank + axis]);
        }
        cx.output(n, cx.apply(n, name, new Pad(torch, value, "constant"), true, x));
    }
}
