package dev.jprune.testing;

import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Locates {@code ../shared} (reference figures and fixtures) from the repository root, whichever module folder
 * Maven runs the test in. When it is absent the calling test is skipped with a message, unless the environment
 * variable {@code CI} is set: then its absence is a failure, so CI can never pass by skipping.
 */
public final class SharedData {

    private SharedData() {
    }

    /** The repository root: the nearest folder upwards holding the parent {@code pom.xml}. */
    public static Path repoRoot() {
        Path p = Path.of("").toAbsolutePath();
        while (p != null) {
            Path pom = p.resolve("pom.xml");
            try {
                if (Files.isRegularFile(pom) && Files.readString(pom).contains("<artifactId>jprune-parent</artifactId>")
                        && Files.isDirectory(p.resolve("core"))) {
                    return p;
                }
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
            p = p.getParent();
        }
        throw new IllegalStateException("cannot find the jprune repository root above " + Path.of("").toAbsolutePath());
    }

    /** {@code ../shared}, or skips (fails under CI) when it is absent. */
    public static Path shared() {
        Path s = repoRoot().resolveSibling("shared");
        require(Files.isDirectory(s), "../shared not found at " + s);
        return s;
    }

    /** A file below {@code ../shared}, or skips (fails under CI) when it is absent. */
    public static Path file(String relative) {
        Path f = shared().resolve(relative);
        require(Files.exists(f), "../shared/" + relative + " not found");
        return f;
    }

    private static void require(boolean present, String message) {
        if (present) {
            return;
        }
        if (System.getenv("CI") != null) {
            Assertions.fail(message + " (CI is set, so missing shared data is a failure)");
        }
        Assumptions.abort(message + ": skipping (set up ../shared beside the repository to run this test)");
    }
}
