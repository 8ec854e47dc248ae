package dev.jprune.io.onnx;

import dev.jprune.exec.Executor;
import dev.jprune.io.ModelFormatException;
import dev.jprune.io.onnx.OnnxImporter.FillMissing;
import dev.jprune.ir.Graph;
import dev.jprune.ir.Node;
import dev.jprune.ops.GroupNorm;
import dev.jprune.ops.LayerNorm;
import dev.jprune.ops.Linear;
import dev.jprune.tensor.Shape;
import dev.jprune.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The shape sub-graph and transformer converters on tiny models built from the ONNX protos, at the opsets where an
 * op's form changes. Expected values are computed here by naive loops; float results are compared within 1e-5
 * absolute (the values are of order 1), integer and layout results exactly.
 */
class OnnxTransformerOpsTest {

    private static final double TOL = 1e-5;

    @TempDir
    Path tmp;

    private Graph load(TinyOnnx b, Shape in) throws IOException {
        return OnnxImporter.importModel(b.write(tmp, "m"), FillMissing.NONE, in);
    }

    private static float[] seq(int n, float scale) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = (float) Math.sin(1.3 * i + 0.2) * scale;
        }
        return x;
    }

    private static float[] run(Graph g, Shape in, float[] x) {
        return Executor.run(g, Tensor.wrap(in, x.clone()))[0].data();
    }

    private static void assertClose(float[] expected, float[] actual) {
        assertEquals(expected.length, actual.length, "element count");
        for (int i = 0; i < expected.length; i++) {
            assertEquals(expected[i], actual[i], TOL, "element " + i);
        }
    }

    // ---- Squeeze / Unsqueeze: axes attribute before 13, input from 13 ----

    @ParameterizedTest
    @ValueSource(ints = {11, 13, 21})
    void unsqueezeAndSqueezeTakeAxesAsAttributeBefore13AndAsInputFrom13(int opset) throws IOException {
        TinyOnnx b = new TinyOnnx(opset).input("x", 2, 3).output("y");
        if (opset < 13) {
            b.node("Unsqueeze", "u", new String[] {"x"}, "u").ints("axes", 0, -1).done()
                    .node("Squeeze", "s", new String[] {"u"}, "y").ints("axes", 0).done();
        } else {
            b.longs("ua", 0, -1).longs("sa", 0)
                    .node("Unsqueeze", "u", new String[] {"x", "ua"}, "u").done()
                    .node("Squeeze", "s", new String[] {"u", "sa"}, "y").done();
        }
        Graph g = load(b, Shape.of(2, 3));
        assertEquals(Shape.of(1, 2, 3, 1), g.requireNode("u").output(0).shape());
        assertEquals(Shape.of(2, 3, 1), g.outputs().get(0).shape());
        float[] x = seq(6, 1f);
        assertArrayEquals(x, run(g, Shape.of(2, 3), x)); // only the layout changes
    }

    // ---- Slice: attributes before 10, inputs (with steps) from 10 ----

    @Test
    void sliceOpset9TakesAttributes() throws IOException {
        TinyOnnx b = new TinyOnnx(9).input("x", 2, 4).output("y")
                .node("Slice", "s", new String[] {"x"}, "y").ints("starts", 1).ints("ends", 3).ints("axes", 1).done();
        Graph g = load(b, Shape.of(2, 4));
        float[] x = seq(8, 1f);
        assertArrayEquals(new float[] {x[1], x[2], x[5], x[6]}, run(g, Shape.of(2, 4), x));
    }

    @ParameterizedTest
    @ValueSource(ints = {10, 13, 21})
    void sliceFrom10TakesInputsWithStepsOnGraphValuesAndNegativeStepsOnConstants(int opset) throws IOException {
        // y = x[:, 0:5:2] + c[::-1] where c = [10, 20, 30] is an (anonymous) initializer folded at import.
        TinyOnnx b = new TinyOnnx(opset).input("x", 2, 5).output("y")
                .longs("st", 0).longs("en", 5).longs("ax", 1).longs("sp", 2)
                .longs("cst", -1).longs("cen", Long.MIN_VALUE).longs("cax", 0).longs("csp", -1)
                .floats("onnx::c", new int[] {3}, 10f, 20f, 30f)
                .node("Slice", "s", new String[] {"x", "st", "en", "ax", "sp"}, "xs").done()
                .node("Slice", "r", new String[] {"onnx::c", "cst", "cen", "cax", "csp"}, "cr").done()
                .node("Add", "a", new String[] {"xs", "cr"}, "y").done();
        Graph g = load(b, Shape.of(2, 5));
        float[] x = seq(10, 1f);
        float[] expected = new float[6];
        float[] rev = {30f, 20f, 10f};
        for (int r = 0; r < 2; r++) {
            for (int j = 0; j < 3; j++) {
                expected[r * 3 + j] = x[r * 5 + 2 * j] + rev[j];
            }
        }
        assertClose(expected, run(g, Shape.of(2, 5), x));
    }

    @Test
    void negativeSliceStepOnAGraphValueIsRefusedNamingTheNode() throws IOException {
        TinyOnnx b = new TinyOnnx(13).input("x", 4).output("y")
                .longs("st", -1).longs("en", Long.MIN_VALUE).longs("ax", 0).longs("sp", -1)
                .node("Slice", "flip", new String[] {"x", "st", "en", "ax", "sp"}, "y").done();
        UnsupportedOnnxOpException e = assertThrows(UnsupportedOnnxOpException.class, () -> load(b, Shape.of(4)));
        assertEquals("flip", e.nodeName());
        assertTrue(e.getMessage().contains("step -1"), e.getMessage());
    }

    // ---- Softmax: coerce-to-2D before 13 ----

    private static float[] softmax(float[] x, int outer, int axis, int inner) {
        float[] out = new float[x.length];
        for (int o = 0; o < outer; o++) {
            for (int i = 0; i < inner; i++) {
                double max = Double.NEGATIVE_INFINITY;
                for (int a = 0; a < axis; a++) {
                    max = Math.max(max, x[(o * axis + a) * inner + i]);
                }
                double sum = 0;
                for (int a = 0; a < axis; a++) {
                    sum += Math.exp(x[(o * axis + a) * inner + i] - max);
                }
                for (int a = 0; a < axis; a++) {
                    out[(o * axis + a) * inner + i] = (float) (Math.exp(x[(o * axis + a) * inner + i] - max) / sum);
                }
            }
        }
        return out;
    }

    @Test
    void softmaxOpset11DefaultAxisOneOnA2dInputIsTheLastAxis() throws IOException {
        Graph g = load(new TinyOnnx(11).input("x", 2, 3).output("y").node("Softmax", "sm", new String[] {"x"}, "y").done(),
                Shape.of(2, 3));
        float[] x = seq(6, 2f);
        assertClose(softmax(x, 2, 3, 1), run(g, Shape.of(2, 3), x));
    }

    @Test
    void softmaxOpset11OverFlattenedTrailingAxesIsRefused() throws IOException {
        TinyOnnx b = new TinyOnnx(11).input("x", 2, 3, 4).output("y")
                .node("Softmax", "sm", new String[] {"x"}, "y").i("axis", 1).done();
        UnsupportedOnnxOpException e = assertThrows(UnsupportedOnnxOpException.class, () -> load(b, Shape.of(2, 3, 4)));
        assertEquals("sm", e.nodeName());
        assertEquals(11, e.opset());
    }

    @Test
    void softmaxOpset13IsAlongOneAxis() throws IOException {
        Graph g = load(new TinyOnnx(13).input("x", 2, 3, 4).output("y")
                .node("Softmax", "sm", new String[] {"x"}, "y").i("axis", 1).done(), Shape.of(2, 3, 4));
        float[] x = seq(24, 2f);
        assertClose(softmax(x, 2, 3, 4), run(g, Shape.of(2, 3, 4), x));
    }

    // ---- LayerNorm: LayerNormalization (17) and the decomposed form with ReduceMean 17 vs 18 ----

    private static float[] layerNorm(float[] x, int rows, int d, float[] w, float[] b, double eps) {
        float[] out = new float[x.length];
        for (int r = 0; r < rows; r++) {
            double mean = 0;
            for (int j = 0; j < d; j++) {
                mean += x[r * d + j];
            }
            mean /= d;
            double var = 0;
            for (int j = 0; j < d; j++) {
                var += (x[r * d + j] - mean) * (x[r * d + j] - mean);
            }
            var /= d;
            for (int j = 0; j < d; j++) {
                out[r * d + j] = (float) ((x[r * d + j] - mean) / Math.sqrt(var + eps) * w[j] + b[j]);
            }
        }
        return out;
    }

    @ParameterizedTest
    @ValueSource(ints = {17, 21})
    void layerNormalizationIsALayerNormModuleNamedAfterItsWeight(int opset) throws IOException {
        float[] w = {1f, 2f, 0.5f, -1f};
        float[] bias = {0.1f, 0f, -0.2f, 0.3f};
        TinyOnnx b = new TinyOnnx(opset).input("x", 3, 4).output("y")
                .floats("ln.weight", new int[] {4}, w).floats("ln.bias", new int[] {4}, bias)
                .node("LayerNormalization", "/ln/LayerNormalization", new String[] {"x", "ln.weight", "ln.bias"}, "y")
                .i("axis", -1).f("epsilon", 1e-3f).done();
        Graph g = load(b, Shape.of(3, 4));
        Node ln = g.requireNode("ln");
        assertInstanceOf(LayerNorm.class, ln.op());
        assertEquals(1e-3, ((LayerNorm) ln.op()).eps(), 1e-12);
        float[] x = seq(12, 2f);
        assertClose(layerNorm(x, 3, 4, w, bias, 1e-3), run(g, Shape.of(3, 4), x));
    }

    /**
     * torch.onnx.export's nn.GroupNorm (Reshape to (N, G, -1), InstanceNormalization with unit scale and zero bias,
     * Reshape back to Shape(x), Mul γ, Add β) is one GroupNorm module named after its scope; without the affine
     * Mul/Add it is a non-affine GroupNorm. Expected values by a naive loop.
     */
    @ParameterizedTest
    @ValueSource(booleans = {true, false})
    void torchGroupNormExportIsOneGroupNormModule(boolean affine) throws IOException {
        float[] gamma = {1f, 2f, -0.5f, 0.25f};
        float[] beta = {0.1f, 0f, -0.2f, 0.3f};
        TinyOnnx b = new TinyOnnx(17).input("x", 1, 4, 2, 3).output("y")
                .longs("target", 0, 2, -1)
                .floats("ones", new int[] {2}, 1f, 1f).floats("zeros", new int[] {2}, 0f, 0f)
                .node("Reshape", "/gn/Reshape", new String[] {"x", "target"}, "g").done()
                .node("InstanceNormalization", "/gn/InstanceNormalization", new String[] {"g", "ones", "zeros"}, "n")
                .f("epsilon", 1e-5f).done()
                .node("Shape", "/gn/Shape", new String[] {"x"}, "s").done()
                .node("Reshape", "/gn/Reshape_1", new String[] {"n", "s"}, affine ? "r" : "y").done();
        if (affine) {
            b.floats("onnx::Mul_9", new int[] {4, 1, 1}, gamma).floats("onnx::Add_10", new int[] {4, 1, 1}, beta)
                    .node("Mul", "/gn/Mul", new String[] {"r", "onnx::Mul_9"}, "m").done()
                    .node("Add", "/gn/Add", new String[] {"m", "onnx::Add_10"}, "y").done();
        }
        Graph g = load(b, Shape.of(1, 4, 2, 3));
        assertEquals(1, g.nodes().size(), "one GroupNorm: " + g.nodes());
        GroupNorm op = assertInstanceOf(GroupNorm.class, g.requireNode("gn").op());
        assertEquals(2, op.numGroups());
        assertEquals(affine, op.affine());
        float[] x = seq(24, 2f);
        float[] expected = new float[24];
        for (int grp = 0; grp < 2; grp++) {
            double mean = 0;
            double var = 0;
            for (int i = 12 * grp; i < 12 * grp + 12; i++) {
                mean += x[i] / 12.0;
            }
            for (int i = 12 * grp; i < 12 * grp + 12; i++) {
                var += (x[i] - mean) * (x[i] - mean) / 12.0;
            }
            for (int i = 12 * grp; i < 12 * grp + 12; i++) {
                double v = (x[i] - mean) / Math.sqrt(var + 1e-5);
                int c = i / 6;
                expected[i] = (float) (affine ? v * gamma[c] + beta[c] : v);
            }
        }
        assertClose(expected, run(g, Shape.of(1, 4, 2, 3), x));
    }

    @ParameterizedTest
    @ValueSource(ints = {17, 18})
    void decomposedLayerNormWithReduceMeanAxesAttributeOrInputIsOneLayerNorm(int opset) throws IOException {
        Graph g = load(decomposedLayerNorm(opset, false), Shape.of(3, 4));
        assertEquals(1, g.nodes().size(), "one LayerNorm: " + g.nodes());
        assertInstanceOf(LayerNorm.class, g.requireNode("ln").op());
        assertEquals(1e-5, ((LayerNorm) g.requireNode("ln").op()).eps(), 1e-12);
        float[] x = seq(12, 2f);
        assertClose(layerNorm(x, 3, 4, LN_W, LN_B, 1e-5), run(g, Shape.of(3, 4), x));
    }

    @Test
    void decomposedLayerNormWhoseVarianceIsAlsoAnOutputStaysElementwise() throws IOException {
        Graph g = load(decomposedLayerNorm(18, true), Shape.of(3, 4));
        assertTrue(g.nodes().size() > 5, "elementwise nodes: " + g.nodes());
        float[] x = seq(12, 2f);
        assertClose(layerNorm(x, 3, 4, LN_W, LN_B, 1e-5), run(g, Shape.of(3, 4), x));
    }

    private static final float[] LN_W = {1f, 2f, 0.5f, -1f};
    private static final float[] LN_B = {0.1f, 0f, -0.2f, 0.3f};

    /** ReduceMean → Sub → Pow 2 → ReduceMean → Add eps → Sqrt → Div → Mul γ → Add β, γ named {@code ln.weight}. */
    private static TinyOnnx decomposedLayerNorm(int opset, boolean varianceOutput) {
        float[] w = LN_W;
        float[] bias = LN_B;
        TinyOnnx b = new TinyOnnx(opset).input("x", 3, 4).output("y")
                .floats("ln.weight", new int[] {4}, w).floats("ln.bias", new int[] {4}, bias)
                .floats("onnx::two", new int[0], 2f).floats("onnx::eps", new int[0], 1e-5f);
        if (varianceOutput) {
            b.output("var");
        }
        if (opset >= 18) {
            b.longs("axes", -1)
                    .node("ReduceMean", "m1", new String[] {"x", "axes"}, "mean").done()
                    .node("Sub", "sub", new String[] {"x", "mean"}, "d").done()
                    .node("Pow", "pow", new String[] {"d", "onnx::two"}, "d2").done()
                    .node("ReduceMean", "m2", new String[] {"d2", "axes"}, "var").done();
        } else {
            b.node("ReduceMean", "m1", new String[] {"x"}, "mean").ints("axes", -1).done()
                    .node("Sub", "sub", new String[] {"x", "mean"}, "d").done()
                    .node("Pow", "pow", new String[] {"d", "onnx::two"}, "d2").done()
                    .node("ReduceMean", "m2", new String[] {"d2"}, "var").ints("axes", -1).done();
        }
        return b.node("Add", "add", new String[] {"var", "onnx::eps"}, "ve").done()
                .node("Sqrt", "sqrt", new String[] {"ve"}, "sd").done()
                .node("Div", "div", new String[] {"d", "sd"}, "n").done()
                .node("Mul", "mul", new String[] {"n", "ln.weight"}, "ng").done()
                .node("Add", "addb", new String[] {"ng", "ln.bias"}, "y").done();
    }

    // ---- Gelu (20), Erf, Tanh ----

    private static double erf(double x) { // Maclaurin series, exact to double precision for |x| < 3
        double sum = 0;
        double term = x;
        for (int n = 0; n < 80; n++) {
            sum += term / (2 * n + 1);
            term *= -x * x / (n + 1);
        }
        return 2 / Math.sqrt(Math.PI) * sum;
    }

    @ParameterizedTest
    @ValueSource(strings = {"none", "tanh"})
    void geluOpset20(String approximate) throws IOException {
        Graph g = load(new TinyOnnx(20).input("x", 6).output("y")
                .node("Gelu", "gelu", new String[] {"x"}, "y").s("approximate", approximate).done(), Shape.of(6));
        float[] x = seq(6, 2.5f);
        float[] expected = new float[6];
        for (int i = 0; i < 6; i++) {
            double v = x[i];
            expected[i] = (float) (approximate.equals("none") ? v / 2 * (1 + erf(v / Math.sqrt(2)))
                    : v / 2 * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (v + 0.044715 * v * v * v))));
        }
        assertClose(expected, run(g, Shape.of(6), x));
    }

    @Test
    void exportedExactGeluChainIsOneGeluModuleNamedAfterItsScope() throws IOException {
        // torch.onnx.export of nn.GELU() before opset 20: x * (erf(x / √2) + 1) * 0.5
        TinyOnnx b = new TinyOnnx(17).input("x", 6).output("y")
                .floats("onnx::sqrt2", new int[0], (float) Math.sqrt(2)).floats("onnx::one", new int[0], 1f)
                .floats("onnx::half", new int[0], 0.5f)
                .node("Div", "/mlp/mlp.1/Div", new String[] {"x", "onnx::sqrt2"}, "q").done()
                .node("Erf", "/mlp/mlp.1/Erf", new String[] {"q"}, "e").done()
                .node("Add", "/mlp/mlp.1/Add", new String[] {"e", "onnx::one"}, "a").done()
                .node("Mul", "/mlp/mlp.1/Mul", new String[] {"x", "a"}, "m").done()
                .node("Mul", "/mlp/mlp.1/Mul_1", new String[] {"m", "onnx::half"}, "y").done();
        OnnxImport imp = OnnxImporter.read(b.write(tmp, "gelu.onnx"), FillMissing.NONE, Shape.of(6));
        Graph g = imp.graph();
        assertEquals(1, g.nodes().size(), "one GELU: " + g.nodes());
        assertInstanceOf(dev.jprune.ops.GELU.class, g.requireNode("mlp.1").op());
        assertEquals(5, imp.origin().onnxNodes("mlp.1").size());
        float[] x = seq(6, 2.5f);
        float[] expected = new float[6];
        for (int i = 0; i < 6; i++) {
            expected[i] = (float) (x[i] / 2.0 * (1 + erf(x[i] / Math.sqrt(2))));
        }
        assertClose(expected, run(g, Shape.of(6), x));
    }

    @Test
    void erfAndTanh() throws IOException {
        Graph g = load(new TinyOnnx(13).input("x", 5).output("y")
                .node("Erf", "e", new String[] {"x"}, "e").done().node("Tanh", "t", new String[] {"e"}, "y").done(), Shape.of(5));
        float[] x = seq(5, 2f);
        float[] expected = new float[5];
        for (int i = 0; i < 5; i++) {
            expected[i] = (float) Math.tanh(erf(x[i]));
        }
        assertClose(expected, run(g, Shape.of(5), x));
    }

    @Test
    void expLogAndGlobalMaxPool() throws IOException {
        Graph g = load(new TinyOnnx(13).input("x", 1, 2, 2, 3).output("y")
                .node("Exp", "e", new String[] {"x"}, "e").done().node("Log", "l", new String[] {"e"}, "l").done()
                .node("GlobalMaxPool", "m", new String[] {"l"}, "y").done(), Shape.of(1, 2, 2, 3));
        float[] x = seq(12, 3f);
        float[] expected = {Float.NEGATIVE_INFINITY, Float.NEGATIVE_INFINITY};
        for (int i = 0; i < 12; i++) {
            expected[i / 6] = Math.max(expected[i / 6], (float) Math.log(Math.exp(x[i])));
        }
        assertClose(expected, run(g, Shape.of(1, 2, 2, 3), x));
    }

    // ---- MatMul: Linear with fused bias, MatMul of graph values, Einsum ----

    @Test
    void matMulWithConstantWeightAndBiasAddIsOneLinearNamedAfterTheBias() throws IOException {
        float[] w = seq(3 * 2, 1f); // ONNX weight (in 3, out 2)
        float[] bias = {0.5f, -0.25f};
        TinyOnnx b = new TinyOnnx(17).input("x", 4, 3).output("y")
                .floats("onnx::MatMul_7", new int[] {3, 2}, w).floats("fc.bias", new int[] {2}, bias)
                .node("MatMul", "/fc/MatMul", new String[] {"x", "onnx::MatMul_7"}, "mm").done()
                .node("Add", "/fc/Add", new String[] {"fc.bias", "mm"}, "y").done();
        OnnxImport imp = OnnxImporter.read(b.write(tmp, "fc.onnx"), FillMissing.NONE, Shape.of(4, 3));
        Graph g = imp.graph();
        Node fc = g.requireNode("fc");
        assertInstanceOf(Linear.class, fc.op());
        assertEquals(1, g.nodes().size(), "one Linear: " + g.nodes());
        assertEquals(List.of("/fc/MatMul", "/fc/Add"), imp.origin().onnxNodes("fc"));
        assertEquals("onnx::MatMul_7", imp.origin().initializer("fc.weight"));
        // The Linear's weight (out 2, in 3) is the initializer's transpose.
        float[] lw = g.stateDict().get("fc.weight").value().data();
        for (int o = 0; o < 2; o++) {
            for (int i = 0; i < 3; i++) {
                assertEquals(w[i * 2 + o], lw[o * 3 + i], 0f);
            }
        }
        float[] x = seq(12, 1f);
        float[] expected = new float[8];
        for (int r = 0; r < 4; r++) {
            for (int o = 0; o < 2; o++) {
                double s = bias[o];
                for (int i = 0; i < 3; i++) {
                    s += x[r * 3 + i] * w[i * 2 + o];
                }
                expected[r * 2 + o] = (float) s;
            }
        }
        assertClose(expected, run(g, Shape.of(4, 3), x));
    }

    @Test
    void matMulWhoseOutputHasTwoReadersKeepsItsAdd() throws IOException {
        TinyOnnx b = new TinyOnnx(17).input("x", 2, 3).output("y")
                .floats("w", new int[] {3, 3}, seq(9, 1f)).floats("c", new int[] {3}, 1f, 2f, 3f)
                .node("MatMul", "mm", new String[] {"x", "w"}, "m").done()
                .node("Add", "add", new String[] {"m", "c"}, "a").done()
                .node("Mul", "mul", new String[] {"a", "m"}, "y").done();
        Graph g = load(b, Shape.of(2, 3));
        assertInstanceOf(Linear.class, g.requireNode("mm").op());
        assertTrue(!((Linear) g.requireNode("mm").op()).bias());
        g.requireNode("add");
    }

    @ParameterizedTest
    @ValueSource(strings = {"bhik,bhjk->bhij", "bhij,bhjk->bhik"})
    void einsumOfBatchedMatricesAndMatMulOfGraphValues(String equation) throws IOException {
        boolean transposed = equation.startsWith("bhik");
        TinyOnnx b = new TinyOnnx(17).input("x", 2, 2, 3, 4).output("y")
                .node("Transpose", "perm", new String[] {"x"}, "xt").ints("perm", 0, 1, 3, 2).done();
        // transposed: x (…,3,4) with x (…,3,4) over k → (…,3,3); plain: x (…,3,4) @ xᵀ (…,4,3) → (…,3,3)
        b.node("Einsum", "es", new String[] {"x", transposed ? "x" : "xt"}, "e").s("equation", equation).done()
                .node("MatMul", "mm", new String[] {"e", "e"}, "y").done();
        Graph g = load(b, Shape.of(2, 2, 3, 4));
        float[] x = seq(48, 1f);
        float[] e = new float[2 * 2 * 3 * 3];
        for (int bh = 0; bh < 4; bh++) {
            for (int i = 0; i < 3; i++) {
                for (int j = 0; j < 3; j++) {
                    double s = 0;
                    for (int k = 0; k < 4; k++) {
                        s += x[bh * 12 + i * 4 + k] * x[bh * 12 + j * 4 + k];
                    }
                    e[bh * 9 + i * 3 + j] = (float) s;
                }
            }
        }
        float[] expected = new float[36];
        for (int bh = 0; bh < 4; bh++) {
            for (int i = 0; i < 3; i++) {
                for (int j = 0; j < 3; j++) {
                    double s = 0;
                    for (int k = 0; k < 3; k++) {
                        s += e[bh * 9 + i * 3 + k] * e[bh * 9 + k * 3 + j];
                    }
                    expected[bh * 9 + i * 3 + j] = (float) s;
                }
            }
        }
        float[] y = run(g, Shape.of(2, 2, 3, 4), x);
        for (int i = 0; i < 36; i++) {
            assertEquals(expected[i], y[i], 1e-4 * Math.max(1, Math.abs(expected[i])), "element " + i);
        }
    }

    @Test
    void otherEinsumEquationsAreRefused() throws IOException {
        TinyOnnx b = new TinyOnnx(17).input("x", 2, 3).output("y")
                .node("Einsum", "es", new String[] {"x", "x"}, "y").s("equation", "ij,ij->i").done();
        UnsupportedOnnxOpException e = assertThrows(UnsupportedOnnxOpException.class, () -> load(b, Shape.of(2, 3)));
        assertEquals("es", e.nodeName());
        assertTrue(e.getMessage().contains("ij,ij->i"), e.getMessage());
    }

    // ---- shape sub-graphs folded for the given input shape ----

    @ParameterizedTest
    @ValueSource(ints = {13, 15, 21})
    void reshapeTargetFoldedFromShapeGatherUnsqueezeConcatAndIntegerDiv(int opset) throws IOException {
        // target = [shape(x)[0], shape(x)[1] * shape(x)[2] / 2, -1]; the input shape decides it: (2, 3, 4) → (2, 6, 2)
        TinyOnnx b = new TinyOnnx(opset).input("x", -1, 3, 4).output("y")
                .longs("i0", new int[0], 0).longs("i1", new int[0], 1).longs("i2", new int[0], 2)
                .longs("two", new int[0], 2).longs("minus1", -1).longs("ax0", 0)
                .node("Shape", "shape", new String[] {"x"}, "s").done()
                .node("Gather", "g0", new String[] {"s", "i0"}, "d0").i("axis", 0).done()
                .node("Gather", "g1", new String[] {"s", "i1"}, "d1").i("axis", 0).done()
                .node("Gather", "g2", new String[] {"s", "i2"}, "d2").i("axis", 0).done()
                .node("Mul", "mul", new String[] {"d1", "d2"}, "p").done()
                .node("Div", "div", new String[] {"p", "two"}, "q").done()
                .node("Unsqueeze", "u0", new String[] {"d0", "ax0"}, "u0").done()
                .node("Unsqueeze", "u1", new String[] {"q", "ax0"}, "u1").done()
                .node("Concat", "cat", new String[] {"u0", "u1", "minus1"}, "target").i("axis", 0).done()
                .node("Reshape", "reshape", new String[] {"x", "target"}, "y").done();
        Graph g = load(b, Shape.of(2, 3, 4));
        assertEquals(Shape.of(2, 6, 2), g.outputs().get(0).shape());
        assertEquals(1, g.nodes().size(), "only the Reshape remains: " + g.nodes());
        // A batch of 5 folds to another target: the shape comes from --input.
        assertEquals(Shape.of(5, 6, 2), load(b, Shape.of(5, 3, 4)).outputs().get(0).shape());
    }

    @Test
    void shapeStartAndEndOfOpset15() throws IOException {
        TinyOnnx b = new TinyOnnx(15).input("x", 2, 3, 4).output("y")
                .longs("minus1", -1).longs("ax0", 0)
                .node("Shape", "shape", new String[] {"x"}, "s").i("start", -2).done()  // [3, 4]
                .node("Concat", "cat", new String[] {"minus1", "s"}, "t").i("axis", 0).done()
                .node("Reshape", "reshape", new String[] {"x", "t"}, "y").done();
        assertEquals(Shape.of(2, 3, 4), load(b, Shape.of(2, 3, 4)).outputs().get(0).shape());
        TinyOnnx e = new TinyOnnx(15).input("x", 2, 3, 4).output("y")
                .longs("minus1", -1)
                .node("Shape", "shape", new String[] {"x"}, "s").i("start", 1).i("end", -1).done()  // [3]
                .node("Concat", "cat", new String[] {"minus1", "s"}, "t").i("axis", 0).done()
                .node("Reshape", "reshape", new String[] {"x", "t"}, "y").done();
        assertEquals(Shape.of(8, 3), load(e, Shape.of(2, 3, 4)).outputs().get(0).shape());
    }

    @Test
    void classTokenExpandConcatAndGatherOnGraphValues() throws IOException {
        // ViT's head: Expand the class token to the batch (torch's shape trick Where(shape == -1, 1, shape)),
        // Concat, Gather x[:, 0]
        TinyOnnx fixed = new TinyOnnx(17).input("x", 2, 3, 4).output("y")
                .floats("class_token", new int[] {1, 1, 4}, 1f, 2f, 3f, 4f)
                .longs("target", 2, -1, -1).longs("minus1", new int[0], -1).longs("ones", 1, 1, 1)
                .longs("zero", new int[0], 0)
                .node("Equal", "eq", new String[] {"target", "minus1"}, "isNeg").done()
                .node("Where", "where", new String[] {"isNeg", "ones", "target"}, "shape").done()
                .node("Expand", "expand", new String[] {"class_token", "shape"}, "tok").done()
                .node("Concat", "cat", new String[] {"tok", "x"}, "c").i("axis", 1).done()
                .node("Gather", "first", new String[] {"c", "zero"}, "y").i("axis", 1).done();
        Graph g = load(fixed, Shape.of(2, 3, 4));
        assertTrue(g.stateDict().containsKey("class_token"), "the class token stays a parameter: " + g.stateDict());
        assertEquals(Shape.of(2, 4), g.outputs().get(0).shape());
        float[] x = seq(24, 1f);
        assertArrayEquals(new float[] {1, 2, 3, 4, 1, 2, 3, 4}, run(g, Shape.of(2, 3, 4), x));
    }

    @Test
    void graphValueGatherTransposeExpandConcatAndSqueeze() throws IOException {
        // x (1, 3, 2) → Transpose (0, 2, 1) → (1, 2, 3) → Gather cols [2, 0] on axis 2 → (1, 2, 2)
        // → Expand to (3, 2, 2) → Concat with a constant (1, 2, 2) on axis 0 → (4, 2, 2) → Squeeze nothing (no 1s)
        TinyOnnx b = new TinyOnnx(13).input("x", 1, 3, 2).output("y")
                .longs("idx", 2, 0).longs("shape", 3, 1, 1)
                .floats("onnx::k", new int[] {1, 2, 2}, 9f, 8f, 7f, 6f)
                .node("Transpose", "t", new String[] {"x"}, "xt").ints("perm", 0, 2, 1).done()
                .node("Gather", "g", new String[] {"xt", "idx"}, "xg").i("axis", 2).done()
                .node("Expand", "e", new String[] {"xg", "shape"}, "xe").done()
                .node("Concat", "c", new String[] {"xe", "onnx::k"}, "xc").i("axis", 0).done()
                .node("Squeeze", "s", new String[] {"xc"}, "y").done();
        Graph g = load(b, Shape.of(1, 3, 2));
        assertEquals(Shape.of(4, 2, 2), g.outputs().get(0).shape());
        float[] x = {0, 1, 2, 3, 4, 5}; // x[0][i][j] = 2i + j; xt[0][j][i] = 2i + j
        float[] row = new float[4];
        for (int j = 0; j < 2; j++) {
            row[j * 2] = 2 * 2 + j;     // i = 2
            row[j * 2 + 1] = j;         // i = 0
        }
        float[] expected = new float[16];
        for (int r = 0; r < 3; r++) {
            System.arraycopy(row, 0, expected, r * 4, 4);
        }
        System.arraycopy(new float[] {9, 8, 7, 6}, 0, expected, 12, 4);
        assertArrayEquals(expected, run(g, Shape.of(1, 3, 2), x));
    }

    // ---- errors ----

    @Test
    void reshapeWhoseShapeCannotBeFoldedNamesTheNode() throws IOException {
        TinyOnnx b = new TinyOnnx(17).input("x", 2, 3).output("y")
                .node("Relu", "relu", new String[] {"x"}, "r").done()
                .node("Reshape", "odd_reshape", new String[] {"x", "r"}, "y").done();
        UnsupportedOnnxOpException e = assertThrows(UnsupportedOnnxOpException.class, () -> load(b, Shape.of(2, 3)));
        assertEquals("odd_reshape", e.nodeName());
        assertEquals("Reshape", e.opType());
        assertTrue(e.getMessage().contains("odd_reshape") && e.getMessage().contains("shape"), e.getMessage());
    }

    @ParameterizedTest
    @ValueSource(ints = {9, 17, 21})
    void unsupportedOpNamesOpTypeNodeAndOpset(int opset) throws IOException {
        TinyOnnx b = new TinyOnnx(opset).input("x", 2, 3).output("y")
                .node("LpNormalization", "topk_node", new String[] {"x"}, "y").done();
        UnsupportedOnnxOpException e = assertThrows(UnsupportedOnnxOpException.class, () -> load(b, Shape.of(2, 3)));
        assertEquals("LpNormalization", e.opType());
        assertEquals("topk_node", e.nodeName());
        assertEquals(opset, e.opset());
        assertTrue(e.getMessage().contains("opset " + opset), e.getMessage());
    }

    @Test
    void foldingErrorsNameTheNode() throws IOException {
        TinyOnnx b = new TinyOnnx(17).input("x", 2, 3).output("y")
                .longs("a", 1, 2).longs("zero", 0)
                .node("Div", "bad_div", new String[] {"a", "zero"}, "q").done()
                .node("Reshape", "reshape", new String[] {"x", "q"}, "y").done();
        ModelFormatException e = assertThrows(ModelFormatException.class, () -> load(b, Shape.of(2, 3)));
        assertTrue(e.getMessage().contains("bad_div") && e.getMessage().contains("division by zero"), e.getMessage());
    }
}
