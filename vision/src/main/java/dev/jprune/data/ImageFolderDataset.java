package dev.jprune.data;

import dev.jprune.io.ModelFormatException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileVisitOption;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * A folder of images with one sub-folder per class, as torchvision's {@code datasets.ImageFolder} with
 * {@code transforms.ToTensor()}:
 *
 * <pre>
 * root/cat/0001.jpg        label 0 ("cat")
 * root/cat/more/0002.png   label 0
 * root/dog/0003.jpeg       label 1 ("dog")
 * </pre>
 *
 * <p>The classes are the names of the sub-folders of {@code root}, sorted; a class's label is its index. The images
 * of a class are the files under its folder, at any depth (symbolic links followed), whose names end in
 * {@code .jpg}, {@code .jpeg}, {@code .png}, {@code .bmp} or {@code .gif} in any case; they are ordered as
 * torchvision orders them: folder by folder in sorted order of the folder path, and by file name within a folder.
 * (torchvision also accepts {@code .ppm .pgm .tif .tiff .webp} and not {@code .gif}.)
 *
 * <p>The file list is built by {@link #open}; images are decoded with {@code javax.imageio} on each
 * {@link #get(int)} (nothing is held in memory; of a multi-image file such as an animated GIF, the first image, as
 * PIL) into {@code (C, H, W)} tensors of {@code byte / 255f} at the file's own height and width, so images of
 * different sizes need a {@link Transforms#resize} or {@link Transforms#centerCrop} before batching. Three channels
 * is PIL's {@code convert("RGB")}, one channel its {@code convert("L")}:
 * {@code (19595 R + 38470 G + 7471 B + 0x8000) >> 16}, that is {@code (299 R + 587 G + 114 B) / 1000} rounded.
 * Grey, palette and alpha images are converted to the requested channels; alpha is dropped. Embedded ICC profiles
 * are ignored, as PIL ignores them (no colour management). The JDK's JPEG decoder matched Pillow 9.4
 * (libjpeg-turbo) exactly on the files tested (4:2:0 and 4:4:4 chroma, and 4:2:0 with an ICC profile); other
 * files may differ by a level in some pixels.
 *
 * <p>Safe to read from several threads.
 *
 * <pre>{@code
 * ImageFolderDataset train = ImageFolderDataset.open(Path.of("imagenette/train"));
 * Transform t = Transforms.compose(Transforms.resize(256), Transforms.centerCrop(224));
 * Example e = train.get(0);  // image (3, H, W) at the file's size; label in [0, classes().size())
 * }</pre>
 */
public final class ImageFolderDataset implements Dataset {

    /** The file name endings read as images (compared ignoring case). */
    public static final List<String> EXTENSIONS = List.of(".jpg", ".jpeg", ".png", ".bmp", ".gif");

    private final Path root;
    private final List<String> classes;
    private final Path[] files;
    private final int[] labels;
    private final int channels;

    private ImageFolderDataset(Path root, List<String> classes, Path[] files, int[] labels, int channels) {
        this.root = root;
        this.classes = classes;
        this.files = files;
        this.labels = labels;
        this.channels = channels;
    }

    /** As {@link #open(Path, int)} with three (RGB) channels. */
    public static ImageFolderDataset open(Path root) throws IOException {
        return open(root, 3);
    }

    /**
     * Lists the class folders of {@code root} and their image files; no image is decoded yet.
     *
     * @param root     the folder holding one sub-folder per class
     * @param channels 3 for RGB, 1 for grey (PIL's "L")
     * @throws NoSuchFileException  if {@code root} does not exist
     * @throws NotDirectoryException if {@code root} is not a directory
     * @throws ModelFormatException naming {@code root} if it has no sub-folders, or naming the class folders that
     *                              hold no image files (torchvision raises in both cases)
     * @throws IllegalArgumentException if {@code channels} is neither 1 nor 3
     */
    public static ImageFolderDataset open(Path root, int channels) throws IOException {
        Objects.requireNonNull(root, "root");
        if (channels != 1 && channels != 3) {
            throw new IllegalArgumentException("channels: expected 1 (grey) or 3 (RGB), got " + channels);
        }
        if (!Files.exists(root)) {
            throw new NoSuchFileException(root.toString(), null, "image folder root does not exist");
        }
        if (!Files.isDirectory(root)) {
            throw new NotDirectoryException(root + " (expected a folder with one sub-folder per class)");
        }
        List<String> names = new ArrayList<>();
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(root)) {
            for (Path entry : entries) {
                if (Files.isDirectory(entry)) {
                    names.add(entry.getFileName().toString());
                }
            }
        }
        if (names.isEmpty()) {
            throw new ModelFormatException(root, "no class folders: expected one sub-folder per class");
        }
        Collections.sort(names);
        List<Path> files = new ArrayList<>();
        List<Integer> labels = new ArrayList<>();
        List<String> empty = new ArrayList<>();
        for (int label = 0; label < names.size(); label++) {
            List<Path> found = imagesUnder(root.resolve(names.get(label)));
            if (found.isEmpty()) {
                empty.add(names.get(label));
            }
            for (Path f : found) {
                files.add(f);
                labels.add(label);
            }
        }
        if (!empty.isEmpty()) {
            throw new ModelFormatException(root, "no image files in the class folder" + (empty.size() > 1 ? "s " : " ")
                    + String.join(", ", empty) + ": expected files ending in " + String.join(" ", EXTENSIONS));
        }
        int[] lab = new int[labels.size()];
        for (int i = 0; i < lab.length; i++) {
            lab[i] = labels.get(i);
        }
        return new ImageFolderDataset(root, List.copyOf(names), files.toArray(new Path[0]), lab, channels);
    }

    /** The image files under {@code dir}, grouped by folder in sorted folder-path order, by name within a folder. */
    private static List<Path> imagesUnder(Path dir) throws IOException {
        Map<String, List<Path>> byFolder = new TreeMap<>();
        try (Stream<Path> walk = Files.walk(dir, FileVisitOption.FOLLOW_LINKS)) {
            walk.filter(p -> !Files.isDirectory(p) && isImageName(p.getFileName().toString()))
                    .forEach(p -> byFolder.computeIfAbsent(p.getParent().toString(), k -> new ArrayList<>()).add(p));
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
        List<Path> out = new ArrayList<>();
        for (List<Path> inFolder : byFolder.values()) {
            inFolder.sort((a, b) -> a.getFileName().toString().compareTo(b.getFileName().toString()));
            out.addAll(inFolder);
        }
        return out;
    }

    private static boolean isImageName(String name) {
        String lower = name.toLowerCase(Locale.ROOT);
        for (String ext : EXTENSIONS) {
            if (lower.endsWith(ext)) {
                return true;
            }
        }
        return false;
    }

    /** The folder this dataset was opened from. */
    public Path root() {
        return root;
    }

    /** The number of channels of every image: 1 or 3. */
    public int channels() {
        return channels;
    }

    /**
     * The image file of the example at {@code index}.
     *
     * @throws IndexOutOfBoundsException if {@code index} is not in {@code [0, size())}
     */
    public Path path(int index) {
        Objects.checkIndex(index, files.length);
        return files[index];
    }

    @Override
    public int size() {
        return files.length;
    }

    /**
     * Decodes the image at {@code index} into a fresh {@code (channels, H, W)} tensor of {@code byte / 255f}.
     *
     * @throws IndexOutOfBoundsException if {@code index} is not in {@code [0, size())}
     * @throws UncheckedIOException whose cause is a {@link ModelFormatException} naming the file if it is not an
     *                              image ImageIO can decode or is corrupt, or another {@link IOException} (for
     *                              instance {@link NoSuchFileException}) if it can no longer be read
     */
    @Override
    public Example get(int index) {
        Objects.checkIndex(index, files.length);
        try {
            return new Example(ImageDecoding.read(files[index], channels), labels[index]);
        } catch (IOException e) {
            throw new UncheckedIOException(e.getMessage(), e);
        }
    }

    @Override
    public int label(int index) {
        Objects.checkIndex(index, labels.length);
        return labels[index];
    }

    @Override
    public List<String> classes() {
        return classes;
    }
}
