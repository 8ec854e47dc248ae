package dev.jprune.io.weights.internal;

import dev.jprune.io.ModelFormatException;
import dev.jprune.io.weights.ElementType;
import dev.jprune.io.weights.StoredTensor;
import dev.jprune.tensor.Shape;

/**
 * One tensor of an open checkpoint: its type and shape are known from the header or pickle, its values are read
 * only when asked for, so tensors a load does not use cost nothing.
 */
public interface TensorEntry {

    /** The element type in the file. */
    ElementType type();

    /** The shape. */
    Shape shape();

    /** Reads and decodes the values; throws naming the file and the tensor when its bytes are missing or corrupt. */
    StoredTensor read() throws ModelFormatException;
}
