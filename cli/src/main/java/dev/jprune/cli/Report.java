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

    /** Writes a JSON report atomically when {@code file} is not null; exit 1 naming it on failure. */
    static void writeReport(Path file, String text) {
        if (file == null) {
            return;
        }
        try {
            writeAtomically(file, text + "\n");
        } catch (IOException e) {
            throw new CliException(CliException.OTHER, "cannot write --report " + file + ": " + e.getMessage(), e);
        }
    }

    /**
     * An output file option: {@code null} when absent; its folder must exist and it must not be a folder (usage
     * errors found before any work).
     */
    static Path outputFile(Args a, String option) {
        String v = a.get(option, null);
        if (v == null) {
            return null;
        }
        if (v.isBlank()) {
            throw CliException.usage("--" + option + " expects a file name, got '" + v + "'");
        }
        Path f = Path.of(v).toAbsolutePath();
        Path dir = f.getParent();
        if (dir == null || !Files.isDirectory(dir)) {
            throw CliException.usage("--" + option + " " + v + ": folder " + dir + " does not exist");
        }
        if (Files.isDirectory(f)) {
            throw CliException.usage("--" + option + " " + v + " is a folder, not a file");
        }
        return Path.of(v);
    }
}
