package dev.jprune.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jprune.io.ModelFormatException;
import dev.jprune.tensor.Shape;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** CIFAR batch files written from known bytes; pixel values are compared exactly ({@code byte / 255f}, tolerance 0). */
class CifarDatasetTest {

    @TempDir
    Path dir;

    /** Image byte {@code k} of the record with global index {@code r}. */
    static int pixel(int r, int k) {
        return (r * 101 + k * 7 + k / 1024) % 256;
    }

    /** Records with the given label bytes (1 or 2 per record); record {@code i} holds image {@code first + i}. */
    static byte[] records(int first, int labelBytes, int... labels) {
        int n = labels.length / labelBytes;
        int size = labelBytes + 3072;
        byte[] out = new byte[n * size];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < labelBytes; j++) {
                out[i * size + j] = (byte) labels[i * labelBytes + j];
            }
            for (int k = 0; k < 3072; k++) {
                out[i * size + labelBytes + k] = (byte) pixel(first + i, k);
            }
        }
        return out;
    }

    Path write(String name, byte[] data) throws IOException {
        Path f = dir.resolve(name);
        Files.write(f, data);
        return f;
    }

    @Test
    void cifar10FromTwoBatchesInOrder() throws IOException {
        Path a = write("data_batch_1.bin", records(0, 1, 6, 9, 9));
        Path b = write("data_batch_2.bin", records(3, 1, 4, 1));
        CifarDataset ds = CifarDataset.cifar10(List.of(a, b));
        assertEquals(5, ds.size());
        assertEquals("airplane", ds.classes().get(0));
        assertEquals("truck", ds.classes().get(9));
        int[] labels = {6, 9, 9, 4, 1};
        for (int r = 0; r < 5; r++) {
            Example e = ds.get(r);
            assertEquals(Shape.of(3, 32, 32), e.image().shape());
            assertEquals(labels[r], e.label());
            assertEquals(labels[r], ds.label(r));
            float[] v = e.image().data();
            for (int k = 0; k < 3072; k++) {
                assertEquals(pixel(r, k) / 255f, v[k], 0f, "record " + r + " byte " + k);
            }
        }
        // planar layout: channel c, row y, column x is image byte c*1024 + y*32 + x
        assertEquals(pixel(2, 2 * 1024 + 5 * 32 + 7) / 255f, ds.get(2).image().data()[2 * 1024 + 5 * 32 + 7], 0f);
        assertArrayEquals(new int[] {0, 1, 0, 0, 1, 0, 1, 0, 0, 2}, ds.classCounts());
    }

    @Test
    void cifar100UsesTheFineLabel() throws IOException {
        Path f = write("train.bin", records(0, 2, 19, 99, 0, 42, 7, 0));
        CifarDataset ds = CifarDataset.cifar100(List.of(f));
        assertEquals(3, ds.size());
        assertEquals(100, ds.classes().size());
        assertEquals(99, ds.label(0));
        assertEquals(42, ds.get(1).label());
        assertEquals(0, ds.label(2));
        assertEquals(pixel(1, 3000) / 255f, ds.get(1).image().data()[3000], 0f);
        int[] counts = ds.classCounts();
        assertEquals(100, counts.length);
        assertEquals(1, counts[99]);
        assertEquals(1, counts[42]);
        assertEquals(1, counts[0]);
        assertEquals(3, Arrays.stream(counts).sum());
    }

    @Test
    void gzipBatchReadsLikePlain() throws IOException {
        byte[] data = records(0, 1, 3, 5);
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (OutputStream out = new GZIPOutputStream(bytes)) {
            out.write(data);
        }
        CifarDataset plain = CifarDataset.cifar10(List.of(write("b.bin", data)));
        CifarDataset gz = CifarDataset.cifar10(List.of(write("b.bin.gz", bytes.toByteArray())));
        assertEquals(2, gz.size());
        for (int r = 0; r < 2; r++) {
            assertArrayEquals(plain.get(r).image().data(), gz.get(r).image().data(), 0f);
            assertEquals(plain.label(r), gz.label(r));
        }
    }

    @Test
    void truncatedFileNamesFileAndRecord() throws IOException {
        byte[] full = records(0, 1, 1, 2, 3);
        Path ok = write("data_batch_1.bin", full);
        Path cut = write("data_batch_2.bin", Arrays.copyOf(full, full.length - 100));
        ModelFormatException e = assertThrows(ModelFormatException.class,
                () -> CifarDataset.cifar10(List.of(ok, cut)));
        assertEquals(cut, e.file());
        assertTrue(e.getMessage().contains("truncated") && e.getMessage().contains("record 2")
                && e.getMessage().contains("2973 of its 3073"), e.getMessage());
    }

    @Test
    void cifar100FileReadAsCifar10IsRefused() throws IOException {
        // two 3074-byte records are 6148 bytes: not a whole number of 3073-byte records
        Path f = write("test.bin", records(0, 2, 1, 2, 3, 4));
        ModelFormatException e = assertThrows(ModelFormatException.class, () -> CifarDataset.cifar10(List.of(f)));
        assertEquals(f, e.file());
        assertTrue(e.getMessage().contains("record 2"), e.getMessage());
    }

    @Test
    void emptyFile() throws IOException {
        Path f = write("empty.bin", new byte[0]);
        ModelFormatException e = assertThrows(ModelFormatException.class, () -> CifarDataset.cifar10(List.of(f)));
        assertTrue(e.getMessage().startsWith(f.toString()) && e.getMessage().contains("empty"), e.getMessage());
    }

    @Test
    void labelOutOfRangeNamesFileAndRecord() throws IOException {
        Path f = write("b.bin", records(0, 1, 0, 9, 10));
        ModelFormatException e = assertThrows(ModelFormatException.class, () -> CifarDataset.cifar10(List.of(f)));
        assertEquals(f, e.file());
        assertTrue(e.getMessage().contains("record 2: label 10") && e.getMessage().contains("0 to 9"),
                e.getMessage());

        Path fine = write("fine.bin", records(0, 2, 0, 0, 3, 100));
        ModelFormatException ef = assertThrows(ModelFormatException.class,
                () -> CifarDataset.cifar100(List.of(fine)));
        assertTrue(ef.getMessage().contains("record 1: fine label 100") && ef.getMessage().contains("0 to 99"),
                ef.getMessage());

        Path coarse = write("coarse.bin", records(0, 2, 20, 0));
        ModelFormatException ec = assertThrows(ModelFormatException.class,
                () -> CifarDataset.cifar100(List.of(coarse)));
        assertTrue(ec.getMessage().contains("record 0: coarse label 20") && ec.getMessage().contains("0 to 19"),
                ec.getMessage());
    }

    @Test
    void missingFileAndNoFiles() throws IOException {
        Path ok = write("data_batch_1.bin", records(0, 1, 1));
        Path absent = dir.resolve("data_batch_9.bin");
        NoSuchFileException e = assertThrows(NoSuchFileException.class,
                () -> CifarDataset.cifar10(List.of(ok, absent)));
        assertTrue(e.getMessage().contains("data_batch_9.bin"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> CifarDataset.cifar10(List.of()));
    }

    @Test
    void indexOutOfRange() throws IOException {
        CifarDataset ds = CifarDataset.cifar10(List.of(write("b.bin", records(0, 1, 1))));
        assertThrows(IndexOutOfBoundsException.class, () -> ds.get(1));
        assertThrows(IndexOutOfBoundsException.class, () -> ds.label(-1));
    }
}
