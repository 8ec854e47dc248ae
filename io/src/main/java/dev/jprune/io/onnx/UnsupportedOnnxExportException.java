package dev.jprune.io.onnx;

import dev.jprune.ir.Op;

/**
 * A jprune node {@link OnnxExporter} cannot write: its op has no ONNX exporter, or settings with no ONNX form at the
 * chosen opset (an adaptive pooling whose output does not divide its input, for example). The message names the
 * node, the op class and the op.
 */
public final class UnsupportedOnnxExportException extends IllegalArgumentException {

    private static final long serialVersionUID = 1L;

    private final String nodeName;
    private final String opClass;

    /** Node {@code nodeName} with op {@code op} cannot be exported; {@code detail} says why. */
    public UnsupportedOnnxExportException(String nodeName, Op op, String detail) {
        super("cannot export node '" + nodeName + "' (op class " + op.getClass().getName() + ", " + op.describe()
                + ") to ONNX: " + detail);
        this.nodeName = nodeName;
        this.opClass = op.getClass().getName();
    }

    /** The jprune node's name. */
    public String nodeName() {
        return nodeName;
    }

    /** The fully qualified class of the node's op ({@code dev.jprune.ops.Roll}). */
    public String opClass() {
        return opClass;
    }
}
