package dev.jprune.io.onnx;

/**
 * One dimension of a graph input's or output's shape: a fixed size, a named dynamic size ({@code "batch_size"}),
 * or unknown (neither).
 *
 * @param size the size when fixed, otherwise -1
 * @param name the dynamic size's name, or {@code ""} when the size is fixed or unknown
 */
public record OnnxDim(long size, String name) {

    /** Validates: a fixed size is non-negative and has no name. */
    public OnnxDim {
        if (name == null) {
            throw new IllegalArgumentException("dimension name must not be null (use \"\")");
        }
        if (size < -1) {
            throw new IllegalArgumentException("dimension size must be >= 0 or -1 (dynamic), got " + size);
        }
        if (size >= 0 && !name.isEmpty()) {
            throw new IllegalArgumentException("a fixed dimension (" + size + ") has no name, got '" + name + "'");
        }
    }

    /** A fixed size. */
    public static OnnxDim fixed(long size) {
        return new OnnxDim(size, "");
    }

    /** A named dynamic size. */
    public static OnnxDim dynamic(String name) {
        return new OnnxDim(-1, name);
    }

    /** Whether the size is not fixed. */
    public boolean isDynamic() {
        return size < 0;
    }

    @Override
    public String toString() {
        return size >= 0 ? Long.toString(size) : name.isEmpty() ? "?" : name;
    }
}
