package dev.jprune.data;

import java.util.List;

/**
 * A finite, indexable set of labelled images, as PyTorch's map-style {@code torch.utils.data.Dataset}.
 *
 * <p>Implementations keep their raw bytes in memory and build each image tensor on {@link #get(int)}, so an
 * example is a fresh tensor the caller may change. They are safe to read from several threads.
 *
 * <pre>{@code
 * Dataset train = IdxDataset.open(Path.of("train-images-idx3-ubyte.gz"), Path.of("train-labels-idx1-ubyte.gz"),
 *         IdxDataset.FASHION_MNIST_CLASSES);
 * Example e = train.get(0);            // e.image(): (1, 28, 28) in [0, 1]; e.label(): 9 ("Ankle boot")
 * int[] perClass = train.classCounts(); // 6000 each for Fashion-MNIST's training set
 * }</pre>
 */
public interface Dataset {

    /** The number of examples. */
    int size();

    /**
     * The example at {@code index}: a fresh {@code (C, H, W)} float tensor and its label.
     *
     * @throws IndexOutOfBoundsException if {@code index} is not in {@code [0, size())}
     */
    Example get(int index);

    /**
     * The label of the example at {@code index}, without building its image.
     *
     * @throws IndexOutOfBoundsException if {@code index} is not in {@code [0, size())}
     */
    int label(int index);

    /** The class names, indexed by label; an unmodifiable list. */
    List<String> classes();

    /** How many examples each class has, indexed by label: an array of {@code classes().size()} counts. */
    default int[] classCounts() {
        int[] counts = new int[classes().size()];
        for (int i = 0; i < size(); i++) {
            counts[label(i)]++;
        }
        return counts;
    }
}
