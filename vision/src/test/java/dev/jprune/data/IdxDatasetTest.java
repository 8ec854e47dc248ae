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
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** IDX files written from known bytes; pixel values are compared exactly ({@code byte / 255f}, tolerance 0). */
class IdxDatasetTest {

    @TempDir
    Path dir;

    /** An IDX file: magic, big-endian dimensions, then {@code body}. */
    static byte[] idx(int magic, int[] dims, byte[] body) {
        ByteBuffer b = ByteBuffer.allocate(4 + 4 * dims.length + body.length);
        b.putInt(magic);
        for (int d : dims) {
            b.putInt(d);
        }
        b.put(body);
        return b.array();
    }

    /** {@code n} images of {@code h × w} whose pixel {@code k} of image {@code i} is {@code (i * 37 + k * 11) % 256}. */
    static byte[] pixels(int n, int h, int w) {
        byte[] p = new byte[n * h * w];
        for (int i = 0; i < n; i++) {
            for (int k = 0; k < h * w; k++) {
                p[i * h * w + k] = (byte) ((i * 37 + k * 11) % 256);
            }
        }
        return p;
    }

    Path write(String name, byte[] data) throws IOException {
        Path f = dir.resolve(name);
        Files.write(f, data);
        return f;
    }

    Path writeGz(String name, byte[] data) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (OutputStream out = new GZIPOutputStream(bytes)) {
            out.write(data);
        }
        return write(name, bytes.toByteArray());
    }

    @Test
    void readsShapesValuesLabelsAndCounts() throws IOException {
        int n = 7;
        int h = 3;
        int w = 5;
        byte[] labels = {3, 0, 9, 3, 1, 3, 0};
        Path img = write("img-idx3-ubyte", idx(0x803, new int[] {n, h, w}, pixels(n, h, w)));
        Path lab = write("lab-idx1-ubyte", idx(0x801, new int[] {n}, labels));
        IdxDataset ds = IdxDataset.open(img, lab);
        assertEquals(n, ds.size());
        assertEquals(h, ds.height());
        assertEquals(w, ds.width());
        assertEquals(IdxDataset.MNIST_CLASSES, ds.classes());
        for (int i = 0; i < n; i++) {
            Example e = ds.get(i);
            assertEquals(Shape.of(1, h, w), e.image().shape());
            assertEquals(labels[i], e.label());
            assertEquals(labels[i], ds.label(i));
            float[] v = e.image().data();
            for (int k = 0; k < h * w; k++) {
                float expected = ((i * 37 + k * 11) % 256) / 255f;
                assertEquals(expected, v[k], 0f, "image " + i + " pixel " + k);
            }
        }
        assertArrayEquals(new int[] {2, 1, 0, 3, 0, 0, 0, 0, 0, 1}, ds.classCounts());
    }

    @Test
    void extremesMapToZeroAndOne() throws IOException {
        byte[] body = {0, (byte) 255, (byte) 128, 1};
        Path img = write("img", idx(0x803, new int[] {1, 2, 2}, body));
        Path lab = write("lab", idx(0x801, new int[] {1}, new byte[] {5}));
        float[] v = IdxDataset.open(img, lab).get(0).image().data();
        assertArrayEquals(new float[] {0f, 1f, 128 / 255f, 1 / 255f}, v, 0f);
    }

    @Test
    void getReturnsAFreshTensor() throws IOException {
        Path img = write("img", idx(0x803, new int[] {1, 1, 2}, new byte[] {10, 20}));
        Path lab = write("lab", idx(0x801, new int[] {1}, new byte[] {0}));
        IdxDataset ds = IdxDataset.open(img, lab);
        ds.get(0).image().data()[0] = 42f;
        assertEquals(10 / 255f, ds.get(0).image().data()[0], 0f);
    }

    @Test
    void gzipAndPlainGiveTheSameExamples() throws IOException {
        int n = 4;
        byte[] images = idx(0x803, new int[] {n, 28, 28}, pixels(n, 28, 28));
        byte[] labels = idx(0x801, new int[] {n}, new byte[] {1, 2, 3, 4});
        IdxDataset plain = IdxDataset.open(write("i", images), write("l", labels));
        IdxDataset gz = IdxDataset.open(writeGz("i.gz", images), writeGz("l.gz", labels),
                IdxDataset.FASHION_MNIST_CLASSES);
        assertEquals(n, gz.size());
        assertEquals("Ankle boot", gz.classes().get(9));
        for (int i = 0; i < n; i++) {
            assertArrayEquals(plain.get(i).image().data(), gz.get(i).image().data(), 0f);
            assertEquals(plain.label(i), gz.label(i));
        }
        // a mixed pair (gzip images, plain labels) reads too: compression is told by content
        assertEquals(n, IdxDataset.open(dir.resolve("i.gz"), dir.resolve("l")).size());
    }

    @Test
    void badImagesMagicNamesTheFile() throws IOException {
        Path img = write("swapped", idx(0x801, new int[] {2}, new byte[] {0, 0}));
        Path lab = write("lab", idx(0x801, new int[] {2}, new byte[] {0, 0}));
        ModelFormatException e = assertThrows(ModelFormatException.class, () -> IdxDataset.open(img, lab));
        assertEquals(img, e.file());
        assertTrue(e.getMessage().contains("0x00000803") && e.getMessage().contains("0x00000801"),
                e.getMessage());
    }

    @Test
    void badLabelsMagicNamesTheFile() throws IOException {
        Path img = write("img", idx(0x803, new int[] {1, 1, 1}, new byte[] {0}));
        Path lab = write("lab", idx(0x0802, new int[] {1}, new byte[] {0}));
        ModelFormatException e = assertThrows(ModelFormatException.class, () -> IdxDataset.open(img, lab));
        assertEquals(lab, e.file());
        assertTrue(e.getMessage().startsWith(lab.toString()) && e.getMessage().contains("0x00000801"),
                e.getMessage());
    }

    @Test
    void truncatedImagesAndShortHeader() throws IOException {
        byte[] full = idx(0x803, new int[] {2, 2, 2}, pixels(2, 2, 2));
        Path img = write("img", Arrays.copyOf(full, full.length - 1));
        Path lab = write("lab", idx(0x801, new int[] {2}, new byte[] {0, 1}));
        ModelFormatException e = assertThrows(ModelFormatException.class, () -> IdxDataset.open(img, lab));
        assertEquals(img, e.file());
        assertTrue(e.getMessage().contains("truncated") && e.getMessage().contains("need 8")
                && e.getMessage().contains("holds 7"), e.getMessage());

        Path header = write("header", Arrays.copyOf(full, 10));
        ModelFormatException h = assertThrows(ModelFormatException.class, () -> IdxDataset.open(header, lab));
        assertTrue(h.getMessage().contains("expected 16 bytes, got 10"), h.getMessage());

        Path longer = write("longer", Arrays.copyOf(full, full.length + 3));
        ModelFormatException l = assertThrows(ModelFormatException.class, () -> IdxDataset.open(longer, lab));
        assertTrue(l.getMessage().contains("too long"), l.getMessage());
    }

    @Test
    void truncatedGzipNamesTheFile() throws IOException {
        Path whole = writeGz("whole.gz", idx(0x803, new int[] {3, 4, 4}, pixels(3, 4, 4)));
        byte[] gz = Files.readAllBytes(whole);
        Path img = write("cut.gz", Arrays.copyOf(gz, gz.length - 6));
        Path lab = write("lab", idx(0x801, new int[] {3}, new byte[] {0, 1, 2}));
        ModelFormatException e = assertThrows(ModelFormatException.class, () -> IdxDataset.open(img, lab));
        assertEquals(img, e.file());
        assertTrue(e.getMessage().contains("gzip"), e.getMessage());
    }

    @Test
    void countMismatchNamesBothFiles() throws IOException {
        Path img = write("img", idx(0x803, new int[] {3, 1, 1}, new byte[] {1, 2, 3}));
        Path lab = write("lab", idx(0x801, new int[] {2}, new byte[] {0, 1}));
        ModelFormatException e = assertThrows(ModelFormatException.class, () -> IdxDataset.open(img, lab));
        assertEquals(lab, e.file());
        assertTrue(e.getMessage().contains("2 labels") && e.getMessage().contains("3 images")
                && e.getMessage().contains(img.toString()), e.getMessage());
    }

    @Test
    void labelOutOfRange() throws IOException {
        Path img = write("img", idx(0x803, new int[] {3, 1, 1}, new byte[] {1, 2, 3}));
        Path lab = write("lab", idx(0x801, new int[] {3}, new byte[] {0, 10, 1}));
        ModelFormatException e = assertThrows(ModelFormatException.class, () -> IdxDataset.open(img, lab));
        assertEquals(lab, e.file());
        assertTrue(e.getMessage().contains("label 10 of example 1") && e.getMessage().contains("0 to 9"),
                e.getMessage());
        // with 11 class names the same file is valid
        List<String> eleven = List.of("a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k");
        assertEquals(10, IdxDataset.open(img, lab, eleven).label(1));
    }

    @Test
    void missingFile() throws IOException {
        Path lab = write("lab", idx(0x801, new int[] {1}, new byte[] {0}));
        Path absent = dir.resolve("absent-idx3-ubyte");
        NoSuchFileException e = assertThrows(NoSuchFileException.class, () -> IdxDataset.open(absent, lab));
        assertTrue(e.getMessage().contains("absent-idx3-ubyte"), e.getMessage());
    }

    @Test
    void indexOutOfRange() throws IOException {
        Path img = write("img", idx(0x803, new int[] {1, 1, 1}, new byte[] {1}));
        Path lab = write("lab", idx(0x801, new int[] {1}, new byte[] {0}));
        IdxDataset ds = IdxDataset.open(img, lab);
        assertThrows(IndexOutOfBoundsException.class, () -> ds.get(1));
        assertThrows(IndexOutOfBoundsException.class, () -> ds.label(-1));
    }
}
