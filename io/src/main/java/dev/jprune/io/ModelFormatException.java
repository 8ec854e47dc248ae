package dev.jprune.io;

import java.io.IOException;
import java.nio.file.Path;

/**
 * A model or weights file that cannot be read: not the expected format, truncated, corrupt, holding an element
 * type or a construct jprune does not read, or (subclasses) not fitting the model it is loaded into. The message
 * is one line that starts with the file name and says what is wrong, so a command-line tool can print it as is.
 */
public class ModelFormatException extends IOException {

    private static final long serialVersionUID = 1L;

    private final transient Path file;

    /** A problem with {@code file}; the message reads {@code "<file>: <detail>"}. */
    public ModelFormatException(Path file, String detail) {
        super(file + ": " + detail);
        this.file = file;
    }

    /** As {@link #ModelFormatException(Path, String)}, keeping the underlying exception as the cause. */
    public ModelFormatException(Path file, String detail, Throwable cause) {
        super(file + ": " + detail, cause);
        this.file = file;
    }

    /** The file that could not be read. */
    public Path file() {
        return file;
    }
}
