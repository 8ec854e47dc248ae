package dev.jprune.io.onnx.internal.export;

import dev.jprune.ir.DType;
import dev.jprune.ir.Graph;
import dev.jprune.ir.Node;
import dev.jprune.ir.ParamKind;
import dev.jprune.ir.Parameter;
import dev.jprune.ir.Value;
import dev.jprune.ops.BatchNorm2d;
import dev.jprune.ops.Conv2d;
import dev.jprune.tensor.Shape;
import dev.jprune.tensor.Tensor;

import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * Folds each inference-mode BatchNorm2d into the Conv2d before it, for export: with
 * {@code s = γ / √(var + ε)}, the convolution's weight becomes {@code w·s} (per output channel) and its bias
 * {@code (b − μ)·s + β} ({@code b = 0} without one; the new bias is named {@code <conv>.bias}). A BatchNorm is folded
 * only when the convolution's output feeds that BatchNorm alone (and is not a graph output) and no other node uses
 * the convolution's parameters; otherwise it is kept. The graph is not changed: the new values go to the
 * {@link Emitter} as overrides. Computed in double, rounded once.
 */
public final class BatchNormFolding {

    private BatchNormFolding() {
    }

    /** Registers the folded weights with {@code e} and returns the BatchNorm nodes folded away. */
    public static Set<Node> apply(Graph g, Emitter e) {
        Map<Parameter, Integer> users = new HashMap<>();
        for (Node n : g.nodes()) {
            for (Parameter p : n.params().values()) {
                users.merge(p, 1, Integer::sum);
            }
        }
        Set<Node> folded = new HashSet<>();
        for (Node n : g.nodes()) {
            if (!(n.op() instanceof BatchNorm2d)) {
                continue;
            }
            BatchNorm2d bn = (BatchNorm2d) n.op();
            Value x = n.input(0);
            Node conv = x.producer();
            if (conv == null || !(conv.op() instanceof Conv2d) || x.consumers().size() != 1
                    || g.outputs().contains(x)) {
                continue;
            }
            boolean shared = false;
            for (Parameter p : conv.params().values()) {
                shared |= users.get(p) != 1;
            }
            if (shared) {
                continue;
            }
            fold(conv, (Conv2d) conv.op(), n, bn, e);
            folded.add(n);
        }
        return folded;
    }

    private static void fold(Node conv, Conv2d c, Node bnNode, BatchNorm2d bn, Emitter e) {
        int cout = c.outChannels();
        float[] mean = bnNode.param("running_mean").data();
        float[] var = bnNode.param("running_var").data();
        float[] gamma = bn.affine() ? bnNode.param("weight").data() : null;
        float[] beta = bn.affine() ? bnNode.param("bias").data() : null;
        Tensor w = conv.param("weight");
        float[] wd = w.data();
        float[] b = c.bias() ? conv.param("bias").data() : new float[cout];
        int per = wd.length / cout;
        float[] nw = new float[wd.length];
        float[] nb = new float[cout];
        for (int o = 0; o < cout; o++) {
            double s = (gamma == null ? 1.0 : gamma[o]) / Math.sqrt(var[o] + bn.eps());
            for (int k = 0; k < per; k++) {
                nw[o * per + k] = (float) (wd[o * per + k] * s);
            }
            nb[o] = (float) ((b[o] - mean[o]) * s + (beta == null ? 0.0 : beta[o]));
        }
        e.override(conv.parameter("weight"), Tensor.wrap(w.shape(), nw));
        Tensor bias = Tensor.wrap(Shape.of(cout), nb);
        if (c.bias()) {
            e.override(conv.parameter("bias"), bias);
        } else {
            e.addParam(conv, "bias", new Parameter(conv.moduleName() + ".bias", ParamKind.PARAMETER, DType.FLOAT32,
                    bias));
        }
    }
}
