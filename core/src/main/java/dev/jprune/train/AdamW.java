package dev.jprune.train;

import dev.jprune.ir.Graph;
import dev.jprune.ir.Parameter;
import dev.jprune.tensor.Tensor;

import java.util.List;
import java.util.Map;

/**
 * {@code torch.optim.AdamW} (without amsgrad): for each parameter {@code p} with gradient {@code g}, at step
 * {@code t} (1 on the first update of that parameter),
 * <pre>
 *   p = p · (1 − lr · weight_decay)                       (decoupled decay, first)
 *   m = β1 · m + (1 − β1) · g
 *   v = β2 · v + (1 − β2) · g²
 *   p = p − (lr / (1 − β1^t)) · m / (sqrt(v) / sqrt(1 − β2^t) + eps)
 * </pre>
 * State: {@code step} (rank 0, the count {@code t}, exact up to 2^24), {@code exp_avg} and {@code exp_avg_sq}
 * (the parameter's shape). Arithmetic is in double per element, rounded to float once. Build with
 * {@link #builder()}.
 */
public final class AdamW extends Optimizer {

    private final double beta1;
    private final double beta2;
    private final double eps;

    private AdamW(Builder b, List<ParamGroup> groups) {
        super(groups, b.lr, b.weightDecay);
        this.beta1 = b.beta1;
        this.beta2 = b.beta2;
        this.eps = b.eps;
    }

    /** A builder with PyTorch's defaults: lr 1e-3, betas (0.9, 0.999), eps 1e-8, weight decay 1e-2. */
    public static Builder builder() {
        return new Builder();
    }

    /** β1, the decay of the first moment. */
    public double beta1() {
        return beta1;
    }

    /** β2, the decay of the second moment. */
    public double beta2() {
        return beta2;
    }

    /** The term added to the denominator. */
    public double eps() {
        return eps;
    }

    @Override
    protected void update(Parameter p, Tensor grad, double lr, double weightDecay, Map<String, Tensor> state) {
        float[] w = p.value().data();
        float[] g = grad.data();
        Tensor stepT = state.get("step");
        if (stepT == null) {
            stepT = Tensor.scalar(0f);
            state.put("step", stepT);
            state.put("exp_avg", Tensor.zeros(p.value().shape()));
            state.put("exp_avg_sq", Tensor.zeros(p.value().shape()));
        }
        float[] m = state.get("exp_avg").data();
        float[] v = state.get("exp_avg_sq").data();
        double t = stepT.data()[0] + 1;
        stepT.data()[0] = (float) t;
        double decay = 1 - lr * weightDecay;
        double stepSize = lr / (1 - Math.pow(beta1, t));
        double bc2Sqrt = Math.sqrt(1 - Math.pow(beta2, t));
        double b1c = 1 - beta1;
        double b2c = 1 - beta2;
        for (int i = 0; i < w.length; i++) {
            double gi = g[i];
            double mi = beta1 * m[i] + b1c * gi;
            double vi = beta2 * v[i] + b2c * gi * gi;
            m[i] = (float) mi;
            v[i] = (float) vi;
            double wi = w[i] * decay;
            w[i] = (float) (wi - stepSize * mi / (Math.sqrt(vi) / bc2Sqrt + eps));
        }
    }

    @Override
    public String toString() {
        return "AdamW(betas=(" + beta1 + ", " + beta2 + "), eps=" + eps + ", groups=" + describeGroups() + ")";
    }

    /** Settings of an {@link AdamW}; {@link #build} validates them. */
    public static final class Builder {
        private double lr = 1e-3;
        private double beta1 = 0.9;
        private double beta2 = 0.999;
        private double eps = 1e-8;
        private double weightDecay = 1e-2;

        private Builder() {
        }

        /** Learning rate, > 0 (default 1e-3); groups may override it. */
        public Builder lr(double value) {
            this.lr = value;
            return this;
        }

        /** Moment decays, each in [0, 1) (default 0.9, 0.999). */
        public Builder betas(double b1, double b2) {
            this.beta1 = b1;
            this.beta2 = b2;
            return this;
        }

        /** Denominator term, ≥ 0 (default 1e-8). */
        public Builder eps(double value) {
            this.eps = value;
            return this;
        }

        /** Decoupled weight decay, ≥ 0 (default 1e-2); groups may override it. */
        public Builder weightDecay(double value) {
            this.weightDecay = value;
            return this;
        }

        /** An optimiser over every trainable parameter of {@code graph}, as one group. */
        public AdamW build(Graph graph) {
            return build(List.of(ParamGroups.all(graph)));
        }

        /** An optimiser over {@code groups}; throws {@link IllegalArgumentException} naming any invalid setting. */
        public AdamW build(List<ParamGroup> groups) {
            if (!(lr > 0) || Double.isInfinite(lr)) {
                throw new IllegalArgumentException("AdamW: lr must be finite and > 0, got " + lr);
            }
            if (!(beta1 >= 0 && beta1 < 1)) {
                throw new IllegalArgumentException("AdamW: betas[0] must be in [0, 1), got " + beta1);
            }
            if (!(beta2 >= 0 && beta2 < 1)) {
                throw new IllegalArgumentException("AdamW: betas[1] must be in [0, 1), got " + beta2);
            }
            if (!(eps >= 0) || Double.isInfinite(eps)) {
                throw new IllegalArgumentException("AdamW: eps must be finite and >= 0, got " + eps);
            }
            if (!(weightDecay >= 0) || Double.isInfinite(weightDecay)) {
                throw new IllegalArgumentException("AdamW: weight_decay must be finite and >= 0, got " + weightDecay);
            }
            return new AdamW(this, groups);
        }

        @Override
        public String toString() {
            return "AdamW.Builder(lr=" + lr + ", betas=(" + beta1 + ", " + beta2 + "), eps=" + eps + ", weight_decay="
                    + weightDecay + ")";
        }
    }
}
