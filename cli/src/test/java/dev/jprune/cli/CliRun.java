package dev.jprune.cli;

import dev.jprune.internal.Json;
import dev.jprune.testing.Reference;
import dev.jprune.testing.Tolerance;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Runs the {@code jprune} entry point in-process for the command tests, capturing its exit code and output. */
final class CliRun {

    private CliRun() {
    }

    /** One run: the exit code and what went to stdout and stderr. */
    record Result(int code, String out, String err) {

        /** The last line of stdout (where {@code --json} puts its document). */
        String lastLine() {
            String[] lines = out.strip().split("\n");
            return lines[lines.length - 1];
        }

        /** The last line parsed as a JSON object. */
        Map<?, ?> json() {
            return (Map<?, ?>) Json.parse(lastLine());
        }

        /** The last line parsed as a JSON list of objects. */
        List<Map<?, ?>> jsonList() {
            List<Map<?, ?>> list = new ArrayList<>();
            for (Object o : (List<?>) Json.parse(lastLine())) {
                list.add((Map<?, ?>) o);
            }
            return list;
        }
    }

    /** {@code jprune args...} through {@link Main#run}. */
    static Result run(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = Main.run(args, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Result(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    /** {@code jprune command args...}, asserting it succeeds (exit 0, naming the arguments and stderr otherwise). */
    static Result ok(String command, String... args) {
        String[] all = new String[args.length + 1];
        all[0] = command;
        System.arraycopy(args, 0, all, 1, args.length);
        Result r = run(all);
        assertEquals(0, r.code(), "exit code of " + java.util.Arrays.toString(all) + "; stderr: " + r.err());
        return r;
    }

    /** A failed run as the contract wants it: the exit code, one line on stderr naming {@code fragment}, no trace. */
    static void expectError(Result r, int code, String fragment) {
        assertEquals(code, r.code(), "exit code; stderr: " + r.err());
        assertTrue(r.err().contains(fragment), "stderr should mention '" + fragment + "': " + r.err());
        assertEquals(1, r.err().strip().split("\n").length, "one line on stderr without --verbose: " + r.err());
        assertFalse(r.err().contains("\tat "), "no stack trace without --verbose");
    }

    /**
     * An {@code info --json} document ({@code j}) against a Torch-Pruning reference record ({@code ref}): its
     * {@code base_params}, {@code base_macs} and the output shape exactly, {@code base_out_head} within
     * {@code 1e-4·max|ref| + 1e-6}.
     */
    static void assertInfoMatches(Map<?, ?> j, Map<String, Object> ref, List<Long> outputShape) {
        assertEquals(((Number) ref.get("base_params")).longValue(), j.get("params"));
        assertEquals(((Number) ref.get("base_macs")).longValue(), j.get("macs"));
        assertEquals(outputShape, j.get("output_shape"));
        Tolerance.assertClose(Reference.doubles(ref.get("base_out_head")), Reference.doubles(j.get("output_head")),
                1e-4, 1e-6, "output_head");
    }
}
