package dev.jprune.bench.experiment;

import dev.jprune.internal.AtomicFiles;
import dev.jprune.internal.Json;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The resumable record of an experiment run, kept as JSON in its work folder: the settings it was started with (a
 * re-run with other settings is refused), finished stages with their figures, and seconds spent per stage.
 */
final class ExperimentState {

    private final Path file;
    private final Map<String, Object> root;

    private ExperimentState(Path file, Map<String, Object> root) {
        this.file = file;
        this.root = root;
    }

    /** Opens the state in {@code file}, or a fresh one for {@code settings}; refuses a state made with other settings. */
    @SuppressWarnings("unchecked")
    static ExperimentState open(Path file, Map<String, Object> settings) throws IOException {
        Object normalized = Json.parse(Json.write(settings));
        if (Files.exists(file)) {
            Map<String, Object> root = (Map<String, Object>) Json.parse(Files.readString(file, StandardCharsets.UTF_8));
            if (!normalized.equals(root.get("settings"))) {
                throw new IllegalArgumentException(file + " holds a run with other settings " + root.get("settings")
                        + "; this run has " + normalized + " (use another --work folder, or delete it to start over)");
            }
            return new ExperimentState(file, root);
        }
        Map<String, Object> root = new LinkedHashMap<>();
        root.put("settings", normalized);
        root.put("stages", new LinkedHashMap<String, Object>());
        root.put("seconds", new LinkedHashMap<String, Object>());
        return new ExperimentState(file, root);
    }

    /** The figures of a finished stage, or null. */
    @SuppressWarnings("unchecked")
    Map<String, Object> stage(String name) {
        return (Map<String, Object>) stages().get(name);
    }

    /** Records a finished stage and saves. */
    void finish(String name, Map<String, Object> figures) throws IOException {
        stages().put(name, figures);
        save();
    }

    /** Adds {@code seconds} to the time of stage {@code name} and saves. */
    void addSeconds(String name, double seconds) throws IOException {
        Map<String, Object> s = seconds();
        s.put(name, secondsOf(name) + seconds);
        save();
    }

    /** Seconds spent on stage {@code name} across runs. */
    double secondsOf(String name) {
        Object v = seconds().get(name);
        return v == null ? 0 : ((Number) v).doubleValue();
    }

    /** Epoch results of a training stage, in order. */
    @SuppressWarnings("unchecked")
    List<Object> epochs(String stage) {
        Map<String, Object> e = (Map<String, Object>) root.computeIfAbsent("epochs", k -> new LinkedHashMap<>());
        return (List<Object>) e.computeIfAbsent(stage, k -> new ArrayList<>());
    }

    /** Appends an epoch's figures to a training stage and saves. */
    void addEpoch(String stage, Map<String, Object> figures) throws IOException {
        epochs(stage).add(figures);
        save();
    }

    @SuppressWarnings("unchecked")
    private Map<String, Object> stages() {
        return (Map<String, Object>) root.get("stages");
    }

    @SuppressWarnings("unchecked")
    private Map<String, Object> seconds() {
        return (Map<String, Object>) root.get("seconds");
    }

    void save() throws IOException {
        writeAtomically(file, Json.write(root) + "\n");
    }

    /** Writes {@code text} to {@code file} atomically, creating its folder when missing. */
    static void writeAtomically(Path file, String text) throws IOException {
        Files.createDirectories(file.toAbsolutePath().getParent());
        AtomicFiles.writeString(file, text);
    }
}
