package dev.jprune.cli;

/** A failure with the exit code it maps to and one line for stderr (see CLI.md, Exit codes). */
final class CliException extends RuntimeException {

    /** Anything else (an output file that cannot be written, an internal error). */
    static final int OTHER = 1;
    /** Bad usage or option value. */
    static final int USAGE = 2;
    /** Bad or unreadable input file. */
    static final int BAD_INPUT = 3;
    /** Valid model that cannot be handled. */
    static final int UNSUPPORTED = 4;

    private static final long serialVersionUID = 1L;
    private final int exitCode;

    CliException(int exitCode, String message) {
        super(message);
        this.exitCode = exitCode;
    }

    CliException(int exitCode, String message, Throwable cause) {
        super(message, cause);
        this.exitCode = exitCode;
    }

    int exitCode() {
        return exitCode;
    }

    static CliException usage(String message) {
        return new CliException(USAGE, message);
    }
}
