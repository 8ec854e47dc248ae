package dev.jprune.ops.internal;

import java.math.BigDecimal;

/** Formatting of attribute values the way Python prints them in a PyTorch module repr. */
public final class ModuleRepr {

    private ModuleRepr() {
    }

    /**
     * A double as Python's {@code repr(float)}: shortest digits, positional between 1e-4 and 1e16 with at least
     * one decimal ({@code 0.1}, {@code 1.0}, {@code 0.0001}), scientific otherwise with a signed two-digit exponent
     * ({@code 1e-05}, {@code 1.5e+16}); {@code inf}, {@code -inf}, {@code nan}.
     */
    public static String pyFloat(double d) {
        if (Double.isNaN(d)) {
            return "nan";
        }
        if (Double.isInfinite(d)) {
            return d > 0 ? "inf" : "-inf";
        }
        String sign = (d < 0 || (d == 0 && 1 / d < 0)) ? "-" : "";
        if (d == 0) {
            return sign + "0.0";
        }
        BigDecimal bd = new BigDecimal(Double.toString(Math.abs(d))).stripTrailingZeros();
        String digits = bd.unscaledValue().toString();
        int exponent = digits.length() - 1 - bd.scale();
        if (exponent < -4 || exponent >= 16) {
            String mantissa = digits.length() == 1 ? digits : digits.charAt(0) + "." + digits.substring(1);
            String e = Integer.toString(Math.abs(exponent));
            return sign + mantissa + "e" + (exponent < 0 ? "-" : "+") + (e.length() < 2 ? "0" + e : e);
        }
        String plain = bd.toPlainString();
        return sign + (plain.contains(".") ? plain : plain + ".0");
    }

    /** A pair as PyTorch prints a size attribute: {@code 3} when both are equal, else {@code (3, 2)}. */
    public static String pair(int h, int w) {
        return h == w ? Integer.toString(h) : "(" + h + ", " + w + ")";
    }

    /** A pair always as a tuple: {@code (1, 1)}. */
    public static String tuple(int h, int w) {
        return "(" + h + ", " + w + ")";
    }

    /** A Python boolean: {@code True} or {@code False}. */
    public static String pyBool(boolean b) {
        return b ? "True" : "False";
    }
}
