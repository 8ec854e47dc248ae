package dev.jprune.io.onnx;

import java.util.List;

/**
 * A graph input or output: its name, element type and shape.
 *
 * @param name     the value's name
 * @param dataType the tensor element type, {@link OnnxDataType#UNDEFINED} when the file gives none
 * @param shape    the dimensions, or {@code null} when the file gives no shape at all (rank unknown)
 */
public record OnnxValueInfo(String name, OnnxDataType dataType, List<OnnxDim> shape) {

    /** Copies the shape. */
    public OnnxValueInfo {
        if (name == null || dataType == null) {
            throw new IllegalArgumentException("name and data type must not be null");
        }
        shape = shape == null ? null : List.copyOf(shape);
    }

    @Override
    public String toString() {
        return name + ": " + dataType + (shape == null ? "" : shape.toString());
    }
}
