package dev.jprune.io.weights.internal;

import dev.jprune.io.ModelFormatException;
import dev.jprune.tensor.Shape;

import java.nio.file.Path;
import java.util.Arrays;

/** Checks that a shape read from a file fits jprune's tensors (int dimensions, fewer than 2^31 elements). */
final class Sizes {

    private Sizes() {
    }

    static Shape shape(Path file, String key, long[] dims) throws ModelFormatException {
        int[] out = new int[dims.length];
        long numel = 1;
        for (int i = 0; i < dims.length; i++) {
            if (dims[i] < 0 || dims[i] > Integer.MAX_VALUE) {
                throw new ModelFormatException(file, "tensor '" + key + "' has shape " + Arrays.toString(dims)
                        + (dims[i] < 0 ? " with a negative dimension" : ", too large for jprune"));
            }
            out[i] = (int) dims[i];
            numel *= dims[i];
            if (numel > Integer.MAX_VALUE - 8) {
                throw new ModelFormatException(file, "tensor '" + key + "' has shape " + Arrays.toString(dims)
                        + ": more than 2^31 elements, too large for jprune");
            }
        }
        return Shape.of(out);
    }
}
