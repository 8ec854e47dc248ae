package dev.jprune.io.onnx.internal.convert;

import dev.jprune.io.onnx.OnnxNode;

import java.io.IOException;

/**
 * Translates one ONNX node into jprune graph nodes, or folds it into a constant when its inputs are known at import
 * time. Registered by op type in {@link OpConverters}.
 */
@FunctionalInterface
public interface OpConverter {

    /**
     * Converts {@code n}, whose jprune name (sanitised node name, or {@code OpType_index}) is {@code name}; the
     * converter binds every output it produces with {@link ImportContext#output} or {@link ImportContext#constant}.
     */
    void convert(ImportContext cx, OnnxNode n, String name) throws IOException;
}
