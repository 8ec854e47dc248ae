package dev.jprune.io.onnx.internal.convert;

import dev.jprune.io.onnx.OnnxAttribute;
import dev.jprune.io.onnx.OnnxNode;
import dev.jprune.ir.Value;
import dev.jprune.ops.ConvTranspose2d;
import dev.jprune.ops.Pad;

import java.io.IOException;
import java.util.Arrays;

import static dev.jprune.io.onnx.internal.convert.ImportContext.intAttr;
import static dev.jprune.io.onnx.internal.convert.ImportContext.stringAttr;

/** ConvTranspose (2-D) as {@link ConvTranspose2d}, with a cropping {@link Pad} after it for asymmetric pads. */
final class Transposed {

    private Transposed() {
    }

    /**
     * ConvTranspose: groups, strides, dilations, output_padding and pads {@code [top, left, bottom, right]}; pads
     * from {@code auto_pad} SAME_UPPER / SAME_LOWER (output = input·stride) or from an {@code output_shape}
     * attribute as the ONNX spec computes them. Unequal begin and end pads become the smaller padding on the layer
     * and a crop (a Pad with negative amounts) of the rest.
     */
    static void convTranspose(ImportContext cx, OnnxNode n, String name) throws IOException {
        Value x = cx.dynamic(n, 0);
        Const w = cx.constant(n, 1, "the weight");
        int[] wd = w.dims();
        if (wd.length != 4 || x.shape().rank() != 4) {
            throw cx.unsupported(n, "only 2-D transposed convolution is supported (weight dims "
                    + Arrays.toString(wd) + ", input " + x.shape() + ")");
        }
        int groups = (int) intAttr(n, "group", 1);
        int[] stride = cx.ints(n, "strides", 2, 1);
        int[] dil = cx.ints(n, "dilations", 2, 1);
        int[] outPad = cx.ints(n, "output_padding", 2, 0);
        int[] k = {wd[2], wd[3]};
        int[] in = {x.shape().dim(2), x.shape().dim(3)};
        String auto = stringAttr(n, "auto_pad", "NOTSET");
        int[] begin = new int[2];
        int[] end = new int[2];
        OnnxAttribute outputShape = n.attribute("output_shape");
        if (outputShape != null || auto.equals("SAME_UPPER") || auto.equals("SAME_LOWER")) {
            long[] target = outputShape == null ? null : outputShape.asInts();
            if (target != null && target.length != 2 && target.length != 4) {
                throw cx.unsupported(n, "output_shape " + Arrays.toString(target) + "; expected 2 spatial sizes");
            }
            for (int a = 0; a < 2; a++) {
                long want = target == null ? (long) in[a] * stride[a] : target[target.length - 2 + a];
                long full = (long) stride[a] * (in[a] - 1) + outPad[a] + (long) (k[a] - 1) * dil[a] + 1;
                long total = full - want;
                if (total < 0) {
                    throw cx.unsupported(n, (target == null ? "auto_pad " + auto : "output_shape "
                            + Arrays.toString(target)) + " needs " + (-total) + " more output positions along axis "
                            + (a + 2) + " than the layer produces (" + full + "); raise output_padding instead");
                }
                int small = (int) (total / 2);
                int large = (int) (total - total / 2);
                boolean upper = auto.equals("SAME_UPPER");
                begin[a] = upper ? small : large;
                end[a] = upper ? large : small;
            }
        } else if (auto.equals("NOTSET") || auto.equals("VALID")) {
            int[] p = auto.equals("VALID") ? new int[4] : cx.ints(n, "pads", 4, 0);
            begin = new int[] {p[0], p[1]};
            end = new int[] {p[2], p[3]};
        } else {
            throw cx.unsupported(n, "auto_pad " + auto);
        }
        int padH = Math.min(begin[0], end[0]);
        int padW = Math.min(begin[1], end[1]);
        if (padH < 0 || padW < 0) {
            throw cx.unsupported(n, "negative pads " + Arrays.toString(begin) + " / " + Arrays.toString(end));
        }
        boolean bias = cx.hasInput(n, 2);
        ConvTranspose2d op;
        try {
            op = new ConvTranspose2d(wd[0], wd[1] * groups, k[0], k[1], stride[0], stride[1], padH, padW, outPad[0],
                    outPad[1], dil[0], dil[1], groups, bias);
        } catch (IllegalArgumentException e) {
            throw cx.unsupported(n, e.getMessage());
        }
        String m = cx.moduleName(n.inputs().get(1), name);
        cx.param(m, "weight", w, n.inputs().get(1));
        if (bias) {
            cx.param(m, "bias", n, 2, "the bias");
        }
        Value y = cx.module(m, op, x);
        if (begin[0] != end[0] || begin[1] != end[1]) {
            // crop what the symmetric padding left: F.pad order (left, right, top, bottom), negative amounts
            y = cx.call(name + "_crop", Pad.of(padW - begin[1], padW - end[1], padH - begin[0], padH - end[0]), y);
        }
        cx.output(n, y);
    }
}
