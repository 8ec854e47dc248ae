package dev.jprune.io.onnx;

import dev.jprune.exec.Executor;
import dev.jprune.exec.ForwardContext;
import dev.jprune.io.onnx.OnnxImporter.FillMissing;
import dev.jprune.io.onnx.internal.proto.Onnx.ModelProto;
import dev.jprune.ir.Graph;
import dev.jprune.ir.GraphBuilder;
import dev.jprune.ir.Node;
import dev.jprune.ir.Op;
import dev.jprune.ir.Parameter;
import dev.jprune.ir.Value;
import dev.jprune.ops.AdaptiveAvgPool2d;
import dev.jprune.ops.Add;
import dev.jprune.ops.AvgPool2d;
import dev.jprune.ops.BatchNorm2d;
import dev.jprune.ops.Clamp;
import dev.jprune.ops.Concat;
import dev.jprune.ops.Conv2d;
import dev.jprune.ops.Dropout;
import dev.jprune.ops.Flatten;
import dev.jprune.ops.Hardsigmoid;
import dev.jprune.ops.Hardswish;
import dev.jprune.ops.InstanceNorm2d;
import dev.jprune.ops.Linear;
import dev.jprune.ops.MaxPool2d;
import dev.jprune.ops.Mean;
import dev.jprune.ops.Mul;
import dev.jprune.ops.PReLU;
import dev.jprune.ops.PixelShuffle;
import dev.jprune.ops.PixelUnshuffle;
import dev.jprune.ops.Pad;
import dev.jprune.ops.ReLU;
import dev.jprune.ops.ReLU6;
import dev.jprune.ops.Reshape;
import dev.jprune.ops.Sigmoid;
import dev.jprune.ops.Upsample;
import dev.jprune.prune.BasePruner;
import dev.jprune.prune.importance.GroupMagnitudeImportance;
import dev.jprune.tensor.Shape;
import dev.jprune.tensor.Tensor;
import dev.jprune.weights.Parity;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * OnnxExporter on small CNNs: the round trip through OnnxImporter, BatchNorm folding, names with and without an
 * origin, external data and the automatic 2 GB decision, atomic output, errors. ONNX Runtime comparisons use
 * |ort − jprune| ≤ 1e-4 · max|jprune| + 1e-6; round trips must give the same forward within 1e-6 (absolute).
 */
class OnnxExporterTest {

    private static final Shape IN = Shape.of(2, 3, 16, 16);

    @TempDir
    Path tmp;

    /** A CNN of every op the importer reads today (residual add, concat, both BN placements, all activations). */
    static Graph cnn() {
        GraphBuilder b = new GraphBuilder("cnn");
        Value x = b.input("input", IN);
        x = b.module("conv1", Conv2d.of(3, 8, 3, 1, 1, false), x);
        x = b.module("bn1", BatchNorm2d.of(8), x);
        x = b.module("relu", new ReLU(), x);
        x = b.module("pool", MaxPool2d.of(3, 2, 1), x);
        Value y;
        try (GraphBuilder.Scope s = b.scope("block")) {
            y = b.module("conv", Conv2d.of(8, 8, 3, 1, 1, true), x);
            y = b.module("bn", BatchNorm2d.of(8), y);
            y = b.module("act", new Hardswish(), y);
            y = b.call("add", new Add(), y, x);
        }
        Value z = b.module("side", Conv2d.of(8, 4, 1, 1, 0, 1, true), y);
        z = b.module("side_act", new ReLU6(), z);
        Value gate = b.module("gate", new Hardsigmoid(), z);
        z = b.call("mul", new Mul(), z, gate);
        Value w = b.module("sig", new Sigmoid(), b.module("avg", AvgPool2d.of(3, 1, 1), y));
        Value cat = b.call("cat", new Concat(1), z, w);
        cat = b.module("padded", new Pad(new int[] {1, 1, 1, 1}, 0, "constant"), cat);
        cat = b.call("clamp", new Clamp(-1f, 2f), cat);
        Value pooled = b.module("gap", AdaptiveAvgPool2d.of(1), cat);
        Value flat = b.module("flatten", Flatten.of(), pooled);
        Value mean = b.call("mean", Mean.of(2, 3), cat);
        Value both = b.call("sum", new Add(), flat, mean);
        both = b.module("drop", new Dropout(0.2), both);
        Value out = b.module("fc", Linear.of(12, 5, true), b.call("view", Reshape.of(2, -1), both));
        return b.build(out);
    }

    private static Tensor input() {
        return Parity.input(IN);
    }

    @Test
    void cnnRunsInOnnxRuntimeAndRoundTripsThroughTheImporter() throws Exception {
        Graph g = cnn();
        Parity.fill(g);
        Path f = tmp.resolve("cnn.onnx");
        OnnxExporter.export(g, null, f, OnnxExportOptions.DEFAULTS);
        Tensor ref = Executor.run(g, input())[0];
        OrtRun.assertClose(ref, OrtRun.runOne(f, "input", input()), "cnn in ORT");

        Graph back = OnnxImporter.importModel(f, FillMissing.NONE, IN);
        OrtRun.assertClose(ref, Executor.run(back, input())[0], 0, 1e-6, "cnn re-imported");
        assertSameParameters(g, back);
        assertEquals(g.parameterCount(), back.parameterCount());
    }

    /**
     * A CNN of the ops added for the importer: PReLU (per channel and shared), InstanceNorm2d, PixelShuffle in both
     * orders, PixelUnshuffle in both orders and Upsample with scales and with sizes.
     */
    static Graph pixelCnn() {
        GraphBuilder b = new GraphBuilder("pixels");
        Value x = b.input("input", IN);
        x = b.module("conv1", Conv2d.of(3, 8, 3, 1, 1, true), x);
        x = b.module("in1", new InstanceNorm2d(8, 1e-5, true), x);
        x = b.module("act1", new PReLU(8), x);
        x = b.module("unshuffle", PixelUnshuffle.of(2), x);
        x = b.module("conv2", Conv2d.of(32, 16, 1, 1, 0, true), x);
        x = b.module("act2", new PReLU(1), x);
        x = b.module("shuffle", PixelShuffle.of(2), x);
        x = b.call("space_to_depth", new PixelUnshuffle(2, true), x);
        x = b.call("depth_to_space", new PixelShuffle(2, true), x);
        x = b.module("up", Upsample.bilinear(16, 16, 2, false), x);
        x = b.call("resize", new Upsample(24, 20, 24 / 32.0, 20 / 32.0, "nearest", "half_pixel", "round_prefer_ceil"),
                x);
        return b.build(b.module("head", Conv2d.of(4, 2, 3, 1, 1, true), x));
    }

    @Test
    void newCoreOpsRunInOnnxRuntimeAndRoundTripThroughTheImporter() throws Exception {
        Graph g = pixelCnn();
        Parity.fill(g);
        Tensor ref = Executor.run(g, input())[0];
        for (long opset : new long[] {13, 21}) {
            Path f = tmp.resolve("pixels_" + opset + ".onnx");
            OnnxExporter.export(g, null, f, OnnxExportOptions.DEFAULTS.withOpset(opset));
            OrtRun.assertClose(ref, OrtRun.runOne(f, "input", input()), "pixel cnn in ORT, opset " + opset);
            Graph back = OnnxImporter.importModel(f, FillMissing.NONE, IN);
            OrtRun.assertClose(ref, Executor.run(back, input())[0], 0, 1e-6, "pixel cnn re-imported, opset " + opset);
            assertSameParameters(g, back);
            assertEquals(g.stateDict().keySet(), back.stateDict().keySet(), "parameter names, opset " + opset);
        }
    }

    @Test
    void importedTorchExportReExportsLosslessly() throws Exception {
        reExport("resnet18.preserve.onnx");
    }

    @Tag("slow")
    @Test
    void importedBatchNormFoldedTorchExportReExportsLosslessly() throws Exception {
        reExport("mobilenet_v2.eval.onnx");
    }

    /** Fixture (parity weights) → import → export → import: same parameters, same forward; the export runs in ORT. */
    private void reExport(String fixture) throws Exception {
        Shape in = Shape.of(1, 3, 224, 224);
        Graph g = OnnxImporter.importModel(OnnxFixtures.folder().resolve(fixture), FillMissing.PARITY, in);
        Path f = tmp.resolve("re-" + fixture);
        OnnxExporter.export(g, null, f, OnnxExportOptions.DEFAULTS);
        Graph back = OnnxImporter.importModel(f, FillMissing.NONE, in);
        assertSameParameters(g, back);
        assertEquals(g.stateDict().keySet(), back.stateDict().keySet(), fixture);
        Tensor x = Parity.input(in);
        Tensor ref = Executor.run(g, x)[0];
        OrtRun.assertClose(ref, Executor.run(back, x)[0], 0, 1e-6, fixture + " re-imported");
        OrtRun.assertClose(ref, OrtRun.runOne(f, g.inputs().get(0).name(), x), fixture + " re-exported, in ORT");
    }

    /** Every float parameter of {@code a} except BatchNorm's step counter is in {@code b} with the same values. */
    private static void assertSameParameters(Graph a, Graph b) {
        for (Parameter p : a.stateDict().values()) {
            if (p.leafName().equals("num_batches_tracked")) {
                continue;
            }
            Parameter q = b.stateDict().get(p.name());
            assertNotNull(q, "parameter " + p.name() + " missing after the round trip; have "
                    + b.stateDict().keySet());
            assertArrayEquals(p.value().data(), q.value().data(), 0f, p.name());
        }
    }

    @Test
    void prunedGraphIsWrittenWithItsNewChannelCountsAndReshapeTargets() throws Exception {
        GraphBuilder b = new GraphBuilder("small");
        Value x = b.input("input", Shape.of(1, 3, 8, 8));
        x = b.module("conv1", Conv2d.of(3, 8, 3, 2, 1, true), x);
        x = b.module("bn1", BatchNorm2d.of(8), x);
        x = b.module("relu", new ReLU(), x);
        x = b.call("view", Reshape.of(1, 8 * 4 * 4), x);
        Graph g = b.build(b.module("fc", Linear.of(128, 5, true), x));
        Parity.fill(g);
        BasePruner.builder(g).importance(GroupMagnitudeImportance.builder().p(2).build()).pruningRatio(0.5).build()
                .step();
        assertEquals(4, ((Conv2d) g.requireNode("conv1").op()).outChannels(), "the test needs a pruned conv");

        Path f = tmp.resolve("pruned.onnx");
        OnnxExporter.export(g, null, f, OnnxExportOptions.DEFAULTS);
        OnnxModelFile m = OnnxModelFile.read(f);
        OnnxNode reshape = m.nodes().stream().filter(n -> n.opType().equals("Reshape")).findFirst().orElseThrow();
        assertArrayEquals(new long[] {1, 64}, m.initializer(reshape.inputs().get(1)).longs());
        assertArrayEquals(new long[] {4, 3, 3, 3}, m.initializer("conv1.weight").dims());
        assertArrayEquals(new long[] {5, 64}, m.initializer("fc.weight").dims());
        Tensor in = Parity.input(Shape.of(1, 3, 8, 8));
        OrtRun.assertClose(Executor.run(g, in)[0], OrtRun.runOne(f, "input", in), "pruned small model");
        Graph back = OnnxImporter.importModel(f, FillMissing.NONE, Shape.of(1, 3, 8, 8));
        assertSameParameters(g, back);
    }

    @Test
    void foldBatchNormMatchesTheUnfoldedModelWithFewerParameters() throws Exception {
        Graph g = cnn();
        Parity.fill(g);
        Path kept = tmp.resolve("kept.onnx");
        Path folded = tmp.resolve("folded.onnx");
        OnnxExporter.export(g, null, kept, OnnxExportOptions.DEFAULTS);
        OnnxExporter.export(g, null, folded, OnnxExportOptions.DEFAULTS.withFoldBatchNorm(true));
        Tensor ref = Executor.run(g, input())[0];
        OrtRun.assertClose(ref, OrtRun.runOne(folded, "input", input()), "folded cnn in ORT");

        OnnxModelFile k = OnnxModelFile.read(kept);
        OnnxModelFile m = OnnxModelFile.read(folded);
        assertEquals(2, count(k, "BatchNormalization"));
        assertEquals(0, count(m, "BatchNormalization"));
        assertTrue(elements(m) < elements(k), elements(m) + " vs " + elements(k));
        // conv1 had no bias: folding gives it one, named after the module
        assertNotNull(m.initializer("conv1.bias"));

        Graph back = OnnxImporter.importModel(folded, FillMissing.NONE, IN);
        assertTrue(back.parameterCount() < g.parameterCount(), back.parameterCount() + " vs " + g.parameterCount());
        OrtRun.assertClose(ref, Executor.run(back, input())[0], "folded cnn re-imported in jprune");
    }

    @Test
    void batchNormAfterASharedConvOutputIsKept() throws Exception {
        GraphBuilder b = new GraphBuilder("shared");
        Value x = b.input("input", IN);
        Value c = b.module("conv", Conv2d.of(3, 4, 3, 1, 1, true), x);
        Value n = b.module("bn", BatchNorm2d.of(4), c);
        Graph g = b.build(b.call("add", new Add(), n, c));
        Parity.fill(g);
        Path f = tmp.resolve("shared.onnx");
        OnnxExporter.export(g, null, f, OnnxExportOptions.DEFAULTS.withFoldBatchNorm(true));
        assertEquals(1, count(OnnxModelFile.read(f), "BatchNormalization"));
        OrtRun.assertClose(Executor.run(g, input())[0], OrtRun.runOne(f, "input", input()), "shared conv output");
    }

    private static long count(OnnxModelFile m, String opType) {
        return m.nodes().stream().filter(n -> n.opType().equals(opType)).count();
    }

    private static long elements(OnnxModelFile m) {
        long n = 0;
        for (OnnxTensor t : m.initializers()) {
            n += t.elementCount();
        }
        return n;
    }

    @Test
    void namesWithoutAnOriginAreJprunes() {
        GraphBuilder b = new GraphBuilder("named");
        Value x = b.input("pixels", Shape.of(1, 2, 4));
        Value h = b.module("fc", Linear.of(4, 3, true), x);          // rank 3: MatMul + Add
        Value s = b.module("act", new ReLU(), h);
        Graph g = b.build(s, h, s);
        OnnxModelFile m = OnnxExporter.toModel(g, null, OnnxExportOptions.DEFAULTS);
        assertEquals(List.of("fc/0", "fc/1", "act"), m.nodes().stream().map(OnnxNode::name).limit(3)
                .collect(Collectors.toList()));
        assertEquals(List.of("MatMul", "Add"), List.of(m.nodes().get(0).opType(), m.nodes().get(1).opType()));
        assertEquals(Set.of("fc.weight", "fc.bias"), initializerNames(m));
        assertArrayEquals(new long[] {4, 3}, m.initializer("fc.weight").dims(), "MatMul holds the weight transposed");
        assertEquals(List.of("pixels"), names(m.inputs()));
        assertEquals(List.of("output", "output_1", "output_2"), names(m.outputs()));
        assertEquals(17, m.opsetVersion(""));
        assertEquals("output", m.nodes().get(2).outputs().get(0));
    }

    @Test
    void originNamesAreUsedWhereTheyFit() throws Exception {
        GraphBuilder b = new GraphBuilder("orig");
        Value x = b.input("input", Shape.of(1, 3, 8, 8));
        x = b.module("conv", Conv2d.of(3, 4, 3, 1, 1, true), x);
        x = b.module("relu", new ReLU(), x);
        x = b.module("gap", AdaptiveAvgPool2d.of(1), x);
        x = b.module("flat", Flatten.of(), x);
        Graph g = b.build(b.module("fc", Linear.of(4, 2, true), x));
        Parity.fill(g);
        OnnxOrigin origin = new OnnxOrigin(13, "pytorch 2.5.1",
                Map.of("conv", List.of("/conv/Conv"), "relu", List.of("/relu/Relu"),
                        "fc", List.of("/fc/MatMul", "/fc/Add")),     // two names for a one-node Gemm: not used
                Map.of("conv.weight", "onnx::Conv_7", "fc.weight", "classifier.w"),
                Map.of("input", "images"), List.of("logits"));
        OnnxModelFile m = OnnxExporter.toModel(g, origin, OnnxExportOptions.DEFAULTS);
        assertEquals(13, m.opsetVersion(""));
        assertEquals(List.of("/conv/Conv", "/relu/Relu", "gap", "flat", "fc"),
                m.nodes().stream().map(OnnxNode::name).collect(Collectors.toList()));
        assertEquals(Set.of("onnx::Conv_7", "conv.bias", "classifier.w", "fc.bias"), initializerNames(m));
        assertEquals(List.of("images"), names(m.inputs()));
        assertEquals(List.of("logits"), names(m.outputs()));

        Path f = tmp.resolve("orig.onnx");
        OnnxExporter.export(g, origin, f, OnnxExportOptions.DEFAULTS.withOpset(21));
        assertEquals(21, OnnxModelFile.read(f).opsetVersion(""));
        Tensor in = Parity.input(Shape.of(1, 3, 8, 8));
        OrtRun.assertClose(Executor.run(g, in)[0], OrtRun.runOne(f, "images", in), "origin-named model");
        OnnxOrigin old = new OnnxOrigin(9, "", Map.of(), Map.of(), Map.of(), List.of());
        assertEquals(17, OnnxExporter.toModel(g, old, OnnxExportOptions.DEFAULTS).opsetVersion(""));
    }

    /**
     * Two jprune nodes whose origin records the same ONNX node (as the import of ViT's {@code /Gather} or Swin's
     * attention gathers can give: Slice + Squeeze) and neither of which is named like it keep their jprune names; a
     * jprune node named like an ONNX name already written gets {@code _1}. Names stay unique, so ONNX Runtime loads
     * the model, and it computes jprune's output.
     */
    @Test
    void nodeNamesStayUniqueWhenOriginsRepeat() throws Exception {
        GraphBuilder b = new GraphBuilder("dup");
        Value x = b.input("input", Shape.of(1, 3, 8, 8));
        x = b.module("conv", Conv2d.of(3, 4, 3, 1, 1, true), x);
        x = b.module("relu", new ReLU(), x);
        x = b.module("relu2", new ReLU(), x);
        x = b.module("/conv/Conv", new ReLU(), x);
        x = b.module("gap", AdaptiveAvgPool2d.of(1), x);
        Graph g = b.build(x);
        Parity.fill(g);
        OnnxOrigin origin = new OnnxOrigin(17, "pytorch 2.5.1",
                Map.of("conv", List.of("/conv/Conv"), "relu", List.of("/Relu"), "relu2", List.of("/Relu")),
                Map.of(), Map.of(), List.of());
        OnnxModelFile m = OnnxExporter.toModel(g, origin, OnnxExportOptions.DEFAULTS);
        List<String> names = m.nodes().stream().map(OnnxNode::name).collect(Collectors.toList());
        assertEquals(List.of("/conv/Conv", "relu", "relu2", "/conv/Conv_1", "gap"), names);
        Path f = tmp.resolve("dup.onnx");
        OnnxExporter.export(g, origin, f, OnnxExportOptions.DEFAULTS);
        Tensor in = Parity.input(Shape.of(1, 3, 8, 8));
        OrtRun.assertClose(Executor.run(g, in)[0], OrtRun.runOne(f, "input", in), "repeated origin names in ORT");
    }

    private static Set<String> initializerNames(OnnxModelFile m) {
        return m.initializers().stream().map(OnnxTensor::name).collect(Collectors.toCollection(TreeSet::new))
                .stream().collect(Collectors.toSet());
    }

    private static List<String> names(List<OnnxValueInfo> v) {
        List<String> out = new ArrayList<>();
        for (OnnxValueInfo i : v) {
            out.add(i.name());
        }
        return out;
    }

    @Test
    void graphIoHasStaticFloatShapes() {
        Graph g = cnn();
        OnnxModelFile m = OnnxExporter.toModel(g, null, OnnxExportOptions.DEFAULTS);
        assertEquals(List.of(OnnxDim.fixed(2), OnnxDim.fixed(3), OnnxDim.fixed(16), OnnxDim.fixed(16)),
                m.inputs().get(0).shape());
        assertEquals(OnnxDataType.FLOAT, m.outputs().get(0).dataType());
        assertEquals(List.of(OnnxDim.fixed(2), OnnxDim.fixed(5)), m.outputs().get(0).shape());
        assertEquals("jprune", m.producer());
    }

    @Test
    void lazyParametersAreWrittenAsZeros() {
        GraphBuilder b = new GraphBuilder("lazy");
        Value x = b.input("input", Shape.of(1, 2, 3, 3));
        Graph g = b.build(b.module("conv", Conv2d.of(2, 3, 1, 1, 0, true), x));
        OnnxModelFile m = OnnxExporter.toModel(g, null, OnnxExportOptions.DEFAULTS);
        float[] w = m.initializer("conv.weight").floats();
        assertEquals(6, w.length);
        for (float v : w) {
            assertEquals(0f, v);
        }
        assertEquals(3, m.initializer("conv.bias").floats().length);
    }

    @Test
    void externalDataRoundTripsAndTouchesNoOtherFile() throws Exception {
        Graph g = cnn();
        Parity.fill(g);
        Path dir = Files.createDirectories(tmp.resolve("ext"));
        Path other = Files.writeString(dir.resolve("keep.txt"), "untouched");
        Path f = dir.resolve("cnn.onnx");
        OnnxExporter.export(g, null, f, OnnxExportOptions.DEFAULTS.withWrite(OnnxWriteOptions.external(64)));
        assertEquals(Set.of("cnn.onnx", "cnn.onnx.data", "keep.txt"), list(dir));
        assertEquals("untouched", Files.readString(other));
        OnnxModelFile m = OnnxModelFile.read(f);
        assertTrue(m.initializer("conv1.weight").isExternal());
        assertTrue(Files.size(f) < Files.size(dir.resolve("cnn.onnx.data")));
        OrtRun.assertClose(Executor.run(g, input())[0], OrtRun.runOne(f, "input", input()), "external data in ORT");
        Graph back = OnnxImporter.importModel(f, FillMissing.NONE, IN);
        assertSameParameters(g, back);

        Path inline = dir.resolve("inline.onnx");
        OnnxExporter.export(g, null, inline, OnnxExportOptions.DEFAULTS);
        assertFalse(Files.exists(dir.resolve("inline.onnx.data")));
    }

    @Test
    void automaticModeGoesExternalOnlyPastTheLimit() {
        Graph g = cnn();
        ModelProto p = OnnxExporter.toModel(g, null, OnnxExportOptions.DEFAULTS).proto();
        long size = p.getSerializedSize();
        OnnxWriteOptions small = OnnxExporter.resolveWrite(OnnxWriteOptions.AUTO, p, size / 2);
        assertEquals(OnnxWriteOptions.AUTO_THRESHOLD, small.externalThreshold());
        OnnxWriteOptions big = OnnxExporter.resolveWrite(OnnxWriteOptions.AUTO, p, size * 2);
        assertEquals(Long.MAX_VALUE, big.externalThreshold());
        OnnxWriteOptions fixed = OnnxWriteOptions.external(10);
        assertEquals(fixed, OnnxExporter.resolveWrite(fixed, p, 1));
        assertEquals(OnnxExporter.PROTOBUF_LIMIT, (1L << 31) - (1L << 20));
    }

    private static Set<String> list(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(q -> q.getFileName().toString()).collect(Collectors.toSet());
        }
    }

    @Test
    void unevenAdaptivePoolingIsRefusedNamingTheNode() {
        GraphBuilder b = new GraphBuilder("uneven");
        Value x = b.input("input", Shape.of(1, 2, 7, 7));
        Graph g = b.build(b.module("head.pool", AdaptiveAvgPool2d.of(3), x));
        UnsupportedOnnxExportException e = assertThrows(UnsupportedOnnxExportException.class,
                () -> OnnxExporter.toModel(g, null, OnnxExportOptions.DEFAULTS));
        assertEquals("head.pool", e.nodeName());
        assertTrue(e.getMessage().contains("AdaptiveAvgPool2d") && e.getMessage().contains("7x7"), e.getMessage());
    }

    /** An op jprune's exporter does not know. */
    private record Mystery() implements Op {
        @Override
        public String type() {
            return "Mystery";
        }

        @Override
        public Shape[] inferShapes(Shape[] inputs) {
            return inputs.clone();
        }

        @Override
        public Tensor[] forward(Node node, Tensor[] inputs, ForwardContext ctx) {
            return inputs.clone();
        }
    }

    @Test
    void anOpWithoutExporterIsNamedWithItsClass() throws IOException {
        GraphBuilder b = new GraphBuilder("odd");
        Value x = b.input("input", Shape.of(1, 2));
        Graph g = b.build(b.call("strange", new Mystery(), b.module("act", new ReLU(), x)));
        Path f = tmp.resolve("odd.onnx");
        UnsupportedOnnxExportException e = assertThrows(UnsupportedOnnxExportException.class,
                () -> OnnxExporter.export(g, null, f, OnnxExportOptions.DEFAULTS));
        assertEquals("strange", e.nodeName());
        assertEquals(Mystery.class.getName(), e.opClass());
        assertTrue(e.getMessage().contains("Mystery"), e.getMessage());
        assertFalse(Files.exists(f));
        try (Stream<Path> s = Files.list(tmp)) {
            assertEquals(0, s.count(), "a failed export leaves no file");
        }
    }

    @Test
    void optionsRejectOpsetsOutside13To21() {
        assertThrows(IllegalArgumentException.class, () -> OnnxExportOptions.DEFAULTS.withOpset(12));
        assertThrows(IllegalArgumentException.class, () -> OnnxExportOptions.DEFAULTS.withOpset(22));
        assertEquals(21, OnnxExportOptions.DEFAULTS.withOpset(21).resolveOpset(null));
        assertEquals(17, OnnxExportOptions.DEFAULTS.resolveOpset(null));
    }
}
