package dev.jprune.io.onnx;

import dev.jprune.ir.Graph;

/**
 * An imported ONNX model: the jprune graph and the ONNX names behind it.
 *
 * @param graph   the graph, with parameter values from the file's initializers
 * @param origin  the ONNX names of its nodes, parameters, inputs and outputs, for writing it back
 */
public record OnnxImport(Graph graph, OnnxOrigin origin) {
}
