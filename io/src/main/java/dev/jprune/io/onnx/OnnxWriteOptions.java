package dev.jprune.io.onnx;

/**
 * How {@link OnnxModelFile#write(java.nio.file.Path, OnnxWriteOptions)} stores initializers.
 *
 * @param externalThreshold initializers whose data takes at least this many bytes go to the external data file;
 *                          {@link Long#MAX_VALUE} keeps every initializer inside the model file, and -1 means
 *                          "automatic": inside unless the model would pass protobuf's 2 GB limit, then every
 *                          initializer of {@value #AUTO_THRESHOLD} bytes or more goes external
 * @param dataFileName      the external data file's name, in the model's folder; {@code null} for the model file's
 *                          name followed by {@code .data}
 */
public record OnnxWriteOptions(long externalThreshold, String dataFileName) {

    /** The threshold the automatic mode uses once a model is too large for one protobuf message. */
    public static final long AUTO_THRESHOLD = 1024;

    /** Inline unless the model is too large for one file (over 2 GB), then external data for large tensors. */
    public static final OnnxWriteOptions AUTO = new OnnxWriteOptions(-1, null);

    /** Validates: the threshold is -1 or positive; the data file name is a bare file name. */
    public OnnxWriteOptions {
        if (externalThreshold < -1 || externalThreshold == 0) {
            throw new IllegalArgumentException("externalThreshold must be -1 (automatic) or > 0 bytes, got "
                    + externalThreshold);
        }
        if (dataFileName != null && (dataFileName.isEmpty() || dataFileName.contains("/")
                || dataFileName.contains("\\") || dataFileName.equals(".") || dataFileName.equals(".."))) {
            throw new IllegalArgumentException("dataFileName must be a plain file name in the model's folder, got '"
                    + dataFileName + "'");
        }
    }

    /** Initializers of {@code thresholdBytes} or more go to {@code <model file>.data}. */
    public static OnnxWriteOptions external(long thresholdBytes) {
        return new OnnxWriteOptions(thresholdBytes, null);
    }

    /** Every initializer inside the model file (fails beyond protobuf's 2 GB message limit). */
    public static OnnxWriteOptions inline() {
        return new OnnxWriteOptions(Long.MAX_VALUE, null);
    }
}
