package dev.jprune.io.onnx;

import dev.jprune.io.ModelFormatException;

import java.nio.file.Path;

/**
 * An ONNX node the importer cannot translate: an operator it does not know yet, or a known operator with settings
 * jprune has no op for. The message names the file, the op type, the node and the opset.
 */
public final class UnsupportedOnnxOpException extends ModelFormatException {

    private static final long serialVersionUID = 1L;

    private final String opType;
    private final String nodeName;
    private final long opset;

    /** A node of {@code file} that cannot be imported; {@code detail} says why (empty for an unknown op). */
    public UnsupportedOnnxOpException(Path file, String opType, String nodeName, long opset, String detail) {
        super(file, "unsupported ONNX op " + opType + " (node '" + nodeName + "', opset " + opset + ")"
                + (detail.isEmpty() ? "" : ": " + detail));
        this.opType = opType;
        this.nodeName = nodeName;
        this.opset = opset;
    }

    /** The node's op type ({@code "Shape"}). */
    public String opType() {
        return opType;
    }

    /** The node's name as in the file. */
    public String nodeName() {
        return nodeName;
    }

    /** The version of the node's domain imported by the model. */
    public long opset() {
        return opset;
    }
}
