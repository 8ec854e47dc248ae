package dev.jprune.cli;

import dev.jprune.internal.AtomicFiles;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/** Formatting shared by the commands' human-readable output, and writing their result files. */
final class Report {

    private Report() {
    }

    /** {@code 1.82 G}, {@code 11.69 M}, {@code 3.2 K}. */
    static String human(long n) {
        if (Math.abs(n) >= 1_000_000_000L) {
            return String.format(Locale.ROOT, "%.3f G", n / 1e9);
        }
        if (Math.abs(n) >= 1_000_000L) {
            return String.format(Locale.ROOT, "%.3f M", n / 1e6);
        }
        if (Math.abs(n) >= 1_000L) {
            return String.format(Locale.ROOT, "%.3f K", n / 1e3);
        }
        return Long.toString(n);
    }

    /** {@code [0.1234, -5.6]} with 6 significant digits. */
    static String floats(float[] v) {
        StringBuilder sb = new StringBuilder("[");
        for (int i = 0; i < v.length; i++) {
            if (i > 0) {
                sb.append(", ");
            }
            sb.append(String.format(Locale.ROOT, "%.6g", v[i]));
        }
        return sb.append(']').toString();
    }

    /** Writes {@code text} to {@code file} atomically ({@link AtomicFiles}). */
    static void writeAtomically(Path file, String text) throws IOException {
        AtomicFiles.writeString(file, text);
    }
}
