package dev.jprune.train;

import dev.jprune.ir.Graph;
import dev.jprune.ir.Parameter;
import dev.jprune.tensor.Tensor;

import java.util.List;
import java.util.Map;

/**
 * {@code torch.optim.SGD}: for each parameter {@code p} with gradient {@code g}, in PyTorch's order,
 * <pre>
 *   d = g + weight_decay · p
 *   buf = d                                   (first step)
 *   buf = momentum · buf + (1 − dampening) · d (later steps)
 *   d = nesterov ? d + momentum · buf : buf    (only when momentum ≠ 0)
 *   p = p − lr · d
 * </pre>
 * State {@code momentum_buffer} (the parameter's shape) exists when momentum ≠ 0. Arithmetic is in double per
 * element, rounded to float once. Build with {@link #builder()}.
 */
public final class Sgd extends Optimizer {

    private final double momentum;
    private final double dampening;
    private final boolean nesterov;

    private Sgd(Builder b, List<ParamGroup> groups) {
        super(groups, b.lr, b.weightDecay);
        this.momentum = b.momentum;
        this.dampening = b.dampening;
        this.nesterov = b.nesterov;
    }

    /** A builder with PyTorch's defaults: lr 1e-3, momentum 0, dampening 0, no Nesterov, weight decay 0. */
    public static Builder builder() {
        return new Builder();
    }

    /** The momentum factor μ. */
    public double momentum() {
        return momentum;
    }

    /** The dampening applied to the gradient in the momentum buffer after the first step. */
    public double dampening() {
        return dampening;
    }

    /** Whether Nesterov momentum is used. */
    public boolean nesterov() {
        return nesterov;
    }

    @Override
    protected void update(Parameter p, Tensor grad, double lr, double weightDecay, Map<String, Tensor> state) {
        float[] w = p.value().data();
        float[] g = grad.data();
        int n = w.length;
        if (momentum == 0) {
            for (int i = 0; i < n; i++) {
                double d = g[i] + weightDecay * w[i];
                w[i] = (float) (w[i] - lr * d);
            }
            return;
        }
        Tensor bufT = state.get("momentum_buffer");
        boolean first = bufT == null;
        if (first) {
            bufT = Tensor.zeros(p.value().shape());
            state.put("momentum_buffer", bufT);
        }
        float[] buf = bufT.data();
        double keep = 1 - dampening;
        for (int i = 0; i < n; i++) {
            double d = g[i] + weightDecay * w[i];
            double b = first ? d : momentum * buf[i] + keep * d;
            buf[i] = (float) b;
            double upd = nesterov ? d + momentum * b : b;
            w[i] = (float) (w[i] - lr * upd);
        }
    }

    @Override
    public String toString() {
        return "Sgd(momentum=" + momentum + ", dampening=" + dampening + ", nesterov=" + nesterov + ", groups="
                + describeGroups() + ")";
    }

    /** Settings of an {@link Sgd}; {@link #build} validates them. */
    public static final class Builder {
        private double lr = 1e-3;
        private double momentum;
        private double dampening;
        private boolean nesterov;
        private double weightDecay;

        private Builder() {
        }

        /** Learning rate, > 0 (default 1e-3); groups may override it. */
        public Builder lr(double value) {
            this.lr = value;
            return this;
        }

        /** Momentum factor, ≥ 0 (default 0). */
        public Builder momentum(double value) {
            this.momentum = value;
            return this;
        }

        /** Dampening for momentum, ≥ 0 (default 0). */
        public Builder dampening(double value) {
            this.dampening = value;
            return this;
        }

        /** Nesterov momentum (default off); needs momentum > 0 and dampening 0. */
        public Builder nesterov(boolean value) {
            this.nesterov = value;
            return this;
        }

        /** L2 penalty added to the gradient, ≥ 0 (default 0); groups may override it. */
        public Builder weightDecay(double value) {
            this.weightDecay = value;
            return this;
        }

        /** An optimiser over every trainable parameter of {@code graph}, as one group. */
        public Sgd build(Graph graph) {
            return build(List.of(ParamGroups.all(graph)));
        }

        /** An optimiser over {@code groups}; throws {@link IllegalArgumentException} naming any invalid setting. */
        public Sgd build(List<ParamGroup> groups) {
            if (!(lr > 0) || Double.isInfinite(lr)) {
                throw new IllegalArgumentException("Sgd: lr must be finite and > 0, got " + lr);
            }
            if (!(momentum >= 0) || Double.isInfinite(momentum)) {
                throw new IllegalArgumentException("Sgd: momentum must be finite and >= 0, got " + momentum);
            }
            if (!(dampening >= 0) || Double.isInfinite(dampening)) {
                throw new IllegalArgumentException("Sgd: dampening must be finite and >= 0, got " + dampening);
            }
            if (!(weightDecay >= 0) || Double.isInfinite(weightDecay)) {
                throw new IllegalArgumentException("Sgd: weight_decay must be finite and >= 0, got " + weightDecay);
            }
            if (nesterov && !(momentum > 0 && dampening == 0)) {
                throw new IllegalArgumentException("Sgd: nesterov requires momentum > 0 and dampening 0, got momentum "
                        + momentum + " and dampening " + dampening);
            }
            return new Sgd(this, groups);
        }

        @Override
        public String toString() {
            return "Sgd.Builder(lr=" + lr + ", momentum=" + momentum + ", dampening=" + dampening + ", nesterov="
                    + nesterov + ", weight_decay=" + weightDecay + ")";
        }
    }
}
