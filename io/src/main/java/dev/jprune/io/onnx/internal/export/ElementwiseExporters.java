package dev.jprune.io.onnx.internal.export;

import dev.jprune.ir.Op;
import dev.jprune.ops.Add;
import dev.jprune.ops.Div;
import dev.jprune.ops.Erf;
import dev.jprune.ops.Exp;
import dev.jprune.ops.Identity;
import dev.jprune.ops.Log;
import dev.jprune.ops.MatMul;
import dev.jprune.ops.Mul;
import dev.jprune.ops.ReLU;
import dev.jprune.ops.Sigmoid;
import dev.jprune.ops.Sqrt;
import dev.jprune.ops.StochasticDepth;
import dev.jprune.ops.Sub;
import dev.jprune.ops.Tanh;

import static dev.jprune.io.onnx.internal.export.Emitter.ins;

/**
 * Ops that are one ONNX node of the same meaning: unary {@code Relu}, {@code Sigmoid}, {@code Tanh}, {@code Erf},
 * {@code Exp}, {@code Log}, {@code Sqrt}, {@code Identity} (also StochasticDepth, the identity in eval mode) and the
 * broadcasting binaries {@code Add}, {@code Sub}, {@code Mul}, {@code Div}, {@code MatMul}.
 */
final class ElementwiseExporters {

    private ElementwiseExporters() {
    }

    static void register(ExporterRegistry r) {
        unary(r, ReLU.class, "Relu");
        unary(r, Sigmoid.class, "Sigmoid");
        unary(r, Tanh.class, "Tanh");
        unary(r, Erf.class, "Erf");
        unary(r, Exp.class, "Exp");
        unary(r, Log.class, "Log");
        unary(r, Sqrt.class, "Sqrt");
        unary(r, Identity.class, "Identity");
        unary(r, StochasticDepth.class, "Identity");
        binary(r, Add.class, "Add");
        binary(r, Sub.class, "Sub");
        binary(r, Mul.class, "Mul");
        binary(r, Div.class, "Div");
        binary(r, MatMul.class, "MatMul");
    }

    private static <O extends Op> void unary(ExporterRegistry r, Class<O> type, String onnx) {
        r.register(type, (op, e) -> e.applyTo(0, onnx, ins(e.in(0))));
    }

    private static <O extends Op> void binary(ExporterRegistry r, Class<O> type, String onnx) {
        r.register(type, (op, e) -> e.applyTo(0, onnx, ins(e.in(0), e.in(1))));
    }
}
