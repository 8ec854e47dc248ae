package dev.jprune.ir.axis;

import java.util.List;

/**
 * What one channel of a layer is in its parameters, for importance criteria and regularisers: the kind of layer
 * (Torch-Pruning scores convolutions, linear layers, BatchNorm and LayerNorm) and, per parameter, the axis along
 * which channel {@code i} is a slice.
 *
 * @param kind   the kind of layer, as importance criteria distinguish them
 * @param groups the channel groups whose same positions are removed together (a grouped convolution's groups,
 *               GroupNorm's groups; Torch-Pruning's {@code in/out_channel_groups}); 1 when none, and for
 *               depthwise convolutions
 * @param slices the parameter slices of a channel; the weight first, the bias (if any) flagged
 */
public record ChannelParams(Kind kind, int groups, List<Slice> slices) {

    /** Layer kinds with different roles in importance criteria. */
    public enum Kind {
        /** Convolution or transposed convolution (Torch-Pruning's {@code _ConvNd}), not depthwise. */
        CONV,
        /** A depthwise convolution (in- and out-channels lost together); Torch-Pruning leaves it unscored. */
        DEPTHWISE_CONV,
        /** {@code nn.Linear}. */
        LINEAR,
        /** BatchNorm (its affine scale and shift). */
        BATCH_NORM,
        /** LayerNorm (its affine scale and shift). */
        LAYER_NORM,
        /** GroupNorm (never scored by Torch-Pruning). */
        GROUP_NORM,
        /**
         * {@code nn.MultiheadAttention}'s own parameters (its fused input projection, tied to the embedding); never
         * scored by Torch-Pruning, which scores only the target types and never sees {@code out_proj} called.
         */
        MULTIHEAD_ATTENTION,
        /** Anything else with parameters per channel (a free parameter). */
        OTHER
    }

    /**
     * Channel {@code i} is position {@code period > 0 ? i % period : i} along {@code axis} of parameter
     * {@code param} (a grouped convolution's in-channels repeat every {@code in/groups}).
     *
     * @param param  the node's local parameter name
     * @param axis   the parameter axis
     * @param period 0, or the in-group channel count of a grouped layer
     * @param bias   whether this is a bias (BatchNorm/LayerNorm shift included), scored only on request
     */
    public record Slice(String param, int axis, int period, boolean bias) {

        public Slice {
            if (axis < 0 || period < 0) {
                throw new IllegalArgumentException("axis and period must be non-negative, got " + axis + ", " + period);
            }
        }

        /** The parameter position of channel {@code i}. */
        public int position(int i) {
            return period > 0 ? i % period : i;
        }
    }

    public ChannelParams {
        if (groups < 1) {
            throw new IllegalArgumentException("groups must be positive, got " + groups);
        }
        slices = List.copyOf(slices);
    }

    /** Parameters of a layer without channel groups. */
    public ChannelParams(Kind kind, List<Slice> slices) {
        this(kind, 1, slices);
    }

    /** The weight slice (the first non-bias one), or {@code null}. */
    public Slice weight() {
        return slices.stream().filter(s -> !s.bias()).findFirst().orElse(null);
    }

    /** The bias slice, or {@code null}. */
    public Slice bias() {
        return slices.stream().filter(Slice::bias).findFirst().orElse(null);
    }
}
