package dev.jprune.io.weights.internal;

import dev.jprune.internal.Json;
import dev.jprune.io.ModelFormatException;
import dev.jprune.io.weights.ElementType;
import dev.jprune.io.weights.StoredTensor;
import dev.jprune.tensor.Shape;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads safetensors files: an unsigned 64-bit little-endian header size {@code N}, {@code N} bytes of UTF-8 JSON
 * (an object mapping each tensor name to {@code {"dtype", "shape", "data_offsets": [begin, end]}}, plus an optional
 * {@code "__metadata__"} object of strings), then the data section, where each tensor's little-endian, row-major
 * bytes sit at {@code [begin, end)}. As the format requires, the tensors must tile the data section exactly: no
 * gaps, no overlaps, nothing after the last one.
 */
public final class SafetensorsReader {

    /** The largest header accepted (the reference implementation's limit). */
    static final long MAX_HEADER = 100L << 20;

    private SafetensorsReader() {
    }

    private record Slot(String key, ElementType type, Shape shape, long begin, long end) {
    }

    /** Opens a safetensors file and validates its header; tensor values are read on demand. */
    public static Checkpoint open(Path file) throws IOException {
        FileChannel ch = FileChannel.open(file, StandardOpenOption.READ);
        try {
            return read(file, ch);
        } catch (IOException | RuntimeException e) {
            ch.close();
            throw e;
        }
    }

    private static Checkpoint read(Path file, FileChannel ch) throws IOException {
        long size = ch.size();
        if (size < 8) {
            throw new ModelFormatException(file, "only " + size + " bytes: too short for a safetensors header (truncated)");
        }
        long n = readAt(file, ch, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        if (n < 2 || n > MAX_HEADER || n > size - 8) {
            throw new ModelFormatException(file, "safetensors header size " + Long.toUnsignedString(n)
                    + (n > 0 && n <= MAX_HEADER ? " runs past the end of the " + size + "-byte file (truncated)"
                    : " is not plausible (corrupt, or not a safetensors file)"));
        }
        ByteBuffer headerBytes = readAt(file, ch, 8, (int) n);
        Object parsed;
        try {
            String text = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(headerBytes).toString();
            parsed = Json.parse(text);
        } catch (CharacterCodingException e) {
            throw new ModelFormatException(file, "safetensors header is not UTF-8 (corrupt)", e);
        } catch (RuntimeException | StackOverflowError e) {
            throw new ModelFormatException(file, "safetensors header is not valid JSON (corrupt): " + e.getMessage(), e);
        }
        if (!(parsed instanceof Map)) {
            throw new ModelFormatException(file, "safetensors header is not a JSON object");
        }
        long dataStart = 8 + n;
        long dataSize = size - dataStart;
        List<Slot> slots = new ArrayList<>();
        Map<String, String> metadata = new LinkedHashMap<>();
        for (Map.Entry<?, ?> e : ((Map<?, ?>) parsed).entrySet()) {
            String key = (String) e.getKey();
            if (key.equals("__metadata__")) {
                checkMetadata(file, e.getValue());
                for (Map.Entry<?, ?> m : ((Map<?, ?>) e.getValue()).entrySet()) {
                    metadata.put((String) m.getKey(), (String) m.getValue());
                }
            } else {
                slots.add(slot(file, key, e.getValue()));
            }
        }
        checkTiling(file, slots, dataSize);
        Map<String, TensorEntry> tensors = new LinkedHashMap<>();
        for (Slot s : slots) {
            tensors.put(s.key(), entry(file, ch, dataStart, s));
        }
        return new Checkpoint(file, "safetensors", tensors, List.of(), metadata, ch);
    }

    private static void checkMetadata(Path file, Object value) throws ModelFormatException {
        if (!(value instanceof Map)) {
            throw new ModelFormatException(file, "safetensors __metadata__ is not an object");
        }
        for (Map.Entry<?, ?> m : ((Map<?, ?>) value).entrySet()) {
            if (!(m.getValue() instanceof String)) {
                throw new ModelFormatException(file, "safetensors __metadata__ entry '" + m.getKey()
                        + "' is not a string");
            }
        }
    }

    private static Slot slot(Path file, String key, Object value) throws ModelFormatException {
        if (!(value instanceof Map)) {
            throw new ModelFormatException(file, "safetensors header entry '" + key + "' is not an object");
        }
        Map<?, ?> m = (Map<?, ?>) value;
        if (!(m.get("dtype") instanceof String) || !(m.get("shape") instanceof List)
                || !(m.get("data_offsets") instanceof List)) {
            throw new ModelFormatException(file, "safetensors header entry '" + key
                    + "' needs dtype (string), shape (list) and data_offsets (list)");
        }
        String dtype = (String) m.get("dtype");
        ElementType type = ElementType.fromSafetensors(dtype);
        if (type == null) {
            StringBuilder known = new StringBuilder();
            for (ElementType t : ElementType.values()) {
                known.append(known.length() == 0 ? "" : ", ").append(t.safetensorsName());
            }
            throw new ModelFormatException(file, "tensor '" + key + "' has dtype " + dtype
                    + ", which jprune does not read (it reads " + known + ")");
        }
        Shape shape = Sizes.shape(file, key, integers(file, key, "shape", (List<?>) m.get("shape")));
        long[] offsets = integers(file, key, "data_offsets", (List<?>) m.get("data_offsets"));
        if (offsets.length != 2 || offsets[0] < 0 || offsets[1] < offsets[0]) {
            throw new ModelFormatException(file, "tensor '" + key + "' has data_offsets " + m.get("data_offsets")
                    + ", not [begin, end] with 0 <= begin <= end");
        }
        long bytes = (long) shape.numel() * type.byteSize();
        if (bytes > Integer.MAX_VALUE - 8) {
            throw new ModelFormatException(file, "tensor '" + key + "' is larger than 2 GB, too large for jprune");
        }
        if (offsets[1] - offsets[0] != bytes) {
            throw new ModelFormatException(file, "tensor '" + key + "' (" + dtype + ", shape " + shape + ") needs "
                    + bytes + " bytes but its data_offsets " + m.get("data_offsets") + " span " + (offsets[1] - offsets[0]));
        }
        return new Slot(key, type, shape, offsets[0], offsets[1]);
    }

    private static long[] integers(Path file, String key, String field, List<?> list) throws ModelFormatException {
        long[] out = new long[list.size()];
        for (int i = 0; i < out.length; i++) {
            if (!(list.get(i) instanceof Long)) {
                throw new ModelFormatException(file, "tensor '" + key + "' has " + field + " " + list
                        + ", not a list of integers");
            }
            out[i] = (Long) list.get(i);
        }
        return out;
    }

    private static void checkTiling(Path file, List<Slot> slots, long dataSize) throws ModelFormatException {
        List<Slot> sorted = new ArrayList<>(slots);
        sorted.sort(Comparator.comparingLong(Slot::begin).thenComparingLong(Slot::end));
        long at = 0;
        for (Slot s : sorted) {
            if (s.begin() != at) {
                throw new ModelFormatException(file, "tensor '" + s.key() + "' starts at byte " + s.begin()
                        + " of the data section, where " + (s.begin() < at ? "the previous tensor still runs (overlap)"
                        : "bytes " + at + " to " + s.begin() + " belong to no tensor (gap)") + ": corrupt header");
            }
            at = s.end();
        }
        if (at > dataSize) {
            Slot last = sorted.get(sorted.size() - 1);
            throw new ModelFormatException(file, "tensor '" + last.key() + "' ends at byte " + at
                    + " of the data section, which holds only " + dataSize + " bytes (truncated)");
        }
        if (at < dataSize) {
            throw new ModelFormatException(file, (dataSize - at) + " bytes after the last tensor (corrupt, or not a "
                    + "safetensors file)");
        }
    }

    private static TensorEntry entry(Path file, FileChannel ch, long dataStart, Slot s) {
        return new TensorEntry() {
            @Override
            public ElementType type() {
                return s.type();
            }

            @Override
            public Shape shape() {
                return s.shape();
            }

            @Override
            public StoredTensor read() throws ModelFormatException {
                ByteBuffer b;
                try {
                    b = readAt(file, ch, dataStart + s.begin(), (int) (s.end() - s.begin()));
                } catch (ModelFormatException e) {
                    throw e;
                } catch (IOException e) {
                    throw new ModelFormatException(file, "cannot read tensor '" + s.key() + "': " + e.getMessage(), e);
                }
                b.order(ByteOrder.LITTLE_ENDIAN);
                return Elements.decode(s.type(), b, 0, s.shape(), Elements.contiguousStrides(s.shape()));
            }
        };
    }

    private static ByteBuffer readAt(Path file, FileChannel ch, long position, int length) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(length);
        while (b.hasRemaining()) {
            int r = ch.read(b, position + b.position());
            if (r < 0) {
                throw new ModelFormatException(file, "ends at byte " + (position + b.position()) + " while reading "
                        + length + " bytes from byte " + position + " (truncated)");
            }
        }
        return b.flip();
    }
}
