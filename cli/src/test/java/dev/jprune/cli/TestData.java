package dev.jprune.cli;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;
import java.util.zip.GZIPOutputStream;

/**
 * Small synthetic datasets for the data commands' tests, written into a test's temporary folder: gzip IDX files
 * (28×28 grey, 10 classes), CIFAR-10/100 binary batches (3×32×32) and PNG class folders. Pixels are seeded noise
 * plus a class-dependent brightness, so the classes are learnable.
 */
final class TestData {

    private TestData() {
    }

    /** The pixel of example {@code i} with label {@code label} at {@code p}: noise around a level set by the label. */
    static int pixel(SplittableRandom rng, int label, int classes) {
        int level = 20 + 200 * label / Math.max(1, classes - 1);
        return Math.max(0, Math.min(255, level + rng.nextInt(41) - 20));
    }

    /** Labels {@code i mod classes}. */
    static int label(int i, int classes) {
        return i % classes;
    }

    /** Writes {@code train-*} ({@code nTrain} examples) and {@code t10k-*} ({@code nTest}) gzip IDX files. */
    static Path idx(Path dir, int nTrain, int nTest) throws IOException {
        Files.createDirectories(dir);
        writeIdx(dir, "train", nTrain, 1);
        writeIdx(dir, "t10k", nTest, 2);
        return dir;
    }

    private static void writeIdx(Path dir, String prefix, int n, long seed) throws IOException {
        SplittableRandom rng = new SplittableRandom(seed);
        ByteBuffer img = ByteBuffer.allocate(16 + n * 28 * 28);
        img.putInt(0x00000803).putInt(n).putInt(28).putInt(28);
        ByteBuffer lab = ByteBuffer.allocate(8 + n);
        lab.putInt(0x00000801).putInt(n);
        for (int i = 0; i < n; i++) {
            int y = label(i, 10);
            lab.put((byte) y);
            for (int p = 0; p < 28 * 28; p++) {
                img.put((byte) pixel(rng, y, 10));
            }
        }
        gzip(dir.resolve(prefix + "-images-idx3-ubyte.gz"), img.array());
        gzip(dir.resolve(prefix + "-labels-idx1-ubyte.gz"), lab.array());
    }

    static void gzip(Path file, byte[] data) throws IOException {
        try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(file))) {
            out.write(data);
        }
    }

    /** CIFAR-10 records (1 label byte + 3072 pixel bytes), labels {@code i mod 10}. */
    static byte[] cifar10Records(int n, long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (int i = 0; i < n; i++) {
            int y = label(i, 10);
            out.write(y);
            for (int p = 0; p < 3072; p++) {
                out.write(pixel(rng, y, 10));
            }
        }
        return out.toByteArray();
    }

    /** {@code data_batch_1..5.bin} with {@code perBatch} records each and {@code test_batch.bin} with {@code nTest}. */
    static Path cifar10(Path dir, int perBatch, int nTest) throws IOException {
        Files.createDirectories(dir);
        for (int b = 1; b <= 5; b++) {
            Files.write(dir.resolve("data_batch_" + b + ".bin"), cifar10Records(perBatch, b));
        }
        Files.write(dir.resolve("test_batch.bin"), cifar10Records(nTest, 9));
        return dir;
    }

    /** CIFAR-100 {@code train.bin} and {@code test.bin}: coarse label {@code i mod 20}, fine label {@code i mod 100}. */
    static Path cifar100(Path dir, int nTrain, int nTest) throws IOException {
        Files.createDirectories(dir);
        for (String name : new String[] {"train.bin", "test.bin"}) {
            int n = name.equals("train.bin") ? nTrain : nTest;
            SplittableRandom rng = new SplittableRandom(n);
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            for (int i = 0; i < n; i++) {
                out.write(i % 20);
                out.write(i % 100);
                for (int p = 0; p < 3072; p++) {
                    out.write(pixel(rng, i % 100, 100));
                }
            }
            Files.write(dir.resolve(name), out.toByteArray());
        }
        return dir;
    }

    /** PNG images {@code root/CLASS/img_i.png} of {@code size}×{@code size} RGB, {@code perClass} per class. */
    static void pngClasses(Path root, String[] classes, int perClass, int size, long seed) throws IOException {
        SplittableRandom rng = new SplittableRandom(seed);
        for (int c = 0; c < classes.length; c++) {
            Path dir = Files.createDirectories(root.resolve(classes[c]));
            for (int i = 0; i < perClass; i++) {
                BufferedImage im = new BufferedImage(size, size, BufferedImage.TYPE_INT_RGB);
                for (int y = 0; y < size; y++) {
                    for (int x = 0; x < size; x++) {
                        int v = pixel(rng, c, classes.length);
                        im.setRGB(x, y, v << 16 | (255 - v) << 8 | v);
                    }
                }
                ImageIO.write(im, "png", dir.resolve("img_" + i + ".png").toFile());
            }
        }
    }

    /** An image folder with {@code train/} and {@code val/} splits of classes {@code a} and {@code b}. */
    static Path folder(Path dir, int perClass, int size) throws IOException {
        String[] classes = {"a", "b"};
        pngClasses(dir.resolve("train"), classes, perClass, size, 1);
        pngClasses(dir.resolve("val"), classes, perClass, size, 2);
        return dir;
    }
}
