package dev.jprune.io.internal;

/**
 * Conversions between float32 and the 16-bit float formats that checkpoints and ONNX files store: IEEE 754 binary16
 * (half) and bfloat16, each way, exact or rounded to nearest even. Shared by the weights readers and ONNX.
 * Internal: not part of the public API and free to change.
 */
public final class HalfFloats {

    private HalfFloats() {
    }

    /**
     * The float32 value of IEEE 754 half-precision bits {@code h} (the low 16 bits): normal numbers, subnormals
     * (exponent 0, value {@code mantissa · 2⁻²⁴}), signed zeros, infinities and NaN (payload kept in the top mantissa
     * bits). Exact: every half is a float.
     */
    public static float halfToFloat(int h) {
        int sign = (h & 0x8000) << 16;
        int exp = (h >>> 10) & 0x1F;
        int mant = h & 0x3FF;
        if (exp == 0x1F) { // inf or NaN
            return Float.intBitsToFloat(sign | 0x7F800000 | (mant << 13));
        }
        if (exp == 0) {
            if (mant == 0) {
                return Float.intBitsToFloat(sign);
            }
            float v = mant * 0x1p-24f; // subnormal: exact in float32
            return sign != 0 ? -v : v;
        }
        return Float.intBitsToFloat(sign | ((exp - 15 + 127) << 23) | (mant << 13));
    }

    /**
     * The IEEE 754 half-precision bits nearest to {@code f}, ties to even (as ONNX's Cast): values beyond the largest
     * half (65504, after rounding) become infinity, tiny ones subnormals or zero; NaN stays NaN.
     */
    public static int floatToHalf(float f) {
        int bits = Float.floatToRawIntBits(f);
        int sign = (bits >>> 16) & 0x8000;
        int exp = (bits >>> 23) & 0xFF;
        int mant = bits & 0x7FFFFF;
        if (exp == 0xFF) {
            return sign | 0x7C00 | (mant != 0 ? 0x200 | (mant >>> 13) : 0);
        }
        int e = exp - 127 + 15; // the half's biased exponent
        if (e >= 0x1F) {
            return sign | 0x7C00;
        }
        if (e <= 0) { // subnormal half or zero: shift the full significand
            if (e < -10) {
                return sign; // below half the smallest subnormal
            }
            int sig = mant | 0x800000;
            int shift = 14 - e; // 13 + (1 - e)
            int h = sig >>> shift;
            int rest = sig & ((1 << shift) - 1);
            int half = 1 << (shift - 1);
            if (rest > half || (rest == half && (h & 1) != 0)) {
                h++;
            }
            return sign | h;
        }
        int h = (e << 10) | (mant >>> 13);
        int rest = mant & 0x1FFF;
        if (rest > 0x1000 || (rest == 0x1000 && (h & 1) != 0)) {
            h++; // may carry into the exponent, up to infinity: still right
        }
        return sign | h;
    }

    /** The float32 value of bfloat16 bits {@code b} (the low 16 bits): the upper half of a float32. */
    public static float bfloat16ToFloat(int b) {
        return Float.intBitsToFloat((b & 0xFFFF) << 16);
    }

    /** The bfloat16 bits nearest to {@code f}, ties to even; NaN stays a (quiet) NaN. */
    public static int floatToBfloat16(float f) {
        int bits = Float.floatToRawIntBits(f);
        if (Float.isNaN(f)) {
            return (bits >>> 16) | 0x40;
        }
        int lsb = (bits >>> 16) & 1;
        return (int) (((bits & 0xFFFFFFFFL) + 0x7FFF + lsb) >>> 16) & 0xFFFF;
    }

}
