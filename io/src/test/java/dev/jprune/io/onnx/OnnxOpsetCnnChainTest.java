package dev.jprune.io.onnx;

import dev.jprune.exec.Executor;
import dev.jprune.ir.Graph;
import dev.jprune.tensor.Tensor;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Path;

import static dev.jprune.io.onnx.TinyOnnx.random;
import static dev.jprune.io.onnx.TinyOnnx.randomFloats;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The CNN ops the importer already translated, at opsets 9, 11, 13, 18 and 21, in one chain per opset with each
 * op in the form its opset defines: Conv → BatchNormalization → Clip (min/max attributes before opset 11, inputs
 * from 11) → MaxPool (asymmetric pads) → Pad (attributes before 11, inputs from 11) → AveragePool
 * (count_include_pad) → HardSigmoid → HardSwish (opset 14+, else Identity) → Dropout (ratio attribute before 12,
 * input from 12) → ReduceMean (axes attribute before 18, input from 18) → Flatten → Gemm, concatenated with
 * GlobalAveragePool → Flatten of the same tensor. The expected output is computed here by naive loops in double;
 * jprune must match it and ONNX Runtime within {@code 1e-5·max|ref| + 1e-6}.
 */
class OnnxOpsetCnnChainTest {

    private static final long SEED = 0xC4A1_5EEDL;

    @TempDir
    Path tmp;

    /** A tensor as doubles with its dims. */
    private record T(int c, int h, int w, double[] v) {
        double at(int ch, int y, int x) {
            return v[(ch * h + y) * w + x];
        }
    }

    @ParameterizedTest
    @ValueSource(longs = {9, 11, 13, 18, 21})
    void cnnChain(long opset) throws Exception {
        int cin = 3;
        int c = 4;
        Tensor x = random(SEED, 1, cin, 6, 6);
        float[] w = randomFloats(SEED + 1, c * cin * 9);
        float[] bias = randomFloats(SEED + 2, c);
        float[] scale = {1.2f, 0.8f, -0.5f, 1.5f};
        float[] shift = {0.1f, 0.5f, 1.0f, -0.2f};
        float[] mean = {0.05f, -0.1f, 0.2f, 0f};
        float[] var = {0.5f, 1.5f, 0.9f, 1.1f};
        float[] fc = randomFloats(SEED + 3, 5 * c);
        float[] fcb = randomFloats(SEED + 4, 5);
        TinyOnnx m = new TinyOnnx(opset).input("x", 1, cin, 6, 6).output("y")
                .floats("conv.weight", new int[] {c, cin, 3, 3}, w).floats("conv.bias", new int[] {c}, bias)
                .floats("bn.weight", new int[] {c}, scale).floats("bn.bias", new int[] {c}, shift)
                .floats("bn.running_mean", new int[] {c}, mean).floats("bn.running_var", new int[] {c}, var)
                .floats("fc.weight", new int[] {5, c}, fc).floats("fc.bias", new int[] {5}, fcb)
                .floats("lo", new int[0], 0f).floats("hi", new int[0], 6f).floats("ratio", new int[0], 0.3f)
                .floats("fill", new int[0], 0.5f)
                .longs("pads", 0, 0, 1, 1, 0, 0, 1, 1).longs("axes", 2, 3)
                .node("Conv", "conv", new String[] {"x", "conv.weight", "conv.bias"}, "c")
                .ints("kernel_shape", 3, 3).ints("pads", 1, 1, 1, 1).done()
                .node("BatchNormalization", "bn", new String[] {"c", "bn.weight", "bn.bias", "bn.running_mean",
                        "bn.running_var"}, "b").f("epsilon", 1e-3f).done();
        if (opset < 11) {
            m.node("Clip", "clip", new String[] {"b"}, "r").f("min", 0f).f("max", 6f).done();
        } else {
            m.node("Clip", "clip", new String[] {"b", "lo", "hi"}, "r").done();
        }
        m.node("MaxPool", "mp", new String[] {"r"}, "mp").ints("kernel_shape", 3, 3).ints("strides", 2, 2)
                .ints("pads", 1, 1, 0, 0).done();
        if (opset < 11) {
            m.node("Pad", "pad", new String[] {"mp"}, "p").ints("pads", 0, 0, 1, 1, 0, 0, 1, 1).f("value", 0.5f).done();
        } else {
            m.node("Pad", "pad", new String[] {"mp", "pads", "fill"}, "p").done();
        }
        m.node("AveragePool", "ap", new String[] {"p"}, "a").ints("kernel_shape", 3, 3).ints("pads", 1, 1, 1, 1)
                .i("count_include_pad", 1).done()
                .node("HardSigmoid", "hsig", new String[] {"a"}, "h").f("alpha", 1f / 6).f("beta", 0.5f).done();
        m.node(opset >= 14 ? "HardSwish" : "Identity", "hswish", new String[] {"h"}, "hw").done();
        if (opset < 12) {
            m.node("Dropout", "drop", new String[] {"hw"}, "d").f("ratio", 0.3f).done();
        } else {
            m.node("Dropout", "drop", new String[] {"hw", "ratio"}, "d").done();
        }
        if (opset < 18) {
            m.node("ReduceMean", "mean", new String[] {"d"}, "rm").ints("axes", 2, 3).i("keepdims", 1).done();
        } else {
            m.node("ReduceMean", "mean", new String[] {"d", "axes"}, "rm").i("keepdims", 1).done();
        }
        m.node("Flatten", "flat", new String[] {"rm"}, "fl").i("axis", 1).done()
                .node("Gemm", "fc", new String[] {"fl", "fc.weight", "fc.bias"}, "g").i("transB", 1).done()
                .node("GlobalAveragePool", "gap", new String[] {"d"}, "gp").done()
                .node("Flatten", "flat2", new String[] {"gp"}, "f2").done()
                .node("Concat", "cat", new String[] {"g", "f2"}, "y").i("axis", 1).done();

        // ---- naive reference ----
        T t = new T(cin, 6, 6, OrtRun.toDouble(x.data()));
        double[] conv = new double[c * 36];
        for (int co = 0; co < c; co++) {
            for (int y = 0; y < 6; y++) {
                for (int z = 0; z < 6; z++) {
                    double acc = bias[co];
                    for (int ci = 0; ci < cin; ci++) {
                        for (int i = 0; i < 3; i++) {
                            for (int j = 0; j < 3; j++) {
                                int yy = y + i - 1;
                                int zz = z + j - 1;
                                if (yy >= 0 && yy < 6 && zz >= 0 && zz < 6) {
                                    acc += t.at(ci, yy, zz) * w[((co * cin + ci) * 3 + i) * 3 + j];
                                }
                            }
                        }
                    }
                    // BatchNormalization, then Clip(0, 6)
                    double bn = (acc - mean[co]) / Math.sqrt(var[co] + 1e-3f) * scale[co] + shift[co];
                    conv[(co * 6 + y) * 6 + z] = Math.min(6, Math.max(0, bn));
                }
            }
        }
        T r = new T(c, 6, 6, conv);
        // MaxPool 3×3 stride 2, pads top/left 1, bottom/right 0: 3×3 output
        double[] mp = new double[c * 9];
        for (int ch = 0; ch < c; ch++) {
            for (int y = 0; y < 3; y++) {
                for (int z = 0; z < 3; z++) {
                    double best = Double.NEGATIVE_INFINITY;
                    for (int i = 0; i < 3; i++) {
                        for (int j = 0; j < 3; j++) {
                            int yy = y * 2 - 1 + i;
                            int zz = z * 2 - 1 + j;
                            if (yy >= 0 && yy < 6 && zz >= 0 && zz < 6) {
                                best = Math.max(best, r.at(ch, yy, zz));
                            }
                        }
                    }
                    mp[(ch * 3 + y) * 3 + z] = best;
                }
            }
        }
        // Pad 1 each side of H and W with 0.5: 5×5
        double[] pad = new double[c * 25];
        for (int ch = 0; ch < c; ch++) {
            for (int y = 0; y < 5; y++) {
                for (int z = 0; z < 5; z++) {
                    boolean inside = y >= 1 && y <= 3 && z >= 1 && z <= 3;
                    pad[(ch * 5 + y) * 5 + z] = inside ? mp[(ch * 3 + y - 1) * 3 + z - 1] : 0.5;
                }
            }
        }
        // AveragePool 3×3, pads 1, count_include_pad: sum / 9; HardSigmoid; HardSwish from opset 14
        double[] d = new double[c * 25];
        for (int ch = 0; ch < c; ch++) {
            for (int y = 0; y < 5; y++) {
                for (int z = 0; z < 5; z++) {
                    double s = 0;
                    for (int i = -1; i <= 1; i++) {
                        for (int j = -1; j <= 1; j++) {
                            int yy = y + i;
                            int zz = z + j;
                            if (yy >= 0 && yy < 5 && zz >= 0 && zz < 5) {
                                s += pad[(ch * 5 + yy) * 5 + zz];
                            }
                        }
                    }
                    double hs = Math.max(0, Math.min(1, s / 9 / 6 + 0.5));
                    d[(ch * 5 + y) * 5 + z] = opset >= 14 ? hs * Math.max(0, Math.min(1, hs / 6 + 0.5)) : hs;
                }
            }
        }
        double[] avg = new double[c];
        for (int ch = 0; ch < c; ch++) {
            for (int i = 0; i < 25; i++) {
                avg[ch] += d[ch * 25 + i] / 25;
            }
        }
        double[] expected = new double[5 + c];
        for (int o = 0; o < 5; o++) {
            expected[o] = fcb[o];
            for (int ch = 0; ch < c; ch++) {
                expected[o] += fc[o * c + ch] * avg[ch];
            }
        }
        System.arraycopy(avg, 0, expected, 5, c);

        Path f = m.write(tmp, "chain" + opset);
        Graph g = m.importFrom(f);
        float[] got = Executor.run(g, x)[0].data();
        assertClose(expected, got, "opset " + opset + " vs naive loops (seed " + SEED + ")");
        assertClose(OrtRun.toDouble(OrtRun.runOne(f, "x", x).data()), got, "opset " + opset + " vs ONNX Runtime (seed " + SEED
                + ")");
        assertEquals(java.util.List.of("conv.weight", "conv.bias", "bn.weight", "bn.bias", "bn.running_mean",
                "bn.running_var", "bn.num_batches_tracked", "fc.weight", "fc.bias"), java.util.List.copyOf(g.stateDict().keySet()));
    }

    /** The importer's output against a reference: {@code |ref − got| ≤ 1e-5·max|ref| + 1e-6}. */
    private static void assertClose(double[] ref, float[] got, String what) {
        OrtRun.assertClose(ref, got, 1e-5, 1e-6, what);
    }
}
