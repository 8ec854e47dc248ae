package dev.jprune.data;

import dev.jprune.io.ModelFormatException;
import dev.jprune.tensor.Shape;
import dev.jprune.tensor.Tensor;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * MNIST and Fashion-MNIST in their IDX files, as torchvision's {@code datasets.MNIST} / {@code FashionMNIST}
 * with {@code transforms.ToTensor()}: each example is a {@code (1, H, W)} float tensor of {@code pixel / 255}.
 *
 * <p>The images file holds the magic number {@code 0x00000803} (unsigned bytes, three dimensions), the
 * big-endian counts {@code N, H, W} and {@code N·H·W} pixel bytes; the labels file holds {@code 0x00000801},
 * {@code N} and {@code N} label bytes. Either may be gzip-compressed (as downloaded, {@code .gz}); compression is
 * told by content. The raw bytes stay in memory (47 MB for the 60,000 training images) and are scaled on
 * {@link #get(int)}.
 *
 * <pre>{@code
 * Path dir = Path.of("/usr/share/fashion-mnist");   // illustrative
 * IdxDataset test = IdxDataset.open(dir.resolve("t10k-images-idx3-ubyte.gz"),
 *         dir.resolve("t10k-labels-idx1-ubyte.gz"), IdxDataset.FASHION_MNIST_CLASSES);
 * Example e = test.get(0);                           // image (1, 28, 28), label in [0, 10)
 * }</pre>
 */
public final class IdxDataset implements Dataset {

    /** The magic number of an IDX file of unsigned bytes with three dimensions (images). */
    public static final int IMAGES_MAGIC = 0x00000803;

    /** The magic number of an IDX file of unsigned bytes with one dimension (labels). */
    public static final int LABELS_MAGIC = 0x00000801;

    /** MNIST's class names: the digits "0" to "9". */
    public static final List<String> MNIST_CLASSES = List.of("0", "1", "2", "3", "4", "5", "6", "7", "8", "9");

    /** Fashion-MNIST's class names, as torchvision's {@code FashionMNIST.classes}. */
    public static final List<String> FASHION_MNIST_CLASSES = List.of("T-shirt/top", "Trouser", "Pullover", "Dress",
            "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot");

    private final byte[] pixels;
    private final int pixelsOffset;
    private final byte[] labels;
    private final int labelsOffset;
    private final int size;
    private final int height;
    private final int width;
    private final List<String> classes;

    private IdxDataset(byte[] pixels, int pixelsOffset, byte[] labels, int labelsOffset, int size, int height,
            int width, List<String> classes) {
        this.pixels = pixels;
        this.pixelsOffset = pixelsOffset;
        this.labels = labels;
        this.labelsOffset = labelsOffset;
        this.size = size;
        this.height = height;
        this.width = width;
        this.classes = classes;
    }

    /** As {@link #open(Path, Path, List)} with {@link #MNIST_CLASSES}. */
    public static IdxDataset open(Path images, Path labels) throws IOException {
        return open(images, labels, MNIST_CLASSES);
    }

    /**
     * Reads an images and a labels IDX file, plain or gzip-compressed.
     *
     * @param images  the images file ({@code *-images-idx3-ubyte[.gz]})
     * @param labels  the labels file ({@code *-labels-idx1-ubyte[.gz]})
     * @param classes the class names, indexed by label; every label must be below its size
     * @throws java.nio.file.NoSuchFileException if a file does not exist
     * @throws ModelFormatException naming the file if a magic number is wrong, a file is truncated or longer than
     *                              its header says, the two counts differ or a label is out of range
     * @throws IllegalArgumentException if {@code classes} is empty
     */
    public static IdxDataset open(Path images, Path labels, List<String> classes) throws IOException {
        Objects.requireNonNull(images, "images");
        Objects.requireNonNull(labels, "labels");
        List<String> names = List.copyOf(classes);
        if (names.isEmpty()) {
            throw new IllegalArgumentException("classes: expected at least one class name, got none");
        }
        byte[] img = DataFiles.readAll(images);
        int[] imgDims = header(images, img, IMAGES_MAGIC, 3, "images");
        byte[] lab = DataFiles.readAll(labels);
        int[] labDims = header(labels, lab, LABELS_MAGIC, 1, "labels");
        if (imgDims[0] != labDims[0]) {
            throw new ModelFormatException(labels, "holds " + labDims[0] + " labels but the images file " + images
                    + " holds " + imgDims[0] + " images");
        }
        int labOffset = 8;
        for (int i = 0; i < labDims[0]; i++) {
            int label = lab[labOffset + i] & 0xff;
            if (label >= names.size()) {
                throw new ModelFormatException(labels, "label " + label + " of example " + i
                        + " is out of range: expected 0 to " + (names.size() - 1));
            }
        }
        return new IdxDataset(img, 16, lab, labOffset, imgDims[0], imgDims[1], imgDims[2], names);
    }

    /** Checks the magic number and that the data length matches the dimensions; returns the dimensions. */
    private static int[] header(Path file, byte[] data, int magic, int rank, String what) throws IOException {
        int headerBytes = 4 + 4 * rank;
        if (data.length >= 4) {
            int actual = DataFiles.readInt(data, 0);
            if (actual != magic) {
                throw new ModelFormatException(file, String.format(
                        "not an IDX %s file: expected magic number 0x%08x, got 0x%08x", what, magic, actual));
            }
        }
        if (data.length < headerBytes) {
            throw new ModelFormatException(file, "truncated IDX " + what + " header: expected " + headerBytes
                    + " bytes, got " + data.length);
        }
        int[] dims = new int[rank];
        long expected = 1;
        for (int d = 0; d < rank; d++) {
            dims[d] = DataFiles.readInt(data, 4 + 4 * d);
            if (dims[d] < 0 || d > 0 && dims[d] == 0) {
                throw new ModelFormatException(file, "IDX " + what + " dimension " + d + " is " + dims[d]);
            }
            expected *= dims[d];
        }
        long body = data.length - headerBytes;
        if (body != expected) {
            throw new ModelFormatException(file, (body < expected ? "truncated" : "too long") + ": the header's "
                    + what + " dimensions " + Arrays.toString(dims) + " need " + expected
                    + " data bytes, the file holds " + body);
        }
        return dims;
    }

    @Override
    public int size() {
        return size;
    }

    /** The image height {@code H}. */
    public int height() {
        return height;
    }

    /** The image width {@code W}. */
    public int width() {
        return width;
    }

    /** The example at {@code index}: a fresh {@code (1, H, W)} tensor of {@code pixel / 255f} and its label. */
    @Override
    public Example get(int index) {
        Objects.checkIndex(index, size);
        int n = height * width;
        float[] out = new float[n];
        int base = pixelsOffset + index * n;
        for (int i = 0; i < n; i++) {
            out[i] = (pixels[base + i] & 0xff) / 255f;
        }
        return new Example(Tensor.wrap(Shape.of(1, height, width), out), label(index));
    }

    @Override
    public int label(int index) {
        Objects.checkIndex(index, size);
        return labels[labelsOffset + index] & 0xff;
    }

    @Override
    public List<String> classes() {
        return classes;
    }
}
