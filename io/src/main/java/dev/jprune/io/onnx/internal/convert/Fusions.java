package dev.jprune.io.onnx.internal.convert;

import dev.jprune.io.onnx.OnnxNode;
import dev.jprune.ir.Value;
import dev.jprune.ops.GELU;
import dev.jprune.ops.GroupNorm;
import dev.jprune.ops.LayerNorm;

import java.io.IOException;
import java.util.Arrays;
import java.util.List;

import static dev.jprune.io.onnx.internal.convert.ImportContext.intAttr;

/**
 * Sub-graphs torch.onnx.export writes for one PyTorch module, recognised from their first node and imported as that
 * module: a decomposed LayerNorm (from ReduceMean), the exact GELU (from Div) and GroupNorm (from Reshape). Each is matched only when every
 * intermediate value is read inside the pattern alone; otherwise the nodes are imported one by one.
 */
final class Fusions {

    private Fusions() {
    }

    /**
     * ReduceMean: the head of a decomposed LayerNorm over the last axis ({@code ReduceMean → Sub → Pow 2 → ReduceMean
     * → Add eps → Sqrt → Div → Mul γ → Add β}, each intermediate read only inside the pattern, γ and β 1-D
     * constants) becomes one LayerNorm module named after γ ({@code X.weight} → {@code X}); anything else is a mean.
     */
    static void reduceMean(ImportContext cx, OnnxNode n, String name) throws IOException {
        List<OnnxNode> chain = decomposedLayerNorm(cx, n);
        if (chain == null) {
            Pooling.reduceMean(cx, n, name);
            return;
        }
        Value x = cx.dynamic(n, 0);
        int d = x.shape().dim(x.shape().rank() - 1);
        OnnxNode addEps = chain.get(3);
        OnnxNode mul = chain.get(6);
        OnnxNode addB = chain.get(7);
        int ei = constIndex(cx, addEps);
        int gi = constIndex(cx, mul);
        int bi = constIndex(cx, addB);
        double eps = cx.scalar(addEps, cx.constant(addEps, ei, "eps"));
        eps = Double.parseDouble(Float.toString((float) eps));
        String m = cx.moduleName(mul.inputs().get(gi), name);
        cx.param(m, "weight", cx.constant(mul, gi, "the scale"), mul.inputs().get(gi));
        cx.param(m, "bias", cx.constant(addB, bi, "the bias"), addB.inputs().get(bi));
        Value y = cx.module(m, new LayerNorm(new int[] {d}, eps, true), x);
        for (OnnxNode c : chain) {
            cx.fuse(c);
            cx.alsoFrom(y, c);
        }
        cx.output(addB, y);
    }

    /** The input index of the constant operand of a binary node whose other operand is a graph value, or -1. */
    private static int constIndex(ImportContext cx, OnnxNode b) throws IOException {
        if (b.inputs().size() != 2) {
            return -1;
        }
        boolean c0 = cx.isConst(b, 0);
        boolean c1 = cx.isConst(b, 1);
        return c0 == c1 ? -1 : c0 ? 0 : 1;
    }

    /** The only reader of output 0 of {@code n} when it has op type {@code type} and reads it once, else {@code null}. */
    private static OnnxNode onlyReader(ImportContext cx, OnnxNode n, String type) {
        String out = n.outputs().get(0);
        List<OnnxNode> r = cx.consumers(out);
        return r.size() == 1 && r.get(0).opType().equals(type) && r.get(0).domain().isEmpty()
                && !cx.isGraphOutput(out) && n.outputs().size() == 1 ? r.get(0) : null;
    }

    /** Whether ReduceMean {@code r} averages the last axis only, keeping it. */
    private static boolean lastAxisMean(ImportContext cx, OnnxNode r, int rank) throws IOException {
        long[] axes = cx.hasInput(r, 1) ? (cx.isConst(r, 1) ? cx.constant(r, 1, "axes").longValues() : null)
                : (r.attribute("axes") != null ? r.attribute("axes").asInts() : null);
        return axes != null && axes.length == 1 && (axes[0] == -1 || axes[0] == rank - 1)
                && intAttr(r, "keepdims", 1) == 1;
    }

    /**
     * The nodes after ReduceMean {@code m1} of a decomposed LayerNorm — Sub, Pow, ReduceMean, Add, Sqrt, Div, Mul, Add
     * — or {@code null} when the sub-graph is not exactly that.
     */
    private static List<OnnxNode> decomposedLayerNorm(ImportContext cx, OnnxNode m1) throws IOException {
        Value x = cx.valueOrNull(m1.inputs().get(0));
        if (x == null || !lastAxisMean(cx, m1, x.shape().rank())) {
            return null;
        }
        int rank = x.shape().rank();
        int dim = x.shape().dim(rank - 1);
        OnnxNode sub = onlyReader(cx, m1, "Sub");
        if (sub == null || !sub.inputs().get(0).equals(m1.inputs().get(0)) || !sub.inputs().get(1).equals(m1.outputs().get(0))) {
            return null;
        }
        List<OnnxNode> subReaders = cx.consumers(sub.outputs().get(0));
        if (subReaders.size() != 2 || cx.isGraphOutput(sub.outputs().get(0))) {
            return null;
        }
        OnnxNode pow = subReaders.get(0).opType().equals("Pow") ? subReaders.get(0) : subReaders.get(1);
        OnnxNode div = pow == subReaders.get(0) ? subReaders.get(1) : subReaders.get(0);
        if (!pow.opType().equals("Pow") || !div.opType().equals("Div") || !pow.inputs().get(0).equals(sub.outputs().get(0))
                || !cx.isConst(pow, 1) || cx.scalar(pow, cx.constant(pow, 1, "the exponent")) != 2f
                || !div.inputs().get(0).equals(sub.outputs().get(0))) {
            return null;
        }
        OnnxNode m2 = onlyReader(cx, pow, "ReduceMean");
        if (m2 == null || !lastAxisMean(cx, m2, rank)) {
            return null;
        }
        OnnxNode addEps = onlyReader(cx, m2, "Add");
        if (addEps == null || constIndex(cx, addEps) < 0 || cx.constant(addEps, constIndex(cx, addEps), "eps").size() != 1) {
            return null;
        }
        OnnxNode sqrt = onlyReader(cx, addEps, "Sqrt");
        if (sqrt == null || onlyReader(cx, sqrt, "Div") != div || !div.inputs().get(1).equals(sqrt.outputs().get(0))) {
            return null;
        }
        OnnxNode mul = onlyReader(cx, div, "Mul");
        OnnxNode addB = mul == null ? null : onlyReader(cx, mul, "Add");
        if (addB == null || !isVector(cx, mul, dim) || !isVector(cx, addB, dim)) {
            return null;
        }
        return List.of(sub, pow, m2, addEps, sqrt, div, mul, addB);
    }

    private static boolean isVector(ImportContext cx, OnnxNode b, int dim) throws IOException {
        int i = constIndex(cx, b);
        return i >= 0 && Arrays.equals(cx.constant(b, i, "the operand").dims(), new int[] {dim});
    }

    /**
     * Div: the head of PyTorch's exact GELU as torch.onnx.export writes it before opset 20 — {@code Div(x, √2) → Erf →
     * Add 1 → Mul x → Mul 0.5}, each intermediate read only by the next — becomes one GELU module named after the
     * torch scope ({@code /mlp/mlp.1/Div} → {@code mlp.1}), as {@code nn.GELU} is; anything else is a division.
     */
    static void div(ImportContext cx, OnnxNode n, String name) throws IOException {
        List<OnnxNode> chain = cx.allFoldable(n) ? null : decomposedGelu(cx, n);
        if (chain == null) {
            TensorOps.div(cx, n, name);
            return;
        }
        String path = n.name().startsWith("/") ? ImportContext.sanitize(Transformer.torchPath(n.name())) : "";
        String m = cx.moduleName((path.isEmpty() ? name : path) + ".weight", name);
        Value y = cx.module(m, GELU.exact(), cx.dynamic(n, 0));
        for (OnnxNode c : chain) {
            cx.fuse(c);
            cx.alsoFrom(y, c);
        }
        cx.output(chain.get(chain.size() - 1), y);
    }

    private static boolean isScalar(ImportContext cx, OnnxNode b, int i, double value, double tol) throws IOException {
        if (!cx.isConst(b, i)) {
            return false;
        }
        Const c = cx.constant(b, i, "the operand");
        return c.size() == 1 && Math.abs(c.floatValues()[0] - value) <= tol;
    }

    /** Erf, Add, Mul, Mul after Div {@code d} of an exact GELU, or {@code null}. */
    private static List<OnnxNode> decomposedGelu(ImportContext cx, OnnxNode d) throws IOException {
        String x = d.inputs().get(0);
        if (cx.valueOrNull(x) == null || !isScalar(cx, d, 1, Math.sqrt(2), 1e-6)) {
            return null;
        }
        OnnxNode erf = onlyReader(cx, d, "Erf");
        OnnxNode add = erf == null ? null : onlyReader(cx, erf, "Add");
        if (add == null || constIndex(cx, add) < 0 || !isScalar(cx, add, constIndex(cx, add), 1, 0)) {
            return null;
        }
        OnnxNode mul = onlyReader(cx, add, "Mul");
        if (mul == null || mul.inputs().size() != 2 || !mul.inputs().contains(x)
                || !mul.inputs().contains(add.outputs().get(0))) {
            return null;
        }
        OnnxNode half = onlyReader(cx, mul, "Mul");
        if (half == null || constIndex(cx, half) < 0 || !isScalar(cx, half, constIndex(cx, half), 0.5, 0)) {
            return null;
        }
        return List.of(erf, add, mul, half);
    }

    /**
     * Reshape: the head of {@code nn.GroupNorm} as torch.onnx.export writes it before GroupNormalization existed —
     * {@code Reshape(x, (N, G, -1)) → InstanceNormalization(ones, zeros) → Reshape(x's shape) [→ Mul γ → Add β]}
     * with γ and β of {@code (C, 1, ...)} — becomes one GroupNorm module, named after the torch scope
     * ({@code /gn/Reshape} → {@code gn}); a channel pruned there then takes its γ and β with it. Anything else is a
     * reshape.
     */
    static void reshape(ImportContext cx, OnnxNode n, String name) throws IOException {
        List<OnnxNode> chain = cx.allFoldable(n) ? null : decomposedGroupNorm(cx, n);
        if (chain == null) {
            ShapeOps.reshape(cx, n, name);
            return;
        }
        Value x = cx.dynamic(n, 0);
        int c = x.shape().dim(1);
        OnnxNode inorm = chain.get(0);
        boolean affine = chain.size() == 4;
        int groups = cx.constant(inorm, 1, "the scale").size();
        double eps = Double.parseDouble(Float.toString(ImportContext.floatAttr(inorm, "epsilon", 1e-5f)));
        String path = n.name().startsWith("/") ? ImportContext.sanitize(Transformer.torchPath(n.name())) : "";
        String m;
        if (affine) {
            OnnxNode mul = chain.get(2);
            OnnxNode add = chain.get(3);
            int gi = constIndex(cx, mul);
            int bi = constIndex(cx, add);
            String weight = mul.inputs().get(gi);
            m = cx.moduleName(weight.endsWith(".weight") || path.isEmpty() ? weight : path + ".weight", name);
            cx.param(m, "weight", ConstLayout.reshape(cx.constant(mul, gi, "the scale"), new int[] {c}), weight);
            cx.param(m, "bias", ConstLayout.reshape(cx.constant(add, bi, "the bias"), new int[] {c}),
                    add.inputs().get(bi));
        } else {
            m = cx.moduleName((path.isEmpty() ? name : path) + ".weight", name);
        }
        Value y = cx.module(m, new GroupNorm(groups, c, eps, affine), x);
        for (OnnxNode f : chain) {
            cx.fuse(f);
            cx.alsoFrom(y, f);
        }
        cx.output(chain.get(chain.size() - 1), y);
    }

    /**
     * InstanceNormalization, Reshape and (when affine) Mul, Add after Reshape {@code r1} of a decomposed GroupNorm,
     * or {@code null} when the sub-graph is not exactly that.
     */
    private static List<OnnxNode> decomposedGroupNorm(ImportContext cx, OnnxNode r1) throws IOException {
        Value x = cx.valueOrNull(r1.inputs().get(0));
        if (x == null || x.shape().rank() < 3 || !cx.isConst(r1, 1)) {
            return null;
        }
        int[] dims = x.shape().dims();
        long[] target = cx.constant(r1, 1, "the shape").longValues();
        if (target.length != 3 || (target[0] != dims[0] && target[0] != 0) || target[1] < 1
                || dims[1] % target[1] != 0 || (target[2] != -1 && target[2] != x.shape().numel() / dims[0] / target[1])) {
            return null;
        }
        int groups = (int) target[1];
        OnnxNode inorm = onlyReader(cx, r1, "InstanceNormalization");
        if (inorm == null || !isFilled(cx, inorm, 1, groups, 1f) || !isFilled(cx, inorm, 2, groups, 0f)) {
            return null;
        }
        OnnxNode r2 = onlyReader(cx, inorm, "Reshape");
        if (r2 == null || !restoresShape(cx, r2, x, r1.inputs().get(0))) {
            return null;
        }
        int[] perChannel = new int[dims.length - 1];
        Arrays.fill(perChannel, 1);
        perChannel[0] = dims[1];
        OnnxNode mul = onlyReader(cx, r2, "Mul");
        OnnxNode add = mul == null ? null : onlyReader(cx, mul, "Add");
        if (add != null && constIndex(cx, mul) >= 0 && constIndex(cx, add) >= 0
                && Arrays.equals(cx.constant(mul, constIndex(cx, mul), "γ").dims(), perChannel)
                && Arrays.equals(cx.constant(add, constIndex(cx, add), "β").dims(), perChannel)) {
            return List.of(inorm, r2, mul, add);
        }
        return List.of(inorm, r2);
    }

    /** Whether input {@code i} of {@code n} is a constant of {@code size} elements all equal to {@code value}. */
    private static boolean isFilled(ImportContext cx, OnnxNode n, int i, int size, float value) throws IOException {
        if (!cx.isConst(n, i)) {
            return false;
        }
        float[] f = cx.constant(n, i, "the operand").floatValues();
        if (f.length != size) {
            return false;
        }
        for (float v : f) {
            if (v != value) {
                return false;
            }
        }
        return true;
    }

    /** Whether Reshape {@code r2} restores {@code x}'s shape: a constant equal to it, or {@code Shape(x)} itself. */
    private static boolean restoresShape(ImportContext cx, OnnxNode r2, Value x, String xName) throws IOException {
        String shape = r2.inputs().get(1);
        for (OnnxNode p : cx.model().nodes()) {
            if (p.outputs().contains(shape)) {
                if (p.opType().equals("Shape") && p.inputs().get(0).equals(xName) && p.attribute("start") == null
                        && p.attribute("end") == null) {
                    return true;
                }
                break;
            }
        }
        if (!cx.isConst(r2, 1)) {
            return false;
        }
        long[] t = cx.constant(r2, 1, "the shape").longValues();
        int[] d = x.shape().dims();
        if (t.length != d.length) {
            return false;
        }
        boolean zeroCopies = ImportContext.intAttr(r2, "allowzero", 0) == 0;
        for (int k = 0; k < d.length; k++) {
            if (t[k] != d[k] && !(t[k] == 0 && zeroCopies)) {
                return false;
            }
        }
        return true;
    }
}
