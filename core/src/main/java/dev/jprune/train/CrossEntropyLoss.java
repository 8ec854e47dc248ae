package dev.jprune.train;

import dev.jprune.tensor.Tensor;

/**
 * {@code nn.CrossEntropyLoss(label_smoothing=ε)} with mean reduction over the batch: logits {@code (N, C)} and
 * class indices {@code (N)}. Per sample, with {@code p = softmax(x)},
 * {@code loss = (1 − ε) · (−log p[y]) + ε · mean over c of (−log p[c])}, i.e. cross-entropy against the target
 * distribution {@code q = (1 − ε) · onehot(y) + ε / C}; the gradient with respect to the logits is
 * {@code (p − q) / N}. The log-softmax is computed in double after subtracting each row's maximum, so logits of any
 * finite magnitude give finite values. Class weights and {@code ignore_index} are not supported.
 *
 * @param labelSmoothing ε in {@code [0, 1]}
 */
public record CrossEntropyLoss(double labelSmoothing) implements Loss {

    public CrossEntropyLoss {
        if (!(labelSmoothing >= 0 && labelSmoothing <= 1)) {
            throw new IllegalArgumentException("CrossEntropyLoss: label_smoothing must be in [0, 1], got " + labelSmoothing);
        }
    }

    /** Plain cross-entropy (no label smoothing). */
    public static CrossEntropyLoss of() {
        return new CrossEntropyLoss(0);
    }

    /**
     * The loss of logits {@code (N, C)} against {@code target (N)} holding class indices as whole-number floats
     * (the project's integer tensor layout).
     */
    @Override
    public LossValue compute(Tensor output, Tensor target) {
        if (target.rank() != 1) {
            throw new IllegalArgumentException("CrossEntropyLoss: target must be class indices (N), got " + target.shape());
        }
        float[] t = target.data();
        int[] classes = new int[t.length];
        for (int i = 0; i < t.length; i++) {
            classes[i] = (int) t[i];
            if (classes[i] != t[i]) {
                throw new IllegalArgumentException("CrossEntropyLoss: target " + i + " must be a class index, got " + t[i]);
            }
        }
        return compute(output, classes);
    }

    /** The loss of logits {@code (N, C)} against class indices {@code targets} (length N, each in {@code [0, C)}). */
    public LossValue compute(Tensor logits, int[] targets) {
        if (logits.rank() != 2) {
            throw new IllegalArgumentException("CrossEntropyLoss: expected logits (N, C), got " + logits.shape());
        }
        int n = logits.dim(0);
        int c = logits.dim(1);
        if (targets.length != n) {
            throw new IllegalArgumentException("CrossEntropyLoss: expected " + n + " targets for logits " + logits.shape()
                    + ", got " + targets.length);
        }
        if (n == 0 || c == 0) {
            throw new IllegalArgumentException("CrossEntropyLoss: logits are empty " + logits.shape());
        }
        float[] x = logits.data();
        Tensor grad = Tensor.zeros(logits.shape());
        float[] g = grad.data();
        double eps = labelSmoothing;
        double uniform = eps / c;
        double invN = 1.0 / n;
        double total = 0;
        for (int i = 0; i < n; i++) {
            int y = targets[i];
            if (y < 0 || y >= c) {
                throw new IllegalArgumentException("CrossEntropyLoss: target " + i + " is " + y + ", expected a class in [0, "
                        + c + ")");
            }
            int row = i * c;
            double max = Double.NEGATIVE_INFINITY;
            for (int j = 0; j < c; j++) {
                max = Math.max(max, x[row + j]);
            }
            double sumExp = 0;
            double sumShifted = 0;
            for (int j = 0; j < c; j++) {
                double s = x[row + j] - max;
                sumExp += Math.exp(s);
                sumShifted += s;
            }
            double logZ = Math.log(sumExp);
            // −log p[j] = logZ − s[j]
            double nll = logZ - (x[row + y] - max);
            double smooth = logZ - sumShifted / c;
            total += (1 - eps) * nll + eps * smooth;
            for (int j = 0; j < c; j++) {
                double p = Math.exp(x[row + j] - max - logZ);
                double q = (j == y ? 1 - eps : 0) + uniform;
                g[row + j] = (float) ((p - q) * invN);
            }
        }
        return new LossValue(total * invN, grad);
    }

    @Override
    public String toString() {
        return "CrossEntropyLoss(label_smoothing=" + labelSmoothing + ", reduction=mean)";
    }
}
