package dev.jprune.io.onnx.internal.convert;

import dev.jprune.io.onnx.OnnxNode;
import dev.jprune.ops.Clamp;
import dev.jprune.ops.Hardsigmoid;
import dev.jprune.ops.ReLU6;

import java.io.IOException;

import static dev.jprune.io.onnx.internal.convert.ImportContext.floatAttr;

/** Activations with attributes: HardSigmoid, Clip. (Attribute-free ones are registered directly.) */
final class Activations {

    private Activations() {
    }

    /** HardSigmoid with PyTorch's alpha 1/6 and beta 1/2. */
    static void hardSigmoid(ImportContext cx, OnnxNode n, String name) throws IOException {
        float alpha = floatAttr(n, "alpha", 0.2f);
        float beta = floatAttr(n, "beta", 0.5f);
        if (Math.abs(alpha - 1f / 6) > 1e-6 || beta != 0.5f) {
            throw cx.unsupported(n, "alpha " + alpha + ", beta " + beta + "; only PyTorch's (1/6, 0.5) is supported");
        }
        cx.unary(n, name, new Hardsigmoid());
    }

    /** Clip: ReLU6 for [0, 6], else Clamp; bounds as attributes (opset &lt; 11) or inputs. */
    static void clip(ImportContext cx, OnnxNode n, String name) throws IOException {
        float min = floatAttr(n, "min", Float.NEGATIVE_INFINITY);
        float max = floatAttr(n, "max", Float.POSITIVE_INFINITY);
        if (cx.hasInput(n, 1)) {
            min = cx.scalar(n, cx.constant(n, 1, "min"));
        }
        if (cx.hasInput(n, 2)) {
            max = cx.scalar(n, cx.constant(n, 2, "max"));
        }
        cx.unary(n, name, min == 0f && max == 6f ? new ReLU6() : new Clamp(min, max));
    }
}
