package dev.jprune.cli;

import dev.jprune.data.CifarDataset;
import dev.jprune.data.DataLoader;
import dev.jprune.data.Dataset;
import dev.jprune.data.IdxDataset;
import dev.jprune.data.ImageFolderDataset;
import dev.jprune.data.Subset;
import dev.jprune.data.Transform;
import dev.jprune.data.Transforms;
import dev.jprune.io.ModelFormatException;
import dev.jprune.tensor.Shape;
import dev.jprune.tensor.Tensor;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * The dataset options shared by {@code eval}, {@code train}, {@code finetune} and {@code prune --calib DIR}:
 * {@code --data DIR} (the kind detected from the folder, or forced with {@code --dataset}), {@code --split}, the
 * torchvision-order transforms (pad, resize, crop, flip, normalise), {@code --batch}, {@code --limit} and
 * {@code --seed}.
 *
 * <p>Folder kinds: IDX (MNIST / Fashion-MNIST: {@code train-images-idx3-ubyte[.gz]} and its labels, {@code t10k-...}
 * for the test split), CIFAR-10 ({@code data_batch_1..5.bin}, {@code test_batch.bin}, also inside
 * {@code cifar-10-batches-bin/}), CIFAR-100 ({@code train.bin}, {@code test.bin}, also inside
 * {@code cifar-100-binary/}) and image folders ({@code DIR/train/CLASS/*.png} with {@code DIR/val/} or
 * {@code DIR/test/}, or {@code DIR/CLASS/*.png} as the only split). A missing or malformed file exits 3 naming it;
 * a bad flag exits 2 naming the flag.
 */
final class DataOptions {

    /** The valued options this class reads. */
    static final Set<String> VALUED = Set.of("data", "dataset", "split", "pad", "resize", "crop", "crop-padding",
            "mean", "std", "channels", "batch", "limit", "classes");
    /** The switches this class reads. */
    static final Set<String> SWITCHES = Set.of("flip");
    static final List<String> KINDS = List.of("idx", "cifar10", "cifar100", "folder");

    final Path dir;
    /** The option that named the folder ({@code --data}, or {@code --calib} for prune), for messages. */
    final String flag;
    final String kind;
    final String split;
    final int pad;
    final int resize;
    final int crop;
    final int cropPadding;
    final boolean flip;
    final float[] mean;
    final float[] std;
    final int channels;
    final int batch;
    final int limit;
    final long seed;
    final List<String> classNames;

    private DataOptions(Args a, String d, boolean training, String defaultSplit) {
        if (d == null) {
            throw CliException.usage("--data DIR is required (an IDX, CIFAR-10/100 or image-folder dataset folder)");
        }
        if (d.isBlank()) {
            throw CliException.usage("--data expects a dataset folder, got '" + d + "'");
        }
        dir = Path.of(d);
        flag = d.equals(a.get("data", null)) ? "--data" : "--calib";
        String forced = a.get("dataset", null);
        if (forced != null && !KINDS.contains(forced)) {
            throw CliException.usage("--dataset must be one of " + String.join(", ", KINDS) + ", got '" + forced + "'");
        }
        split = a.get("split", defaultSplit);
        if (!split.equals("train") && !split.equals("test")) {
            throw CliException.usage("--split must be train or test, got '" + split + "'");
        }
        pad = intAtLeast(a, "pad", 0, 0);
        resize = intAtLeast(a, "resize", 0, 1);
        crop = intAtLeast(a, "crop", 0, 1);
        cropPadding = intAtLeast(a, "crop-padding", 0, 0);
        if (cropPadding > 0 && crop == 0) {
            throw CliException.usage("--crop-padding needs --crop N (the random crop's size)");
        }
        flip = a.flag("flip");
        if (!training && (flip || cropPadding > 0)) {
            throw CliException.usage((flip ? "--flip" : "--crop-padding") + " is a training augmentation;"
                    + " evaluation uses deterministic transforms");
        }
        String m = a.get("mean", null);
        String s = a.get("std", null);
        if ((m == null) != (s == null)) {
            throw CliException.usage("--mean and --std go together: give both or neither");
        }
        mean = m == null ? null : floats("mean", m, false);
        std = s == null ? null : floats("std", s, true);
        if (mean != null && mean.length != std.length) {
            throw CliException.usage("--mean has " + mean.length + " values but --std has " + std.length);
        }
        if (mean != null && mean.length != 1 && mean.length != 3) {
            throw CliException.usage("--mean and --std expect 1 or 3 values, got " + mean.length);
        }
        String ch = a.get("channels", null);
        if (ch != null && !ch.equals("1") && !ch.equals("3")) {
            throw CliException.usage("--channels must be 1 or 3, got '" + ch + "'");
        }
        int chosen = ch == null ? 0 : Integer.parseInt(ch);
        batch = intAtLeast(a, "batch", training ? 128 : 256, 1);
        limit = intAtLeast(a, "limit", 0, 1);
        seed = a.getLong("seed", 0);
        String cls = a.get("classes", null);
        List<String> names = null;
        if (cls != null) {
            names = Arrays.stream(cls.split(",")).map(String::trim).collect(Collectors.toList());
            if (names.size() < 2 || names.stream().anyMatch(String::isEmpty)) {
                throw CliException.usage("--classes expects at least two non-empty names separated by commas, got '"
                        + cls + "'");
            }
        }
        if (!Files.isDirectory(dir)) {
            throw new CliException(CliException.BAD_INPUT, flag + " " + dir + (Files.exists(dir)
                    ? " is a file, not a dataset folder" : " does not exist"));
        }
        kind = forced != null ? forced : detect(dir, flag);
        if (names != null && !kind.equals("idx")) {
            throw CliException.usage("--classes names the classes of IDX datasets; a " + kind
                    + " dataset has its own");
        }
        if (chosen != 0 && !kind.equals("folder")) {
            throw CliException.usage("--channels applies to image folders; " + kind + " data has "
                    + (kind.equals("idx") ? 1 : 3) + " channel(s)");
        }
        channels = kind.equals("folder") ? (chosen == 0 ? 3 : chosen) : kind.equals("idx") ? 1 : 3;
        if (mean != null && mean.length != 1 && mean.length != channels) {
            throw CliException.usage("--mean and --std have " + mean.length + " values but the " + kind + " images have "
                    + channels + " channel(s)");
        }
        classNames = names;
    }

    /** Reads the data options of a command; {@code training} allows the random augmentations. */
    static DataOptions parse(Args a, boolean training, String defaultSplit) {
        return new DataOptions(a, a.get("data", null), training, defaultSplit);
    }

    /** As {@link #parse(Args, boolean, String)} for the folder {@code dir} given by another option. */
    static DataOptions parse(Args a, String dir, boolean training, String defaultSplit) {
        return new DataOptions(a, dir, training, defaultSplit);
    }

    /** Whether any data option was given (for commands where data is optional). */
    static boolean any(Args a) {
        for (String o : VALUED) {
            if (a.get(o, null) != null) {
                return true;
            }
        }
        return a.flag("flip");
    }

    /** The dataset kind of folder {@code dir}; exit 3 listing what was expected when it is none of them. */
    static String detect(Path dir) {
        return detect(dir, "--data");
    }

    /** As {@link #detect(Path)}, naming the folder's option {@code flag} in messages. */
    static String detect(Path dir, String flag) {
        if (Stream.of("train-images-idx3-ubyte", "t10k-images-idx3-ubyte").anyMatch(f -> exists(dir, f))) {
            return "idx";
        }
        if (exists(dir, "data_batch_1.bin") || exists(dir, "test_batch.bin")
                || Files.isDirectory(dir.resolve("cifar-10-batches-bin"))) {
            return "cifar10";
        }
        if (exists(dir, "train.bin") || exists(dir, "test.bin") || Files.isDirectory(dir.resolve("cifar-100-binary"))) {
            return "cifar100";
        }
        if (hasSubfolders(dir, flag)) {
            return "folder";
        }
        throw new CliException(CliException.BAD_INPUT, flag + " " + dir + " is not a dataset folder: expected IDX files"
                + " (train-images-idx3-ubyte[.gz], ...), CIFAR-10 (data_batch_1.bin ... test_batch.bin), CIFAR-100"
                + " (train.bin, test.bin) or image class folders (train/CLASS/*.png); --dataset forces the kind");
    }

    private static boolean exists(Path dir, String name) {
        return Files.isRegularFile(dir.resolve(name)) || Files.isRegularFile(dir.resolve(name + ".gz"));
    }

    private static boolean hasSubfolders(Path dir, String flag) {
        try (Stream<Path> s = Files.list(dir)) {
            return s.anyMatch(Files::isDirectory);
        } catch (IOException e) {
            throw new CliException(CliException.BAD_INPUT, "cannot list " + flag + " " + dir + ": " + e.getMessage(), e);
        }
    }

    /** The examples of {@code which} split ({@code train} or {@code test}), the first {@code --limit} of them. */
    Dataset open(String which) {
        Dataset ds;
        try {
            ds = read(which);
        } catch (NoSuchFileException e) {
            throw new CliException(CliException.BAD_INPUT, "dataset file " + e.getFile() + " does not exist"
                    + " (" + flag + " " + dir + ", " + kind + ", split " + which + ")", e);
        } catch (ModelFormatException e) {
            throw new CliException(CliException.BAD_INPUT, e.getMessage(), e);
        } catch (IOException | UncheckedIOException e) {
            throw new CliException(CliException.BAD_INPUT, "cannot read " + flag + " " + dir + ": " + e.getMessage(), e);
        }
        if (ds.size() == 0) {
            throw new CliException(CliException.BAD_INPUT, flag + " " + dir + ": the " + which + " split is empty");
        }
        return limit > 0 ? Subset.first(ds, limit) : ds;
    }

    private Dataset read(String which) throws IOException {
        boolean train = which.equals("train");
        switch (kind) {
            case "idx": {
                String prefix = train ? "train" : "t10k";
                Path images = plainOrGz(prefix + "-images-idx3-ubyte");
                Path labels = plainOrGz(prefix + "-labels-idx1-ubyte");
                List<String> names = classNames != null ? classNames
                        : dir.toAbsolutePath().normalize().toString().toLowerCase(Locale.ROOT).contains("fashion")
                        ? IdxDataset.FASHION_MNIST_CLASSES : IdxDataset.MNIST_CLASSES;
                return IdxDataset.open(images, labels, names);
            }
            case "cifar10": {
                Path base = Files.isDirectory(dir.resolve("cifar-10-batches-bin")) ? dir.resolve("cifar-10-batches-bin") : dir;
                List<Path> files = new ArrayList<>();
                if (train) {
                    for (int i = 1; i <= 5; i++) {
                        files.add(base.resolve("data_batch_" + i + ".bin"));
                    }
                } else {
                    files.add(base.resolve("test_batch.bin"));
                }
                return CifarDataset.cifar10(files);
            }
            case "cifar100": {
                Path base = Files.isDirectory(dir.resolve("cifar-100-binary")) ? dir.resolve("cifar-100-binary") : dir;
                return CifarDataset.cifar100(List.of(base.resolve(train ? "train.bin" : "test.bin")));
            }
            default:
                return ImageFolderDataset.open(folderSplit(train), channels);
        }
    }

    /** {@code DIR/train}, {@code DIR/val} or {@code DIR/test}; DIR itself when it has none of them. */
    private Path folderSplit(boolean train) throws NoSuchFileException {
        boolean splits = Stream.of("train", "val", "test").anyMatch(s -> Files.isDirectory(dir.resolve(s)));
        if (!splits) {
            return dir;
        }
        if (train) {
            return dir.resolve("train");
        }
        if (Files.isDirectory(dir.resolve("val"))) {
            return dir.resolve("val");
        }
        return dir.resolve("test");
    }

    private Path plainOrGz(String name) {
        Path gz = dir.resolve(name + ".gz");
        return Files.exists(gz) ? gz : dir.resolve(name);
    }

    /** The transforms both pipelines start with: {@code --pad}, then {@code --resize}. */
    private List<Transform> padAndResize() {
        List<Transform> t = new ArrayList<>();
        if (pad > 0) {
            t.add(Transforms.pad(pad));
        }
        if (resize > 0) {
            t.add(Transforms.resize(resize));
        }
        return t;
    }

    /** The deterministic transform: pad, resize, centre crop, normalise. */
    Transform evalTransform() {
        List<Transform> t = padAndResize();
        if (crop > 0) {
            t.add(Transforms.centerCrop(crop));
        }
        normalize(t);
        return Transforms.compose(t.toArray(new Transform[0]));
    }

    /** The training transform: pad, resize, random crop (with {@code --crop-padding}), flip, normalise. */
    Transform trainTransform() {
        List<Transform> t = padAndResize();
        if (crop > 0) {
            t.add(Transforms.randomCrop(crop, cropPadding));
        }
        if (flip) {
            t.add(Transforms.randomHorizontalFlip(0.5));
        }
        normalize(t);
        return Transforms.compose(t.toArray(new Transform[0]));
    }

    private void normalize(List<Transform> t) {
        if (mean == null) {
            return;
        }
        float[] m = mean;
        float[] s = std;
        if (m.length == 1 && channels > 1) {
            m = new float[channels];
            s = new float[channels];
            Arrays.fill(m, mean[0]);
            Arrays.fill(s, std[0]);
        }
        t.add(Transforms.normalize(m, s));
    }

    /** A loader over {@code ds} for evaluation: in order, deterministic transforms, every example. */
    DataLoader evalLoader(Dataset ds) {
        return DataLoader.builder(ds).batchSize(batch).transform(evalTransform()).build();
    }

    /**
     * A loader over {@code ds} for training: shuffled by {@code --seed}, random augmentations, the last partial
     * batch dropped when there is at least one full batch (as Torch-Pruning's CIFAR loaders).
     */
    DataLoader trainLoader(Dataset ds) {
        return DataLoader.builder(ds).batchSize(batch).shuffle(true).dropLast(ds.size() >= batch).seed(seed)
                .transform(trainTransform()).build();
    }

    /** The {@code (C, H, W)} of an example after the deterministic transforms (the model's input shape). */
    Shape sampleShape(Dataset ds) {
        Tensor x;
        try {
            x = evalTransform().apply(ds.get(0).image(), new SplittableRandom(seed));
        } catch (UncheckedIOException e) {
            throw new CliException(CliException.BAD_INPUT, "cannot read " + flag + " " + dir + ": " + e.getMessage(), e);
        }
        return x.shape();
    }

    /**
     * Loads {@code model} for dataset {@code ds}: a zoo model gets {@code --input 1,C,H,W} from the data when none is
     * given and the dataset's class count; then the model's input channels, height and width and its class count
     * must fit the data (exit 2 naming both numbers).
     */
    ModelLoader.Loaded loadModel(String model, String inputSpec, String weights, String fillMissing, Dataset ds) {
        Shape chw = sampleShape(ds);
        int classes = ds.classes().size();
        String spec = inputSpec;
        if (spec == null && !ModelLoader.isOnnx(model)) {
            spec = "1," + chw.dim(0) + "," + chw.dim(1) + "," + chw.dim(2);
        }
        ModelLoader.Loaded m = ModelLoader.load(model, spec, weights, seed, fillMissing, classes);
        Shape in = m.input();
        if (in.rank() != 4) {
            throw new CliException(CliException.UNSUPPORTED, model + " takes a rank-" + in.rank() + " input " + in
                    + "; datasets give (N, C, H, W) images");
        }
        if (in.dim(1) != chw.dim(0)) {
            throw CliException.usage(model + " takes " + in.dim(1) + " input channel(s) but the " + kind + " data at "
                    + dir + " has " + chw.dim(0) + (kind.equals("folder") ? " (--channels 1|3 converts)" : ""));
        }
        if (in.dim(2) != chw.dim(1) || in.dim(3) != chw.dim(2)) {
            throw CliException.usage(model + " takes " + in.dim(2) + "x" + in.dim(3) + " images but the data gives "
                    + chw.dim(1) + "x" + chw.dim(2) + " after its transforms (--pad, --resize, --crop change it)");
        }
        Shape out = m.graph().outputs().get(0).shape();
        int modelClasses = out.rank() >= 2 ? out.dim(1) : out.dim(0);
        if (modelClasses != classes) {
            throw CliException.usage(model + " has " + modelClasses + " classes but the " + kind + " data at " + dir
                    + " has " + classes);
        }
        return m;
    }

    /** What the data is, for outputs and reports. */
    Map<String, Object> toJson() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("dir", dir.toString());
        m.put("dataset", kind);
        m.put("pad", pad);
        m.put("resize", resize);
        m.put("crop", crop);
        m.put("crop_padding", cropPadding);
        m.put("flip", flip);
        m.put("mean", mean == null ? null : list(mean));
        m.put("std", std == null ? null : list(std));
        m.put("channels", channels);
        m.put("batch", batch);
        m.put("limit", limit);
        m.put("seed", seed);
        return m;
    }

    private static List<Object> list(float[] v) {
        List<Object> l = new ArrayList<>();
        for (float f : v) {
            l.add(Double.parseDouble(Float.toString(f))); // 0.286, not 0.28600001335144043
        }
        return l;
    }

    private static int intAtLeast(Args a, String option, int fallback, int min) {
        if (a.get(option, null) == null) {
            return fallback;
        }
        long v = a.getLong(option, fallback);
        if (v < min || v > Integer.MAX_VALUE) {
            throw CliException.usage("--" + option + " must be an integer >= " + min + ", got " + a.get(option, null));
        }
        return (int) v;
    }

    private static float[] floats(String option, String spec, boolean positive) {
        String[] parts = spec.split(",");
        float[] v = new float[parts.length];
        for (int i = 0; i < parts.length; i++) {
            try {
                v[i] = Float.parseFloat(parts[i].trim());
            } catch (NumberFormatException e) {
                throw CliException.usage("--" + option + " expects numbers separated by commas, got '" + spec + "'");
            }
            if (!Float.isFinite(v[i]) || positive && v[i] <= 0) {
                throw CliException.usage("--" + option + " values must be finite" + (positive ? " and positive" : "")
                        + ", got '" + spec + "'");
            }
        }
        return v;
    }
}
