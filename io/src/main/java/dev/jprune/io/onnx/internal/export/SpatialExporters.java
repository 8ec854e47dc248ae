package dev.jprune.io.onnx.internal.export;

import dev.jprune.ops.PixelShuffle;
import dev.jprune.ops.PixelUnshuffle;
import dev.jprune.ops.Upsample;
import dev.jprune.tensor.Shape;

import static dev.jprune.io.onnx.internal.export.Emitter.ins;

/**
 * Ops that move or resample pixels of {@code (N, C, H, W)}. PixelShuffle → {@code DepthToSpace(blocksize, mode)},
 * mode {@code CRD} (PyTorch's channel-first order) or {@code DCR}. PixelUnshuffle in ONNX's block-first order →
 * {@code SpaceToDepth}; in PyTorch's channel-first order, which {@code SpaceToDepth} has no mode for, → each
 * plane on its own: {@code Reshape (N·C, 1, H·r, W·r)}, {@code SpaceToDepth} (one input channel, so its block
 * order is {@code i·r + j}), {@code Reshape (N, C·r², H, W)} (channel {@code c·r² + i·r + j}). Only ops the
 * importer reads, so the form round-trips (a Transpose of the 6-D view would not).
 * Upsample → {@code Resize} with the op's mode, coordinate transformation and nearest rounding; the scales as a
 * FLOAT input when the op's scales are floats and give its output size, otherwise the output size as {@code sizes}
 * (ONNX Runtime then scales by output / input, as the importer does).
 */
final class SpatialExporters {

    private SpatialExporters() {
    }

    static void register(ExporterRegistry r) {
        r.register(PixelShuffle.class, (op, e) -> e.applyTo(0, "DepthToSpace", ins(e.in(0)),
                Attrs.i("blocksize", op.upscaleFactor()), Attrs.s("mode", op.dcr() ? "DCR" : "CRD")));
        r.register(PixelUnshuffle.class, SpatialExporters::pixelUnshuffle);
        r.register(Upsample.class, SpatialExporters::upsample);
    }

    private static void pixelUnshuffle(PixelUnshuffle op, Emitter e) {
        int f = op.downscaleFactor();
        if (op.dcr()) {
            e.applyTo(0, "SpaceToDepth", ins(e.in(0)), Attrs.i("blocksize", f));
            return;
        }
        Shape in = e.inShape(0);
        Shape out = e.outShape(0);
        String planes = e.apply("Reshape", ins(e.in(0), e.ints(in.dim(0) * in.dim(1), 1, in.dim(2), in.dim(3))));
        String blocks = e.apply("SpaceToDepth", ins(planes), Attrs.i("blocksize", f));
        e.applyTo(0, "Reshape", ins(blocks, e.ints(out.dims())));
    }

    private static void upsample(Upsample op, Emitter e) {
        Shape in = e.inShape(0);
        int h = in.dim(2);
        int w = in.dim(3);
        boolean floatScales = (float) op.scaleH() == op.scaleH() && (float) op.scaleW() == op.scaleW();
        boolean scalesGiveSize = outSize(h, (float) op.scaleH()) == op.outH()
                && outSize(w, (float) op.scaleW()) == op.outW();
        boolean sizesGiveScale = op.outH() / (double) h == op.scaleH() && op.outW() / (double) w == op.scaleW();
        String x = e.in(0);
        String[] inputs;
        if (scalesGiveSize && (floatScales || !sizesGiveScale)) {
            inputs = ins(x, "", e.floats(Shape.of(4), new float[] {1, 1, (float) op.scaleH(), (float) op.scaleW()}));
        } else if (sizesGiveScale) {
            inputs = ins(x, "", "", e.ints(in.dim(0), in.dim(1), op.outH(), op.outW()));
        } else {
            throw e.unsupported("output " + op.outH() + "x" + op.outW() + " of a " + h + "x" + w
                    + " input with scales ("
                    + op.scaleH() + ", " + op.scaleW() + "): Resize takes either the scales (output = floor(input · "
                    + "scale)) or the output size (scale = output / input), and neither gives both here");
        }
        e.applyTo(0, "Resize", inputs, Attrs.s("mode", op.mode()),
                Attrs.s("coordinate_transformation_mode", op.coordinateMode()),
                Attrs.s("nearest_mode", op.nearestMode()));
    }

    /** ONNX's output size for a scale: {@code floor(in · scale)}. */
    private static int outSize(int in, float scale) {
        return (int) Math.floor(in * (double) scale);
    }
}
