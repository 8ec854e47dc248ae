package dev.jprune.io.onnx.internal.export;

import dev.jprune.ops.Conv2d;
import dev.jprune.ops.ConvTranspose2d;

import java.util.ArrayList;
import java.util.List;

/** {@link Conv2d} → {@code Conv}, {@link ConvTranspose2d} → {@code ConvTranspose} (weights as initializers). */
final class ConvExporters {

    private ConvExporters() {
    }

    static void register(ExporterRegistry r) {
        r.register(Conv2d.class, ConvExporters::conv);
        r.register(ConvTranspose2d.class, ConvExporters::convTranspose);
    }

    private static String[] inputs(Emitter e) {
        List<String> in = new ArrayList<>(List.of(e.in(0), e.param("weight")));
        if (e.hasParam("bias")) { // present when the op has a bias, or when BatchNorm folding gave it one
            in.add(e.param("bias"));
        }
        return in.toArray(new String[0]);
    }

    static void conv(Conv2d c, Emitter e) {
        e.applyTo(0, "Conv", inputs(e),
                Attrs.ints("kernel_shape", c.kernelH(), c.kernelW()),
                Attrs.ints("strides", c.strideH(), c.strideW()),
                Attrs.ints("pads", c.padH(), c.padW(), c.padH(), c.padW()),
                Attrs.ints("dilations", c.dilationH(), c.dilationW()),
                Attrs.i("group", c.groups()));
    }

    static void convTranspose(ConvTranspose2d c, Emitter e) {
        e.applyTo(0, "ConvTranspose", inputs(e),
                Attrs.ints("kernel_shape", c.kernelH(), c.kernelW()),
                Attrs.ints("strides", c.strideH(), c.strideW()),
                Attrs.ints("pads", c.padH(), c.padW(), c.padH(), c.padW()),
                Attrs.ints("output_padding", c.outputPadH(), c.outputPadW()),
                Attrs.ints("dilations", c.dilationH(), c.dilationW()),
                Attrs.i("group", c.groups()));
    }
}
