package dev.jprune.io.onnx.internal.export;

import dev.jprune.ops.Linear;
import dev.jprune.ops.MultiheadInProjection;

import static dev.jprune.io.onnx.internal.export.Emitter.ins;

/**
 * {@link Linear} and {@link MultiheadInProjection} (the same product): on a 2-D input {@code Gemm(x, W, b)} with
 * {@code transB=1}; on any other rank {@code MatMul(x, Wᵀ)} then {@code Add(b)}, the initializer of the MatMul
 * holding the transposed weight {@code (in, out)} under the weight's name, as torch.onnx.export writes it.
 */
final class LinearExporters {

    private LinearExporters() {
    }

    static void register(ExporterRegistry r) {
        r.register(Linear.class, (op, e) -> linear(e, op.weightName(), op.bias() ? op.biasName() : null));
        r.register(MultiheadInProjection.class, (op, e) -> linear(e, MultiheadInProjection.WEIGHT,
                op.bias() ? MultiheadInProjection.BIAS : null));
    }

    static void linear(Emitter e, String weight, String bias) {
        String x = e.in(0);
        if (e.inShape(0).rank() == 2) {
            e.applyTo(0, "Gemm", bias == null ? ins(x, e.param(weight)) : ins(x, e.param(weight), e.param(bias)),
                    Attrs.i("transB", 1));
        } else if (bias == null) {
            e.applyTo(0, "MatMul", ins(x, e.paramTransposed(weight)));
        } else {
            String mm = e.apply("MatMul", ins(x, e.paramTransposed(weight)));
            e.applyTo(0, "Add", ins(mm, e.param(bias)));
        }
    }
}
