package dev.jprune.io.onnx.internal.export;

import dev.jprune.ops.ScaledDotProductAttention;

import static dev.jprune.io.onnx.internal.export.Emitter.ins;

/**
 * ScaledDotProductAttention → {@code Transpose(k)}, {@code MatMul(q, kᵀ)}, {@code Mul(scale)},
 * {@code Softmax(axis=-1)}, {@code MatMul(·, v)}; the default scale is {@code 1/√D} with {@code D} the last
 * dimension of {@code q}. (jprune has no fused multi-head attention op: the projections, head reshapes and this
 * product are separate nodes, each exported by its own exporter.)
 */
final class AttentionExporters {

    private AttentionExporters() {
    }

    static void register(ExporterRegistry r) {
        r.register(ScaledDotProductAttention.class, (op, e) -> {
            int kr = e.inShape(1).rank();
            int[] perm = new int[kr];
            for (int i = 0; i < kr; i++) {
                perm[i] = i;
            }
            perm[kr - 1] = kr - 2;
            perm[kr - 2] = kr - 1;
            double scale = op.scale() != null ? op.scale() : 1 / Math.sqrt(e.inShape(0).dim(-1));
            String kt = e.apply("Transpose", ins(e.in(1)), Attrs.ints("perm", perm));
            String s = e.apply("Mul", ins(e.apply("MatMul", ins(e.in(0), kt)), e.scalar(scale)));
            String p = e.apply("Softmax", ins(s), Attrs.i("axis", -1));
            e.applyTo(0, "MatMul", ins(p, e.in(2)));
        });
    }
}
