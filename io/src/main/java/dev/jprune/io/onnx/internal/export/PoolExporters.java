package dev.jprune.io.onnx.internal.export;

import dev.jprune.ops.AdaptiveAvgPool2d;
import dev.jprune.ops.AdaptiveMaxPool2d;
import dev.jprune.ops.AvgPool2d;
import dev.jprune.ops.MaxPool2d;
import dev.jprune.io.onnx.internal.proto.Onnx.AttributeProto;
import dev.jprune.tensor.Shape;

import static dev.jprune.io.onnx.internal.export.Emitter.ins;

/**
 * Pooling: MaxPool2d → {@code MaxPool}, AvgPool2d → {@code AveragePool} (ceil mode refitted where ONNX Runtime
 * differs from PyTorch, see {@link #maxPool} and {@link #avgPool}; a divisor override has no ONNX form),
 * AdaptiveAvgPool2d / AdaptiveMaxPool2d → {@code GlobalAveragePool} / {@code GlobalMaxPool} for a 1×1 output,
 * {@code AveragePool} / {@code MaxPool} with kernel = stride = input/output when the output divides the input, and
 * an error otherwise (ONNX has no adaptive pooling with uneven windows).
 */
final class PoolExporters {

    private PoolExporters() {
    }

    static void register(ExporterRegistry r) {
        r.register(MaxPool2d.class, PoolExporters::maxPool);
        r.register(AvgPool2d.class, PoolExporters::avgPool);
        r.register(AdaptiveAvgPool2d.class, (p, e) -> adaptive(e, p.outH(), p.outW(), "AveragePool",
                "GlobalAveragePool"));
        r.register(AdaptiveMaxPool2d.class, (p, e) -> adaptive(e, p.outH(), p.outW(), "MaxPool", "GlobalMaxPool"));
    }

    /**
     * MaxPool. PyTorch drops a ceil-mode window that would start in the right padding, ONNX Runtime keeps it; when
     * that changes the output size the pool is written in floor mode with the end padding that gives PyTorch's size
     * (padding is −inf, so it never wins).
     */
    private static void maxPool(MaxPool2d p, Emitter e) {
        Shape in = e.inShape(0);
        Shape out = e.outShape(0);
        int kh = (p.kernelH() - 1) * p.dilationH() + 1;
        int kw = (p.kernelW() - 1) * p.dilationW() + 1;
        boolean refit = p.ceilMode() && (ceilOut(in.dim(2), kh, p.strideH(), p.padH()) != out.dim(2)
                || ceilOut(in.dim(3), kw, p.strideW(), p.padW()) != out.dim(3));
        int eh = refit ? endPad(in.dim(2), out.dim(2), kh, p.strideH(), p.padH()) : p.padH();
        int ew = refit ? endPad(in.dim(3), out.dim(3), kw, p.strideW(), p.padW()) : p.padW();
        e.applyTo(0, "MaxPool", ins(e.in(0)),
                Attrs.ints("kernel_shape", p.kernelH(), p.kernelW()),
                Attrs.ints("strides", p.strideH(), p.strideW()),
                Attrs.ints("pads", p.padH(), p.padW(), eh, ew),
                Attrs.ints("dilations", p.dilationH(), p.dilationW()),
                Attrs.i("ceil_mode", p.ceilMode() && !refit ? 1 : 0));
    }

    /**
     * AveragePool. In ceil mode two things differ from PyTorch: ONNX Runtime keeps a last window that starts in the
     * right padding (PyTorch drops it), and with {@code count_include_pad} it divides a last window running past the
     * padded input by the whole kernel (PyTorch by the window clipped to the padded input). In those cases the pool
     * is written in floor mode with the end padding that gives PyTorch's output size and without counting padding,
     * and with {@code count_include_pad} multiplied by a constant {@code (1, 1, OH, OW)} map of
     * (elements inside the input) / (PyTorch's divisor) per window. (An explicit Pad before the pool would be
     * simpler, but ONNX Runtime 1.20 fuses Pad into a following AveragePool even when padding is not counted.)
     */
    private static void avgPool(AvgPool2d p, Emitter e) {
        if (p.divisorOverride() != null) {
            throw e.unsupported("divisor_override " + p.divisorOverride() + " has no ONNX form");
        }
        Shape in = e.inShape(0);
        Shape out = e.outShape(0);
        int h = in.dim(2);
        int w = in.dim(3);
        int oh = out.dim(2);
        int ow = out.dim(3);
        boolean mismatch = p.ceilMode() && (ceilOut(h, p.kernelH(), p.strideH(), p.padH()) != oh
                || ceilOut(w, p.kernelW(), p.strideW(), p.padW()) != ow);
        boolean overhang = runsPast(h, oh, p.kernelH(), p.strideH(), p.padH())
                || runsPast(w, ow, p.kernelW(), p.strideW(), p.padW());
        boolean include = p.countIncludePad();
        if (!mismatch && !(include && overhang)) {
            e.applyTo(0, "AveragePool", ins(e.in(0)),
                    Attrs.ints("kernel_shape", p.kernelH(), p.kernelW()),
                    Attrs.ints("strides", p.strideH(), p.strideW()),
                    Attrs.ints("pads", p.padH(), p.padW(), p.padH(), p.padW()),
                    Attrs.i("ceil_mode", p.ceilMode() ? 1 : 0),
                    Attrs.i("count_include_pad", include ? 1 : 0));
            return;
        }
        String[] pool = ins(e.in(0));
        AttributeProto[] attrs = {
            Attrs.ints("kernel_shape", p.kernelH(), p.kernelW()),
            Attrs.ints("strides", p.strideH(), p.strideW()),
            Attrs.ints("pads", p.padH(), p.padW(), endPad(h, oh, p.kernelH(), p.strideH(), p.padH()),
                    endPad(w, ow, p.kernelW(), p.strideW(), p.padW())),
            Attrs.i("ceil_mode", 0),
            Attrs.i("count_include_pad", 0)};
        if (!include) {
            e.applyTo(0, "AveragePool", pool, attrs);
            return;
        }
        float[] fix = new float[oh * ow];
        for (int i = 0; i < oh; i++) {
            for (int j = 0; j < ow; j++) {
                fix[i * ow + j] = (float) ((double) inside(h, i, p.kernelH(), p.strideH(), p.padH())
                        * inside(w, j, p.kernelW(), p.strideW(), p.padW())
                        / (clipped(h, i, p.kernelH(), p.strideH(), p.padH())
                        * clipped(w, j, p.kernelW(), p.strideW(), p.padW())));
            }
        }
        String avg = e.apply("AveragePool", pool, attrs);
        e.applyTo(0, "Mul", ins(avg, e.floats(Shape.of(1, 1, oh, ow), fix)));
    }

    /** The number of input positions in window {@code o} along an axis. */
    private static int inside(int in, int o, int kernel, int stride, int pad) {
        int start = o * stride - pad;
        return Math.min(start + kernel, in) - Math.max(start, 0);
    }

    /** PyTorch's divisor along an axis with padding counted: window {@code o} clipped to {@code [−pad, in + pad)}. */
    private static int clipped(int in, int o, int kernel, int stride, int pad) {
        int start = o * stride - pad;
        return Math.min(start + kernel, in + pad) - start;
    }

    /** ONNX Runtime's ceil-mode output size. */
    private static int ceilOut(int in, int kernel, int stride, int pad) {
        return Math.floorDiv(in + 2 * pad - kernel + stride - 1, stride) + 1;
    }

    /** The end padding that makes a floor-mode pool give {@code out} windows (at least {@code pad}). */
    private static int endPad(int in, int out, int kernel, int stride, int pad) {
        return Math.max(pad, (out - 1) * stride + kernel - in - pad);
    }

    /** Whether the last of {@code out} windows along an axis of size {@code in} ends past {@code in + pad}. */
    private static boolean runsPast(int in, int out, int kernel, int stride, int pad) {
        return (long) (out - 1) * stride - pad + kernel > in + pad;
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
