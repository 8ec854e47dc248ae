package dev.jprune.io.onnx;

/**
 * ONNX tensor element types ({@code TensorProto.DataType}) with their codes and element sizes in bytes (0 for
 * strings, and for the 4-bit types, which pack two elements into a byte).
 */
public enum OnnxDataType {
    UNDEFINED(0, 0), FLOAT(1, 4), UINT8(2, 1), INT8(3, 1), UINT16(4, 2), INT16(5, 2), INT32(6, 4), INT64(7, 8),
    STRING(8, 0), BOOL(9, 1), FLOAT16(10, 2), DOUBLE(11, 8), UINT32(12, 4), UINT64(13, 8), COMPLEX64(14, 8),
    COMPLEX128(15, 16), BFLOAT16(16, 2), FLOAT8E4M3FN(17, 1), FLOAT8E4M3FNUZ(18, 1), FLOAT8E5M2(19, 1),
    FLOAT8E5M2FNUZ(20, 1), UINT4(21, 0), INT4(22, 0), FLOAT4E2M1(23, 0);

    private static final OnnxDataType[] BY_CODE = values();

    private final int code;
    private final int byteSize;

    OnnxDataType(int code, int byteSize) {
        this.code = code;
        this.byteSize = byteSize;
    }

    /** The {@code TensorProto.DataType} code. */
    public int code() {
        return code;
    }

    /** Bytes per element in {@code raw_data}; 0 when elements are not whole bytes or not fixed-size. */
    public int byteSize() {
        return byteSize;
    }

    /** The type with this code, or {@code null} for a code this version of jprune does not know. */
    public static OnnxDataType ofCode(int code) {
        return code >= 0 && code < BY_CODE.length ? BY_CODE[code] : null;
    }
}
