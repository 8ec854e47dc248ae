package dev.jprune.io.onnx;

import dev.jprune.io.onnx.internal.Elements;
import dev.jprune.io.onnx.internal.proto.Onnx.TensorProto;

/**
 * A tensor stored in an ONNX model: an initializer or a tensor attribute. Its data may sit in the message's
 * {@code raw_data} (little-endian), in a typed field ({@code float_data}, {@code int64_data} ...), or in an external
 * data file, which {@link OnnxModelFile#read} has already read. Immutable; accessors return fresh arrays.
 */
public final class OnnxTensor {

    private final TensorProto proto;
    private final byte[] external;

    /** The tensor in {@code proto}, with its external data when it has some ({@code null} otherwise; not copied). */
    OnnxTensor(TensorProto proto, byte[] external) {
        this.proto = proto;
        this.external = external;
    }

    /** The tensor's name. */
    public String name() {
        return proto.getName();
    }

    /** The element type, or {@code null} for a type code jprune does not know. */
    public OnnxDataType dataType() {
        return OnnxDataType.ofCode(proto.getDataType());
    }

    /** The dimensions, outermost first; empty for a scalar. */
    public long[] dims() {
        long[] d = new long[proto.getDimsCount()];
        for (int i = 0; i < d.length; i++) {
            d[i] = proto.getDims(i);
        }
        return d;
    }

    /** The number of elements: the product of the dimensions (1 for a scalar). */
    public long elementCount() {
        long n = 1;
        for (int i = 0; i < proto.getDimsCount(); i++) {
            n *= proto.getDims(i);
        }
        return n;
    }

    /** Whether the data lives in an external data file. */
    public boolean isExternal() {
        return proto.getDataLocation() == TensorProto.DataLocation.EXTERNAL;
    }

    /**
     * The elements of a {@link OnnxDataType#FLOAT} tensor, row-major.
     *
     * @throws IllegalStateException when the tensor is not FLOAT, its external data was not read, or its data does not hold {@link #elementCount()}
     *                               elements
     */
    public float[] floats() {
        require(OnnxDataType.FLOAT);
        byte[] bytes = bytes();
        float[] out = bytes != null ? Elements.floatsLE(bytes) : toArray(proto);
        checkCount(out.length);
        return out;
    }

    /**
     * The elements of an {@link OnnxDataType#INT64} tensor (shape tensors, Reshape targets), row-major.
     *
     * @throws IllegalStateException when the tensor is not INT64, its external data was not read, or its data does not hold {@link #elementCount()}
     *                               elements
     */
    public long[] longs() {
        require(OnnxDataType.INT64);
        byte[] bytes = bytes();
        long[] out;
        if (bytes != null) {
            out = Elements.longsLE(bytes);
        } else {
            out = new long[proto.getInt64DataCount()];
            for (int i = 0; i < out.length; i++) {
                out[i] = proto.getInt64Data(i);
            }
        }
        checkCount(out.length);
        return out;
    }

    /**
     * Whether the data is available: false only for external data not read ({@link OnnxModelFile#readStructure}).
     */
    public boolean hasData() {
        return !isExternal() || external != null;
    }

    /** The message this tensor reads (internal: the generated ONNX class, free to change). */
    public TensorProto proto() {
        return proto;
    }

    /** The raw little-endian bytes from {@code raw_data} or the external file, or {@code null} when in typed fields. */
    byte[] bytes() {
        if (external != null) {
            return external;
        }
        return proto.hasRawData() ? proto.getRawData().toByteArray() : null;
    }

    /** The size of the raw bytes (0 when the data is in typed fields). */
    long rawSize() {
        return external != null ? external.length : proto.getRawData().size();
    }

    private static float[] toArray(TensorProto t) {
        float[] out = new float[t.getFloatDataCount()];
        for (int i = 0; i < out.length; i++) {
            out[i] = t.getFloatData(i);
        }
        return out;
    }

    private void require(OnnxDataType type) {
        if (!hasData()) {
            throw new IllegalStateException("tensor '" + name() + "' has external data that was not read"
                    + " (the model was read with OnnxModelFile.readStructure)");
        }
        if (dataType() != type) {
            throw new IllegalStateException("tensor '" + name() + "' is " + describeType() + ", not " + type);
        }
    }

    private String describeType() {
        OnnxDataType t = dataType();
        return t == null ? "of unknown data type " + proto.getDataType() : t.toString();
    }

    private void checkCount(int actual) {
        if (actual != elementCount()) {
            throw new IllegalStateException("tensor '" + name() + "' has dims " + java.util.Arrays.toString(dims())
                    + " (" + elementCount() + " elements) but its data holds " + actual);
        }
    }

    @Override
    public String toString() {
        return name() + ": " + describeType() + java.util.Arrays.toString(dims()) + (isExternal() ? " (external)" : "");
    }
}
