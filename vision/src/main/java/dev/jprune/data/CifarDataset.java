package dev.jprune.data;

import dev.jprune.io.ModelFormatException;
import dev.jprune.tensor.Shape;
import dev.jprune.tensor.Tensor;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;

/**
 * CIFAR-10 and CIFAR-100 in their binary version, as torchvision's {@code datasets.CIFAR10} / {@code CIFAR100}
 * with {@code transforms.ToTensor()}: each example is a {@code (3, 32, 32)} float tensor of {@code byte / 255}.
 *
 * <p>A batch file is a sequence of records: CIFAR-10's are 1 label byte and 3072 image bytes (the red, green and
 * blue 32×32 planes, row-major); CIFAR-100's are 2 label bytes (coarse, then fine) and the same 3072 bytes, and
 * the fine label (100 classes) is used. Several batch files (CIFAR-10's {@code data_batch_1.bin} to
 * {@code data_batch_5.bin}) are read in the order given into one dataset. Files may be gzip-compressed. The raw
 * bytes stay in memory (154 MB for the 50,000 training images) and are scaled on {@link #get(int)}.
 *
 * <pre>{@code
 * Path dir = Path.of("cifar-10-batches-bin");
 * List<Path> files = new ArrayList<>();
 * for (int b = 1; b <= 5; b++) files.add(dir.resolve("data_batch_" + b + ".bin"));
 * CifarDataset train = CifarDataset.cifar10(files);  // 50,000 examples
 * Example e = train.get(0);                          // image (3, 32, 32), label in [0, 10)
 * }</pre>
 */
public final class CifarDataset implements Dataset {

    /** The number of image bytes in a record: 3 planes of 32×32. */
    public static final int IMAGE_BYTES = 3 * 32 * 32;

    /** CIFAR-10's class names, as torchvision's {@code CIFAR10.classes}. */
    public static final List<String> CIFAR10_CLASSES = List.of("airplane", "automobile", "bird", "cat", "deer",
            "dog", "frog", "horse", "ship", "truck");

    private static final int CIFAR100_COARSE = 20;
    private static final int CIFAR100_FINE = 100;

    private final byte[] pixels;
    private final byte[] labels;
    private final List<String> classes;

    private CifarDataset(byte[] pixels, byte[] labels, List<String> classes) {
        this.pixels = pixels;
        this.labels = labels;
        this.classes = classes;
    }

    /**
     * Reads CIFAR-10 batch files (1 label byte per record) in the given order, with {@link #CIFAR10_CLASSES}.
     *
     * @throws java.nio.file.NoSuchFileException if a file does not exist
     * @throws ModelFormatException naming the file and record if a file is empty or truncated or a label is not
     *                              below 10
     * @throws IllegalArgumentException if {@code files} is empty
     */
    public static CifarDataset cifar10(List<Path> files) throws IOException {
        return read(files, false, CIFAR10_CLASSES);
    }

    /**
     * Reads CIFAR-100 batch files (coarse and fine label bytes per record) in the given order, keeping the fine
     * label; the classes are named by their index {@code "0"} to {@code "99"} (the names are in the archive's
     * {@code fine_label_names.txt}).
     *
     * @throws java.nio.file.NoSuchFileException if a file does not exist
     * @throws ModelFormatException naming the file and record if a file is empty or truncated, a coarse label is
     *                              not below 20 or a fine label not below 100
     * @throws IllegalArgumentException if {@code files} is empty
     */
    public static CifarDataset cifar100(List<Path> files) throws IOException {
        List<String> names = new ArrayList<>(CIFAR100_FINE);
        for (int i = 0; i < CIFAR100_FINE; i++) {
            names.add(Integer.toString(i));
        }
        return read(files, true, Collections.unmodifiableList(names));
    }

    private static CifarDataset read(List<Path> files, boolean hundred, List<String> classes) throws IOException {
        if (files.isEmpty()) {
            throw new IllegalArgumentException("files: expected at least one CIFAR batch file, got none");
        }
        int labelBytes = hundred ? 2 : 1;
        int recordBytes = labelBytes + IMAGE_BYTES;
        List<byte[]> contents = new ArrayList<>(files.size());
        long total = 0;
        for (Path file : files) {
            byte[] data = DataFiles.readAll(Objects.requireNonNull(file, "file"));
            if (data.length == 0) {
                throw new ModelFormatException(file, "empty: expected CIFAR records of " + recordBytes + " bytes");
            }
            if (data.length % recordBytes != 0) {
                throw new ModelFormatException(file, "truncated: record " + data.length / recordBytes + " has "
                        + data.length % recordBytes + " of its " + recordBytes + " bytes (the file holds "
                        + data.length + " bytes)");
            }
            int records = data.length / recordBytes;
            for (int r = 0; r < records; r++) {
                int at = r * recordBytes;
                if (hundred) {
                    checkLabel(file, r, "coarse label", data[at] & 0xff, CIFAR100_COARSE);
                    checkLabel(file, r, "fine label", data[at + 1] & 0xff, CIFAR100_FINE);
                } else {
                    checkLabel(file, r, "label", data[at] & 0xff, CIFAR10_CLASSES.size());
                }
            }
            contents.add(data);
            total += records;
        }
        if (total * IMAGE_BYTES > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("files: " + total + " CIFAR records exceed the "
                    + (Integer.MAX_VALUE - 8) / IMAGE_BYTES + " one dataset can hold");
        }
        byte[] pixels = new byte[(int) total * IMAGE_BYTES];
        byte[] labels = new byte[(int) total];
        int n = 0;
        for (byte[] data : contents) {
            for (int at = 0; at < data.length; at += recordBytes, n++) {
                labels[n] = data[at + labelBytes - 1];
                System.arraycopy(data, at + labelBytes, pixels, n * IMAGE_BYTES, IMAGE_BYTES);
            }
        }
        return new CifarDataset(pixels, labels, classes);
    }

    private static void checkLabel(Path file, int record, String what, int value, int limit) throws IOException {
        if (value >= limit) {
            throw new ModelFormatException(file, "record " + record + ": " + what + " " + value
                    + " is out of range: expected 0 to " + (limit - 1));
        }
    }

    @Override
    public int size() {
        return labels.length;
    }

    /** The example at {@code index}: a fresh {@code (3, 32, 32)} tensor of {@code byte / 255f} and its label. */
    @Override
    public Example get(int index) {
        Objects.checkIndex(index, labels.length);
        float[] out = new float[IMAGE_BYTES];
        int base = index * IMAGE_BYTES;
        for (int i = 0; i < IMAGE_BYTES; i++) {
            out[i] = (pixels[base + i] & 0xff) / 255f;
        }
        return new Example(Tensor.wrap(Shape.of(3, 32, 32), out), labels[index] & 0xff);
    }

    @Override
    public int label(int index) {
        Objects.checkIndex(index, labels.length);
        return labels[index] & 0xff;
    }

    @Override
    public List<String> classes() {
        return classes;
    }
}
