package dev.jprune.ir.axis;

import java.util.Arrays;
import java.util.function.IntFunction;
import java.util.function.IntUnaryOperator;

/**
 * A set of indices along one axis, each carrying the root index it derives from (Torch-Pruning's
 * {@code _HybridIndex}): ascending, without duplicates. Mapping through an op keeps the roots, so every member of a
 * group can be scored and sliced in the root's coordinates. Immutable.
 */
public final class Indices {

    private static final Indices EMPTY = new Indices(new int[0], new int[0]);

    private final int[] idx;
    private final int[] root;

    private Indices(int[] idx, int[] root) {
        this.idx = idx;
        this.root = root;
    }

    /** The empty set. */
    public static Indices empty() {
        return EMPTY;
    }

    /** Root indices: each index is its own root. Duplicates are dropped; order does not matter. */
    public static Indices of(int... indices) {
        return pairs(indices.clone(), indices.clone());
    }

    /** Indices {@code 0 .. n-1}, each its own root. */
    public static Indices range(int n) {
        int[] a = new int[n];
        Arrays.setAll(a, i -> i);
        return new Indices(a, a.clone());
    }

    /**
     * Index/root pairs in any order; for an index given twice, the pair with the smaller root is kept. Negative
     * indices are rejected.
     */
    public static Indices pairs(int[] indices, int[] roots) {
        if (indices.length != roots.length) {
            throw new IllegalArgumentException(indices.length + " indices but " + roots.length + " roots");
        }
        long[] packed = new long[indices.length];
        for (int i = 0; i < indices.length; i++) {
            if (indices[i] < 0) {
                throw new IllegalArgumentException("negative index " + indices[i]);
            }
            packed[i] = ((long) indices[i] << 32) | (roots[i] & 0xffffffffL);
        }
        Arrays.sort(packed);
        int n = 0;
        int[] idx = new int[packed.length];
        int[] root = new int[packed.length];
        for (long p : packed) {
            int i = (int) (p >>> 32);
            if (n > 0 && idx[n - 1] == i) {
                continue;
            }
            idx[n] = i;
            root[n] = (int) p;
            n++;
        }
        return new Indices(Arrays.copyOf(idx, n), Arrays.copyOf(root, n));
    }

    /** How many indices. */
    public int size() {
        return idx.length;
    }

    /** Whether there are none. */
    public boolean isEmpty() {
        return idx.length == 0;
    }

    /** The indices, ascending (a copy). */
    public int[] indices() {
        return idx.clone();
    }

    /** The root index of each index, in the same order (a copy). */
    public int[] roots() {
        return root.clone();
    }

    /** The {@code k}-th smallest index. */
    public int index(int k) {
        return idx[k];
    }

    /** The root of the {@code k}-th smallest index. */
    public int root(int k) {
        return root[k];
    }

    /** The largest index, or -1 when empty. */
    public int max() {
        return idx.length == 0 ? -1 : idx[idx.length - 1];
    }

    /** Whether {@code i} is in the set. */
    public boolean contains(int i) {
        return Arrays.binarySearch(idx, i) >= 0;
    }

    /** Every index mapped by {@code f} (roots kept); indices mapped to a negative value are dropped. */
    public Indices map(IntUnaryOperator f) {
        int[] out = new int[idx.length];
        int[] r = new int[idx.length];
        int n = 0;
        for (int k = 0; k < idx.length; k++) {
            int v = f.applyAsInt(idx[k]);
            if (v >= 0) {
                out[n] = v;
                r[n++] = root[k];
            }
        }
        return pairs(Arrays.copyOf(out, n), Arrays.copyOf(r, n));
    }

    /** Every index replaced by the indices {@code f} gives for it, each carrying the original's root. */
    public Indices flatMap(IntFunction<int[]> f) {
        int[] out = new int[Math.max(4, idx.length)];
        int[] r = new int[out.length];
        int n = 0;
        for (int k = 0; k < idx.length; k++) {
            for (int v : f.apply(idx[k])) {
                if (n == out.length) {
                    out = Arrays.copyOf(out, 2 * n);
                    r = Arrays.copyOf(r, 2 * n);
                }
                out[n] = v;
                r[n++] = root[k];
            }
        }
        return pairs(Arrays.copyOf(out, n), Arrays.copyOf(r, n));
    }

    /** Every index plus {@code offset}. */
    public Indices shift(int offset) {
        return map(i -> i + offset);
    }

    /**
     * The indices in {@code [start, end)} on the grid {@code start + k·step}, as {@code k} (a strided slice's
     * coordinates).
     */
    public Indices window(int start, int end, int step) {
        return map(i -> i >= start && i < end && (i - start) % step == 0 ? (i - start) / step : -1);
    }

    /** The union; for an index in both, the smaller root wins. */
    public Indices union(Indices other) {
        if (other.isEmpty()) {
            return this;
        }
        if (isEmpty()) {
            return other;
        }
        int[] i2 = Arrays.copyOf(idx, idx.length + other.idx.length);
        int[] r2 = Arrays.copyOf(root, root.length + other.root.length);
        System.arraycopy(other.idx, 0, i2, idx.length, other.idx.length);
        System.arraycopy(other.root, 0, r2, root.length, other.root.length);
        return pairs(i2, r2);
    }

    /** Whether every index of {@code other} is in this set. */
    public boolean containsAll(Indices other) {
        for (int i : other.idx) {
            if (!contains(i)) {
                return false;
            }
        }
        return true;
    }

    /** The indices {@code 0 .. size-1} not in this set, ascending (what a slice keeps). */
    public int[] complement(int size) {
        int[] keep = new int[Math.max(0, size - idx.length)];
        int n = 0;
        for (int i = 0; i < size; i++) {
            if (!contains(i)) {
                if (n == keep.length) {
                    throw new IllegalArgumentException("index " + max() + " outside an axis of size " + size);
                }
                keep[n++] = i;
            }
        }
        if (n != keep.length || max() >= size) {
            throw new IllegalArgumentException("index " + max() + " outside an axis of size " + size);
        }
        return keep;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Indices other && Arrays.equals(idx, other.idx) && Arrays.equals(root, other.root);
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.hashCode(idx) + Arrays.hashCode(root);
    }

    @Override
    public String toString() {
        return Arrays.toString(idx);
    }
}
