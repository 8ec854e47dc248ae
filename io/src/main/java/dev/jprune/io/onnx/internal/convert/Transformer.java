package dev.jprune.io.onnx.internal.convert;

import dev.jprune.io.onnx.OnnxNode;
import dev.jprune.ir.Value;
import dev.jprune.ops.Erf;
import dev.jprune.ops.GELU;
import dev.jprune.ops.LayerNorm;
import dev.jprune.ops.Linear;
import dev.jprune.ops.MatMul;
import dev.jprune.ops.Permute;
import dev.jprune.ops.Softmax;
import dev.jprune.ops.Tanh;
import dev.jprune.tensor.Shape;
import dev.jprune.weights.Parity;

import java.io.IOException;
import java.util.Arrays;
import java.util.List;

import static dev.jprune.io.onnx.internal.convert.ImportContext.floatAttr;
import static dev.jprune.io.onnx.internal.convert.ImportContext.intAttr;
import static dev.jprune.io.onnx.internal.convert.ImportContext.stringAttr;

/**
 * Transformer ops: MatMul (a Linear layer when the right operand is a 2-D weight, fused with a following bias Add),
 * LayerNormalization, Softmax, Gelu, Erf, Tanh, and the Einsum equations of batched attention.
 */
final class Transformer {

    private Transformer() {
    }

    /**
     * MatMul. Two graph values: a MatMul node. A graph value times a constant 2-D {@code W (in, out)}: a Linear module
     * with weight {@code Wᵀ}; when the MatMul output's only reader is an Add of a 1-D constant {@code (out)}, that Add
     * is fused as the bias and the module is named after the bias initializer ({@code X.bias} → module {@code X};
     * {@code X.in_proj_bias} → module {@code X} with parameters {@code in_proj_weight}, {@code in_proj_bias}, as
     * {@code nn.MultiheadAttention}'s), else after the MatMul node. When the weight initializer is parity-filled
     * (structure-only export) the weight is filled by that PyTorch name, so it equals the PyTorch model's.
     */
    static void matMul(ImportContext cx, OnnxNode n, String name) throws IOException {
        if (cx.allConst(n)) {
            throw cx.unsupported(n, "MatMul of two constants");
        }
        if (!cx.isConst(n, 1) || cx.inputDims(n, 1).length != 2 || cx.isConst(n, 0)) {
            cx.output(n, cx.apply(n, name, new MatMul(), false, cx.dynamic(n, 0), cx.dynamic(n, 1)));
            return;
        }
        Value x = cx.dynamic(n, 0);
        String wName = n.inputs().get(1);
        Const w = cx.constant(n, 1, "the weight");
        int in = w.dims()[0];
        int out = w.dims()[1];
        OnnxNode add = biasAdd(cx, n, out);
        String module = name;
        String weightLocal = "weight";
        String biasLocal = "bias";
        Const bias = null;
        String biasName = null;
        if (add != null) {
            int bi = add.inputs().get(0).equals(n.outputs().get(0)) ? 1 : 0;
            biasName = add.inputs().get(bi);
            bias = cx.constant(add, bi, "the bias");
            int dot = biasName.lastIndexOf('.');
            String leaf = dot < 0 ? "" : biasName.substring(dot + 1);
            if (dot > 0 && leaf.endsWith("bias") && !leaf.equals("bias")) {
                biasLocal = leaf;
                weightLocal = leaf.substring(0, leaf.length() - 4) + "weight";
                module = ImportContext.sanitize(biasName.substring(0, dot));
            } else if (dot > 0 && leaf.equals("bias")) {
                module = ImportContext.sanitize(biasName.substring(0, dot));
            }
        } else if (n.name().startsWith("/") && n.name().endsWith("/MatMul") && !torchPath(n.name()).isEmpty()) {
            module = ImportContext.sanitize(torchPath(n.name())); // the only MatMul of its module scope
        }
        module = cx.moduleName(module + ".weight", module); // unique among modules
        Const wt;
        if (cx.isParityFilled(wName) && !module.equals(name) && !wName.endsWith(".weight")) {
            wt = Const.ofFloats(new int[] {out, in},
                    Parity.value(module + "." + weightLocal, Shape.of(out, in)).data());
        } else {
            wt = ConstLayout.transpose(w, new int[] {1, 0});
        }
        cx.param(module, weightLocal, wt, wName);
        if (bias != null) {
            cx.param(module, biasLocal, ConstLayout.reshape(bias, new int[] {out}), biasName);
        }
        Value y = cx.module(module, new Linear(in, out, bias != null, weightLocal, biasLocal), x);
        cx.output(n, y);
        if (add != null) {
            cx.fuse(add);
            cx.alsoFrom(y, add);
            cx.output(add, y);
        }
    }

    /**
     * The PyTorch module path of a torch.onnx.export node name: {@code /features/features.1/features.1.0/block/block.3/MatMul}
     * → {@code features.1.0.block.3} (a scope that extends the previous one by {@code .k} is a Sequential index).
     */
    static String torchPath(String nodeName) {
        String[] c = nodeName.split("/");
        StringBuilder path = new StringBuilder();
        String prev = null;
        for (int i = 1; i < c.length - 1; i++) {
            if (prev != null && c[i].startsWith(prev + ".")) {
                path.append(c[i].substring(prev.length()));
            } else {
                path.append(path.length() == 0 ? "" : ".").append(c[i]);
            }
            prev = c[i];
        }
        return path.toString();
    }

    /** The Add that only reads the MatMul output and a 1-D constant of {@code out} entries, or {@code null}. */
    private static OnnxNode biasAdd(ImportContext cx, OnnxNode mm, int out) throws IOException {
        String y = mm.outputs().get(0);
        List<OnnxNode> readers = cx.consumers(y);
        if (readers.size() != 1 || cx.isGraphOutput(y)) {
            return null;
        }
        OnnxNode a = readers.get(0);
        if (!a.opType().equals("Add") || a.inputs().size() != 2 || !a.domain().isEmpty()) {
            return null;
        }
        int bi = a.inputs().get(0).equals(y) ? 1 : 0;
        if (a.inputs().get(bi).equals(y) || !cx.isConst(a, bi)) {
            return null;
        }
        Const b = cx.constant(a, bi, "the bias");
        return b.dims().length == 1 && b.dims()[0] == out ? a : null;
    }

    /** LayerNormalization (opset 17) over the trailing axes from {@code axis}, with scale and bias → a LayerNorm module. */
    static void layerNorm(ImportContext cx, OnnxNode n, String name) throws IOException {
        if (n.outputs().size() > 1) {
            for (int i = 1; i < n.outputs().size(); i++) {
                if (!n.outputs().get(i).isEmpty() && cx.isUsed(n.outputs().get(i))) {
                    throw cx.unsupported(n, "output " + i + " (mean or inverse std) is used");
                }
            }
        }
        if (intAttr(n, "stash_type", 1) != 1) {
            throw cx.unsupported(n, "stash_type " + intAttr(n, "stash_type", 1));
        }
        Value x = cx.dynamic(n, 0);
        int rank = x.shape().rank();
        long a = intAttr(n, "axis", -1);
        int axis = (int) (a < 0 ? a + rank : a);
        if (axis < 0 || axis >= rank) {
            throw cx.unsupported(n, "axis " + a + " for input " + x.shape());
        }
        int[] norm = Arrays.copyOfRange(x.shape().dims(), axis, rank);
        if (!cx.hasInput(n, 2)) {
            throw cx.unsupported(n, "no bias input (a LayerNorm without bias is not supported)");
        }
        Const scale = cx.constant(n, 1, "the scale");
        Const bias = cx.constant(n, 2, "the bias");
        if (!Arrays.equals(scale.dims(), norm) || !Arrays.equals(bias.dims(), norm)) {
            throw cx.unsupported(n, "scale " + Arrays.toString(scale.dims()) + " and bias "
                    + Arrays.toString(bias.dims()) + " must both be " + Arrays.toString(norm));
        }
        String m = cx.moduleName(n.inputs().get(1), name);
        cx.param(m, "weight", scale, n.inputs().get(1));
        cx.param(m, "bias", bias, n.inputs().get(2));
        double eps = ImportContext.decimal(floatAttr(n, "epsilon", 1e-5f));
        cx.output(n, cx.module(m, new LayerNorm(norm, eps, true), x));
    }

    /**
     * Softmax. From opset 13 along {@code axis} (default −1); before 13 the input is coerced to 2-D at {@code axis}
     * (default 1), which equals a softmax along the last axis only when {@code axis} is the last one: else refused.
     */
    static void softmax(ImportContext cx, OnnxNode n, String name) throws IOException {
        Value x = cx.dynamic(n, 0);
        int rank = x.shape().rank();
        long a = intAttr(n, "axis", cx.opset() >= 13 ? -1 : 1);
        int axis = (int) (a < 0 ? a + rank : a);
        if (axis < 0 || axis >= rank) {
            throw cx.unsupported(n, "axis " + a + " for input " + x.shape());
        }
        if (cx.opset() < 13 && axis != rank - 1) {
            boolean trailingOnes = true;
            for (int i = axis + 1; i < rank; i++) {
                trailingOnes &= x.shape().dim(i) == 1;
            }
            if (!trailingOnes) {
                throw cx.unsupported(n, "axis " + a + " of a rank-" + rank + " input before opset 13 (a softmax over"
                        + " the flattened trailing axes); only the last axis is supported");
            }
        }
        cx.output(n, cx.apply(n, name, new Softmax(axis), true, x));
    }

    /** Gelu (opset 20), {@code approximate} "none" or "tanh". */
    static void gelu(ImportContext cx, OnnxNode n, String name) throws IOException {
        String approx = stringAttr(n, "approximate", "none");
        if (!approx.equals("none") && !approx.equals("tanh")) {
            throw cx.unsupported(n, "approximate '" + approx + "'");
        }
        cx.unary(n, name, new GELU(approx));
    }

    static void erf(ImportContext cx, OnnxNode n, String name) throws IOException {
        cx.unary(n, name, new Erf());
    }

    static void tanh(ImportContext cx, OnnxNode n, String name) throws IOException {
        cx.unary(n, name, new Tanh());
    }

    /**
     * Einsum of two graph values with the batched-matrix equations of attention: {@code …ik,…jk->…ij} (a MatMul with
     * the second operand's last two axes swapped) and {@code …ij,…jk->…ik} (a MatMul); the batch letters must be the
     * same in both operands and the output. Other equations are refused.
     */
    static void einsum(ImportContext cx, OnnxNode n, String name) throws IOException {
        String eq = stringAttr(n, "equation", "").replace(" ", "");
        String[] io = eq.split("->");
        String[] ops = io.length == 2 ? io[0].split(",") : new String[0];
        if (ops.length != 2 || n.inputs().size() != 2) {
            throw cx.unsupported(n, "equation '" + eq + "'; two operands and an explicit output are supported");
        }
        String a = ops[0];
        String b = ops[1];
        String o = io[1];
        int r = a.length();
        boolean ok = r >= 2 && b.length() == r && o.length() == r
                && a.substring(0, r - 2).equals(b.substring(0, r - 2)) && a.substring(0, r - 2).equals(o.substring(0, r - 2));
        if (ok) {
            char i = a.charAt(r - 2);
            char k = a.charAt(r - 1);
            char b1 = b.charAt(r - 2);
            char b2 = b.charAt(r - 1);
            char o1 = o.charAt(r - 2);
            char o2 = o.charAt(r - 1);
            Value x = cx.dynamic(n, 0);
            Value y = cx.dynamic(n, 1);
            if (b2 == k && o1 == i && o2 == b1 && i != k && b1 != k) { // ...ik,...jk->...ij
                int[] perm = new int[r];
                for (int d = 0; d < r; d++) {
                    perm[d] = d;
                }
                perm[r - 2] = r - 1;
                perm[r - 1] = r - 2;
                Value yt = cx.call(name + "_transpose", Permute.of(perm), y);
                cx.output(n, cx.call(name, new MatMul(), x, yt));
                return;
            }
            if (b1 == k && o1 == i && o2 == b2 && i != k && b2 != k) { // ...ij,...jk->...ik
                cx.output(n, cx.call(name, new MatMul(), x, y));
                return;
            }
        }
        throw cx.unsupported(n, "equation '" + eq + "'; only batched matrix products (…ik,…jk->…ij and"
                + " …ij,…jk->…ik) are supported");
    }
}
