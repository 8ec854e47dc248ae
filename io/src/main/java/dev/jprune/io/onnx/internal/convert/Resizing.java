package dev.jprune.io.onnx.internal.convert;

import dev.jprune.io.onnx.OnnxAttribute;
import dev.jprune.io.onnx.OnnxNode;
import dev.jprune.ir.Value;
import dev.jprune.ops.Upsample;

import java.io.IOException;
import java.util.Arrays;
import java.util.List;

import static dev.jprune.io.onnx.internal.convert.ImportContext.intAttr;
import static dev.jprune.io.onnx.internal.convert.ImportContext.stringAttr;

/**
 * Resize (opsets 10, 11, 13, 18, 19) and Upsample (opsets 7 to 9) on {@code (N, C, H, W)} as {@link Upsample}:
 * modes nearest and linear, the coordinate transformations asymmetric, half_pixel, pytorch_half_pixel and
 * align_corners, every nearest rounding. Anything else (cubic, tf_crop_and_resize, antialiasing when shrinking,
 * resizing N or C, a keep-aspect-ratio policy) is refused naming the attribute; cubic_coeff_a and exclude_outside
 * only affect cubic, so they are ignored.
 */
final class Resizing {

    private static final List<String> COORDINATES = List.of("asymmetric", "half_pixel", "pytorch_half_pixel",
            "align_corners");

    private Resizing() {
    }

    /** Upsample (deprecated in opset 10): scales as input 1 (opset 9) or attribute (7, 8); asymmetric coordinates. */
    static void upsample(ImportContext cx, OnnxNode n, String name) throws IOException {
        Value x = cx.dynamic(n, 0);
        float[] scales;
        if (cx.hasInput(n, 1)) {
            scales = cx.constant(n, 1, "scales").floatValues();
        } else if (n.attribute("scales") != null) {
            scales = n.attribute("scales").asFloats();
        } else {
            throw cx.unsupported(n, "no scales (input 1 or attribute)");
        }
        String mode = stringAttr(n, "mode", "nearest");
        if (mode.equals("bilinear")) {
            mode = "linear";
        }
        if (!mode.equals("nearest") && !mode.equals("linear")) {
            throw cx.unsupported(n, "mode '" + mode + "'; nearest and linear are supported");
        }
        emit(cx, n, name, x, scales, null, mode, "asymmetric", "floor");
    }

    /** Resize: opset 10 (X, scales; asymmetric), 11+ (X, roi, scales, sizes), 18+ (axes, antialias, policy). */
    static void resize(ImportContext cx, OnnxNode n, String name) throws IOException {
        Value x = cx.dynamic(n, 0);
        String mode = stringAttr(n, "mode", "nearest");
        if (!mode.equals("nearest") && !mode.equals("linear")) {
            throw cx.unsupported(n, "mode '" + mode + "'; nearest and linear are supported");
        }
        float[] scales = null;
        long[] sizes = null;
        String coordinate;
        String nearest;
        if (cx.opset() < 11) {
            scales = cx.constant(n, 1, "scales").floatValues();
            coordinate = "asymmetric";
            nearest = "floor";
        } else {
            coordinate = stringAttr(n, "coordinate_transformation_mode", "half_pixel");
            nearest = stringAttr(n, "nearest_mode", "round_prefer_floor");
            if (!COORDINATES.contains(coordinate)) {
                throw cx.unsupported(n, "coordinate_transformation_mode '" + coordinate + "'; supported are "
                        + COORDINATES);
            }
            if (cx.hasInput(n, 2)) {
                Const s = cx.constant(n, 2, "scales");
                scales = s.size() == 0 ? null : s.floatValues();
            }
            if (cx.hasInput(n, 3)) {
                Const s = cx.constant(n, 3, "sizes");
                sizes = s.size() == 0 ? null : s.longValues();
            }
            if ((scales == null) == (sizes == null)) {
                throw cx.unsupported(n, "exactly one of scales and sizes must be given, got "
                        + (scales == null ? "neither" : "both"));
            }
            String policy = stringAttr(n, "keep_aspect_ratio_policy", "stretch");
            if (!policy.equals("stretch") && sizes != null) {
                throw cx.unsupported(n, "keep_aspect_ratio_policy '" + policy + "'; only 'stretch' is supported");
            }
            OnnxAttribute axes = n.attribute("axes");
            if (axes != null) {
                long[] a = axes.asInts();
                float[] fullScales = scales == null ? null : new float[] {1, 1, 1, 1};
                long[] fullSizes = sizes == null ? null : new long[] {x.shape().dim(0), x.shape().dim(1),
                        x.shape().dim(2), x.shape().dim(3)};
                for (int i = 0; i < a.length; i++) {
                    int ax = (int) (a[i] < 0 ? a[i] + 4 : a[i]);
                    if (ax < 0 || ax > 3) {
                        throw cx.unsupported(n, "axes " + Arrays.toString(a) + " for a rank-4 input");
                    }
                    if (fullScales != null) {
                        fullScales[ax] = scales[i];
                    } else {
                        fullSizes[ax] = sizes[i];
                    }
                }
                scales = fullScales;
                sizes = fullSizes;
            }
            if (intAttr(n, "antialias", 0) != 0) {
                boolean shrinks = false;
                for (int a = 2; a < 4; a++) {
                    shrinks |= scales != null ? scales.length == 4 && scales[a] < 1
                            : sizes.length == 4 && sizes[a] < x.shape().dim(a);
                }
                if (shrinks) {
                    throw cx.unsupported(n, "antialias=1 when downsampling");
                }
            }
        }
        emit(cx, n, name, x, scales, sizes, mode, coordinate, nearest);
    }

    private static void emit(ImportContext cx, OnnxNode n, String name, Value x, float[] scales, long[] sizes,
                             String mode, String coordinate, String nearest) throws IOException {
        if (x.shape().rank() != 4) {
            throw cx.unsupported(n, "only (N, C, H, W) inputs are resized, got " + x.shape());
        }
        int[] in = x.shape().dims();
        int[] out = new int[4];
        double[] s = new double[4];
        int count = scales != null ? scales.length : sizes.length;
        if (count != 4) {
            throw cx.unsupported(n, (scales != null ? "scales " + Arrays.toString(scales) : "sizes "
                    + Arrays.toString(sizes)) + " have " + count + " entries for a rank-4 input");
        }
        for (int a = 0; a < 4; a++) {
            if (scales != null) {
                s[a] = scales[a];
                out[a] = (int) Math.floor(in[a] * (double) scales[a]);
            } else {
                out[a] = Math.toIntExact(sizes[a]);
                s[a] = out[a] / (double) in[a];
            }
        }
        if (out[0] != in[0] || out[1] != in[1] || s[0] != 1 || s[1] != 1) {
            throw cx.unsupported(n, "resizing the batch or channel axis (" + (scales != null ? "scales "
                    + Arrays.toString(scales) : "sizes " + Arrays.toString(sizes)) + ")");
        }
        Upsample op;
        try {
            op = new Upsample(out[2], out[3], s[2], s[3], mode, coordinate, nearest);
        } catch (IllegalArgumentException e) {
            throw cx.unsupported(n, "nearest_mode '" + nearest + "' or scales: " + e.getMessage());
        }
        cx.output(n, cx.apply(n, name, op, true, x));
    }
}
