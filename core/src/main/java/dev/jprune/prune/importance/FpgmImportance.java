package dev.jprune.prune.importance;

import dev.jprune.depgraph.Member;
import dev.jprune.ir.Parameter;
import dev.jprune.ir.axis.ChannelParams;
import dev.jprune.ir.axis.ChannelParams.Kind;
import dev.jprune.ir.axis.Indices;

import java.util.EnumSet;
import java.util.List;
import java.util.Set;

/**
 * Filter pruning via geometric median (He et al., CVPR 2019; Torch-Pruning's {@code FPGMImportance}): for each
 * convolution or linear member, the rows {@code R_k = |w_k|^p} of its indices' weight slices (filters for
 * out-channels, columns for in-channels, grouped-convolution columns repeating every {@code in/groups}) and the score
 * {@code sum over j of ||R_k - R_j||_2}, the distance to the member's other channels; a channel near the geometric
 * median scores low. BatchNorm and LayerNorm members, and biases, are never scored.
 *
 * <p>Distances are computed directly in float ({@code torch.cdist} switches to a matrix-product formula for large
 * inputs, so its low bits can differ). {@link Builder#tpCompat(boolean) tpCompat} leaves depthwise convolutions
 * unscored, as Torch-Pruning does.
 */
public final class FpgmImportance extends GroupImportance {

    private static final Set<Kind> ROW_KINDS = EnumSet.of(Kind.CONV, Kind.DEPTHWISE_CONV, Kind.LINEAR);

    private final double p;

    private FpgmImportance(Builder b) {
        super(b);
        this.p = b.p;
    }

    /** A builder with Torch-Pruning's defaults ({@code p = 2}, mean, mean). */
    public static Builder builder() {
        return new Builder();
    }

    /** The degree of the element-wise power before the distances. */
    public double p() {
        return p;
    }

    @Override
    boolean scores(Kind kind) {
        return ROW_KINDS.contains(kind) && super.scores(kind);
    }

    @Override
    List<float[]> scoreMember(Member m, ChannelParams cp) {
        ChannelParams.Slice w = cp.weight();
        if (w == null) {
            return List.of();
        }
        Parameter param = param(m, w);
        Indices idx = m.indices();
        int n = idx.size();
        float[][] rows = new float[n][];
        for (int k = 0; k < n; k++) {
            float[] r = SliceSums.row(param, param.value(), w, idx.index(k));
            for (int e = 0; e < r.length; e++) {
                r[e] = SliceSums.absPow(r[e], p);
            }
            rows[k] = r;
        }
        float[] out = new float[n];
        for (int k = 0; k < n; k++) {
            float total = 0f;
            for (int j = 0; j < n; j++) {
                float ss = 0f;
                for (int e = 0; e < rows[k].length; e++) {
                    float d = rows[k][e] - rows[j][e];
                    ss += d * d;
                }
                total += (float) Math.sqrt(ss);
            }
            out[k] = total;
        }
        return List.of(out);
    }

    @Override
    public String toString() {
        return "FpgmImportance{p=" + p + ", " + commonSettings() + "}";
    }

    /** Settings of {@link FpgmImportance}. */
    public static final class Builder extends GroupImportance.Builder<Builder> {

        private double p = 2;

        private Builder() {
            super(EnumSet.of(Kind.CONV, Kind.DEPTHWISE_CONV, Kind.LINEAR));
        }

        @Override
        Builder self() {
            return this;
        }

        /** The element-wise power (default 2); positive and finite. */
        public Builder p(double degree) {
            this.p = degree;
            return this;
        }

        /** Validates the settings and builds the criterion. */
        public FpgmImportance build() {
            validate();
            if (!(p > 0) || Double.isInfinite(p)) {
                throw new IllegalArgumentException("p must be positive and finite, got " + p);
            }
            if (bias) {
                throw new IllegalArgumentException("FPGM scores weight rows only: bias must be false, got true");
            }
            return new FpgmImportance(this);
        }
    }
}
