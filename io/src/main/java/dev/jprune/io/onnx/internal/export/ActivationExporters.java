package dev.jprune.io.onnx.internal.export;

import dev.jprune.ops.Clamp;
import dev.jprune.ops.GELU;
import dev.jprune.ops.Hardsigmoid;
import dev.jprune.ops.Hardswish;
import dev.jprune.ops.LeakyReLU;
import dev.jprune.ops.PReLU;
import dev.jprune.ops.ReLU6;
import dev.jprune.ops.SiLU;
import dev.jprune.ops.Softmax;
import dev.jprune.tensor.Shape;

import java.util.Arrays;

import static dev.jprune.io.onnx.internal.export.Emitter.ins;

/**
 * Activations with an ONNX form that differs in name or shape: ReLU6 and Clamp → {@code Clip} (bounds as inputs),
 * SiLU → {@code Sigmoid} + {@code Mul}, GELU → {@code Gelu} from opset 20, else its erf (or tanh) formula,
 * Hardswish → {@code HardSwish} from opset 14, else {@code HardSigmoid} + {@code Mul}, Hardsigmoid →
 * {@code HardSigmoid(alpha=1/6, beta=0.5)}, LeakyReLU → {@code LeakyRelu}, PReLU → {@code PRelu} (a slope per
 * channel written as {@code (C, 1, …, 1)}, so that it broadcasts along axis 1; a single slope as {@code (1)}),
 * Softmax → {@code Softmax(axis)}.
 */
final class ActivationExporters {

    private ActivationExporters() {
    }

    static void register(ExporterRegistry r) {
        r.register(ReLU6.class, (op, e) -> e.applyTo(0, "Clip", ins(e.in(0), e.scalar(0), e.scalar(6))));
        r.register(Clamp.class, ActivationExporters::clamp);
        r.register(SiLU.class, (op, e) -> {
            String x = e.in(0);
            e.applyTo(0, "Mul", ins(x, e.apply("Sigmoid", ins(x))));
        });
        r.register(GELU.class, ActivationExporters::gelu);
        r.register(Hardswish.class, (op, e) -> {
            String x = e.in(0);
            if (e.opset() >= 14) {
                e.applyTo(0, "HardSwish", ins(x));
            } else {
                e.applyTo(0, "Mul", ins(x, e.apply("HardSigmoid", ins(x), Attrs.f("alpha", 1.0 / 6),
                        Attrs.f("beta", 0.5))));
            }
        });
        r.register(Hardsigmoid.class, (op, e) -> e.applyTo(0, "HardSigmoid", ins(e.in(0)),
                Attrs.f("alpha", 1.0 / 6), Attrs.f("beta", 0.5)));
        r.register(LeakyReLU.class, (op, e) -> e.applyTo(0, "LeakyRelu", ins(e.in(0)),
                Attrs.f("alpha", op.negativeSlope())));
        r.register(PReLU.class, ActivationExporters::prelu);
        r.register(Softmax.class, (op, e) -> e.applyTo(0, "Softmax", ins(e.in(0)),
                Attrs.i("axis", e.inShape(0).normalizeAxis(op.dim()))));
    }

    private static void clamp(Clamp c, Emitter e) {
        String min = c.min() == Float.NEGATIVE_INFINITY ? "" : e.scalar(c.min());
        String max = c.max() == Float.POSITIVE_INFINITY ? "" : e.scalar(c.max());
        if (max.isEmpty()) {
            e.applyTo(0, "Clip", min.isEmpty() ? ins(e.in(0)) : ins(e.in(0), min));
        } else {
            e.applyTo(0, "Clip", ins(e.in(0), min, max));
        }
    }

    private static void prelu(PReLU p, Emitter e) {
        int rank = e.inShape(0).rank();
        if (p.numParameters() == 1 || rank <= 2) {
            e.applyTo(0, "PRelu", ins(e.in(0), e.param("weight")));
            return;
        }
        int[] dims = new int[rank - 1];
        Arrays.fill(dims, 1);
        dims[0] = p.numParameters();
        e.applyTo(0, "PRelu", ins(e.in(0), e.param("weight", Shape.of(dims))));
    }

    private static void gelu(GELU g, Emitter e) {
        String x = e.in(0);
        boolean tanh = "tanh".equals(g.approximate());
        if (e.opset() >= 20) {
            e.applyTo(0, "Gelu", ins(x), Attrs.s("approximate", tanh ? "tanh" : "none"));
            return;
        }
        if (tanh) {
            String cube = e.apply("Mul", ins(e.apply("Mul", ins(x, x)), x));
            String sum = e.apply("Add", ins(x, e.apply("Mul", ins(cube, e.scalar(0.044715)))));
            String inner = e.apply("Tanh", ins(e.apply("Mul", ins(sum, e.scalar(Math.sqrt(2 / Math.PI))))));
            String half = e.apply("Mul", ins(x, e.scalar(0.5)));
            e.applyTo(0, "Mul", ins(half, e.apply("Add", ins(inner, e.scalar(1)))));
            return;
        }
        // torch.onnx.export's order, which the importer reads back as one GELU: Div √2, Erf, Add 1, Mul x, Mul 0.5
        String erf = e.apply("Erf", ins(e.apply("Div", ins(x, e.scalar(Math.sqrt(2))))));
        String prod = e.apply("Mul", ins(x, e.apply("Add", ins(erf, e.scalar(1)))));
        e.applyTo(0, "Mul", ins(prod, e.scalar(0.5)));
    }
}
