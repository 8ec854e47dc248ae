package dev.jprune.weights;

import dev.jprune.ir.DType;
import dev.jprune.ir.Graph;
import dev.jprune.ir.Parameter;
import dev.jprune.tensor.Shape;
import dev.jprune.tensor.Tensor;

import java.nio.charset.StandardCharsets;
import java.util.zip.CRC32;

/**
 * Parity weights and inputs: deterministic values reproducible bit for bit in any language, so that one model built
 * in PyTorch and in jprune holds identical weights ({@code shared/reference/PARITY.md}).
 *
 * <pre>
 * u(name, i): h = (i · 2654435761 + crc32(name)) mod 2^32; h ^= h >> 16; h = h · 0x45d9f3b mod 2^32; h ^= h >> 16;
 *             return h / 2^32 − 0.5
 * </pre>
 *
 * Tensors are filled by full name and flat row-major index according to the name's last component: {@code weight}
 * with rank ≥ 2: {@code u · (2 · sqrt(6 / fan_in))}, {@code fan_in = numel / shape[0]}; {@code weight} of rank 1:
 * {@code 1 + 0.2 u}; {@code running_var}: {@code 1.5 + u}; anything else: {@code 0.2 u}; computed in double and
 * rounded once to float. Integer buffers are left alone.
 */
public final class Parity {

    private static final long MASK = 0xFFFFFFFFL;

    private Parity() {
    }

    /** {@code u(name, i)} in {@code [-0.5, 0.5)}. */
    public static double u(String name, long index) {
        return u(crc(name), index);
    }

    private static long crc(String name) {
        CRC32 crc = new CRC32();
        crc.update(name.getBytes(StandardCharsets.UTF_8));
        return crc.getValue();
    }

    private static double u(long crc, long index) {
        long h = (index * 2654435761L + crc) & MASK;
        h ^= h >>> 16;
        h = (h * 0x45d9f3bL) & MASK;
        h ^= h >>> 16;
        return h / 4294967296.0 - 0.5;
    }

    /** The parity value tensor for a {@code state_dict} entry named {@code name} with this shape. */
    public static Tensor value(String name, Shape shape) {
        int n = shape.numel();
        float[] out = new float[n];
        long crc = crc(name);
        int dot = name.lastIndexOf('.');
        String leaf = dot < 0 ? name : name.substring(dot + 1);
        if (leaf.equals("weight") && shape.rank() >= 2) {
            int fanIn = n / shape.dim(0);
            double scale = 2.0 * Math.sqrt(6.0 / fanIn);
            for (int i = 0; i < n; i++) {
                out[i] = (float) (u(crc, i) * scale);
            }
        } else if (leaf.equals("weight")) {
            for (int i = 0; i < n; i++) {
                out[i] = (float) (1.0 + 0.2 * u(crc, i));
            }
        } else if (leaf.equals("running_var")) {
            for (int i = 0; i < n; i++) {
                out[i] = (float) (1.5 + u(crc, i));
            }
        } else {
            for (int i = 0; i < n; i++) {
                out[i] = (float) (0.2 * u(crc, i));
            }
        }
        return Tensor.wrap(shape, out);
    }

    /** The example input of this shape: {@code u("input", i) · 2}. */
    public static Tensor input(Shape shape) {
        int n = shape.numel();
        float[] out = new float[n];
        long crc = crc("input");
        for (int i = 0; i < n; i++) {
            out[i] = (float) (u(crc, i) * 2.0);
        }
        return Tensor.wrap(shape, out);
    }

    /** Fills every float parameter and buffer of the graph with its parity value; integer buffers are untouched. */
    public static void fill(Graph graph) {
        for (Parameter p : graph.stateDict().values()) {
            if (p.dtype() == DType.FLOAT32) {
                p.setValue(value(p.name(), p.shape()));
            }
        }
    }
}
