package dev.jprune.prune;

import dev.jprune.depgraph.Group;
import dev.jprune.depgraph.Member;
import dev.jprune.ir.Parameter;
import dev.jprune.ir.axis.ChannelParams;
import dev.jprune.ir.axis.Indices;
import dev.jprune.tensor.Shape;
import dev.jprune.tensor.Tensor;

import java.util.Arrays;

/** Adds per-channel terms to parameter gradients, for the regularising pruners. */
final class ChannelGradients {

    private ChannelGradients() {
    }

    /** A gradient term from a weight and its channel's coefficient. */
    @FunctionalInterface
    interface Term {
        double apply(double weight, double coefficient);
    }

    /** {@code coef·w}, the gradient of {@code coef/2·w²}. */
    static final Term SCALED = (w, c) -> c * w;

    /**
     * For each channel of {@code m} along {@code slice}: {@code grad += term(w, coef[position of its root in the
     * group's root indices])}, elementwise over the channel's slice of the parameter. Each parameter position is
     * visited once (a grouped convolution's in-channels that share a weight column: the first, i.e. the first
     * channel group's, as Torch-Pruning's {@code idxs[:len(idxs)//groups]}). Parameters without a gradient are left
     * alone.
     */
    static void add(Group group, Member m, ChannelParams.Slice slice, double[] coef, Term term) {
        Parameter p = m.node().parameter(slice.param());
        if (p == null || p.grad() == null) {
            return;
        }
        Tensor w = p.value();
        Tensor g = p.grad();
        Shape s = w.shape();
        int axis = slice.axis();
        int outer = s.product(0, axis);
        int size = s.dim(axis);
        int inner = s.product(axis + 1, s.rank());
        float[] wd = w.data();
        float[] gd = g.data();
        int[] roots = group.rootIndices().indices();
        Indices idx = m.indices();
        boolean[] seen = new boolean[size];
        for (int k = 0; k < idx.size(); k++) {
            int pos = slice.position(idx.index(k));
            if (pos >= size) {
                throw new IllegalStateException("channel " + idx.index(k) + " of " + m.layer() + " is position " + pos
                        + " outside axis " + axis + " of " + p.name() + " " + s);
            }
            if (seen[pos]) {
                continue;
            }
            seen[pos] = true;
            int r = Arrays.binarySearch(roots, idx.root(k));
            if (r < 0) {
                continue;
            }
            double c = coef[r];
            for (int o = 0; o < outer; o++) {
                int base = (o * size + pos) * inner;
                for (int i = 0; i < inner; i++) {
                    gd[base + i] += (float) term.apply(wd[base + i], c);
                }
            }
        }
    }

    /**
     * Whether the member is one the regularisers touch — a convolution (not depthwise) or linear layer on either
     * side, or an affine BatchNorm — and if so its channel parameters, else {@code null}.
     */
    static ChannelParams regularised(Member m) {
        ChannelParams cp = BasePruner.channelParams(m);
        if (cp == null) {
            return null;
        }
        return switch (cp.kind()) {
            case CONV, LINEAR, BATCH_NORM -> cp;
            default -> null;
        };
    }

    /** Adds {@code term} on the member's weight and, when {@code bias}, its bias (out-channels only carry one). */
    static void addToMember(Group group, Member m, ChannelParams cp, boolean bias, double[] coef, Term term) {
        for (ChannelParams.Slice s : cp.slices()) {
            if (!s.bias() || bias) {
                add(group, m, s, coef, term);
            }
        }
    }

    /** Whether any value is NaN. */
    static boolean hasNaN(double[] v) {
        for (double x : v) {
            if (Double.isNaN(x)) {
                return true;
            }
        }
        return false;
    }

    /** The scores as doubles, or {@code null}. */
    static double[] toDouble(float[] v) {
        if (v == null) {
            return null;
        }
        double[] d = new double[v.length];
        for (int i = 0; i < v.length; i++) {
            d[i] = v[i];
        }
        return d;
    }
}
