package dev.jprune.io.weights;

import dev.jprune.io.ModelFormatException;
import dev.jprune.ir.Graph;
import dev.jprune.ir.GraphBuilder;
import dev.jprune.ir.Value;
import dev.jprune.ops.Linear;
import dev.jprune.tensor.Shape;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Keys that do not fit, strict and non-strict loads, corrupt and hostile files: clear errors, graph untouched. */
class StateDictsErrorsTest {

    @TempDir
    Path dir;

    private static void assertUnchanged(Map<String, float[]> before, Graph g) {
        Map<String, float[]> after = Fixtures.snapshot(g);
        assertEquals(before.keySet(), after.keySet());
        for (String k : before.keySet()) {
            assertArrayEquals(before.get(k), after.get(k), k + " changed by a failed load");
        }
    }

    /** Loads {@code file} into the tiny model expecting failure; checks the graph is untouched and the message. */
    private static ModelFormatException fails(Path file, String... fragments) {
        Graph g = Fixtures.tiny();
        Map<String, float[]> before = Fixtures.snapshot(g);
        ModelFormatException e = assertThrows(ModelFormatException.class, () -> StateDicts.load(g, file));
        assertUnchanged(before, g);
        assertTrue(e.getMessage().startsWith(file.toString() + ": "), e.getMessage());
        assertFalse(e.getMessage().contains("\n"), "one line: " + e.getMessage());
        for (String f : fragments) {
            assertTrue(e.getMessage().contains(f), "'" + f + "' not in: " + e.getMessage());
        }
        return e;
    }

    @Test
    void missingAndUnexpectedFailStrictlyAndAreSkippedOtherwise() throws Exception {
        Path file = Fixtures.file("tiny_f32.pth");
        Graph g = Fixtures.tiny("head", 6);
        Map<String, float[]> before = Fixtures.snapshot(g);
        StateDictMismatchException e = assertThrows(StateDictMismatchException.class, () -> StateDicts.load(g, file));
        assertUnchanged(before, g);
        assertEquals(List.of("head.weight", "head.bias"), e.missing());
        assertEquals(List.of("fc.weight", "fc.bias"), e.unexpected());
        assertTrue(e.mismatched().isEmpty());
        assertEquals(file + ": does not fit model tiny: 2 missing keys (head.weight, head.bias), 2 unexpected keys "
                + "(fc.weight, fc.bias)", e.getMessage());

        LoadReport r = StateDicts.load(g, file, false);
        assertEquals(13, r.loaded().size());
        assertEquals(List.of("head.weight", "head.bias"), r.missing());
        assertEquals(List.of("fc.weight", "fc.bias"), r.unexpected());
        assertArrayEquals(before.get("head.weight"), g.stateDict().get("head.weight").value().data());
        assertFalse(Arrays.equals(before.get("conv1.weight"), g.stateDict().get("conv1.weight").value().data()));
        assertTrue(r.summary().contains("2 missing (left unchanged): head.weight, head.bias"), r.summary());
    }

    @Test
    void entriesThatAreNotTensorsAreUnexpected() throws Exception {
        Path file = Fixtures.file("tiny_extra_entry.pth");
        StateDictMismatchException e = assertThrows(StateDictMismatchException.class,
                () -> StateDicts.load(Fixtures.tiny(), file));
        assertEquals(file + ": does not fit model tiny: 1 unexpected key (note)", e.getMessage());
        LoadReport r = StateDicts.load(Fixtures.tiny(), file, false);
        assertEquals(15, r.loaded().size());
        assertEquals(List.of("note"), r.unexpected());
        assertEquals(15, StateDicts.readPth(file).size(), "read lists tensors only");
    }

    @Test
    void misShapedKeysFailEvenWhenNotStrict() {
        Path file = Fixtures.file("tiny_f32.safetensors");
        for (boolean strict : new boolean[] {true, false}) {
            Graph g = Fixtures.tiny("fc", 8);
            Map<String, float[]> before = Fixtures.snapshot(g);
            StateDictMismatchException e = assertThrows(StateDictMismatchException.class,
                    () -> StateDicts.load(g, file, strict));
            assertUnchanged(before, g);
            assertEquals(6, e.mismatched().size(), e.getMessage());
            assertEquals("conv2.weight: float32 (8, 4, 3, 3) in the model, float32 (6, 4, 3, 3) in the file",
                    e.mismatched().get(0).describe());
            assertTrue(e.getMessage().contains("6 mis-shaped keys (conv2.weight: float32 (8, 4, 3, 3) in the model"),
                    e.getMessage());
        }
    }

    @Test
    void longKeyListsAreCutWithACount() {
        GraphBuilder b = new GraphBuilder("mlp");
        Value x = b.input("x", Shape.of(1, 4));
        for (int i = 0; i < 12; i++) {
            x = b.module("l" + i, Linear.of(4, 4, true), x);
        }
        Graph g = b.build(x);
        StateDictMismatchException e = assertThrows(StateDictMismatchException.class,
                () -> StateDicts.load(g, Fixtures.file("tiny_f32.pth")));
        assertEquals(24, e.missing().size());
        assertEquals(15, e.unexpected().size());
        assertTrue(e.getMessage().contains("24 missing keys (l0.weight, l0.bias, l1.weight, l1.bias, l2.weight, "
                + "l2.bias, l3.weight, l3.bias, ... and 16 more)"), e.getMessage());
        assertTrue(e.getMessage().contains("15 unexpected keys (") && e.getMessage().endsWith(", ... and 7 more)"),
                e.getMessage());
    }

    @Test
    void floatTensorForAnIntegerBufferIsAMismatch() throws IOException {
        Map<String, StoredTensor> sd = StateDicts.read(Fixtures.file("tiny_f32.pth"));
        StringBuilder header = new StringBuilder("{");
        ByteBuffer data = ByteBuffer.allocate(4096).order(ByteOrder.LITTLE_ENDIAN);
        for (Map.Entry<String, StoredTensor> e : sd.entrySet()) {
            float[] v = e.getValue().floatValues();
            header.append(header.length() > 1 ? "," : "").append('"').append(e.getKey()).append("\":{\"dtype\":\"F32\",")
                    .append("\"shape\":").append(Arrays.toString(e.getValue().shape().dims())).append(",\"data_offsets\":[")
                    .append(data.position()).append(',').append(data.position() + 4 * v.length).append("]}");
            for (float f : v) {
                data.putFloat(f);
            }
        }
        Path file = SafetensorsBytes.write(dir.resolve("float_counts.safetensors"), header.append('}').toString(),
                Arrays.copyOf(data.array(), data.position()));
        fails(file, "bn1.num_batches_tracked: int64 () in the model, float32 () in the file");
    }

    @Test
    void hostilePickleIsRefusedWithoutRunningIt() throws IOException {
        String marker = (String) Fixtures.expected().get("malicious_marker");
        Files.deleteIfExists(Path.of(marker));
        fails(Fixtures.file("malicious.pth"), "refusing pickle global posix.system", "nothing in the file was run");
        assertFalse(Files.exists(Path.of(marker)), "the pickle's command ran");
    }

    @Test
    void unsupportedElementTypesAreNamedWithTheirKey() throws IOException {
        fails(Fixtures.file("complex.pth"), "tensor 'x' is stored as torch.ComplexFloatStorage");
        Path c64 = SafetensorsBytes.write(dir.resolve("c64.safetensors"),
                "{\"z\":{\"dtype\":\"C64\",\"shape\":[1],\"data_offsets\":[0,8]}}", new byte[8]);
        fails(c64, "tensor 'z' has dtype C64, which jprune does not read (it reads F64, F32, F16, BF16, I64");
    }

    @Test
    void truncatedAndCorruptCheckpointsAreRefused() throws IOException {
        byte[] pth = Files.readAllBytes(Fixtures.file("tiny_f32.pth"));
        Path cut = Files.write(dir.resolve("cut.pth"), Arrays.copyOf(pth, pth.length / 2));
        fails(cut, "not a readable zip archive (truncated or corrupt)");

        float first = StateDicts.read(Fixtures.file("tiny_f32.pth")).get("conv1.weight").floatValues()[0];
        byte[] needle = ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putFloat(first).array();
        int at = indexOf(pth, needle);
        assertTrue(at > 0, "conv1.weight's first value is in the archive");
        byte[] flipped = pth.clone();
        flipped[at] ^= 0x40;
        fails(Files.write(dir.resolve("flipped.pth"), flipped), "is corrupt (CRC mismatch)", "/data/0");

        byte[] st = Files.readAllBytes(Fixtures.file("tiny_f32.safetensors"));
        fails(Files.write(dir.resolve("cut.safetensors"), Arrays.copyOf(st, st.length - 10)),
                "tensor 'fc.bias' ends at byte", "(truncated)");
        fails(Files.write(dir.resolve("header.safetensors"), Arrays.copyOf(st, 100)), "runs past the end", "truncated");
        fails(Files.write(dir.resolve("short.safetensors"), new byte[] {1, 2, 3}), "too short");
        byte[] badJson = st.clone();
        badJson[9] = '[';
        fails(Files.write(dir.resolve("json.safetensors"), badJson), "not valid JSON");
        fails(SafetensorsBytes.write(dir.resolve("gap.safetensors"),
                "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}", new byte[8]), "(gap)");
        fails(SafetensorsBytes.write(dir.resolve("overlap.safetensors"),
                "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
                        + "\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}", new byte[8]), "(overlap)");
        fails(SafetensorsBytes.write(dir.resolve("span.safetensors"),
                "{\"a\":{\"dtype\":\"F16\",\"shape\":[3],\"data_offsets\":[0,8]}}", new byte[8]),
                "tensor 'a' (F16, shape (3,)) needs 6 bytes");
    }

    @Test
    void otherFilesAreRecognisedAndRefused() throws IOException {
        Path legacy = Files.write(dir.resolve("old.pth"), new byte[] {(byte) 0x80, 2, (byte) 0x8a, 10, 0x6c});
        fails(legacy, "legacy format of torch.save before 1.6");
        fails(Files.write(dir.resolve("text.pth"), "hello, world".getBytes(StandardCharsets.US_ASCII)),
                "neither a PyTorch checkpoint (a torch.save zip archive) nor a safetensors file");
        fails(Files.write(dir.resolve("empty.bin"), new byte[0]), "empty file");
        Path zip = dir.resolve("other.zip");
        try (java.util.zip.ZipOutputStream z = new java.util.zip.ZipOutputStream(Files.newOutputStream(zip))) {
            z.putNextEntry(new java.util.zip.ZipEntry("readme.txt"));
            z.write('x');
            z.closeEntry();
        }
        fails(zip, "without <name>/data.pkl");
        NoSuchFileException e = assertThrows(NoSuchFileException.class,
                () -> StateDicts.load(Fixtures.tiny(), dir.resolve("absent.pth")));
        assertEquals(dir.resolve("absent.pth") + ": no such weights file", e.getMessage());
        fails(dir, "not a regular file");
    }

    private static int indexOf(byte[] hay, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= hay.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (hay[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }
}
