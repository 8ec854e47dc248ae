package dev.jprune.weights;

import dev.jprune.ir.DType;
import dev.jprune.ir.Graph;
import dev.jprune.ir.Parameter;
import dev.jprune.tensor.Shape;
import dev.jprune.tensor.Tensor;

import java.util.SplittableRandom;

/**
 * Seeded random initialisation (the {@code --weights none} source): He-uniform for weights of rank ≥ 2
 * ({@code U(−b, b)}, {@code b = sqrt(6 / fan_in)}, {@code fan_in = numel / shape[0]}, as PyTorch's
 * {@code kaiming_uniform_} with gain √2), ones for rank-1 weights (norm scales), zeros for biases and
 * {@code running_mean}, ones for {@code running_var}, and {@code N(0, 0.02²)} for any other float tensor (class
 * tokens, position embeddings). The same seed gives the same values whatever the thread count; each tensor draws
 * from a generator derived from the seed and its name, so adding a layer does not change the others.
 */
public final class RandomInit {

    private RandomInit() {
    }

    /** Fills every float parameter and buffer of {@code graph} from {@code seed}. */
    public static void fill(Graph graph, long seed) {
        for (Parameter p : graph.stateDict().values()) {
            if (p.dtype() != DType.FLOAT32) {
                continue;
            }
            Shape s = p.shape();
            SplittableRandom rnd = new SplittableRandom(seed * 0x9E3779B97F4A7C15L + p.name().hashCode());
            String leaf = p.leafName();
            float[] d = new float[s.numel()];
            if (leaf.equals("weight") && s.rank() >= 2) {
                double b = Math.sqrt(6.0 / (d.length / s.dim(0)));
                for (int i = 0; i < d.length; i++) {
                    d[i] = (float) ((rnd.nextDouble() * 2 - 1) * b);
                }
            } else if (leaf.equals("weight") || leaf.equals("running_var")) {
                java.util.Arrays.fill(d, 1f);
            } else if (!leaf.equals("bias") && !leaf.equals("running_mean")) {
                for (int i = 0; i < d.length; i++) {
                    d[i] = (float) (gaussian(rnd) * 0.02);
                }
            }
            p.setValue(Tensor.wrap(s, d));
        }
    }

    private static double gaussian(SplittableRandom rnd) {
        double u1 = 1.0 - rnd.nextDouble();
        double u2 = rnd.nextDouble();
        return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
    }
}
