package dev.jprune.prune.importance;

import java.util.Arrays;
import java.util.List;

/**
 * Group reduction and normalisation of score vectors, in {@code float} and a fixed order (items in group order,
 * indices ascending, sums left to right), as Torch-Pruning's {@code _reduce} and {@code _normalize}.
 */
final class ScoreMath {

    private ScoreMath() {
    }

    /** TP's start value for {@link Reduction#MAX}. */
    static final float MAX_START = -99999f;

    /** TP's epsilon in standardisation, gaussian and sentinel normalisation. */
    static final float EPS = 1e-8f;

    /**
     * Reduces {@code items} (each aligned with its {@code positions}, the root positions of its indices) into a
     * vector of {@code n} root scores.
     */
    static float[] reduce(Reduction reduction, List<float[]> items, List<int[]> positions, int n) {
        float[] acc = new float[n];
        if (reduction == Reduction.PROD) {
            Arrays.fill(acc, 1f);
        } else if (reduction == Reduction.MAX) {
            Arrays.fill(acc, MAX_START);
        }
        int last = items.size() - 1;
        for (int i = 0; i <= last; i++) {
            float[] v = items.get(i);
            int[] pos = positions.get(i);
            for (int k = 0; k < v.length; k++) {
                int r = pos[k];
                switch (reduction) {
                    case SUM, MEAN -> acc[r] += v[k];
                    case MAX -> acc[r] = Math.max(acc[r], v[k]);
                    case PROD -> acc[r] *= v[k];
                    case FIRST -> {
                        if (i == 0) {
                            acc[r] = v[k];
                        }
                    }
                    case GATE -> {
                        if (i == last) {
                            acc[r] = v[k];
                        }
                    }
                    default -> throw new AssertionError(reduction);
                }
            }
        }
        if (reduction == Reduction.MEAN) {
            float count = items.size();
            for (int r = 0; r < n; r++) {
                acc[r] /= count;
            }
        }
        return acc;
    }

    /** Normalises {@code s} in place and returns it; {@code q} is the sentinel fraction. */
    static float[] normalize(Normalizer normalizer, double q, float[] s) {
        int n = s.length;
        switch (normalizer) {
            case NONE -> {
            }
            case SUM -> divide(s, sum(s));
            case MEAN -> divide(s, sum(s) / n);
            case MAX -> divide(s, max(s));
            case STANDARDIZATION -> {
                float min = min(s);
                float range = max(s) - min + EPS;
                for (int i = 0; i < n; i++) {
                    s[i] = (s[i] - min) / range;
                }
            }
            case GAUSSIAN -> {
                float mean = sum(s) / n;
                float ss = 0f;
                for (float v : s) {
                    float d = v - mean;
                    ss += d * d;
                }
                float std = (float) Math.sqrt(ss / (n - 1));
                float den = std + EPS;
                for (int i = 0; i < n; i++) {
                    s[i] = (s[i] - mean) / den;
                }
            }
            case SENTINEL -> {
                int k = ascendingOrder(s)[(int) (q * n)];
                divide(s, s[k] + EPS);
            }
            case LAMP -> lamp(s);
            default -> throw new AssertionError(normalizer);
        }
        return s;
    }

    private static void lamp(float[] s) {
        int[] order = ascendingOrder(s);
        float total = sum(s);
        float[] out = new float[s.length];
        float before = 0f;
        for (int i : order) {
            out[i] = s[i] / (total - before);
            before += s[i];
        }
        System.arraycopy(out, 0, s, 0, s.length);
    }

    /** The positions of {@code s} in ascending order of value, ties by position (a stable sort). */
    static int[] ascendingOrder(float[] s) {
        Integer[] boxed = new Integer[s.length];
        for (int i = 0; i < s.length; i++) {
            boxed[i] = i;
        }
        Arrays.sort(boxed, (a, b) -> Float.compare(s[a], s[b]));
        int[] order = new int[s.length];
        for (int i = 0; i < s.length; i++) {
            order[i] = boxed[i];
        }
        return order;
    }

    private static void divide(float[] s, float d) {
        for (int i = 0; i < s.length; i++) {
            s[i] /= d;
        }
    }

    /** The sum, accumulated in double and rounded once (close to PyTorch's pairwise float sum). */
    static float sum(float[] s) {
        double t = 0;
        for (float v : s) {
            t += v;
        }
        return (float) t;
    }

    private static float max(float[] s) {
        float m = Float.NEGATIVE_INFINITY;
        for (float v : s) {
            m = Math.max(m, v);
        }
        return m;
    }

    private static float min(float[] s) {
        float m = Float.POSITIVE_INFINITY;
        for (float v : s) {
            m = Math.min(m, v);
        }
        return m;
    }
}
