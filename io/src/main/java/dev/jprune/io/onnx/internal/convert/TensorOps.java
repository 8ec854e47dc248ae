package dev.jprune.io.onnx.internal.convert;

import dev.jprune.io.onnx.OnnxNode;
import dev.jprune.io.onnx.internal.convert.ConstOps.Bin;
import dev.jprune.ir.Op;
import dev.jprune.ir.Value;
import dev.jprune.ops.Add;
import dev.jprune.ops.Concat;
import dev.jprune.ops.Constant;
import dev.jprune.ops.Div;
import dev.jprune.ops.Expand;
import dev.jprune.ops.Gather;
import dev.jprune.ops.Mul;
import dev.jprune.ops.Permute;
import dev.jprune.ops.Slice;
import dev.jprune.ops.Sqrt;
import dev.jprune.ops.Squeeze;
import dev.jprune.ops.Sub;
import dev.jprune.ops.Unsqueeze;
import dev.jprune.tensor.Shape;
import dev.jprune.tensor.Tensor;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static dev.jprune.io.onnx.internal.convert.ImportContext.intAttr;

/**
 * Ops that either fold (every input a constant: a {@link Const} result) or become jprune nodes on graph values:
 * Add/Sub/Mul/Div/Pow/Sqrt, Gather, Unsqueeze, Squeeze, Concat, Slice, Transpose, Expand.
 */
final class TensorOps {

    private TensorOps() {
    }

    /** An element-wise binary op: folded on constants, else a function node (a constant operand becomes a Constant). */
    static OpConverter arithmetic(Bin fold, Op op) {
        return (cx, n, name) -> {
            if (cx.allFoldable(n)) {
                cx.constant(n, 0, ConstOps.binary(fold, cx.constant(n, 0, "A"), cx.constant(n, 1, "B")));
            } else {
                cx.binary(n, name, op);
            }
        };
    }

    static void add(ImportContext cx, OnnxNode n, String name) throws IOException {
        arithmetic(Bin.ADD, new Add()).convert(cx, n, name);
    }

    static void sub(ImportContext cx, OnnxNode n, String name) throws IOException {
        arithmetic(Bin.SUB, new Sub()).convert(cx, n, name);
    }

    static void mul(ImportContext cx, OnnxNode n, String name) throws IOException {
        arithmetic(Bin.MUL, new Mul()).convert(cx, n, name);
    }

    static void div(ImportContext cx, OnnxNode n, String name) throws IOException {
        arithmetic(Bin.DIV, new Div()).convert(cx, n, name);
    }

    /** Pow: folded on constants; on a graph value, exponent 2 is {@code x·x} and 0.5 is Sqrt; other exponents refused. */
    static void pow(ImportContext cx, OnnxNode n, String name) throws IOException {
        if (cx.allFoldable(n)) {
            cx.constant(n, 0, ConstOps.binary(Bin.POW, cx.constant(n, 0, "X"), cx.constant(n, 1, "Y")));
            return;
        }
        float e = cx.scalar(n, cx.constant(n, 1, "the exponent"));
        Value x = cx.dynamic(n, 0);
        if (e == 2f) {
            cx.output(n, cx.apply(n, name, new Mul(), false, x, x));
        } else if (e == 0.5f) {
            cx.output(n, cx.apply(n, name, new Sqrt(), true, x));
        } else if (e == 1f) {
            cx.output(n, x);
        } else {
            throw cx.unsupported(n, "exponent " + e + " on a graph value (2, 1 and 0.5 are supported)");
        }
    }

    static void sqrt(ImportContext cx, OnnxNode n, String name) throws IOException {
        if (cx.allFoldable(n)) {
            cx.constant(n, 0, ConstOps.sqrt(cx.constant(n, 0, "X")));
        } else {
            cx.unary(n, name, new Sqrt());
        }
    }

    private static int axis(ImportContext cx, OnnxNode n, long axis, int rank) throws IOException {
        long a = axis < 0 ? axis + rank : axis;
        if (a < 0 || a >= rank) {
            throw cx.unsupported(n, "axis " + axis + " for rank " + rank);
        }
        return (int) a;
    }

    /** Gather with constant indices: folded on constant data; on a graph value a scalar index is Slice + Squeeze. */
    static void gather(ImportContext cx, OnnxNode n, String name) throws IOException {
        Const idx = cx.constant(n, 1, "the indices");
        int rank = cx.inputDims(n, 0).length;
        int axis = axis(cx, n, intAttr(n, "axis", 0), rank);
        if (cx.isFoldable(n, 0)) {
            cx.constant(n, 0, ConstLayout.gather(cx.constant(n, 0, "the data"), idx, axis));
            return;
        }
        Value x = cx.dynamic(n, 0);
        if (idx.dims().length == 0) {
            int size = x.shape().dim(axis);
            long i = idx.longValues()[0];
            if (i < -size || i >= size) {
                throw cx.unsupported(n, "index " + i + " out of range for axis " + axis + " of " + x.shape());
            }
            long p = i < 0 ? i + size : i;
            Value s = cx.call(name + "_slice", Slice.of(axis, p, p + 1), x);
            cx.output(n, cx.call(name, Squeeze.of(axis), s));
            return;
        }
        Value ind = cx.call(name + "_indices", new Constant(Tensor.wrap(Shape.of(idx.dims()), idx.floatValues())));
        cx.output(n, cx.call(name, new Gather(axis), x, ind));
    }

    /** The axes of Squeeze/Unsqueeze: attribute before opset 13, input from 13; {@code null} when absent. */
    private static long[] axesOf(ImportContext cx, OnnxNode n) throws IOException {
        if (cx.opset() >= 13) {
            return cx.hasInput(n, 1) ? cx.longs(n, 1, "axes") : null;
        }
        return n.attribute("axes") != null ? n.attribute("axes").asInts() : null;
    }

    static void unsqueeze(ImportContext cx, OnnxNode n, String name) throws IOException {
        long[] axes = axesOf(cx, n);
        if (axes == null) {
            throw cx.unsupported(n, "no axes");
        }
        int[] in = cx.inputDims(n, 0);
        int r = in.length + axes.length;
        boolean[] isNew = new boolean[r];
        for (long a : axes) {
            int k = axis(cx, n, a, r);
            if (isNew[k]) {
                throw cx.unsupported(n, "repeated axis in " + Arrays.toString(axes));
            }
            isNew[k] = true;
        }
        int[] out = new int[r];
        for (int i = 0, j = 0; i < r; i++) {
            out[i] = isNew[i] ? 1 : in[j++];
        }
        if (cx.isFoldable(n, 0)) {
            cx.constant(n, 0, ConstLayout.reshape(cx.constant(n, 0, "the data"), out));
            return;
        }
        Value x = cx.dynamic(n, 0);
        List<Integer> news = new ArrayList<>();
        for (int i = 0; i < r; i++) {
            if (isNew[i]) {
                news.add(i);
            }
        }
        for (int k = 0; k < news.size(); k++) { // ascending output positions: each insertion keeps the earlier ones
            x = cx.call(k == news.size() - 1 ? name : name + "_" + k, new Unsqueeze(news.get(k)), x);
        }
        cx.output(n, x);
    }

    static void squeeze(ImportContext cx, OnnxNode n, String name) throws IOException {
        long[] axes = axesOf(cx, n);
        int[] in = cx.inputDims(n, 0);
        boolean[] drop = new boolean[in.length];
        List<Integer> dropped = new ArrayList<>();
        for (int i = 0; i < in.length; i++) {
            boolean listed = axes == null;
            if (axes != null) {
                for (long a : axes) {
                    listed |= axis(cx, n, a, in.length) == i;
                }
            }
            if (listed && axes != null && in[i] != 1) {
                throw cx.unsupported(n, "axis " + i + " of " + Arrays.toString(in) + " is not 1");
            }
            drop[i] = listed && in[i] == 1;
            if (drop[i]) {
                dropped.add(i);
            }
        }
        int[] out = new int[in.length - dropped.size()];
        for (int i = 0, j = 0; i < in.length; i++) {
            if (!drop[i]) {
                out[j++] = in[i];
            }
        }
        if (cx.isFoldable(n, 0)) {
            cx.constant(n, 0, ConstLayout.reshape(cx.constant(n, 0, "the data"), out));
            return;
        }
        int[] d = dropped.stream().mapToInt(Integer::intValue).toArray();
        cx.output(n, cx.call(name, Squeeze.of(d), cx.dynamic(n, 0)));
    }

    static void concat(ImportContext cx, OnnxNode n, String name) throws IOException {
        int rank = cx.inputDims(n, 0).length;
        int axis = axis(cx, n, intAttr(n, "axis", 0), rank);
        if (cx.allFoldable(n)) {
            cx.constant(n, 0, ConstLayout.concat(Folding.all(cx, n), axis));
            return;
        }
        Value[] in = new Value[n.inputs().size()];
        for (int i = 0; i < in.length; i++) {
            in[i] = cx.dynamic(n, i);
        }
        cx.output(n, cx.apply(n, name, new Concat(axis), false, in));
    }

    /** Slice: attributes before opset 10, inputs from 10; on a graph value one Slice node per axis, positive steps. */
    static void slice(ImportContext cx, OnnxNode n, String name) throws IOException {
        int[] in = cx.inputDims(n, 0);
        long[] starts;
        long[] ends;
        long[] axes;
        long[] steps;
        if (cx.opset() < 10) {
            starts = n.attribute("starts").asInts();
            ends = n.attribute("ends").asInts();
            axes = n.attribute("axes") != null ? n.attribute("axes").asInts() : null;
            steps = null;
        } else {
            starts = cx.longs(n, 1, "starts");
            ends = cx.longs(n, 2, "ends");
            axes = cx.hasInput(n, 3) ? cx.longs(n, 3, "axes") : null;
            steps = cx.hasInput(n, 4) ? cx.longs(n, 4, "steps") : null;
        }
        if (ends.length != starts.length) {
            throw cx.unsupported(n, "starts and ends have different lengths");
        }
        if (axes == null) {
            axes = new long[starts.length];
            for (int i = 0; i < axes.length; i++) {
                axes[i] = i;
            }
        }
        if (steps == null) {
            steps = new long[starts.length];
            Arrays.fill(steps, 1);
        }
        int[] ax = new int[axes.length];
        for (int i = 0; i < ax.length; i++) {
            ax[i] = axis(cx, n, axes[i], in.length);
        }
        if (cx.isFoldable(n, 0)) {
            cx.constant(n, 0, ConstLayout.slice(cx.constant(n, 0, "the data"), starts, ends, ax, steps));
            return;
        }
        Value x = cx.dynamic(n, 0);
        for (int j = 0; j < ax.length; j++) {
            if (steps[j] < 1) {
                throw cx.unsupported(n, "step " + steps[j] + " on a graph value (only positive steps)");
            }
            int[] se = ConstLayout.sliceRange(in[ax[j]], starts[j], ends[j], steps[j]);
            if (se[0] == 0 && se[1] == in[ax[j]] && steps[j] == 1) {
                continue; // the whole axis
            }
            long end = se[0] + (long) (se[1] - 1) * steps[j] + 1;
            x = cx.call(j == ax.length - 1 ? name : name + "_" + j,
                    new Slice(ax[j], se[0], se[1] == 0 ? se[0] : end, Math.toIntExact(steps[j])), x);
        }
        cx.output(n, x);
    }

    /** Transpose (default: reversed axes) → Permute, or folded. */
    static void transpose(ImportContext cx, OnnxNode n, String name) throws IOException {
        int rank = cx.inputDims(n, 0).length;
        int[] perm = new int[rank];
        if (n.attribute("perm") != null) {
            long[] p = n.attribute("perm").asInts();
            if (p.length != rank) {
                throw cx.unsupported(n, "perm " + Arrays.toString(p) + " for rank " + rank);
            }
            for (int i = 0; i < rank; i++) {
                perm[i] = axis(cx, n, p[i], rank);
            }
        } else {
            for (int i = 0; i < rank; i++) {
                perm[i] = rank - 1 - i;
            }
        }
        if (cx.isFoldable(n, 0)) {
            cx.constant(n, 0, ConstLayout.transpose(cx.constant(n, 0, "the data"), perm));
            return;
        }
        cx.output(n, cx.call(name, Permute.of(perm), cx.dynamic(n, 0)));
    }

    /** Expand to a constant shape, NumPy-broadcast; on a graph value an Expand node to the broadcast shape. */
    static void expand(ImportContext cx, OnnxNode n, String name) throws IOException {
        long[] s = cx.longs(n, 1, "the shape");
        int[] shape = new int[s.length];
        for (int i = 0; i < s.length; i++) {
            shape[i] = Math.toIntExact(s[i]);
        }
        if (cx.isFoldable(n, 0)) {
            cx.constant(n, 0, ConstLayout.expand(cx.constant(n, 0, "the input"), shape));
            return;
        }
        Value x = cx.dynamic(n, 0);
        int[] out = ConstOps.broadcast(x.shape().dims(), shape);
        if (Arrays.equals(out, x.shape().dims())) {
            cx.output(n, x);
            return;
        }
        cx.output(n, cx.call(name, Expand.of(out), x));
    }
}
