package dev.jprune.io.onnx;

import dev.jprune.exec.Executor;
import dev.jprune.ir.DType;
import dev.jprune.ir.Graph;
import dev.jprune.ir.GraphBuilder;
import dev.jprune.ir.Value;
import dev.jprune.ops.AdaptiveAvgPool2d;
import dev.jprune.ops.AdaptiveMaxPool2d;
import dev.jprune.ops.Add;
import dev.jprune.ops.AvgPool2d;
import dev.jprune.ops.BatchNorm2d;
import dev.jprune.ops.Clamp;
import dev.jprune.ops.Concat;
import dev.jprune.ops.Constant;
import dev.jprune.ops.Conv2d;
import dev.jprune.ops.ConvTranspose2d;
import dev.jprune.ops.Div;
import dev.jprune.ops.Dropout;
import dev.jprune.ops.Erf;
import dev.jprune.ops.Exp;
import dev.jprune.ops.Expand;
import dev.jprune.ops.Flatten;
import dev.jprune.ops.FreeBuffer;
import dev.jprune.ops.FreeParameter;
import dev.jprune.ops.GELU;
import dev.jprune.ops.Gather;
import dev.jprune.ops.GroupNorm;
import dev.jprune.ops.Hardsigmoid;
import dev.jprune.ops.Hardswish;
import dev.jprune.ops.Identity;
import dev.jprune.ops.InstanceNorm2d;
import dev.jprune.ops.LayerNorm;
import dev.jprune.ops.LayerNorm2d;
import dev.jprune.ops.LeakyReLU;
import dev.jprune.ops.Linear;
import dev.jprune.ops.Log;
import dev.jprune.ops.MatMul;
import dev.jprune.ops.MaxPool2d;
import dev.jprune.ops.Mean;
import dev.jprune.ops.Mul;
import dev.jprune.ops.MultiheadInProjection;
import dev.jprune.ops.Normalize;
import dev.jprune.ops.Pad;
import dev.jprune.ops.Permute;
import dev.jprune.ops.PReLU;
import dev.jprune.ops.PixelShuffle;
import dev.jprune.ops.PixelUnshuffle;
import dev.jprune.ops.ReLU;
import dev.jprune.ops.ReLU6;
import dev.jprune.ops.Reshape;
import dev.jprune.ops.Roll;
import dev.jprune.ops.ScaledDotProductAttention;
import dev.jprune.ops.SiLU;
import dev.jprune.ops.Sigmoid;
import dev.jprune.ops.Slice;
import dev.jprune.ops.Softmax;
import dev.jprune.ops.Split;
import dev.jprune.ops.Sqrt;
import dev.jprune.ops.Squeeze;
import dev.jprune.ops.StochasticDepth;
import dev.jprune.ops.Sub;
import dev.jprune.ops.Tanh;
import dev.jprune.ops.Transpose;
import dev.jprune.ops.Unsqueeze;
import dev.jprune.ops.Upsample;
import dev.jprune.tensor.Shape;
import dev.jprune.tensor.Tensor;
import dev.jprune.weights.Parity;
import dev.jprune.io.onnx.internal.export.ExporterRegistry;
import dev.jprune.ir.Op;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.BiFunction;
import java.util.function.Consumer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every exported op on a small graph, in ONNX Runtime against jprune's engine at opsets 13, 17, 18 and 21 (the
 * version-dependent forms: ReduceMean/ReduceL2 axes, HardSwish, LayerNormalization, Gelu, Resize's inputs):
 * |ort − jprune| ≤ 1e-4 · max|jprune| + 1e-6. Parameters are parity values, inputs seeded uniform in [−2, 2).
 */
class OnnxExportOpsTest {

    private static final long SEED = 20261125L;
    private static final long[] OPSETS = {13, 17, 18, 21};

    @TempDir
    Path tmp;

    /** A small graph: input shapes, the body, and a hook run after the parity fill. */
    private record Case(String name, Shape[] inputs, BiFunction<GraphBuilder, Value[], Value[]> body,
                        Consumer<Graph> after) {
    }

    private static Case c(String name, Shape in, BiFunction<GraphBuilder, Value, Value> body) {
        return new Case(name, new Shape[] {in}, (b, v) -> new Value[] {body.apply(b, v[0])}, g -> { });
    }

    private static Case c2(String name, Shape a, Shape bShape, BiFunction<GraphBuilder, Value[], Value> body) {
        return new Case(name, new Shape[] {a, bShape}, (b, v) -> new Value[] {body.apply(b, v)}, g -> { });
    }

    private static List<Case> cases() {
        Shape img = Shape.of(2, 4, 6, 6);
        Shape seq = Shape.of(2, 3, 8);
        List<Case> l = new ArrayList<>();
        l.add(c("conv", Shape.of(2, 3, 7, 7), (b, x) -> b.module("conv", Conv2d.of(3, 4, 3, 2, 1, true), x)));
        l.add(c("conv_grouped_dilated", Shape.of(1, 4, 9, 9), (b, x) -> b.module("conv",
                new Conv2d(4, 8, 3, 3, 1, 2, 1, 2, 2, 1, 2, false), x)));
        l.add(c("conv_transpose", img, (b, x) -> b.module("up", ConvTranspose2d.of(4, 3, 3, 2, 1, 1, 1, true), x)));
        l.add(c("batchnorm", img, (b, x) -> b.module("bn", BatchNorm2d.of(4), x)));
        l.add(c("batchnorm_no_affine", img, (b, x) -> b.module("bn", new BatchNorm2d(4, 1e-5, 0.1, false), x)));
        l.add(c("linear_2d", Shape.of(2, 12), (b, x) -> b.module("fc", Linear.of(12, 5, true), x)));
        l.add(c("linear_3d", seq, (b, x) -> b.module("fc", Linear.of(8, 5, true), x)));
        l.add(c("linear_3d_no_bias", seq, (b, x) -> b.module("fc", Linear.of(8, 5, false), x)));
        l.add(c("in_projection", seq, (b, x) -> b.module("attn", new MultiheadInProjection(8, 2, true), x)));
        l.add(c("relu", img, (b, x) -> b.module("act", new ReLU(), x)));
        l.add(c("relu6", img, (b, x) -> b.module("act", new ReLU6(), x)));
        l.add(c("clamp", img, (b, x) -> b.call("clamp", new Clamp(-0.5f, 0.7f), x)));
        l.add(c("clamp_max_only", img, (b, x) -> b.call("clamp", new Clamp(Float.NEGATIVE_INFINITY, 0.3f), x)));
        l.add(c("clamp_min_only", img, (b, x) -> b.call("clamp", new Clamp(-0.3f, Float.POSITIVE_INFINITY), x)));
        l.add(c("sigmoid", img, (b, x) -> b.module("act", new Sigmoid(), x)));
        l.add(c("tanh", img, (b, x) -> b.module("act", new Tanh(), x)));
        l.add(c("erf", img, (b, x) -> b.call("erf", new Erf(), x)));
        l.add(c("exp_log_sqrt", img, (b, x) -> {
            Value e = b.call("exp", new Exp(), x);
            return b.call("add", new Add(), b.call("log", new Log(), e), b.call("sqrt", new Sqrt(), e));
        }));
        l.add(c("silu", img, (b, x) -> b.module("act", new SiLU(), x)));
        l.add(c("gelu", seq, (b, x) -> b.module("act", new GELU("none"), x)));
        l.add(c("gelu_tanh", seq, (b, x) -> b.module("act", new GELU("tanh"), x)));
        l.add(c("hardswish", img, (b, x) -> b.module("act", new Hardswish(), x)));
        l.add(c("hardsigmoid", img, (b, x) -> b.module("act", new Hardsigmoid(), x)));
        l.add(c("leaky_relu", img, (b, x) -> b.module("act", new LeakyReLU(0.1), x)));
        l.add(c("prelu", img, (b, x) -> b.module("act", new PReLU(4), x)));
        l.add(c("prelu_single_slope", img, (b, x) -> b.module("act", new PReLU(1), x)));
        l.add(c("prelu_2d", Shape.of(2, 12), (b, x) -> b.module("act", new PReLU(12), x)));
        l.add(c("prelu_3d", seq, (b, x) -> b.module("act", new PReLU(3), x)));
        l.add(c("softmax", seq, (b, x) -> b.module("act", new Softmax(-1), x)));
        l.add(c("identity_dropout_stochastic_depth", seq, (b, x) -> b.module("sd", new StochasticDepth(0.2, "row"),
                b.module("drop", new Dropout(0.3), b.module("id", new Identity(), x)))));
        l.add(c2("add_broadcast", img, Shape.of(4, 1, 1), (b, v) -> b.call("add", new Add(), v[0], v[1])));
        l.add(c2("sub", img, img, (b, v) -> b.call("sub", new Sub(), v[0], v[1])));
        l.add(c2("mul_broadcast", img, Shape.of(6), (b, v) -> b.call("mul", new Mul(), v[0], v[1])));
        l.add(c2("div", img, img, (b, v) -> b.call("div", new Div(), v[0], b.call("exp", new Exp(), v[1]))));
        l.add(c2("matmul", Shape.of(2, 3, 4), Shape.of(2, 4, 5), (b, v) -> b.call("mm", new MatMul(), v[0], v[1])));
        l.add(c("maxpool", img, (b, x) -> b.module("pool", MaxPool2d.of(3, 2, 1), x)));
        l.add(c("maxpool_ceil_dilated", Shape.of(1, 2, 9, 9), (b, x) -> b.module("pool",
                new MaxPool2d(3, 3, 2, 2, 1, 1, 2, 2, true), x)));
        l.add(c("avgpool", img, (b, x) -> b.module("pool", AvgPool2d.of(3, 2, 1), x)));
        l.add(c("avgpool_exclude_pad", img, (b, x) -> b.module("pool",
                new AvgPool2d(3, 3, 2, 2, 1, 1, false, false, null), x)));
        l.add(c("avgpool_ceil", img, (b, x) -> b.module("pool", new AvgPool2d(3, 3, 2, 2, 0, 0, true, true, null), x)));
        l.add(c("avgpool_ceil_pad", Shape.of(1, 2, 7, 7), (b, x) -> b.module("pool",
                new AvgPool2d(3, 3, 2, 2, 1, 1, true, true, null), x)));
        l.add(c("avgpool_ceil_pad_exclude", Shape.of(1, 2, 8, 8), (b, x) -> b.module("pool",
                new AvgPool2d(3, 3, 2, 2, 1, 1, true, false, null), x)));
        l.add(c("maxpool_ceil", Shape.of(1, 2, 8, 8), (b, x) -> b.module("pool", MaxPool2d.of(3, 2, 1, true), x)));
        l.add(c("maxpool_ceil_last_window_in_padding", Shape.of(1, 2, 5, 5), (b, x) -> b.module("pool",
                new MaxPool2d(2, 2, 2, 2, 1, 1, 1, 1, true), x)));
        l.add(c("avgpool_ceil_last_window_in_padding", Shape.of(1, 2, 5, 5), (b, x) -> b.module("pool",
                new AvgPool2d(2, 2, 2, 2, 1, 1, true, true, null), x)));
        l.add(c("avgpool_ceil_last_window_in_padding_exclude", Shape.of(1, 2, 5, 5), (b, x) -> b.module("pool",
                new AvgPool2d(2, 2, 2, 2, 1, 1, true, false, null), x)));
        l.add(c("adaptive_avg_1", img, (b, x) -> b.module("pool", AdaptiveAvgPool2d.of(1), x)));
        l.add(c("adaptive_avg_3", img, (b, x) -> b.module("pool", AdaptiveAvgPool2d.of(3), x)));
        l.add(c("adaptive_max_1", img, (b, x) -> b.module("pool", AdaptiveMaxPool2d.of(1), x)));
        l.add(c("adaptive_max_2", img, (b, x) -> b.module("pool", AdaptiveMaxPool2d.of(2), x)));
        l.add(c("flatten", img, (b, x) -> b.module("flat", Flatten.of(), x)));
        l.add(c("flatten_inner", img, (b, x) -> b.call("flat", new Flatten(2, 3), x)));
        l.add(c("reshape", img, (b, x) -> b.call("view", Reshape.of(2, -1, 12), x)));
        l.add(c("pixel_shuffle", Shape.of(2, 8, 3, 5), (b, x) -> b.module("ps", PixelShuffle.of(2), x)));
        l.add(c("pixel_shuffle_dcr", Shape.of(2, 18, 3, 2), (b, x) -> b.call("ps", new PixelShuffle(3, true), x)));
        l.add(c("pixel_unshuffle", Shape.of(2, 3, 4, 6), (b, x) -> b.module("pu", PixelUnshuffle.of(2), x)));
        l.add(c("pixel_unshuffle_3", img, (b, x) -> b.module("pu", PixelUnshuffle.of(3), x)));
        l.add(c("pixel_unshuffle_dcr", Shape.of(2, 3, 4, 6), (b, x) -> b.call("pu", new PixelUnshuffle(2, true), x)));
        l.add(c("upsample_nearest", img, (b, x) -> b.module("up", Upsample.nearest(6, 6, 2), x)));
        l.add(c("upsample_bilinear", img, (b, x) -> b.module("up", Upsample.bilinear(6, 6, 2, false), x)));
        l.add(c("upsample_bilinear_align_corners", img, (b, x) -> b.module("up", Upsample.bilinear(6, 6, 3, true),
                x)));
        l.add(c("upsample_linear_half_pixel_scale_1_5", img, (b, x) -> b.call("up",
                new Upsample(9, 9, 1.5, 1.5, "linear", "half_pixel", "floor"), x)));
        l.add(c("upsample_nearest_round_prefer_ceil_sizes", img, (b, x) -> b.call("up",
                new Upsample(7, 11, 7 / 6.0, 11 / 6.0, "nearest", "half_pixel", "round_prefer_ceil"), x)));
        l.add(c("upsample_nearest_ceil_down", img, (b, x) -> b.call("up",
                new Upsample(3, 4, 0.5, 4 / 6.0, "nearest", "pytorch_half_pixel", "ceil"), x)));
        l.add(c("upsample_nearest_round_prefer_floor_align", img, (b, x) -> b.call("up",
                new Upsample(10, 9, 10 / 6.0, 1.5, "nearest", "align_corners", "round_prefer_floor"), x)));
        l.add(c2("concat", img, Shape.of(2, 3, 6, 6), (b, v) -> b.call("cat", new Concat(1), v[0], v[1])));
        l.add(c("transpose", seq, (b, x) -> b.call("t", new Transpose(1, -1), x)));
        l.add(c("permute", img, (b, x) -> b.call("p", Permute.of(0, 2, 3, 1), x)));
        l.add(c("squeeze", Shape.of(2, 1, 3, 1), (b, x) -> b.call("sq", Squeeze.of(1, 3), x)));
        l.add(c("squeeze_all_and_noop", Shape.of(2, 1, 3, 1), (b, x) -> b.call("sq2", Squeeze.of(0),
                b.call("sq", Squeeze.of(), x))));
        l.add(c("unsqueeze", seq, (b, x) -> b.call("u", new Unsqueeze(-1), x)));
        l.add(c("expand", Shape.of(1, 1, 4), (b, x) -> b.call("e", Expand.of(3, -1, -1), x)));
        l.add(c("constant", seq, (b, x) -> b.call("add", new Add(), x,
                b.call("k", new Constant(Tensor.wrap(Shape.of(8), new float[] {1, -2, 3, -4, 5, -6, 7, -8}))))));
        l.add(c("mean", img, (b, x) -> b.call("mean", Mean.of(2, 3), x)));
        l.add(c("mean_keepdim", img, (b, x) -> b.call("mean", new Mean(new int[] {-1, 1}, true), x)));
        l.add(c("pad", img, (b, x) -> b.call("pad", new Pad(new int[] {1, 2, 0, 1}, 0.5, "constant"), x)));
        l.add(c("layernorm", seq, (b, x) -> b.module("ln", LayerNorm.of(8), x)));
        l.add(c("layernorm_2d_shape", seq, (b, x) -> b.module("ln", new LayerNorm(Shape.of(3, 8), 1e-6, true), x)));
        l.add(c("layernorm_no_affine", seq, (b, x) -> b.module("ln", new LayerNorm(Shape.of(8), 1e-5, false), x)));
        l.add(c("layernorm2d", img, (b, x) -> b.module("ln", new LayerNorm2d(4, 1e-6), x)));
        l.add(c("groupnorm", img, (b, x) -> b.module("gn", GroupNorm.of(2, 4), x)));
        l.add(c("instancenorm", img, (b, x) -> b.module("in", new InstanceNorm2d(4, 1e-5, true), x)));
        l.add(c("instancenorm_no_affine", img, (b, x) -> b.module("in", new InstanceNorm2d(4, 1e-3, false), x)));
        l.add(c("normalize", seq, (b, x) -> b.call("norm", Normalize.of(-1), x)));
        l.add(c("slice", seq, (b, x) -> b.call("s", new Slice(1, 1, Long.MAX_VALUE, 1), x)));
        l.add(c("slice_step_negative_start", seq, (b, x) -> b.call("s", new Slice(-1, -7, 7, 2), x)));
        l.add(new Case("split", new Shape[] {seq}, (b, v) -> b.callMulti("split", Split.of(-1, 2, 3, 3), v[0]),
                g -> { }));
        l.add(c("roll", img, (b, x) -> b.call("roll", new Roll(new int[] {1, -2}, new int[] {2, 3}), x)));
        l.add(c("roll_flat", img, (b, x) -> b.call("roll", new Roll(new int[] {5}, new int[0]), x)));
        l.add(c("free_parameter", seq, (b, x) -> b.call("add", new Add(), x,
                b.own("pos", FreeParameter.of("pos_embedding", 1, 3, 8)))));
        l.add(new Case("gather_int64_buffer", new Shape[] {Shape.of(5, 4)}, (b, v) -> new Value[] {
            b.call("gather", new Gather(0), v[0], b.own("idx", new FreeBuffer("index", Shape.of(2, 3), DType.INT64)))},
            g -> g.stateDict().get("index").setValue(Tensor.wrap(Shape.of(2, 3), new float[] {4, 0, -1, 2, 2, 3}))));
        l.add(c("gather_float_indices", Shape.of(5, 4), (b, x) -> b.call("gather", new Gather(1), x,
                b.call("k", new Constant(Tensor.wrap(Shape.of(3), new float[] {3, 0, -2}))))));
        l.add(new Case("sdpa", new Shape[] {Shape.of(2, 2, 3, 4), Shape.of(2, 2, 5, 4), Shape.of(2, 2, 5, 6)},
                (b, v) -> new Value[] {b.call("attn", ScaledDotProductAttention.of(), v[0], v[1], v[2])}, g -> { }));
        l.add(new Case("sdpa_scaled", new Shape[] {Shape.of(2, 3, 4), Shape.of(2, 5, 4), Shape.of(2, 5, 6)},
                (b, v) -> new Value[] {b.call("attn", new ScaledDotProductAttention(0.3), v[0], v[1], v[2])},
                g -> { }));
        return l;
    }

    @TestFactory
    List<DynamicTest> everyOpRunsInOnnxRuntimeLikeJprune() {
        List<DynamicTest> tests = new ArrayList<>();
        for (Case k : cases()) {
            tests.add(DynamicTest.dynamicTest(k.name(), () -> {
                for (long opset : OPSETS) {
                    check(k, opset);
                }
            }));
        }
        return tests;
    }

    @Test
    void everyOpClassOfCoreHasAnExporter() throws Exception {
        // core's classes: a folder in an IDE or `mvn test`, a jar under `mvn verify`
        Path location = Path.of(Conv2d.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        java.nio.file.FileSystem jar = java.nio.file.Files.isDirectory(location) ? null
                : java.nio.file.FileSystems.newFileSystem(location, (ClassLoader) null);
        Path dir = (jar == null ? location : jar.getPath("/")).resolve("dev/jprune/ops");
        List<String> missing = new ArrayList<>();
        int ops = 0;
        try (jar; java.util.stream.Stream<Path> files = java.nio.file.Files.list(dir)) {
            for (Path f : (Iterable<Path>) files::iterator) {
                String file = f.getFileName().toString();
                if (!file.endsWith(".class") || file.contains("$")) {
                    continue;
                }
                Class<?> c = Class.forName("dev.jprune.ops." + file.substring(0, file.length() - 6));
                if (Op.class.isAssignableFrom(c) && !c.isInterface()) {
                    ops++;
                    if (!ExporterRegistry.standard().supports(c.asSubclass(Op.class))) {
                        missing.add(c.getSimpleName());
                    }
                }
            }
        }
        assertTrue(ops >= 50, "found only " + ops + " op classes in " + dir);
        assertEquals(List.of(), missing, "op classes without an ONNX exporter");
    }

    private void check(Case k, long opset) throws Exception {
        GraphBuilder b = new GraphBuilder(k.name());
        Value[] in = new Value[k.inputs().length];
        for (int i = 0; i < in.length; i++) {
            in[i] = b.input("x" + i, k.inputs()[i]);
        }
        Graph g = b.build(k.body().apply(b, in));
        Parity.fill(g);
        k.after().accept(g);
        Random r = new Random(SEED);
        Map<String, Tensor> feed = new LinkedHashMap<>();
        Tensor[] xs = new Tensor[in.length];
        for (int i = 0; i < in.length; i++) {
            float[] d = new float[k.inputs()[i].numel()];
            for (int j = 0; j < d.length; j++) {
                d[j] = r.nextFloat() * 4 - 2;
            }
            xs[i] = Tensor.wrap(k.inputs()[i], d);
            feed.put("x" + i, xs[i]);
        }
        Tensor[] ref = Executor.run(g, xs);
        Path f = tmp.resolve(k.name() + "_" + opset + ".onnx");
        OnnxExporter.export(g, null, f, OnnxExportOptions.DEFAULTS.withOpset(opset));
        List<Tensor> ort = OrtRun.run(f, feed);
        for (int i = 0; i < ref.length; i++) {
            OrtRun.assertClose(ref[i], ort.get(i), k.name() + " opset " + opset + " output " + i + " (seed " + SEED
                    + ")");
        }
    }
}
