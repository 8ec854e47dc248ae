package dev.jprune.cli;

import dev.jprune.ir.Graph;
import dev.jprune.ir.Node;
import dev.jprune.ir.Op;
import dev.jprune.ops.BatchNorm2d;
import dev.jprune.ops.Conv2d;
import dev.jprune.ops.ConvTranspose2d;
import dev.jprune.ops.FreeParameter;
import dev.jprune.ops.GroupNorm;
import dev.jprune.ops.LayerNorm;
import dev.jprune.ops.Linear;
import dev.jprune.ops.MultiheadInProjection;
import dev.jprune.tensor.Shape;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The sizes of every parameter-owning layer of a graph, by node name, in graph order: input and output channels
 * (features for linear layers; norms give their feature count for both, a multi-head attention its embedding
 * width), as CLI.md's report lists them.
 */
final class LayerSizes {

    /** One layer's op type and channel counts. */
    record Size(String type, int in, int out) {
        Map<String, Object> toJson() {
            Map<String, Object> j = new LinkedHashMap<>();
            j.put("in", in);
            j.put("out", out);
            return j;
        }
    }

    private LayerSizes() {
    }

    /** Every node with parameters, in graph order. */
    static Map<String, Size> of(Graph g) {
        Map<String, Size> out = new LinkedHashMap<>();
        for (Node n : g.nodes()) {
            if (!n.params().isEmpty()) {
                out.put(n.name(), size(n));
            }
        }
        return out;
    }

    private static Size size(Node n) {
        Op op = n.op();
        if (op instanceof Conv2d c) {
            return new Size(op.type(), c.inChannels(), c.outChannels());
        }
        if (op instanceof ConvTranspose2d c) {
            return new Size(op.type(), c.inChannels(), c.outChannels());
        }
        if (op instanceof Linear l) {
            return new Size(op.type(), l.inFeatures(), l.outFeatures());
        }
        if (op instanceof MultiheadInProjection mha) {
            return new Size(op.type(), mha.embedDim(), mha.embedDim());
        }
        if (op instanceof BatchNorm2d bn) {
            return new Size(op.type(), bn.numFeatures(), bn.numFeatures());
        }
        if (op instanceof GroupNorm gn) {
            return new Size(op.type(), gn.numChannels(), gn.numChannels());
        }
        if (op instanceof LayerNorm ln) {
            return new Size(op.type(), ln.normalizedShape().numel(), ln.normalizedShape().numel());
        }
        if (op instanceof FreeParameter fp) {
            int d = fp.shape().dim(Math.max(fp.prunableAxis(), 0));
            return new Size(op.type(), d, d);
        }
        int out = channels(n.output(0).shape());
        int in = n.inputs().isEmpty() ? out : channels(n.input(0).shape());
        return new Size(op.type(), in, out);
    }

    /** The channel axis of an activation: 1 for {@code (N, C, ...)}, else the only axis. */
    private static int channels(Shape s) {
        return s.rank() >= 2 ? s.dim(1) : s.rank() == 1 ? s.dim(0) : 1;
    }

    /** CLI.md's {@code "layers"}: {@code {LAYER: {"type", "before": {"in", "out"}, "after": {"in", "out"}}}}. */
    static Map<String, Object> toJson(Map<String, Size> before, Map<String, Size> after) {
        Map<String, Object> out = new LinkedHashMap<>();
        for (Map.Entry<String, Size> e : before.entrySet()) {
            Size a = after.get(e.getKey());
            Map<String, Object> j = new LinkedHashMap<>();
            j.put("type", e.getValue().type());
            j.put("before", e.getValue().toJson());
            j.put("after", a == null ? null : a.toJson());
            out.put(e.getKey(), j);
        }
        return out;
    }
}
