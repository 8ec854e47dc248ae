package dev.jprune.prune.importance;

import dev.jprune.depgraph.Member;
import dev.jprune.ir.Graph;
import dev.jprune.ir.Parameter;
import dev.jprune.ir.axis.ChannelParams;
import dev.jprune.tensor.Shape;
import dev.jprune.tensor.Tensor;

import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * Optimal Brain Damage with a diagonal empirical Fisher as the Hessian (Torch-Pruning's
 * {@code GroupHessianImportance}, alias {@code HessianImportance}): after each per-sample backward pass call
 * {@link #accumulate(Graph)}, which adds {@code g²} of every trainable parameter that has a gradient; a channel then
 * scores {@code sum w² · h} over its weight slice with {@code h = (sum of g²) / count}, BatchNorm and LayerNorm
 * {@code gamma² · h}, and with {@link Builder#bias(boolean) bias} a separate item {@code b² · h_b}.
 *
 * <p>Typical use: for each sample, {@code graph.zeroGrad()}, forward, backward of that sample's loss,
 * {@code accumulate(graph)}; then score the groups. The accumulated values are kept (not cleared by scoring, unlike
 * Torch-Pruning, which moves them into the gradients on its first call) until {@link #reset()}; after pruning,
 * reset and accumulate again: a parameter whose shape no longer matches its accumulated values is an
 * {@link IllegalStateException}, as is scoring a parameter with nothing accumulated.
 *
 * <p>{@link Builder#tpCompat(boolean) tpCompat}: Torch-Pruning 1.6.1's {@code accumulate_grad} checks for the
 * parameter's name but stores by the parameter, so every call replaces the values with the last sample's {@code g²}
 * and the count stays 1; with tpCompat this class does the same. Depthwise convolutions are then unscored too.
 * Not thread-safe.
 */
public final class HessianImportance extends GroupImportance {

    private final Map<Parameter, float[]> sums = new IdentityHashMap<>();
    private final Map<Parameter, Integer> counts = new IdentityHashMap<>();

    private HessianImportance(Builder b) {
        super(b);
    }

    /** A builder with Torch-Pruning's defaults (mean, mean, no bias). */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Adds {@code g²} of every trainable parameter of {@code graph} that has a gradient (replaces it, with
     * tpCompat). The gradients are read, not changed.
     */
    public void accumulate(Graph graph) {
        List<Parameter> params = new ArrayList<>();
        for (Parameter p : graph.stateDict().values()) {
            if (!p.trainable() || p.grad() == null) {
                continue;
            }
            float[] acc = sums.get(p);
            if (acc != null && !tpCompat() && acc.length != p.grad().numel()) {
                throw new IllegalStateException("parameter " + p.name() + " has " + p.grad().numel()
                        + " gradient elements but " + acc.length + " accumulated: call reset() after pruning");
            }
            params.add(p);
        }
        for (Parameter p : params) { // checked first, so a failure changes nothing
            float[] gd = p.grad().data();
            float[] acc = sums.get(p);
            if (acc == null || tpCompat()) {
                acc = new float[gd.length];
                sums.put(p, acc);
                counts.put(p, 0);
            }
            for (int i = 0; i < gd.length; i++) {
                acc[i] += gd[i] * gd[i];
            }
            counts.put(p, tpCompat() ? 1 : counts.get(p) + 1);
        }
    }

    /** Forgets everything accumulated (Torch-Pruning's {@code zero_grad()} on the importance). */
    public void reset() {
        sums.clear();
        counts.clear();
    }

    /** How many samples were accumulated for {@code p} (0 when none; 1 after any number with tpCompat). */
    public int count(Parameter p) {
        return counts.getOrDefault(p, 0);
    }

    /** The diagonal Hessian estimate {@code h = (sum of g²) / count} of {@code p} (a new tensor), or {@code null}. */
    public Tensor hessian(Parameter p) {
        float[] h = diagonal(p);
        return h == null ? null : Tensor.wrap(p.value().numel() == h.length ? p.value().shape() : Shape.of(h.length), h);
    }

    private float[] diagonal(Parameter p) {
        float[] acc = sums.get(p);
        if (acc == null) {
            return null;
        }
        float count = counts.get(p);
        float[] h = new float[acc.length];
        for (int i = 0; i < h.length; i++) {
            h[i] = acc[i] / count;
        }
        return h;
    }

    @Override
    List<float[]> scoreMember(Member m, ChannelParams cp) {
        List<float[]> items = new ArrayList<>(2);
        ChannelParams.Slice w = cp.weight();
        if (w != null) {
            items.add(obd(m, w));
        }
        ChannelParams.Slice b = cp.bias();
        if (bias() && b != null) {
            items.add(obd(m, b));
        }
        return items;
    }

    private float[] obd(Member m, ChannelParams.Slice slice) {
        Parameter param = param(m, slice);
        float[] h = diagonal(param);
        if (h == null) {
            throw new IllegalStateException("Hessian importance has no accumulated gradients for parameter "
                    + param.name() + " (layer " + m.layer() + "): call accumulate(graph) after each per-sample backward");
        }
        if (h.length != param.value().numel()) {
            throw new IllegalStateException("parameter " + param.name() + " " + param.value().shape() + " no longer "
                    + "matches its " + h.length + " accumulated values: call reset() and accumulate again after pruning");
        }
        Tensor ht = Tensor.wrap(param.value().shape(), h);
        return SliceSums.sums(param, param.value(), ht, slice, m.indices(), (x, hx) -> x * x * hx, false);
    }

    @Override
    public String toString() {
        return "HessianImportance{" + commonSettings() + "}";
    }

    /** Settings of {@link HessianImportance}. */
    public static final class Builder extends GroupImportance.Builder<Builder> {

        private Builder() {
            super(defaultKinds());
        }

        @Override
        Builder self() {
            return this;
        }

        /** Validates the settings and builds the criterion. */
        public HessianImportance build() {
            validate();
            return new HessianImportance(this);
        }
    }
}
