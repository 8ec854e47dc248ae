package dev.jprune.io.onnx;

import dev.jprune.ir.Graph;
import dev.jprune.ops.InstanceNorm2d;
import dev.jprune.ops.PReLU;
import dev.jprune.ops.PixelShuffle;
import dev.jprune.tensor.Shape;
import dev.jprune.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Path;

import static dev.jprune.io.onnx.TinyOnnx.random;
import static dev.jprune.io.onnx.TinyOnnx.randomFloats;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The importer at opsets 9, 11, 13, 18 and 21 (and 10 and 19 for Resize) on one-node and few-node models built from
 * the ONNX protos: each op's attribute-versus-input forms, against expected outputs computed here by naive loops in
 * double, and against ONNX Runtime 1.20 on the same file. Tolerance: {@code |jprune − ref| ≤ 1e-5·max|ref| + 1e-6}
 * for both. Unsupported attribute values must fail naming the op type, the node and the opset.
 */
class OnnxOpsetTest {

    private static final long SEED = 0x0_5E7_5EEDL;
    private static final String[] X = {"x"};

    @TempDir
    Path tmp;

    /** Imports and runs {@code m} on {@code x}; each output must match {@code expected} and ONNX Runtime. */
    private Graph check(TinyOnnx m, String name, Tensor x, double[]... expected) throws Exception {
        Path f = m.write(tmp, name);
        Graph g = m.importFrom(f);
        Tensor[] out = TinyOnnx.run(g, x);
        java.util.List<Tensor> ort = OrtRun.run(f, java.util.Map.of("x", x));
        assertEquals(expected.length, out.length, name + ": outputs");
        for (int k = 0; k < expected.length; k++) {
            assertClose(expected[k], out[k].data(), name + " output " + k + " vs naive loops (seed " + SEED + ")");
            assertClose(OrtRun.toDouble(ort.get(k).data()), out[k].data(), name + " output " + k + " vs ONNX Runtime (seed " + SEED + ")");
        }
        return g;
    }

    /** The importer's output against a reference: {@code |ref − got| ≤ 1e-5·max|ref| + 1e-6}. */
    private static void assertClose(double[] ref, float[] got, String what) {
        OrtRun.assertClose(ref, got, 1e-5, 1e-6, what);
    }

    private void assertRefused(TinyOnnx m, String name, long opset, String op, String node, String... fragments)
            throws Exception {
        Path f = m.write(tmp, name);
        UnsupportedOnnxOpException e = assertThrows(UnsupportedOnnxOpException.class, () -> m.importFrom(f));
        String msg = e.getMessage();
        for (String s : new String[] {op, "'" + node + "'", "opset " + opset}) {
            assertTrue(msg.contains(s), "'" + msg + "' should name " + s);
        }
        for (String s : fragments) {
            assertTrue(msg.contains(s), "'" + msg + "' should contain " + s);
        }
    }

    // ---- naive references (NCHW, double) ----

    /** Convolution with pads {@code [top, left, bottom, right]}. */
    static double[] conv(Tensor x, float[] w, float[] b, int cout, int kh, int kw, int[] s, int[] d, int[] p, int groups,
                         int[] outDims) {
        int n = x.dim(0);
        int cin = x.dim(1);
        int h = x.dim(2);
        int wd = x.dim(3);
        int oh = (h + p[0] + p[2] - d[0] * (kh - 1) - 1) / s[0] + 1;
        int ow = (wd + p[1] + p[3] - d[1] * (kw - 1) - 1) / s[1] + 1;
        outDims[0] = oh;
        outDims[1] = ow;
        int cinG = cin / groups;
        int coutG = cout / groups;
        double[] out = new double[n * cout * oh * ow];
        for (int img = 0; img < n; img++) {
            for (int co = 0; co < cout; co++) {
                int g = co / coutG;
                for (int y = 0; y < oh; y++) {
                    for (int z = 0; z < ow; z++) {
                        double acc = b == null ? 0 : b[co];
                        for (int ci = 0; ci < cinG; ci++) {
                            for (int i = 0; i < kh; i++) {
                                for (int j = 0; j < kw; j++) {
                                    int yy = y * s[0] - p[0] + i * d[0];
                                    int zz = z * s[1] - p[1] + j * d[1];
                                    if (yy >= 0 && yy < h && zz >= 0 && zz < wd) {
                                        acc += x.get(img, g * cinG + ci, yy, zz)
                                                * w[((co * cinG + ci) * kh + i) * kw + j];
                                    }
                                }
                            }
                        }
                        out[((img * cout + co) * oh + y) * ow + z] = acc;
                    }
                }
            }
        }
        return out;
    }

    /** Transposed convolution: full scatter, then the output window starting at the begin pads. */
    static double[] convTranspose(Tensor x, float[] w, float[] b, int cout, int kh, int kw, int[] s, int[] outPad,
                                  int[] begin, int[] end, int groups) {
        int n = x.dim(0);
        int cin = x.dim(1);
        int h = x.dim(2);
        int wd = x.dim(3);
        int fh = (h - 1) * s[0] + kh + outPad[0];
        int fw = (wd - 1) * s[1] + kw + outPad[1];
        int oh = fh - begin[0] - end[0];
        int ow = fw - begin[1] - end[1];
        int cinG = cin / groups;
        int coutG = cout / groups;
        double[] out = new double[n * cout * oh * ow];
        for (int img = 0; img < n; img++) {
            for (int co = 0; co < cout; co++) {
                for (int y = 0; y < oh; y++) {
                    for (int z = 0; z < ow; z++) {
                        out[((img * cout + co) * oh + y) * ow + z] = b == null ? 0 : b[co];
                    }
                }
            }
            for (int ci = 0; ci < cin; ci++) {
                int g = ci / cinG;
                for (int iy = 0; iy < h; iy++) {
                    for (int iz = 0; iz < wd; iz++) {
                        for (int cl = 0; cl < coutG; cl++) {
                            for (int i = 0; i < kh; i++) {
                                for (int j = 0; j < kw; j++) {
                                    int y = iy * s[0] + i - begin[0];
                                    int z = iz * s[1] + j - begin[1];
                                    if (y >= 0 && y < oh && z >= 0 && z < ow) {
                                        out[((img * cout + g * coutG + cl) * oh + y) * ow + z] += x.get(img, ci, iy, iz)
                                                * w[((ci * coutG + cl) * kh + i) * kw + j];
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        return out;
    }

    // ---- Conv: pads, auto_pad ----

    @ParameterizedTest
    @ValueSource(longs = {9, 11, 13, 18, 21})
    void convWithAsymmetricPadsAndAutoPad(long opset) throws Exception {
        Tensor x = random(SEED, 1, 2, 5, 6);
        float[] w = randomFloats(SEED + 1, 3 * 2 * 3 * 3);
        float[] b = randomFloats(SEED + 2, 3);
        int[] o = new int[2];
        TinyOnnx m = new TinyOnnx(opset).input("x", 1, 2, 5, 6).output("y")
                .floats("conv.weight", new int[] {3, 2, 3, 3}, w).floats("conv.bias", new int[] {3}, b)
                .node("Conv", "conv", new String[] {"x", "conv.weight", "conv.bias"}, "y")
                .ints("kernel_shape", 3, 3).ints("strides", 2, 1).ints("pads", 0, 1, 2, 0).done();
        check(m, "conv_pads" + opset, x, conv(x, w, b, 3, 3, 3, new int[] {2, 1}, new int[] {1, 1},
                new int[] {0, 1, 2, 0}, 1, o));
        // SAME_UPPER, stride 2: out ceil(5/2) = 3, ceil(6/2) = 3; total pads 2 (H) and 1 (W), the odd one at the end
        TinyOnnx up = new TinyOnnx(opset).input("x", 1, 2, 5, 6).output("y")
                .floats("conv.weight", new int[] {3, 2, 3, 3}, w)
                .node("Conv", "conv", new String[] {"x", "conv.weight"}, "y")
                .ints("kernel_shape", 3, 3).ints("strides", 2, 2).s("auto_pad", "SAME_UPPER").done();
        check(up, "conv_same_upper" + opset, x, conv(x, w, null, 3, 3, 3, new int[] {2, 2}, new int[] {1, 1},
                new int[] {1, 0, 1, 1}, 1, o));
        TinyOnnx low = new TinyOnnx(opset).input("x", 1, 2, 5, 6).output("y")
                .floats("conv.weight", new int[] {3, 2, 3, 3}, w)
                .node("Conv", "conv", new String[] {"x", "conv.weight"}, "y")
                .ints("kernel_shape", 3, 3).ints("strides", 2, 2).s("auto_pad", "SAME_LOWER").done();
        check(low, "conv_same_lower" + opset, x, conv(x, w, null, 3, 3, 3, new int[] {2, 2}, new int[] {1, 1},
                new int[] {1, 1, 1, 0}, 1, o));
    }

    // ---- ConvTranspose ----

    @ParameterizedTest
    @ValueSource(longs = {9, 11, 13, 18, 21})
    void convTransposeGroupsOutputPaddingAndAsymmetricPads(long opset) throws Exception {
        Tensor x = random(SEED + 3, 1, 4, 3, 3);
        float[] w = randomFloats(SEED + 4, 4 * 3 * 3 * 2); // (Cin 4, Cout/g 3, 3, 2), groups 2 → Cout 6
        float[] b = randomFloats(SEED + 5, 6);
        TinyOnnx m = new TinyOnnx(opset).input("x", 1, 4, 3, 3).output("y")
                .floats("up.weight", new int[] {4, 3, 3, 2}, w).floats("up.bias", new int[] {6}, b)
                .node("ConvTranspose", "up", new String[] {"x", "up.weight", "up.bias"}, "y")
                .ints("kernel_shape", 3, 2).ints("strides", 2, 2).ints("output_padding", 1, 1).i("group", 2)
                .ints("pads", 1, 0, 1, 0).done();
        Graph g = check(m, "convt" + opset, x, convTranspose(x, w, b, 6, 3, 2, new int[] {2, 2}, new int[] {1, 1},
                new int[] {1, 0}, new int[] {1, 0}, 2));
        assertEquals(Shape.of(4, 3, 3, 2), g.stateDict().get("up.weight").value().shape());
        // asymmetric pads: symmetric part on the layer, the rest cropped
        TinyOnnx a = new TinyOnnx(opset).input("x", 1, 4, 3, 3).output("y")
                .floats("up.weight", new int[] {4, 3, 3, 2}, w)
                .node("ConvTranspose", "up", new String[] {"x", "up.weight"}, "y")
                .ints("strides", 2, 2).i("group", 2).ints("pads", 0, 1, 2, 0).done();
        check(a, "convt_asym" + opset, x, convTranspose(x, w, null, 6, 3, 2, new int[] {2, 2}, new int[] {0, 0},
                new int[] {0, 1}, new int[] {2, 0}, 2));
        // output_shape (8, 6): full size (7, 6) + nothing... full (3-1)·2 + 3 = 7, (3-1)·2 + 2 = 6; target (6, 5)
        TinyOnnx s = new TinyOnnx(opset).input("x", 1, 4, 3, 3).output("y")
                .floats("up.weight", new int[] {4, 3, 3, 2}, w)
                .node("ConvTranspose", "up", new String[] {"x", "up.weight"}, "y")
                .ints("strides", 2, 2).i("group", 2).ints("output_shape", 6, 5).done();
        // NOTSET with output_shape: the odd padding at the beginning
        check(s, "convt_shape" + opset, x, convTranspose(x, w, null, 6, 3, 2, new int[] {2, 2}, new int[] {0, 0},
                new int[] {1, 1}, new int[] {0, 0}, 2));
    }

    // ---- Resize / Upsample ----

    /** The ONNX input coordinate of output {@code o}. */
    private static double source(String mode, int o, int in, int out, double scale) {
        switch (mode) {
            case "asymmetric":
                return o / scale;
            case "align_corners":
                return out == 1 ? 0 : o * (in - 1.0) / (out - 1.0);
            case "pytorch_half_pixel":
                return out == 1 ? 0 : (o + 0.5) / scale - 0.5;
            default:
                return (o + 0.5) / scale - 0.5;
        }
    }

    /** Nearest (floor or round-half-down) or linear resize of every plane of {@code x}. */
    static double[] resize(Tensor x, int oh, int ow, double sh, double sw, String coord, String nearest, boolean linear) {
        int n = x.dim(0) * x.dim(1);
        int h = x.dim(2);
        int w = x.dim(3);
        double[] out = new double[n * oh * ow];
        for (int p = 0; p < n; p++) {
            for (int y = 0; y < oh; y++) {
                for (int z = 0; z < ow; z++) {
                    double sy = source(coord, y, h, oh, sh);
                    double sz = source(coord, z, w, ow, sw);
                    double v;
                    if (linear) {
                        sy = Math.max(0, Math.min(h - 1, sy));
                        sz = Math.max(0, Math.min(w - 1, sz));
                        int y0 = (int) sy;
                        int z0 = (int) sz;
                        int y1 = Math.min(y0 + 1, h - 1);
                        int z1 = Math.min(z0 + 1, w - 1);
                        double fy = sy - y0;
                        double fz = sz - z0;
                        v = plane(x, p, y0, z0) * (1 - fy) * (1 - fz) + plane(x, p, y0, z1) * (1 - fy) * fz
                                + plane(x, p, y1, z0) * fy * (1 - fz) + plane(x, p, y1, z1) * fy * fz;
                    } else {
                        int iy = nearest.equals("floor") ? (int) Math.floor(sy) : (int) Math.ceil(sy - 0.5);
                        int iz = nearest.equals("floor") ? (int) Math.floor(sz) : (int) Math.ceil(sz - 0.5);
                        v = plane(x, p, Math.max(0, Math.min(h - 1, iy)), Math.max(0, Math.min(w - 1, iz)));
                    }
                    out[(p * oh + y) * ow + z] = v;
                }
            }
        }
        return out;
    }

    private static double plane(Tensor x, int p, int y, int z) {
        return x.data()[(p * x.dim(2) + y) * x.dim(3) + z];
    }

    @Test
    void upsampleOpset9AndResizeOpset10UseAsymmetricCoordinates() throws Exception {
        Tensor x = random(SEED + 6, 1, 2, 3, 4);
        TinyOnnx u = new TinyOnnx(9).input("x", 1, 2, 3, 4).output("y")
                .floats("scales", new int[] {4}, 1, 1, 2, 2)
                .node("Upsample", "up", new String[] {"x", "scales"}, "y").s("mode", "nearest").done();
        check(u, "upsample9", x, resize(x, 6, 8, 2, 2, "asymmetric", "floor", false));
        TinyOnnx l = new TinyOnnx(9).input("x", 1, 2, 3, 4).output("y")
                .floats("scales", new int[] {4}, 1, 1, 2, 3)
                .node("Upsample", "up", new String[] {"x", "scales"}, "y").s("mode", "linear").done();
        check(l, "upsample9_linear", x, resize(x, 6, 12, 2, 3, "asymmetric", "floor", true));
        TinyOnnx r = new TinyOnnx(10).input("x", 1, 2, 3, 4).output("y")
                .floats("scales", new int[] {4}, 1, 1, 2, 2)
                .node("Resize", "rs", new String[] {"x", "scales"}, "y").s("mode", "nearest").done();
        check(r, "resize10", x, resize(x, 6, 8, 2, 2, "asymmetric", "floor", false));
    }

    @ParameterizedTest
    @ValueSource(longs = {11, 13, 18, 19, 21})
    void resizeScalesOrSizesNearestAndLinear(long opset) throws Exception {
        Tensor x = random(SEED + 7, 1, 2, 3, 4);
        String roi = opset >= 13 ? "" : "roi";
        // F.interpolate(scale_factor=2, mode='nearest')
        TinyOnnx m = new TinyOnnx(opset).input("x", 1, 2, 3, 4).output("y")
                .floats("roi", new int[] {0}).floats("scales", new int[] {4}, 1, 1, 2, 2)
                .node("Resize", "rs", new String[] {"x", roi, "scales"}, "y").s("mode", "nearest")
                .s("coordinate_transformation_mode", "asymmetric").s("nearest_mode", "floor").done();
        check(m, "resize_nearest" + opset, x, resize(x, 6, 8, 2, 2, "asymmetric", "floor", false));
        // bilinear, align_corners=False, by sizes (7, 9)
        TinyOnnx s = new TinyOnnx(opset).input("x", 1, 2, 3, 4).output("y")
                .floats("roi", new int[] {0}).floats("scales", new int[] {0}).longs("sizes", 1, 2, 7, 9)
                .node("Resize", "rs", new String[] {"x", roi, opset >= 13 ? "" : "scales", "sizes"}, "y")
                .s("mode", "linear").s("coordinate_transformation_mode", "pytorch_half_pixel").done();
        check(s, "resize_linear" + opset, x, resize(x, 7, 9, 7 / 3.0, 9 / 4.0, "pytorch_half_pixel", "", true));
        // align_corners and the default nearest rounding with half_pixel
        TinyOnnx a = new TinyOnnx(opset).input("x", 1, 2, 3, 4).output("y")
                .floats("roi", new int[] {0}).floats("scales", new int[] {4}, 1, 1, 2, 1.5f)
                .node("Resize", "rs", new String[] {"x", roi, "scales"}, "y").s("mode", "linear")
                .s("coordinate_transformation_mode", "align_corners").done();
        check(a, "resize_corners" + opset, x, resize(x, 6, 6, 2, 1.5, "align_corners", "", true));
        TinyOnnx h = new TinyOnnx(opset).input("x", 1, 2, 3, 4).output("y")
                .floats("roi", new int[] {0}).floats("scales", new int[] {4}, 1, 1, 3, 1.5f)
                .node("Resize", "rs", new String[] {"x", roi, "scales"}, "y").done();
        check(h, "resize_half" + opset, x, resize(x, 9, 6, 3, 1.5, "half_pixel", "round_prefer_floor", false));
        if (opset >= 18) {
            TinyOnnx ax = new TinyOnnx(opset).input("x", 1, 2, 3, 4).output("y")
                    .floats("scales", new int[] {2}, 2, 2)
                    .node("Resize", "rs", new String[] {"x", "", "scales"}, "y").ints("axes", 2, 3)
                    .s("coordinate_transformation_mode", "asymmetric").s("nearest_mode", "floor").done();
            check(ax, "resize_axes" + opset, x, resize(x, 6, 8, 2, 2, "asymmetric", "floor", false));
        }
        TinyOnnx cubic = new TinyOnnx(opset).input("x", 1, 2, 3, 4).output("y")
                .floats("roi", new int[] {0}).floats("scales", new int[] {4}, 1, 1, 2, 2)
                .node("Resize", "rs", new String[] {"x", roi, "scales"}, "y").s("mode", "cubic").done();
        assertRefused(cubic, "cubic" + opset, opset, "Resize", "rs", "mode 'cubic'");
        TinyOnnx tf = new TinyOnnx(opset).input("x", 1, 2, 3, 4).output("y")
                .floats("roi", new int[] {0}).floats("scales", new int[] {4}, 1, 1, 2, 2)
                .node("Resize", "rs", new String[] {"x", roi, "scales"}, "y")
                .s("coordinate_transformation_mode", "tf_half_pixel_for_nn").done();
        assertRefused(tf, "tf" + opset, opset, "Resize", "rs", "coordinate_transformation_mode 'tf_half_pixel_for_nn'");
        TinyOnnx ch = new TinyOnnx(opset).input("x", 1, 2, 3, 4).output("y")
                .floats("roi", new int[] {0}).floats("scales", new int[] {4}, 1, 2, 1, 1)
                .node("Resize", "rs", new String[] {"x", roi, "scales"}, "y").done();
        assertRefused(ch, "ch" + opset, opset, "Resize", "rs", "channel");
    }

    // ---- Split ----

    @ParameterizedTest
    @ValueSource(longs = {9, 11, 13, 18, 21})
    void splitByAttributeInputOrNumOutputs(long opset) throws Exception {
        Tensor x = random(SEED + 8, 1, 5, 2, 2);
        TinyOnnx.Node n = new TinyOnnx(opset).input("x", 1, 5, 2, 2).output("a").output("b")
                .longs("split", 2, 3)
                .node("Split", "split", opset >= 13 ? new String[] {"x", "split"} : X, "a", "b").i("axis", 1);
        if (opset < 13) {
            n.ints("split", 2, 3);
        }
        double[] a = slice(x, 0, 2);
        double[] b = slice(x, 2, 5);
        Graph g = check(n.done(), "split" + opset, x, a, b);
        assertInstanceOf(dev.jprune.ops.Split.class, g.nodes().get(0).op());
        if (opset >= 18) {
            // num_outputs 2 on 5 channels: ceil(5/2) = 3, then 2
            TinyOnnx k = new TinyOnnx(opset).input("x", 1, 5, 2, 2).output("a").output("b")
                    .node("Split", "split", X, "a", "b").i("axis", 1).i("num_outputs", 2).done();
            check(k, "split_num" + opset, x, slice(x, 0, 3), slice(x, 3, 5));
        } else {
            TinyOnnx bad = new TinyOnnx(opset).input("x", 1, 5, 2, 2).output("a").output("b")
                    .node("Split", "split", X, "a", "b").i("axis", 1).done();
            assertRefused(bad, "split_uneven" + opset, opset, "Split", "split", "evenly");
        }
    }

    /** Channels {@code [from, to)} of {@code x}. */
    private static double[] slice(Tensor x, int from, int to) {
        int inner = x.dim(2) * x.dim(3);
        double[] out = new double[x.dim(0) * (to - from) * inner];
        int k = 0;
        for (int n = 0; n < x.dim(0); n++) {
            for (int c = from; c < to; c++) {
                for (int i = 0; i < inner; i++) {
                    out[k++] = x.data()[(n * x.dim(1) + c) * inner + i];
                }
            }
        }
        return out;
    }

    // ---- activations and normalisations ----

    @ParameterizedTest
    @ValueSource(longs = {9, 11, 13, 18, 21})
    void leakyReluAndPreluPerChannel(long opset) throws Exception {
        Tensor x = random(SEED + 9, 2, 3, 2, 2);
        float[] slope = {0.25f, -0.5f, 2f};
        TinyOnnx m = new TinyOnnx(opset).input("x", 2, 3, 2, 2).output("y")
                .floats("act.weight", new int[] {3, 1, 1}, slope)
                .node("LeakyRelu", "leaky", X, "l").f("alpha", 0.1f).done()
                .node("PRelu", "prelu", new String[] {"l", "act.weight"}, "y").done();
        double[] ref = new double[x.numel()];
        for (int i = 0; i < ref.length; i++) {
            double v = x.data()[i];
            double l = v > 0 ? v : 0.1f * v;
            ref[i] = l > 0 ? l : slope[(i / 4) % 3] * l;
        }
        Graph g = check(m, "prelu" + opset, x, ref);
        assertInstanceOf(PReLU.class, g.requireNode("act").op());
        assertEquals(Shape.of(3), g.stateDict().get("act.weight").value().shape());
        assertEquals("LeakyReLU(negative_slope=0.1)", g.nodes().get(0).op().describe());
        // torch's form: an anonymous (folded) slope initializer, the module path in the node's scope
        TinyOnnx t = new TinyOnnx(opset).input("x", 2, 3, 2, 2).output("y")
                .floats("onnx::PRelu_7", new int[] {3, 1, 1}, slope)
                .node("PRelu", "/blocks/blocks.act/PRelu", new String[] {"x", "onnx::PRelu_7"}, "y").done();
        Graph tg = t.importFrom(t.write(tmp, "prelu_torch" + opset));
        assertEquals(java.util.List.of("blocks.act.weight"), java.util.List.copyOf(tg.stateDict().keySet()));
        TinyOnnx w = new TinyOnnx(opset).input("x", 2, 3, 2, 2).output("y")
                .floats("s", new int[] {3}, slope)
                .node("PRelu", "prelu", new String[] {"x", "s"}, "y").done();
        assertRefused(w, "prelu_w" + opset, opset, "PRelu", "prelu", "slope of dims [3]");
    }

    /** Per (sample, group) normalisation over {@code C/G·H·W} elements, then per-channel scale and bias. */
    static double[] groupNorm(Tensor x, int groups, float[] scale, float[] bias, double eps) {
        int n = x.dim(0);
        int c = x.dim(1);
        int inner = x.dim(2) * x.dim(3);
        int per = c / groups * inner;
        double[] out = new double[x.numel()];
        for (int s = 0; s < n * groups; s++) {
            double mean = 0;
            for (int i = 0; i < per; i++) {
                mean += x.data()[s * per + i];
            }
            mean /= per;
            double var = 0;
            for (int i = 0; i < per; i++) {
                double d = x.data()[s * per + i] - mean;
                var += d * d;
            }
            var /= per;
            for (int i = 0; i < per; i++) {
                int ch = (s * per + i) / inner % c;
                out[s * per + i] = (x.data()[s * per + i] - mean) / Math.sqrt(var + eps) * scale[ch] + bias[ch];
            }
        }
        return out;
    }

    @ParameterizedTest
    @ValueSource(longs = {9, 11, 13, 18, 21})
    void instanceNormalization(long opset) throws Exception {
        Tensor x = random(SEED + 10, 2, 3, 3, 2);
        float[] s = {1.5f, -0.5f, 0.75f};
        float[] b = {0.1f, 0.2f, -0.3f};
        TinyOnnx m = new TinyOnnx(opset).input("x", 2, 3, 3, 2).output("y")
                .floats("in.weight", new int[] {3}, s).floats("in.bias", new int[] {3}, b)
                .node("InstanceNormalization", "inorm", new String[] {"x", "in.weight", "in.bias"}, "y")
                .f("epsilon", 1e-3f).done();
        Graph g = check(m, "inorm" + opset, x, groupNorm(x, 3, s, b, 1e-3f));
        assertEquals(new InstanceNorm2d(3, 1e-3, true), g.requireNode("in").op());
    }

    @ParameterizedTest
    @ValueSource(longs = {18, 21})
    void groupNormalizationPerGroupAt18PerChannelAt21(long opset) throws Exception {
        Tensor x = random(SEED + 11, 2, 4, 2, 3);
        float[] s = opset < 21 ? new float[] {1.5f, -0.5f} : new float[] {1.5f, -0.5f, 0.75f, 2f};
        float[] b = opset < 21 ? new float[] {0.1f, -0.3f} : new float[] {0.1f, 0.2f, -0.3f, 0.4f};
        TinyOnnx m = new TinyOnnx(opset).input("x", 2, 4, 2, 3).output("y")
                .floats("gn.weight", new int[] {s.length}, s).floats("gn.bias", new int[] {b.length}, b)
                .node("GroupNormalization", "gn", new String[] {"x", "gn.weight", "gn.bias"}, "y")
                .i("num_groups", 2).f("epsilon", 1e-5f).done();
        float[] sc = opset < 21 ? new float[] {s[0], s[0], s[1], s[1]} : s;
        float[] bc = opset < 21 ? new float[] {b[0], b[0], b[1], b[1]} : b;
        check(m, "gn" + opset, x, groupNorm(x, 2, sc, bc, 1e-5f));
    }

    // ---- DepthToSpace / SpaceToDepth ----

    @ParameterizedTest
    @ValueSource(longs = {9, 11, 13, 18, 21})
    void depthToSpaceAndBack(long opset) throws Exception {
        Tensor x = random(SEED + 12, 1, 8, 2, 3);
        boolean crd = opset >= 11;
        TinyOnnx.Node d = new TinyOnnx(opset).input("x", 1, 8, 2, 3).output("y")
                .node("DepthToSpace", "d2s", X, "y").i("blocksize", 2);
        if (crd) {
            d.s("mode", "CRD");
        }
        double[] ref = new double[x.numel()];
        int k = 0;
        for (int c = 0; c < 2; c++) {
            for (int y = 0; y < 4; y++) {
                for (int z = 0; z < 6; z++) {
                    int i = y % 2;
                    int j = z % 2;
                    int src = crd ? c * 4 + i * 2 + j : (i * 2 + j) * 2 + c;
                    ref[k++] = x.get(0, src, y / 2, z / 2);
                }
            }
        }
        Graph g = check(d.done(), "d2s" + opset, x, ref);
        assertEquals(new PixelShuffle(2, !crd), g.nodes().get(0).op());
        Tensor big = random(SEED + 13, 1, 2, 4, 6);
        TinyOnnx s = new TinyOnnx(opset).input("x", 1, 2, 4, 6).output("y")
                .node("SpaceToDepth", "s2d", X, "y").i("blocksize", 2).done();
        double[] sref = new double[big.numel()];
        for (int c = 0; c < 8; c++) {
            for (int y = 0; y < 2; y++) {
                for (int z = 0; z < 3; z++) {
                    int blk = c / 2;
                    sref[(c * 2 + y) * 3 + z] = big.get(0, c % 2, y * 2 + blk / 2, z * 2 + blk % 2);
                }
            }
        }
        check(s, "s2d" + opset, big, sref);
    }

    @ParameterizedTest
    @ValueSource(longs = {9, 11, 13, 18, 21})
    void maxPoolSameUpperAndRefusedSettings(long opset) throws Exception {
        Tensor x = random(SEED + 14, 1, 2, 5, 5);
        // SAME_UPPER, k 2, stride 2: out 3, total pad 1, at the end (padded with -inf)
        TinyOnnx m = new TinyOnnx(opset).input("x", 1, 2, 5, 5).output("y")
                .node("MaxPool", "mp", X, "y").ints("kernel_shape", 2, 2).ints("strides", 2, 2)
                .s("auto_pad", "SAME_UPPER").done();
        double[] ref = new double[2 * 9];
        for (int c = 0; c < 2; c++) {
            for (int y = 0; y < 3; y++) {
                for (int z = 0; z < 3; z++) {
                    double best = Double.NEGATIVE_INFINITY;
                    for (int i = 0; i < 2; i++) {
                        for (int j = 0; j < 2; j++) {
                            if (y * 2 + i < 5 && z * 2 + j < 5) {
                                best = Math.max(best, x.get(0, c, y * 2 + i, z * 2 + j));
                            }
                        }
                    }
                    ref[(c * 3 + y) * 3 + z] = best;
                }
            }
        }
        check(m, "mp_same" + opset, x, ref);
        // a ConvTranspose output_shape beyond what the layer produces
        TinyOnnx t = new TinyOnnx(opset).input("x", 1, 2, 5, 5).output("y")
                .floats("w", new int[] {2, 1, 3, 3}, randomFloats(SEED + 15, 18))
                .node("ConvTranspose", "up", new String[] {"x", "w"}, "y").ints("strides", 2, 2)
                .ints("output_shape", 13, 11).done();
        assertRefused(t, "convt_big" + opset, opset, "ConvTranspose", "up", "output_shape [13, 11]");
        TinyOnnx d = new TinyOnnx(opset).input("x", 1, 2, 5, 5).output("y")
                .node("DepthToSpace", "d2s", X, "y").i("blocksize", 2).s("mode", "XYZ").done();
        assertRefused(d, "d2s_mode" + opset, opset, "DepthToSpace", "d2s", "mode 'XYZ'");
    }

    @Test
    void groupNormalizationAt21RefusesPerGroupScale() throws Exception {
        TinyOnnx m = new TinyOnnx(21).input("x", 1, 4, 2, 2).output("y")
                .floats("s", new int[] {2}, 1f, 2f).floats("b", new int[] {2}, 0f, 1f)
                .node("GroupNormalization", "gn", new String[] {"x", "s", "b"}, "y").i("num_groups", 2).done();
        assertRefused(m, "gn21_bad", 21, "GroupNormalization", "gn", "scale of dims [2]", "expected [4]");
    }

    @Test
    void unknownOpNamesTypeNodeAndOpset() throws Exception {
        TinyOnnx m = new TinyOnnx(21).input("x", 1, 2, 2, 2).output("y").node("Celu", "celu_1", X, "y").done();
        assertRefused(m, "celu", 21, "Celu", "celu_1");
        TinyOnnx p = new TinyOnnx(13).input("x", 1, 2, 2, 2).output("y").longs("pads", 0, 0, 1, 1, 0, 0, 1, 1)
                .node("Pad", "pad", new String[] {"x", "pads"}, "y").s("mode", "reflect").done();
        assertRefused(p, "reflect", 13, "Pad", "pad", "mode 'reflect'");
        TinyOnnx a = new TinyOnnx(11).input("x", 1, 2, 4, 4).output("y")
                .node("AveragePool", "avg", X, "y").ints("kernel_shape", 2, 2).ints("pads", 0, 0, 1, 1).done();
        assertRefused(a, "avg_asym", 11, "AveragePool", "avg", "count_include_pad=0");
    }
}
