package dev.jprune.io.weights;

import dev.jprune.io.ModelFormatException;

import java.nio.file.Path;
import java.util.List;

/**
 * A readable weights file that does not fit the model: keys the model has and the file lacks ({@link #missing()}),
 * keys the file has and the model lacks ({@link #unexpected()}), and keys whose shape or kind of element differs
 * ({@link #mismatched()}). The message is one line naming the file, the model and the first few keys of each kind
 * with their counts. When it is thrown, no parameter of the model has been changed.
 */
public final class StateDictMismatchException extends ModelFormatException {

    private static final long serialVersionUID = 1L;

    /** At most this many keys of each kind are named in the message. */
    public static final int LISTED = 8;

    /** A key present on both sides whose tensor does not fit: its shape or its kind of element differs. */
    public record Mismatch(String key, String expected, String found) {
        /** {@code "fc.weight: (10, 512) in the model, (1000, 512) in the file"}. */
        public String describe() {
            return key + ": " + expected + " in the model, " + found + " in the file";
        }
    }

    private final transient List<String> missing;
    private final transient List<String> unexpected;
    private final transient List<Mismatch> mismatched;

    /** The mismatch of {@code file} and the model named {@code model}; the lists are copied. */
    public StateDictMismatchException(Path file, String model, List<String> missing, List<String> unexpected,
                                      List<Mismatch> mismatched) {
        super(file, message(model, missing, unexpected, mismatched));
        this.missing = List.copyOf(missing);
        this.unexpected = List.copyOf(unexpected);
        this.mismatched = List.copyOf(mismatched);
    }

    /** Keys of the model that the file lacks, in model order. */
    public List<String> missing() {
        return missing;
    }

    /** Keys of the file that the model lacks, in file order. */
    public List<String> unexpected() {
        return unexpected;
    }

    /** Keys whose shape or element kind differ, in model order. */
    public List<Mismatch> mismatched() {
        return mismatched;
    }

    private static String message(String model, List<String> missing, List<String> unexpected,
                                  List<Mismatch> mismatched) {
        StringBuilder sb = new StringBuilder("does not fit model ").append(model).append(':');
        String sep = " ";
        if (!mismatched.isEmpty()) {
            sb.append(sep).append(count(mismatched.size(), "mis-shaped key")).append(" (");
            for (int i = 0; i < Math.min(LISTED, mismatched.size()); i++) {
                sb.append(i > 0 ? "; " : "").append(mismatched.get(i).describe());
            }
            sb.append(more(mismatched.size())).append(')');
            sep = ", ";
        }
        if (!missing.isEmpty()) {
            sb.append(sep).append(count(missing.size(), "missing key")).append(" (").append(list(missing)).append(')');
            sep = ", ";
        }
        if (!unexpected.isEmpty()) {
            sb.append(sep).append(count(unexpected.size(), "unexpected key")).append(" (").append(list(unexpected))
                    .append(')');
        }
        return sb.toString();
    }

    private static String count(int n, String what) {
        return n + " " + what + (n == 1 ? "" : "s");
    }

    private static String list(List<String> keys) {
        return String.join(", ", keys.subList(0, Math.min(LISTED, keys.size()))) + more(keys.size());
    }

    private static String more(int n) {
        return n > LISTED ? ", ... and " + (n - LISTED) + " more" : "";
    }
}
