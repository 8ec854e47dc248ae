package dev.jprune.io.onnx;

import dev.jprune.io.internal.HalfFloats;
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
     * The elements of a tensor of a floating type as float32, row-major: FLOAT as stored, FLOAT16 and BFLOAT16
     * widened exactly, DOUBLE rounded to the nearest float; integer and BOOL types ({@link #toLongs()}) converted to
     * the nearest float (exact up to 2²⁴). Reads {@code raw_data} or the external data (little-endian) or the typed
     * field the ONNX spec stores the type in ({@code float_data}; {@code int32_data} holding FLOAT16/BFLOAT16 bit
     * patterns; {@code double_data}).
     *
     * @throws IllegalStateException when the type is none of these (STRING, COMPLEX, 4-bit and 8-bit float types),
     *                               naming the tensor and its type; when its external data was not read; or when its
     *                               data does not hold {@link #elementCount()} elements
     */
    public float[] toFloats() {
        OnnxDataType type = requireData();
        if (isInteger(type)) {
            long[] l = toLongs();
            float[] f = new float[l.length];
            for (int i = 0; i < f.length; i++) {
                f[i] = l[i];
            }
            return f;
        }
        if (!isFloating(type)) {
            throw unsupportedType();
        }
        byte[] bytes = bytes();
        if (bytes != null) {
            return Elements.floatsLE(bytes, type, elementCount(), "tensor '" + name() + "'");
        }
        float[] out;
        switch (type) {
            case FLOAT:
                out = toArray(proto);
                break;
            case DOUBLE:
                out = new float[proto.getDoubleDataCount()];
                for (int i = 0; i < out.length; i++) {
                    out[i] = (float) proto.getDoubleData(i);
                }
                break;
            default: // FLOAT16, BFLOAT16: bit patterns in int32_data
                out = new float[proto.getInt32DataCount()];
                for (int i = 0; i < out.length; i++) {
                    int bits = proto.getInt32Data(i);
                    out[i] = type == OnnxDataType.FLOAT16 ? HalfFloats.halfToFloat(bits) : HalfFloats.bfloat16ToFloat(bits);
                }
                break;
        }
        checkCount(out.length);
        return out;
    }

    /**
     * The elements of a tensor of an integer or BOOL type as int64, row-major: INT8, INT16, INT32, INT64, UINT8,
     * UINT16, UINT32, BOOL (0 or 1) exactly, UINT64 when no element exceeds {@link Long#MAX_VALUE}. Reads
     * {@code raw_data} or the external data (little-endian) or the typed field the ONNX spec stores the type in
     * ({@code int32_data} for the types of at most 32 bits but UINT32, {@code int64_data}, {@code uint64_data} for
     * UINT32 and UINT64).
     *
     * @throws IllegalStateException when the type is not an integer or BOOL type, or a UINT64 element exceeds
     *                               {@link Long#MAX_VALUE}, naming the tensor; when its external data was not read;
     *                               or when its data does not hold {@link #elementCount()} elements
     */
    public long[] toLongs() {
        OnnxDataType type = requireData();
        if (!isInteger(type)) {
            throw new IllegalStateException("tensor '" + name() + "' is " + describeType()
                    + ", not an integer or BOOL type");
        }
        byte[] bytes = bytes();
        if (bytes != null) {
            return Elements.longsLE(bytes, type, elementCount(), "tensor '" + name() + "'");
        }
        long[] out;
        switch (type) {
            case INT64:
                out = new long[proto.getInt64DataCount()];
                for (int i = 0; i < out.length; i++) {
                    out[i] = proto.getInt64Data(i);
                }
                break;
            case UINT32: case UINT64:
                out = new long[proto.getUint64DataCount()];
                for (int i = 0; i < out.length; i++) {
                    long v = proto.getUint64Data(i);
                    out[i] = type == OnnxDataType.UINT32 ? v & 0xFFFFFFFFL : Elements.uint64(v, i, "tensor '" + name() + "'");
                }
                break;
            default: // INT8/16/32, UINT8/16, BOOL in int32_data, narrowed to the type as ONNX's helpers do
                out = new long[proto.getInt32DataCount()];
                for (int i = 0; i < out.length; i++) {
                    int v = proto.getInt32Data(i);
                    switch (type) {
                        case INT8: out[i] = (byte) v; break;
                        case UINT8: out[i] = v & 0xFF; break;
                        case INT16: out[i] = (short) v; break;
                        case UINT16: out[i] = v & 0xFFFF; break;
                        case BOOL: out[i] = v != 0 ? 1 : 0; break;
                        default: out[i] = v; break;
                    }
                }
                break;
        }
        checkCount(out.length);
        return out;
    }

    /** Whether {@code type} is one {@link #toFloats()} reads as floats: FLOAT, FLOAT16, BFLOAT16, DOUBLE. */
    public static boolean isFloating(OnnxDataType type) {
        return type == OnnxDataType.FLOAT || type == OnnxDataType.FLOAT16 || type == OnnxDataType.BFLOAT16
                || type == OnnxDataType.DOUBLE;
    }

    /** Whether {@code type} is one {@link #toLongs()} reads: the 8- to 64-bit integer types and BOOL. */
    public static boolean isInteger(OnnxDataType type) {
        if (type == null) {
            return false;
        }
        switch (type) {
            case INT8: case INT16: case INT32: case INT64: case UINT8: case UINT16: case UINT32: case UINT64: case BOOL:
                return true;
            default:
                return false;
        }
    }

    private OnnxDataType requireData() {
        if (!hasData()) {
            throw new IllegalStateException("tensor '" + name() + "' has external data that was not read"
                    + " (the model was read with OnnxModelFile.readStructure)");
        }
        return dataType();
    }

    private IllegalStateException unsupportedType() {
        return new IllegalStateException("tensor '" + name() + "' is " + describeType()
                + "; jprune reads FLOAT, FLOAT16, BFLOAT16, DOUBLE, the integer types and BOOL");
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
