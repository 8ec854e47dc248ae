package dev.jprune.io.onnx;

/**
 * An operator set a model imports.
 *
 * @param domain  the domain, {@code ""} for the default ONNX domain ({@code ai.onnx})
 * @param version the opset version
 */
public record OnnxOpset(String domain, long version) {

    /** Validates. */
    public OnnxOpset {
        if (domain == null) {
            throw new IllegalArgumentException("opset domain must not be null (use \"\" for ai.onnx)");
        }
    }

    @Override
    public String toString() {
        return (domain.isEmpty() ? "ai.onnx" : domain) + " v" + version;
    }
}
