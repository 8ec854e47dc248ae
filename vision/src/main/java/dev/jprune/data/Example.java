package dev.jprune.data;

import dev.jprune.tensor.Tensor;
import java.util.Objects;

/**
 * One labelled example of a {@link Dataset}.
 *
 * @param image the image as a float {@code (C, H, W)} tensor, values in [0, 1]; a fresh tensor owned by the caller
 * @param label the class index, in {@code [0, dataset.classes().size())}
 */
public record Example(Tensor image, int label) {

    /** Validates: the image is non-null and has three dimensions, the label is not negative. */
    public Example {
        Objects.requireNonNull(image, "image");
        if (image.shape().rank() != 3) {
            throw new IllegalArgumentException("image: expected a (C, H, W) tensor, got shape " + image.shape());
        }
        if (label < 0) {
            throw new IllegalArgumentException("label: expected >= 0, got " + label);
        }
    }
}
