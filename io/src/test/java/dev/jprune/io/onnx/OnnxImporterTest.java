package dev.jprune.io.onnx;

import dev.jprune.exec.Executor;
import dev.jprune.io.ModelFormatException;
import dev.jprune.io.onnx.OnnxImporter.FillMissing;
import dev.jprune.io.onnx.internal.proto.Onnx.AttributeProto;
import dev.jprune.io.onnx.internal.proto.Onnx.GraphProto;
import dev.jprune.io.onnx.internal.proto.Onnx.ModelProto;
import dev.jprune.io.onnx.internal.proto.Onnx.NodeProto;
import dev.jprune.io.onnx.internal.proto.Onnx.StringStringEntryProto;
import dev.jprune.io.onnx.internal.proto.Onnx.TensorProto;
import dev.jprune.ir.Graph;
import dev.jprune.ir.GraphBuilder;
import dev.jprune.ir.Node;
import dev.jprune.ir.Value;
import dev.jprune.ops.Conv2d;
import dev.jprune.ops.Linear;
import dev.jprune.ops.ReLU6;
import dev.jprune.ops.Reshape;
import dev.jprune.tensor.Shape;
import dev.jprune.tensor.Tensor;
import dev.jprune.weights.Parity;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** OnnxImporter on the tiny hand-built model and variants of it, and on a torch.onnx.export fixture. */
class OnnxImporterTest {

    @TempDir
    Path tmp;

    private Path write(ModelProto m, String name) throws IOException {
        Path f = tmp.resolve(name);
        Files.write(f, m.toByteArray());
        return f;
    }

    @Test
    void tinyModelMatchesTheSameGraphBuiltByHand() throws IOException {
        Graph g = OnnxImporter.importModel(OnnxTinyModels.write(tmp.resolve("tiny.onnx")), FillMissing.NONE,
                Shape.of(1, 1, 4, 4));
        assertEquals(List.of("conv.weight", "conv.bias", "fc.weight"), List.copyOf(g.stateDict().keySet()));
        assertArrayEquals(OnnxTinyModels.CONV_W, g.stateDict().get("conv.weight").value().data());
        assertArrayEquals(OnnxTinyModels.CONV_B, g.stateDict().get("conv.bias").value().data());
        assertEquals("conv", g.nodes().get(0).name());
        assertInstanceOf(Reshape.class, g.nodes().get(1).op());
        assertArrayEquals(new int[] {1, -1}, ((Reshape) g.nodes().get(1).op()).target());

        GraphBuilder b = new GraphBuilder("ref");
        Value x = b.input("input", Shape.of(1, 1, 4, 4));
        x = b.module("conv", Conv2d.of(1, 2, 3, 1, 1, true), x);
        x = b.call("flat", Reshape.of(1, -1), x);
        Graph ref = b.build(b.module("fc", Linear.of(32, 3, false), x));
        ref.stateDict().get("conv.weight").setValue(Tensor.wrap(Shape.of(2, 1, 3, 3), OnnxTinyModels.CONV_W.clone()));
        ref.stateDict().get("conv.bias").setValue(Tensor.wrap(Shape.of(2), OnnxTinyModels.CONV_B.clone()));
        ref.stateDict().get("fc.weight").setValue(Tensor.wrap(Shape.of(3, 32), OnnxTinyModels.FC_W.clone()));
        Tensor in = Parity.input(Shape.of(1, 1, 4, 4));
        assertArrayEquals(Executor.run(ref, in)[0].data(), Executor.run(g, in)[0].data(), 0f);
    }

    @Test
    void wrongInputShapeNamesTheInput() throws IOException {
        Path f = OnnxTinyModels.write(tmp.resolve("tiny.onnx"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> OnnxImporter.importModel(f, FillMissing.NONE, Shape.of(1, 3, 4, 4)));
        assertTrue(e.getMessage().contains("'input'"), e.getMessage());
    }

    @Test
    void reshapeZeroCopiesTheInputSizeAndClipFromInputsIsReLU6() throws IOException {
        GraphProto.Builder g = OnnxTinyModels.model().getGraph().toBuilder();
        for (int i = 0; i < g.getInitializerCount(); i++) {
            if (g.getInitializer(i).getName().equals("shape")) {
                g.setInitializer(i, g.getInitializer(i).toBuilder().clearInt64Data().addInt64Data(0).addInt64Data(-1));
            }
        }
        // Clip between the conv and the reshape, bounds from Constant nodes.
        g.setNode(1, g.getNode(1).toBuilder().setInput(0, "clipped"));
        g.addNode(1, NodeProto.newBuilder().setName("lo").setOpType("Constant").addOutput("zero")
                .addAttribute(AttributeProto.newBuilder().setName("value_float").setType(AttributeProto.AttributeType.FLOAT).setF(0f)));
        g.addNode(2, NodeProto.newBuilder().setName("hi").setOpType("Constant").addOutput("six")
                .addAttribute(AttributeProto.newBuilder().setName("value_float").setType(AttributeProto.AttributeType.FLOAT).setF(6f)));
        g.addNode(3, NodeProto.newBuilder().setName("clip").setOpType("Clip").addInput("c").addInput("zero")
                .addInput("six").addOutput("clipped"));
        Path f = write(OnnxTinyModels.model().toBuilder().setGraph(g).build(), "clip.onnx");
        Graph graph = OnnxImporter.importModel(f, FillMissing.NONE, Shape.of(3, 1, 4, 4));
        Node clip = graph.requireNode("clip");
        assertInstanceOf(ReLU6.class, clip.op());
        assertArrayEquals(new int[] {3, -1}, ((Reshape) graph.requireNode("flat").op()).target());
        assertEquals(Shape.of(3, 3), graph.outputs().get(0).shape());
    }

    @Test
    void padTakesOnnxBeginsAndEndsInTorchOrder() throws IOException {
        GraphProto.Builder g = OnnxTinyModels.model().getGraph().toBuilder();
        g.addInitializer(TensorProto.newBuilder().setName("pads").setDataType(7).addDims(8)
                .addAllInt64Data(List.of(0L, 0L, 1L, 2L, 0L, 0L, 3L, 4L)));
        g.setNode(0, g.getNode(0).toBuilder().setInput(0, "padded"));
        g.addNode(0, NodeProto.newBuilder().setName("pad").setOpType("Pad").addInput("input").addInput("pads")
                .addOutput("padded"));
        g.setInitializer(2, g.getInitializer(2).toBuilder().clearInt64Data().addInt64Data(1).addInt64Data(-1));
        g.setInitializer(3, g.getInitializer(3).toBuilder().clearRawData().clearDims().addDims(3).addDims(2 * 8 * 10)
                .setRawData(com.google.protobuf.ByteString.copyFrom(OnnxTinyModels.le(new float[3 * 160]))));
        Path f = write(OnnxTinyModels.model().toBuilder().setGraph(g).build(), "pad.onnx");
        Graph graph = OnnxImporter.importModel(f, FillMissing.NONE, Shape.of(1, 1, 4, 4));
        dev.jprune.ops.Pad pad = (dev.jprune.ops.Pad) graph.requireNode("pad").op();
        // ONNX [N, C, H, W begins, N, C, H, W ends] = [0, 0, 1, 2, 0, 0, 3, 4]: H gets 1 + 3, W gets 2 + 4.
        assertArrayEquals(new int[] {1, 3, 2, 4, 0, 0}, new int[] {pad.before(2, 4), pad.after(2, 4),
                pad.before(3, 4), pad.after(3, 4), pad.before(1, 4), pad.after(0, 4)});
        assertEquals(Shape.of(1, 1, 8, 10), graph.requireNode("pad").output(0).shape());
    }

    @Test
    void unsupportedOpNamesOpNodeAndOpset() throws IOException {
        GraphProto.Builder g = OnnxTinyModels.model().getGraph().toBuilder();
        g.setNode(1, g.getNode(1).toBuilder().setOpType("Hardmax").clearInput().addInput("c"));
        Path f = write(OnnxTinyModels.model().toBuilder().setGraph(g).build(), "hardmax.onnx");
        UnsupportedOnnxOpException e = assertThrows(UnsupportedOnnxOpException.class,
                () -> OnnxImporter.importModel(f, FillMissing.NONE, Shape.of(1, 1, 4, 4)));
        assertEquals("Hardmax", e.opType());
        assertEquals("flat", e.nodeName());
        assertEquals(17, e.opset());
        assertTrue(e.getMessage().contains("Hardmax") && e.getMessage().contains("'flat'")
                && e.getMessage().contains("opset 17") && e.getMessage().contains("hardmax.onnx"), e.getMessage());
    }

    @Test
    void gemmWithoutTransposedWeightIsUnsupported() throws IOException {
        GraphProto.Builder g = OnnxTinyModels.model().getGraph().toBuilder();
        g.setNode(2, g.getNode(2).toBuilder().clearAttribute());
        Path f = write(OnnxTinyModels.model().toBuilder().setGraph(g).build(), "gemm.onnx");
        UnsupportedOnnxOpException e = assertThrows(UnsupportedOnnxOpException.class,
                () -> OnnxImporter.importModel(f, FillMissing.NONE, Shape.of(1, 1, 4, 4)));
        assertTrue(e.getMessage().contains("transB=1"), e.getMessage());
    }

    @Test
    void missingExternalDataFailsNamingTheFileOrIsFilledWithParity() throws IOException {
        GraphProto.Builder g = OnnxTinyModels.model().getGraph().toBuilder();
        for (int i = 0; i < g.getInitializerCount(); i++) {
            if (g.getInitializer(i).getName().equals("fc.weight")) {
                g.setInitializer(i, g.getInitializer(i).toBuilder().clearRawData()
                        .setDataLocation(TensorProto.DataLocation.EXTERNAL)
                        .addExternalData(StringStringEntryProto.newBuilder().setKey("location").setValue("gone.weights")));
            }
        }
        Path f = write(OnnxTinyModels.model().toBuilder().setGraph(g).build(), "ext.onnx");
        ModelFormatException e = assertThrows(ModelFormatException.class,
                () -> OnnxImporter.importModel(f, FillMissing.NONE, Shape.of(1, 1, 4, 4)));
        assertTrue(e.getMessage().contains("gone.weights"), e.getMessage());

        Graph graph = OnnxImporter.importModel(f, FillMissing.PARITY, Shape.of(1, 1, 4, 4));
        assertArrayEquals(Parity.value("fc.weight", Shape.of(3, 32)).data(),
                graph.stateDict().get("fc.weight").value().data());
        assertArrayEquals(OnnxTinyModels.CONV_W, graph.stateDict().get("conv.weight").value().data());
    }

    @Test
    void resnet18PreserveKeepsStateDictNames() throws IOException {
        Path f = OnnxFixtures.folder().resolve("resnet18.preserve.onnx");
        ModelFormatException e = assertThrows(ModelFormatException.class,
                () -> OnnxImporter.importModel(f, FillMissing.NONE, Shape.of(1, 3, 224, 224)));
        assertTrue(e.getMessage().contains("resnet18.preserve.weights"), e.getMessage());

        Graph g = OnnxImporter.importModel(f, FillMissing.PARITY, Shape.of(1, 3, 224, 224));
        for (String key : List.of("conv1.weight", "bn1.weight", "bn1.running_var", "layer4.1.conv2.weight",
                "layer2.0.downsample.1.running_mean", "fc.weight", "fc.bias")) {
            assertTrue(g.stateDict().containsKey(key), key + " in " + g.stateDict().keySet());
            assertArrayEquals(Parity.value(key, g.stateDict().get(key).shape()).data(),
                    g.stateDict().get(key).value().data(), key);
        }
        assertEquals(Shape.of(1, 1000), g.outputs().get(0).shape());
        assertTrue(g.requireNode("/relu/Relu").isModuleCall());
        assertTrue(!g.requireNode("/layer1/layer1.0/Add").isModuleCall());
    }

    @Test
    void originKeepsTheOnnxNamesOfNodesInitializersInputsAndOutputs() throws IOException {
        Path f = OnnxFixtures.folder().resolve("resnet18.eval.onnx");
        OnnxImport imp = OnnxImporter.read(f, FillMissing.PARITY, Shape.of(1, 3, 224, 224));
        OnnxOrigin o = imp.origin();
        assertEquals(17, o.opset());
        assertEquals(List.of("logits"), o.outputs());
        assertEquals(java.util.Map.of("input", "input"), o.inputs());
        // BN folded into the conv: no state_dict names, so the module is named after the node
        Node conv1 = imp.graph().nodes().get(0);
        assertEquals(List.of("/conv1/Conv"), o.onnxNodes(conv1.name()));
        assertEquals("onnx::Conv_193", o.initializer(conv1.name() + ".weight"));
        assertEquals("onnx::Conv_194", o.initializer(conv1.name() + ".bias"));
        assertEquals(List.of("/relu/Relu"), o.onnxNodes("/relu/Relu"));
        assertEquals("fc.weight", o.initializer("fc.weight"));
        assertEquals(List.of(), o.onnxNodes("no such node"));
        for (Node n : imp.graph().nodes()) {
            if (n.op() instanceof dev.jprune.ops.Constant) {
                continue;
            }
            assertEquals(1, o.onnxNodes(n.name()).size(), n.name());
        }
    }
}
