package dev.jprune.io.onnx;

import dev.jprune.io.onnx.internal.proto.Onnx.AttributeProto;
import dev.jprune.io.onnx.internal.proto.Onnx.NodeProto;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A node of the main graph: one operator applied to named input values, producing named output values.
 *
 * @param name       the node's name ({@code "/layer1/layer1.0/conv1/Conv"}), possibly {@code ""}
 * @param opType     the operator ({@code "Conv"})
 * @param domain     the operator's domain, {@code ""} for the default ONNX domain
 * @param inputs     the input value names in order; {@code ""} marks an omitted optional input
 * @param outputs    the output value names in order
 * @param attributes the attributes by name, in file order
 */
public record OnnxNode(String name, String opType, String domain, List<String> inputs, List<String> outputs,
                       Map<String, OnnxAttribute> attributes) {

    /** Copies the lists and the map (keeping the attribute order). */
    public OnnxNode {
        if (name == null || opType == null || domain == null) {
            throw new IllegalArgumentException("node name, op type and domain must not be null");
        }
        inputs = List.copyOf(inputs);
        outputs = List.copyOf(outputs);
        attributes = Collections.unmodifiableMap(new LinkedHashMap<>(attributes));
    }

    /** The node in {@code proto}. */
    static OnnxNode of(NodeProto proto) {
        Map<String, OnnxAttribute> attrs = new LinkedHashMap<>();
        for (AttributeProto a : proto.getAttributeList()) {
            attrs.put(a.getName(), new OnnxAttribute(a));
        }
        return new OnnxNode(proto.getName(), proto.getOpType(), proto.getDomain(), proto.getInputList(),
                proto.getOutputList(), attrs);
    }

    /** The attribute called {@code name}, or {@code null} when the node does not set it. */
    public OnnxAttribute attribute(String name) {
        return attributes.get(name);
    }

    @Override
    public String toString() {
        return opType + (name.isEmpty() ? "" : " '" + name + "'") + " " + inputs + " -> " + outputs
                + (attributes.isEmpty() ? "" : " " + attributes.values());
    }
}
