package dev.jprune.ops.internal;

/** Output-size arithmetic shared by the 2-D pooling ops, following PyTorch's rules. */
public final class PoolSupport {

    private PoolSupport() {
    }

    /**
     * The pooled length of one spatial dimension, as PyTorch's {@code pooling_output_shape}:
     * {@code floor((in + 2·pad − dilation·(kernel − 1) − 1 [+ stride − 1 in ceil mode]) / stride) + 1}; in ceil mode
     * the last window must start inside the input or the left padding, so one is dropped when
     * {@code (out − 1)·stride >= in + pad}. May be zero or negative when the input is too small (callers reject it).
     */
    public static int outputSize(int in, int kernel, int stride, int pad, int dilation, boolean ceilMode) {
        long span = (long) in + 2L * pad - (long) dilation * (kernel - 1) - 1 + (ceilMode ? stride - 1 : 0);
        long out = Math.floorDiv(span, stride) + 1;
        if (ceilMode && (out - 1) * stride >= (long) in + pad) {
            out--;
        }
        return (int) Math.max(Integer.MIN_VALUE, Math.min(Integer.MAX_VALUE, out));
    }

    /** The first input index of adaptive window {@code i}: {@code floor(i · in / out)}. */
    public static int adaptiveStart(int i, int in, int out) {
        return (int) ((long) i * in / out);
    }

    /** One past the last input index of adaptive window {@code i}: {@code ceil((i + 1) · in / out)}. */
    public static int adaptiveEnd(int i, int in, int out) {
        return (int) (((long) (i + 1) * in + out - 1) / out);
    }
}
