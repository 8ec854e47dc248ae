package dev.jprune.io.onnx.internal.export;

import dev.jprune.ir.Op;

/**
 * Writes one jprune node whose op is an {@code O} as ONNX nodes and initializers, through the emitter (which knows
 * the node, its input and output names, and the opset).
 *
 * @param <O> the op class it handles
 */
@FunctionalInterface
public interface OpExporter<O extends Op> {

    /** Emits the ONNX form of the emitter's current node, whose op is {@code op}. */
    void export(O op, Emitter e);
}
