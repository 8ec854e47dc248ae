package dev.jprune.bench.libtorch;

/**
 * How far one engine's numbers are from the reference's: {@code max|a − b| / max|ref|} over a tensor, so that tiny
 * elements are not judged by their own relative error.
 */
final class Agreement {

    private Agreement() {
    }

    /**
     * {@code max|a − b| / max|ref|}; 0 when both are all zero, infinite when only {@code ref} is. Throws
     * {@link IllegalArgumentException} when the lengths differ.
     */
    static double relativeError(float[] a, float[] ref) {
        if (a.length != ref.length) {
            throw new IllegalArgumentException("cannot compare tensors of " + a.length + " and " + ref.length + " elements");
        }
        double diff = 0;
        double scale = 0;
        for (int i = 0; i < a.length; i++) {
            diff = Math.max(diff, Math.abs((double) a[i] - ref[i]));
            scale = Math.max(scale, Math.abs((double) ref[i]));
        }
        if (Double.isNaN(diff) || Double.isNaN(scale)) {
            return Double.NaN;
        }
        if (diff == 0) {
            return 0;
        }
        return scale == 0 ? Double.POSITIVE_INFINITY : diff / scale;
    }
}
