package dev.jprune.io.onnx;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Where an imported graph came from: the ONNX names behind jprune's names, so that {@code OnnxExporter} can write a
 * pruned graph back with its original node, initializer, input and output names. Pruning keeps jprune's node and
 * parameter names, so an origin stays valid for the pruned graph; names it does not know are written as jprune's.
 *
 * @param opset         the default-domain opset of the imported file
 * @param producer      the producer name of the imported file ({@code ""} when none)
 * <p>A Linear imported from {@code MatMul(x, W)} (with or without the fused bias {@code Add}) lists that MatMul node
 * first; its weight is {@code (out, in)} while the initializer recorded for it in {@code initializers} holds
 * {@code Wᵀ (in, out)}: an exporter writing such a node back writes {@code MatMul(x, weightᵀ)} into that initializer
 * (then the {@code Add} of the bias). A node whose first ONNX node is a {@code Gemm} holds the initializer as is.
 * Parameters of no layer ({@code class_token}, {@code encoder.pos_embedding}) have an initializer but no node.
 *
 * @param nodes         jprune node name → the ONNX node names it was imported from, in the file's order (a Linear
 *                      from {@code MatMul} + {@code Add} has two)
 * @param initializers  jprune parameter name ({@code layer1.0.conv1.weight}) → ONNX initializer name
 * @param inputs        jprune graph input name → ONNX graph input name
 * @param outputs       ONNX graph output names, in order
 */
public record OnnxOrigin(long opset, String producer, Map<String, List<String>> nodes,
        Map<String, String> initializers, Map<String, String> inputs, List<String> outputs) {

    public OnnxOrigin {
        nodes = Collections.unmodifiableMap(new LinkedHashMap<>(nodes));
        initializers = Collections.unmodifiableMap(new LinkedHashMap<>(initializers));
        inputs = Collections.unmodifiableMap(new LinkedHashMap<>(inputs));
        outputs = List.copyOf(outputs);
    }

    /** The ONNX node names behind jprune node {@code node}, or an empty list when it has no recorded origin. */
    public List<String> onnxNodes(String node) {
        return nodes.getOrDefault(node, List.of());
    }

    /** The ONNX initializer name of parameter {@code param}, or {@code param} itself when none was recorded. */
    public String initializer(String param) {
        return initializers.getOrDefault(param, param);
    }
}
