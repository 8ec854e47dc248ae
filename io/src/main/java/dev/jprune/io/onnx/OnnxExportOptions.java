package dev.jprune.io.onnx;

/**
 * How {@link OnnxExporter} writes a graph.
 *
 * @param foldBatchNorm whether each BatchNorm2d that follows a Conv2d alone is folded into the convolution's weight
 *                      and bias (the CLI's {@code --fold-bn}); false keeps every BatchNorm as a
 *                      {@code BatchNormalization} node
 * @param opset         the default-domain opset to write, 13 to 21; 0 means the origin's opset when it is in that
 *                      range, else {@value #DEFAULT_OPSET}
 * @param write         how initializers are stored; {@link OnnxWriteOptions#AUTO} writes them inside the model file
 *                      unless the model exceeds protobuf's 2 GB limit, then as external data
 */
public record OnnxExportOptions(boolean foldBatchNorm, long opset, OnnxWriteOptions write) {

    /** The opset written when neither the options nor the origin give one in 13..21. */
    public static final long DEFAULT_OPSET = 17;
    /** The lowest opset written. */
    public static final long MIN_OPSET = 13;
    /** The highest opset written. */
    public static final long MAX_OPSET = 21;

    /** BatchNorm kept, the origin's opset (or 17), automatic external data. */
    public static final OnnxExportOptions DEFAULTS = new OnnxExportOptions(false, 0, OnnxWriteOptions.AUTO);

    /** Validates: the opset is 0 or in 13..21; {@code write} is not null. */
    public OnnxExportOptions {
        if (opset != 0 && (opset < MIN_OPSET || opset > MAX_OPSET)) {
            throw new IllegalArgumentException("ONNX export opset must be 0 (automatic) or " + MIN_OPSET + ".."
                    + MAX_OPSET + ", got " + opset);
        }
        if (write == null) {
            throw new IllegalArgumentException("write options must not be null (use OnnxWriteOptions.AUTO)");
        }
    }

    /** These options with BatchNorm folding on or off. */
    public OnnxExportOptions withFoldBatchNorm(boolean fold) {
        return new OnnxExportOptions(fold, opset, write);
    }

    /** These options with another opset (0 for automatic). */
    public OnnxExportOptions withOpset(long newOpset) {
        return new OnnxExportOptions(foldBatchNorm, newOpset, write);
    }

    /** These options with other write options. */
    public OnnxExportOptions withWrite(OnnxWriteOptions newWrite) {
        return new OnnxExportOptions(foldBatchNorm, opset, newWrite);
    }

    /** The opset to write for a graph imported with {@code origin} (nullable). */
    public long resolveOpset(OnnxOrigin origin) {
        if (opset != 0) {
            return opset;
        }
        if (origin != null && origin.opset() >= MIN_OPSET && origin.opset() <= MAX_OPSET) {
            return origin.opset();
        }
        return DEFAULT_OPSET;
    }
}
