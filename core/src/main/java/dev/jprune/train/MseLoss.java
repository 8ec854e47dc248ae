package dev.jprune.train;

import dev.jprune.tensor.Tensor;

/**
 * {@code nn.MSELoss()} (mean reduction): {@code mean((x − t)²)} over every element; the gradient is
 * {@code 2 (x − t) / numel}. Input and target must have the same shape. Accumulates in double.
 */
public record MseLoss() implements Loss {

    @Override
    public LossValue compute(Tensor output, Tensor target) {
        if (!output.shape().equals(target.shape())) {
            throw new IllegalArgumentException("MseLoss: target must have the input's shape " + output.shape()
                    + ", got " + target.shape());
        }
        int n = output.numel();
        if (n == 0) {
            throw new IllegalArgumentException("MseLoss: input is empty " + output.shape());
        }
        float[] x = output.data();
        float[] t = target.data();
        Tensor grad = Tensor.zeros(output.shape());
        float[] g = grad.data();
        double sum = 0;
        double scale = 2.0 / n;
        for (int i = 0; i < n; i++) {
            double d = (double) x[i] - t[i];
            sum += d * d;
            g[i] = (float) (scale * d);
        }
        return new LossValue(sum / n, grad);
    }

    @Override
    public String toString() {
        return "MseLoss(reduction=mean)";
    }
}
