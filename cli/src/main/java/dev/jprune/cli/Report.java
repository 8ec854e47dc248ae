package dev.jprune.cli;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
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

    /**
     * Writes {@code text} to {@code file} atomically: a temporary file in the same folder is written, then moved over
     * {@code file}, so a reader never sees half a file and a failed write leaves nothing behind. The temporary file
     * is created like any other file (the umask applies), not with {@code createTempFile}'s owner-only mode.
     */
    static void writeAtomically(Path file, String text) throws IOException {
        Path abs = file.toAbsolutePath();
        Path tmp = abs.resolveSibling("." + abs.getFileName() + "." + ProcessHandle.current().pid() + "."
                + Long.toHexString(System.nanoTime()) + ".tmp");
        boolean created = false;
        try {
            try (OutputStream o = Files.newOutputStream(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                created = true;
                o.write(text.getBytes(StandardCharsets.UTF_8));
            }
            try {
                Files.move(tmp, abs, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, abs, StandardCopyOption.REPLACE_EXISTING);
            }
        } finally {
            if (created) {
                Files.deleteIfExists(tmp);
            }
        }
    }
}
