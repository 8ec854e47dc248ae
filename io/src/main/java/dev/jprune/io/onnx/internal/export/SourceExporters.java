package dev.jprune.io.onnx.internal.export;

import dev.jprune.ops.Constant;
import dev.jprune.ops.Dropout;
import dev.jprune.ops.FreeBuffer;
import dev.jprune.ops.FreeParameter;
import dev.jprune.tensor.Tensor;

import static dev.jprune.io.onnx.internal.export.Emitter.ins;

/**
 * Nodes that provide a tensor: FreeParameter and FreeBuffer → their initializer (no node; INT64 buffers stay
 * INT64), Constant → a {@code Constant} node holding the tensor. Dropout → {@code Dropout} with its ratio, the
 * identity at inference, as torch.onnx.export writes it.
 */
final class SourceExporters {

    private SourceExporters() {
    }

    static void register(ExporterRegistry r) {
        r.register(FreeParameter.class, (op, e) -> e.alias(0, e.param(op.name())));
        r.register(FreeBuffer.class, (op, e) -> e.alias(0, e.param(op.name())));
        r.register(Constant.class, (op, e) -> {
            Tensor t = op.value();
            e.applyTo(0, "Constant", ins(), Attrs.t("value",
                    Emitter.floatTensor("value", t.shape().dims(), t.data())));
        });
        r.register(Dropout.class, (op, e) -> e.applyTo(0, "Dropout", ins(e.in(0), e.scalar(op.p()))));
    }
}
