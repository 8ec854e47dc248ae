package dev.jprune.cli;

import com.google.protobuf.ByteString;
import dev.jprune.io.onnx.internal.proto.Onnx.AttributeProto;
import dev.jprune.io.onnx.internal.proto.Onnx.GraphProto;
import dev.jprune.io.onnx.internal.proto.Onnx.ModelProto;
import dev.jprune.io.onnx.internal.proto.Onnx.NodeProto;
import dev.jprune.io.onnx.internal.proto.Onnx.OperatorSetIdProto;
import dev.jprune.io.onnx.internal.proto.Onnx.StringStringEntryProto;
import dev.jprune.io.onnx.internal.proto.Onnx.TensorProto;
import dev.jprune.io.onnx.internal.proto.Onnx.TensorShapeProto;
import dev.jprune.io.onnx.internal.proto.Onnx.TypeProto;
import dev.jprune.io.onnx.internal.proto.Onnx.ValueInfoProto;
import dev.jprune.tensor.Shape;
import dev.jprune.weights.Parity;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Small ONNX files for the CLI tests, built with the protobuf classes: {@code x (N, 3, 8, 8)} → Conv {@code conv1}
 * (3→8, 3×3, pad 1) → Relu → Conv {@code conv2} (8→8) → Relu → GlobalAveragePool → Flatten → Gemm {@code fc}
 * (8→10). Weights are the parity values of their names, stored inline or as external data.
 */
final class TinyOnnx {

    /** Parameters: conv1 8·3·9 + 8, conv2 8·8·9 + 8, fc 10·8 + 10. */
    static final long PARAMS = 8 * 3 * 9 + 8 + 8 * 8 * 9 + 8 + 10 * 8 + 10;

    /** How to write the file. */
    enum Variant {
        /** Static input (1, 3, 8, 8), weights inline. */
        STATIC,
        /** Input (N, 3, 8, 8) with a symbolic batch. */
        DYNAMIC_BATCH,
        /** Static input, weights in {@code <file>.data}, which is written too. */
        EXTERNAL,
        /** Static input, weights referring to {@code <file>.data}, which is not written. */
        EXTERNAL_MISSING,
        /** Static input, plus a node of an op type no importer knows ({@code FancyOp}) before the classifier. */
        UNSUPPORTED_OP
    }

    private TinyOnnx() {
    }

    /** Writes the variant to {@code file} (and its data file for {@link Variant#EXTERNAL}). */
    static Path write(Path file, Variant v) throws IOException {
        String dataName = file.getFileName() + ".data";
        GraphProto.Builder g = GraphProto.newBuilder().setName("tiny");
        g.addInput(value("x", v == Variant.DYNAMIC_BATCH ? "N" : null, 3, 8, 8));
        g.addOutput(value("logits", v == Variant.DYNAMIC_BATCH ? "N" : null, 10));
        boolean external = v == Variant.EXTERNAL || v == Variant.EXTERNAL_MISSING;
        ByteBuffer data = ByteBuffer.allocate(1 << 16).order(ByteOrder.LITTLE_ENDIAN);
        g.addInitializer(init("conv1.weight", external, dataName, data, 8, 3, 3, 3));
        g.addInitializer(init("conv1.bias", external, dataName, data, 8));
        g.addInitializer(init("conv2.weight", external, dataName, data, 8, 8, 3, 3));
        g.addInitializer(init("conv2.bias", external, dataName, data, 8));
        g.addInitializer(init("fc.weight", external, dataName, data, 10, 8));
        g.addInitializer(init("fc.bias", external, dataName, data, 10));
        g.addNode(conv("/conv1/Conv", "x", "conv1", "c1"));
        g.addNode(NodeProto.newBuilder().setName("/relu1/Relu").setOpType("Relu").addInput("c1").addOutput("r1"));
        g.addNode(conv("/conv2/Conv", "r1", "conv2", "c2"));
        g.addNode(NodeProto.newBuilder().setName("/relu2/Relu").setOpType("Relu").addInput("c2").addOutput("r2"));
        g.addNode(NodeProto.newBuilder().setName("/gap/GlobalAveragePool").setOpType("GlobalAveragePool")
                .addInput("r2").addOutput("p"));
        String flatIn = "p";
        if (v == Variant.UNSUPPORTED_OP) {
            g.addNode(NodeProto.newBuilder().setName("/fancy/FancyOp").setOpType("FancyOp").addInput("p")
                    .addOutput("q"));
            flatIn = "q";
        }
        g.addNode(NodeProto.newBuilder().setName("/flatten/Flatten").setOpType("Flatten").addInput(flatIn)
                .addOutput("f").addAttribute(AttributeProto.newBuilder().setName("axis")
                        .setType(AttributeProto.AttributeType.INT).setI(1)));
        g.addNode(NodeProto.newBuilder().setName("/fc/Gemm").setOpType("Gemm").addInput("f").addInput("fc.weight")
                .addInput("fc.bias").addOutput("logits").addAttribute(AttributeProto.newBuilder().setName("transB")
                        .setType(AttributeProto.AttributeType.INT).setI(1)));
        ModelProto m = ModelProto.newBuilder().setIrVersion(8).setProducerName("jprune-cli-test").setGraph(g)
                .addOpsetImport(OperatorSetIdProto.newBuilder().setDomain("").setVersion(17)).build();
        Files.write(file, m.toByteArray());
        if (v == Variant.EXTERNAL) {
            Files.write(file.resolveSibling(dataName), java.util.Arrays.copyOf(data.array(), data.position()));
        }
        return file;
    }

    private static NodeProto conv(String name, String in, String module, String out) {
        return NodeProto.newBuilder().setName(name).setOpType("Conv").addInput(in).addInput(module + ".weight")
                .addInput(module + ".bias").addOutput(out)
                .addAttribute(AttributeProto.newBuilder().setName("kernel_shape")
                        .setType(AttributeProto.AttributeType.INTS).addInts(3).addInts(3))
                .addAttribute(AttributeProto.newBuilder().setName("pads")
                        .setType(AttributeProto.AttributeType.INTS).addInts(1).addInts(1).addInts(1).addInts(1))
                .build();
    }

    /** An initializer holding the parity value of {@code name}, inline or appended to {@code data}. */
    private static TensorProto init(String name, boolean external, String dataName, ByteBuffer data, int... dims) {
        float[] v = Parity.value(name, Shape.of(dims)).data();
        ByteBuffer b = ByteBuffer.allocate(v.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        b.asFloatBuffer().put(v);
        TensorProto.Builder t = TensorProto.newBuilder().setName(name).setDataType(TensorProto.DataType.FLOAT_VALUE);
        for (int d : dims) {
            t.addDims(d);
        }
        if (!external) {
            return t.setRawData(ByteString.copyFrom(b.array())).build();
        }
        int offset = data.position();
        data.put(b.array());
        return t.setDataLocation(TensorProto.DataLocation.EXTERNAL)
                .addExternalData(StringStringEntryProto.newBuilder().setKey("location").setValue(dataName))
                .addExternalData(StringStringEntryProto.newBuilder().setKey("offset").setValue(Integer.toString(offset)))
                .addExternalData(StringStringEntryProto.newBuilder().setKey("length")
                        .setValue(Integer.toString(b.capacity())))
                .build();
    }

    /** A FLOAT value of shape (batch, dims...): batch 1, or the symbol {@code batch} when it is not null. */
    private static ValueInfoProto value(String name, String batch, long... dims) {
        TensorShapeProto.Builder shape = TensorShapeProto.newBuilder();
        shape.addDim(batch == null ? TensorShapeProto.Dimension.newBuilder().setDimValue(1)
                : TensorShapeProto.Dimension.newBuilder().setDimParam(batch));
        for (long d : dims) {
            shape.addDim(TensorShapeProto.Dimension.newBuilder().setDimValue(d));
        }
        return ValueInfoProto.newBuilder().setName(name).setType(TypeProto.newBuilder().setTensorType(
                TypeProto.Tensor.newBuilder().setElemType(TensorProto.DataType.FLOAT_VALUE).setShape(shape))).build();
    }
}
