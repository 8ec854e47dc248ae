package dev.jprune.io.weights.internal;

import dev.jprune.internal.AtomicFiles;
import dev.jprune.internal.Json;
import dev.jprune.io.weights.ElementType;
import dev.jprune.tensor.Tensor;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Writes safetensors files: header size (u64, little-endian), a compact JSON header padded with spaces to a multiple
 * of 8 bytes (so every tensor starts 8-byte aligned), then each tensor's little-endian bytes in the order given.
 * The file is written atomically ({@link AtomicFiles}): a reader never sees half a file and a failure leaves any
 * previous file untouched.
 */
public final class SafetensorsWriter {

    /** One tensor to write: F32 writes the floats, I64 their values rounded to integers. */
    public record Item(String name, ElementType type, Tensor value) {
        public Item {
            if (type != ElementType.F32 && type != ElementType.I64) {
                throw new IllegalArgumentException("tensor " + name + ": jprune writes F32 or I64, not " + type);
            }
        }
    }

    private static final int CHUNK = 1 << 20;

    private SafetensorsWriter() {
    }

    /** Writes {@code items} with {@code metadata} (string to string) to {@code file}, atomically. */
    public static void write(Path file, List<Item> items, Map<String, String> metadata) throws IOException {
        Map<String, Object> header = new LinkedHashMap<>();
        if (!metadata.isEmpty()) {
            header.put("__metadata__", new LinkedHashMap<>(metadata));
        }
        long offset = 0;
        for (Item it : items) {
            long bytes = (long) it.value().numel() * it.type().byteSize();
            Map<String, Object> e = new LinkedHashMap<>();
            e.put("dtype", it.type().safetensorsName());
            e.put("shape", it.value().shape().dims());
            e.put("data_offsets", new long[] {offset, offset + bytes});
            if (header.put(it.name(), e) != null || it.name().equals("__metadata__")) {
                throw new IllegalArgumentException("tensor name " + it.name() + " is used twice or reserved");
            }
            offset += bytes;
        }
        byte[] json = Json.write(header).getBytes(StandardCharsets.UTF_8);
        int padded = (json.length + 7) / 8 * 8;
        byte[] headerBytes = Arrays.copyOf(json, padded);
        Arrays.fill(headerBytes, json.length, padded, (byte) ' ');

        AtomicFiles.writeChannel(file, ch -> {
            ByteBuffer buf = ByteBuffer.allocate(CHUNK).order(ByteOrder.LITTLE_ENDIAN);
            buf.putLong(padded);
            flush(ch, buf);
            writeFully(ch, ByteBuffer.wrap(headerBytes));
            for (Item it : items) {
                float[] d = it.value().data();
                for (float v : d) {
                    if (buf.remaining() < 8) {
                        flush(ch, buf);
                    }
                    if (it.type() == ElementType.F32) {
                        buf.putFloat(v);
                    } else {
                        buf.putLong(Math.round((double) v));
                    }
                }
            }
            flush(ch, buf);
        });
    }

    private static void flush(FileChannel ch, ByteBuffer buf) throws IOException {
        buf.flip();
        writeFully(ch, buf);
        buf.clear();
    }

    private static void writeFully(FileChannel ch, ByteBuffer b) throws IOException {
        while (b.hasRemaining()) {
            ch.write(b);
        }
    }
}
