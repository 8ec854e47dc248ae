package dev.jprune.io.weights;

/**
 * The element types jprune reads from weights files, with their names in safetensors ({@code F16}) and PyTorch
 * ({@code torch.float16}, storage class {@code HalfStorage}). Floating-point tensors load into float32 parameters
 * (float64 is rounded to the nearest float32, float16 and bfloat16 convert exactly); integer and boolean tensors
 * load into integer buffers such as {@code num_batches_tracked}.
 */
public enum ElementType {
    /** 64-bit float ({@code torch.float64}, {@code DoubleStorage}). */
    F64(8, true, "float64", "DoubleStorage"),
    /** 32-bit float ({@code torch.float32}, {@code FloatStorage}). */
    F32(4, true, "float32", "FloatStorage"),
    /** IEEE half precision ({@code torch.float16}, {@code HalfStorage}). */
    F16(2, true, "float16", "HalfStorage"),
    /** bfloat16: the upper half of a float32 ({@code torch.bfloat16}, {@code BFloat16Storage}). */
    BF16(2, true, "bfloat16", "BFloat16Storage"),
    /** 64-bit signed integer ({@code torch.int64}, {@code LongStorage}). */
    I64(8, false, "int64", "LongStorage"),
    /** 32-bit signed integer ({@code torch.int32}, {@code IntStorage}). */
    I32(4, false, "int32", "IntStorage"),
    /** 16-bit signed integer ({@code torch.int16}, {@code ShortStorage}). */
    I16(2, false, "int16", "ShortStorage"),
    /** 8-bit signed integer ({@code torch.int8}, {@code CharStorage}). */
    I8(1, false, "int8", "CharStorage"),
    /** 8-bit unsigned integer ({@code torch.uint8}, {@code ByteStorage}). */
    U8(1, false, "uint8", "ByteStorage"),
    /** Boolean, one byte per element, read as 0 or 1 ({@code torch.bool}, {@code BoolStorage}). */
    BOOL(1, false, "bool", "BoolStorage");

    private final int byteSize;
    private final boolean floatingPoint;
    private final String torchName;
    private final String storageClass;

    ElementType(int byteSize, boolean floatingPoint, String torchName, String storageClass) {
        this.byteSize = byteSize;
        this.floatingPoint = floatingPoint;
        this.torchName = torchName;
        this.storageClass = storageClass;
    }

    /** Bytes per element. */
    public int byteSize() {
        return byteSize;
    }

    /** Whether values are floating point (loaded into float32 parameters) rather than integers. */
    public boolean isFloatingPoint() {
        return floatingPoint;
    }

    /** The PyTorch dtype name without {@code torch.} ({@code float16}). */
    public String torchName() {
        return torchName;
    }

    /** The dtype string of the safetensors header ({@code F16}, {@code BOOL}). */
    public String safetensorsName() {
        return name();
    }

    /** The legacy typed-storage class PyTorch pickles for this type, in module {@code torch} ({@code HalfStorage}). */
    public String storageClass() {
        return storageClass;
    }

    /** The type with this safetensors dtype string, or {@code null} when jprune does not read it. */
    public static ElementType fromSafetensors(String dtype) {
        for (ElementType t : values()) {
            if (t.name().equals(dtype)) {
                return t;
            }
        }
        return null;
    }

    /** The type whose storage class is {@code torch.<storageClass>}, or {@code null} when jprune does not read it. */
    public static ElementType fromStorageClass(String storageClass) {
        for (ElementType t : values()) {
            if (t.storageClass.equals(storageClass)) {
                return t;
            }
        }
        return null;
    }

    /** The PyTorch name ({@code float16}), as messages print it. */
    @Override
    public String toString() {
        return torchName;
    }
}
