package dev.jprune.testing;

import dev.jprune.internal.Json;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Records of {@code ../shared/reference/torchvision_tp.jsonl}: Torch-Pruning's figures per (model, config). */
public final class Reference {

    private static List<Map<String, Object>> main;

    private Reference() {
    }

    /** Every record of {@code torchvision_tp.jsonl} (skips, or fails under CI, when absent). */
    public static synchronized List<Map<String, Object>> records() {
        if (main == null) {
            main = read(SharedData.file("reference/torchvision_tp.jsonl"));
        }
        return main;
    }

    private static List<Map<String, Object>> options;

    /** Every record of {@code torchvision_tp_options.jsonl}: the options the main reference does not exercise. */
    public static synchronized List<Map<String, Object>> optionRecords() {
        if (options == null) {
            options = read(SharedData.file("reference/torchvision_tp_options.jsonl"));
        }
        return options;
    }

    /** Parses a JSON-lines file. */
    @SuppressWarnings("unchecked")
    public static List<Map<String, Object>> read(Path file) {
        try {
            List<Map<String, Object>> out = new ArrayList<>();
            for (String line : Files.readAllLines(file)) {
                if (!line.isBlank()) {
                    out.add((Map<String, Object>) Json.parse(line));
                }
            }
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The record of {@code model} under {@code config}, if any. */
    public static Optional<Map<String, Object>> find(String model, String config) {
        return records().stream().filter(r -> model.equals(r.get("model")) && config.equals(r.get("config"))).findFirst();
    }

    /** The first record of {@code model} with a base count, whatever its config. */
    public static Optional<Map<String, Object>> anyWithBase(String model) {
        return records().stream().filter(r -> model.equals(r.get("model")) && r.get("base_params") != null).findFirst();
    }

    /** A JSON number list as doubles. */
    @SuppressWarnings("unchecked")
    public static double[] doubles(Object jsonList) {
        List<Object> l = (List<Object>) jsonList;
        double[] d = new double[l.size()];
        for (int i = 0; i < d.length; i++) {
            d[i] = ((Number) l.get(i)).doubleValue();
        }
        return d;
    }
}
