package dev.jprune.data;

import java.util.List;
import java.util.Objects;

/**
 * A view of some examples of another dataset, as {@code torch.utils.data.Subset}: example {@code i} of the view is
 * example {@code indices[i]} of the base. The index array is copied; the base is shared.
 */
public final class Subset implements Dataset {

    private final Dataset base;
    private final int[] indices;

    /** A view of {@code base} at {@code indices}, each in {@code [0, base.size())}. */
    public Subset(Dataset base, int[] indices) {
        this.base = Objects.requireNonNull(base, "base");
        this.indices = indices.clone();
        for (int i : this.indices) {
            if (i < 0 || i >= base.size()) {
                throw new IllegalArgumentException("Subset: index " + i + " is outside the base dataset's [0, "
                        + base.size() + ")");
            }
        }
    }

    /** The first {@code n} examples of {@code base}; {@code base} itself when {@code n} is 0 or at least its size. */
    public static Dataset first(Dataset base, int n) {
        if (n < 0) {
            throw new IllegalArgumentException("Subset.first: n must be >= 0, got " + n);
        }
        if (n == 0 || n >= base.size()) {
            return base;
        }
        int[] idx = new int[n];
        for (int i = 0; i < n; i++) {
            idx[i] = i;
        }
        return new Subset(base, idx);
    }

    @Override
    public int size() {
        return indices.length;
    }

    @Override
    public Example get(int index) {
        return base.get(indices[index]);
    }

    @Override
    public int label(int index) {
        return base.label(indices[index]);
    }

    @Override
    public List<String> classes() {
        return base.classes();
    }
}
