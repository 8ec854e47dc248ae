package dev.jprune.io.weights;

import dev.jprune.internal.Json;
import dev.jprune.ir.Graph;
import dev.jprune.ir.Parameter;
import dev.jprune.tensor.Shape;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Saving a graph as safetensors: the byte layout the format specifies, round trips, atomic replacement. */
class SafetensorsSaveTest {

    @TempDir
    Path dir;

    private static Graph loadedTiny() throws IOException {
        Graph g = Fixtures.tiny();
        StateDicts.load(g, Fixtures.file("tiny_f32.pth"));
        return g;
    }

    @Test
    @SuppressWarnings("unchecked")
    void layoutFollowsTheSpecification() throws IOException {
        Graph g = loadedTiny();
        Path file = dir.resolve("tiny.safetensors");
        StateDicts.saveSafetensors(g, file);
        byte[] bytes = Files.readAllBytes(file);
        ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        long n = b.getLong(0);
        assertEquals(0, n % 8, "the header is padded so the data starts 8-byte aligned");
        String header = new String(bytes, 8, (int) n, StandardCharsets.UTF_8);
        assertTrue(header.startsWith("{\"__metadata__\": {\"format\": \"pt\"}, \"conv1.weight\": {\"dtype\": \"F32\", "
                + "\"shape\": [4, 1, 3, 3], \"data_offsets\": [0, 144]}"), header);
        assertEquals(header.stripTrailing().length(), header.indexOf('}', header.lastIndexOf("data_offsets")) + 2,
                "only spaces pad the header");
        Map<String, Object> h = (Map<String, Object>) Json.parse(header);
        List<String> keys = new ArrayList<>(h.keySet());
        assertEquals("__metadata__", keys.remove(0));
        assertEquals(new ArrayList<>(g.stateDict().keySet()), keys, "tensors in model order");
        long at = 0;
        for (Parameter p : g.stateDict().values()) {
            Map<String, Object> e = (Map<String, Object>) h.get(p.name());
            boolean integer = p.name().endsWith("num_batches_tracked");
            assertEquals(integer ? "I64" : "F32", e.get("dtype"), p.name());
            List<Object> shape = new ArrayList<>();
            for (int d : p.value().shape().dims()) {
                shape.add((long) d);
            }
            assertEquals(shape, e.get("shape"), p.name());
            long size = (long) p.value().numel() * (integer ? 8 : 4);
            assertEquals(List.of(at, at + size), e.get("data_offsets"), p.name());
            int base = (int) (8 + n + at);
            for (int i = 0; i < p.value().numel(); i++) {
                float expected = p.value().data()[i];
                float actual = integer ? b.getLong(base + 8 * i) : b.getFloat(base + 4 * i);
                assertEquals(expected, actual, p.name() + "[" + i + "]");
            }
            at += size;
        }
        assertEquals(bytes.length, 8 + n + at, "the tensors tile the data section");
    }

    @Test
    void savedWeightsLoadBackIdentically() throws IOException {
        Graph g = loadedTiny();
        Path file = dir.resolve("tiny.safetensors");
        StateDicts.saveSafetensors(g, file);
        Graph back = Fixtures.tiny();
        LoadReport r = StateDicts.load(back, file);
        assertEquals(15, r.loaded().size());
        for (Parameter p : g.stateDict().values()) {
            assertArrayEquals(p.value().data(), back.stateDict().get(p.name()).value().data(), p.name());
        }
        StoredTensor tracked = StateDicts.readSafetensors(file).get("bn2.num_batches_tracked");
        assertEquals(ElementType.I64, tracked.type());
        assertArrayEquals(new long[] {123456}, tracked.longValues());
    }

    @Test
    void replacesAtomicallyAndLeavesNoTemporaryFiles() throws IOException {
        Path file = dir.resolve("w.safetensors");
        Files.writeString(file, "old");
        StateDicts.saveSafetensors(loadedTiny(), file);
        assertEquals(15, StateDicts.read(file).size());
        if (Files.getFileStore(file).supportsFileAttributeView("posix")) {
            Path plain = Files.createFile(dir.resolve("plain"));
            assertEquals(Files.getPosixFilePermissions(plain), Files.getPosixFilePermissions(file),
                    "the saved file gets the permissions of any new file, not a temporary file's owner-only ones");
            Files.delete(plain);
        }
        Path blocked = Files.createDirectories(dir.resolve("blocked.safetensors").resolve("inside"));
        assertThrows(IOException.class, () -> StateDicts.saveSafetensors(loadedTiny(), blocked.getParent()));
        assertTrue(Files.isDirectory(blocked), "a failed save leaves the target as it was");
        try (Stream<Path> s = Files.list(dir)) {
            assertEquals(List.of("blocked.safetensors", "w.safetensors"),
                    s.map(p -> p.getFileName().toString()).sorted().toList());
        }
    }

    @Test
    void readsEveryElementTypeWithMetadata() throws IOException {
        ByteBuffer data = ByteBuffer.allocate(64).order(ByteOrder.LITTLE_ENDIAN);
        data.putDouble(1.0 / 3).putShort((short) 0x3555).putShort((short) 0x3EAB).putInt(-123456)
                .putShort((short) -2).put((byte) -3).put((byte) 250).put((byte) 1).put((byte) 0);
        String header = "{\"__metadata__\":{\"format\":\"pt\",\"note\":\"all types\"},"
                + "\"f64\":{\"dtype\":\"F64\",\"shape\":[],\"data_offsets\":[0,8]},"
                + "\"f16\":{\"dtype\":\"F16\",\"shape\":[1],\"data_offsets\":[8,10]},"
                + "\"bf16\":{\"dtype\":\"BF16\",\"shape\":[1,1],\"data_offsets\":[10,12]},"
                + "\"i32\":{\"dtype\":\"I32\",\"shape\":[1],\"data_offsets\":[12,16]},"
                + "\"i16\":{\"dtype\":\"I16\",\"shape\":[1],\"data_offsets\":[16,18]},"
                + "\"i8\":{\"dtype\":\"I8\",\"shape\":[1],\"data_offsets\":[18,19]},"
                + "\"u8\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[19,20]},"
                + "\"bool\":{\"dtype\":\"BOOL\",\"shape\":[2],\"data_offsets\":[20,22]},"
                + "\"empty\":{\"dtype\":\"F32\",\"shape\":[0,3],\"data_offsets\":[22,22]}}";
        Path file = SafetensorsBytes.write(dir.resolve("types.safetensors"), header,
                java.util.Arrays.copyOf(data.array(), 22));
        Map<String, StoredTensor> t = StateDicts.read(file);
        assertEquals(List.of("f64", "f16", "bf16", "i32", "i16", "i8", "u8", "bool", "empty"), List.copyOf(t.keySet()));
        assertArrayEquals(new float[] {(float) (1.0 / 3)}, t.get("f64").floatValues());
        assertEquals(Shape.of(), t.get("f64").shape());
        assertArrayEquals(new float[] {0.333251953125f}, t.get("f16").floatValues());
        assertArrayEquals(new float[] {0.333984375f}, t.get("bf16").floatValues());
        assertEquals(Shape.of(1, 1), t.get("bf16").shape());
        assertArrayEquals(new long[] {-123456}, t.get("i32").longValues());
        assertArrayEquals(new long[] {-2}, t.get("i16").longValues());
        assertArrayEquals(new long[] {-3}, t.get("i8").longValues());
        assertArrayEquals(new long[] {250}, t.get("u8").longValues());
        assertArrayEquals(new long[] {1, 0}, t.get("bool").longValues());
        assertEquals(Shape.of(0, 3), t.get("empty").shape());
        assertEquals(ElementType.BOOL, t.get("bool").type());
    }
}
