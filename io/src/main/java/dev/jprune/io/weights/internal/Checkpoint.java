package dev.jprune.io.weights.internal;

import java.io.Closeable;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Collections;
import java.util.List;
import java.util.Map;

/**
 * An open weights file: its tensors by {@code state_dict} key in file order, read on demand, and the keys of
 * entries that are not tensors (kept so a strict load can report them). Close it when done.
 */
public final class Checkpoint implements Closeable {

    private final Path file;
    private final String format;
    private final Map<String, TensorEntry> tensors;
    private final List<String> otherKeys;
    private final Map<String, String> metadata;
    private final Closeable resource;

    /**
     * A checkpoint over {@code resource} (closed with it); the tensor map and key list are kept, not copied;
     * {@code metadata} (safetensors' {@code __metadata__}, empty for other formats) is copied.
     */
    public Checkpoint(Path file, String format, Map<String, TensorEntry> tensors, List<String> otherKeys,
                      Map<String, String> metadata, Closeable resource) {
        this.file = file;
        this.format = format;
        this.tensors = Collections.unmodifiableMap(tensors);
        this.otherKeys = Collections.unmodifiableList(otherKeys);
        this.metadata = Collections.unmodifiableMap(new java.util.LinkedHashMap<>(metadata));
        this.resource = resource;
    }

    /** The file. */
    public Path file() {
        return file;
    }

    /** A short description of the format ({@code "PyTorch zip checkpoint"}, {@code "safetensors"}). */
    public String format() {
        return format;
    }

    /** Tensors by key in file order (unmodifiable). */
    public Map<String, TensorEntry> tensors() {
        return tensors;
    }

    /** Keys whose values are not tensors, such as an {@code _extra_state} entry (unmodifiable). */
    public List<String> otherKeys() {
        return otherKeys;
    }

    /** The file's string metadata (safetensors' {@code __metadata__}); empty when it has none. */
    public Map<String, String> metadata() {
        return metadata;
    }

    @Override
    public void close() throws IOException {
        resource.close();
    }
}
