package dev.jprune.io.onnx.internal.export;

import dev.jprune.ops.AdaptiveAvgPool2d;
import dev.jprune.ops.AdaptiveMaxPool2d;
import dev.jprune.ops.AvgPool2d;
import dev.jprune.ops.MaxPool2d;
import dev.jprune.tensor.Shape;

import static dev.jprune.io.onnx.internal.export.Emitter.ins;

/**
 * Pooling: MaxPool2d → {@code MaxPool}, AvgPool2d → {@code AveragePool} (a divisor override has no ONNX form),
 * AdaptiveAvgPool2d / AdaptiveMaxPool2d → {@code GlobalAveragePool} / {@code GlobalMaxPool} for a 1×1 output,
 * {@code AveragePool} / {@code MaxPool} with kernel = stride = input/output when the output divides the input, and
 * an error otherwise (ONNX has no adaptive pooling with uneven windows).
 */
final class PoolExporters {

    private PoolExporters() {
    }

    static void register(ExporterRegistry r) {
        r.register(MaxPool2d.class, (p, e) -> e.applyTo(0, "MaxPool", ins(e.in(0)),
                Attrs.ints("kernel_shape", p.kernelH(), p.kernelW()),
                Attrs.ints("strides", p.strideH(), p.strideW()),
                Attrs.ints("pads", p.padH(), p.padW(), p.padH(), p.padW()),
                Attrs.ints("dilations", p.dilationH(), p.dilationW()),
                Attrs.i("ceil_mode", p.ceilMode() ? 1 : 0)));
        r.register(AvgPool2d.class, (p, e) -> {
            if (p.divisorOverride() != null) {
                throw e.unsupported("divisor_override " + p.divisorOverride() + " has no ONNX form");
            }
            e.applyTo(0, "AveragePool", ins(e.in(0)),
                    Attrs.ints("kernel_shape", p.kernelH(), p.kernelW()),
                    Attrs.ints("strides", p.strideH(), p.strideW()),
                    Attrs.ints("pads", p.padH(), p.padW(), p.padH(), p.padW()),
                    Attrs.i("ceil_mode", p.ceilMode() ? 1 : 0),
                    Attrs.i("count_include_pad", p.countIncludePad() ? 1 : 0));
        });
        r.register(AdaptiveAvgPool2d.class, (p, e) -> adaptive(e, p.outH(), p.outW(), "AveragePool",
                "GlobalAveragePool"));
        r.register(AdaptiveMaxPool2d.class, (p, e) -> adaptive(e, p.outH(), p.outW(), "MaxPool", "GlobalMaxPool"));
    }

    private static void adaptive(Emitter e, int outH, int outW, String pool, String global) {
        Shape in = e.inShape(0);
        int h = in.dim(2);
        int w = in.dim(3);
        if (outH == 1 && outW == 1) {
            e.applyTo(0, global, ins(e.in(0)));
        } else if (h % outH == 0 && w % outW == 0) {
            e.applyTo(0, pool, ins(e.in(0)), Attrs.ints("kernel_shape", h / outH, w / outW),
                    Attrs.ints("strides", h / outH, w / outW));
        } else {
            throw e.unsupported("output " + outH + "x" + outW + " does not divide the input " + h + "x" + w
                    + " (ONNX pools with equal windows only)");
        }
    }
}
