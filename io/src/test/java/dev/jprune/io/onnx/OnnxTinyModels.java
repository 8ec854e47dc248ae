package dev.jprune.io.onnx;

import com.google.protobuf.ByteString;
import dev.jprune.io.onnx.internal.proto.Onnx.AttributeProto;
import dev.jprune.io.onnx.internal.proto.Onnx.GraphProto;
import dev.jprune.io.onnx.internal.proto.Onnx.ModelProto;
import dev.jprune.io.onnx.internal.proto.Onnx.NodeProto;
import dev.jprune.io.onnx.internal.proto.Onnx.OperatorSetIdProto;
import dev.jprune.io.onnx.internal.proto.Onnx.TensorProto;
import dev.jprune.io.onnx.internal.proto.Onnx.TensorShapeProto;
import dev.jprune.io.onnx.internal.proto.Onnx.TypeProto;
import dev.jprune.io.onnx.internal.proto.Onnx.ValueInfoProto;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A tiny hand-built model, Conv → Reshape → Gemm, whose initializers use each way of storing data: the conv weight
 * in {@code raw_data}, the conv bias in {@code float_data}, the reshape target in {@code int64_data}, the Gemm weight
 * in {@code raw_data}.
 */
final class OnnxTinyModels {

    static final float[] CONV_W = seq(2 * 1 * 3 * 3, 0.25f);
    static final float[] CONV_B = {0.5f, -1.5f};
    static final long[] SHAPE = {1, -1};
    static final float[] FC_W = seq(3 * 32, -0.125f);

    private OnnxTinyModels() {
    }

    /** The model message. */
    static ModelProto model() {
        GraphProto.Builder g = GraphProto.newBuilder().setName("tiny");
        g.addInput(value("input", OnnxDataType.FLOAT, "batch", 1, 4, 4));
        g.addOutput(value("logits", OnnxDataType.FLOAT, "batch", 3));
        g.addInitializer(TensorProto.newBuilder().setName("conv.weight").setDataType(1).addDims(2).addDims(1)
                .addDims(3).addDims(3).setRawData(ByteString.copyFrom(le(CONV_W))));
        TensorProto.Builder b = TensorProto.newBuilder().setName("conv.bias").setDataType(1).addDims(2);
        for (float v : CONV_B) {
            b.addFloatData(v);
        }
        g.addInitializer(b);
        TensorProto.Builder s = TensorProto.newBuilder().setName("shape").setDataType(7).addDims(2);
        for (long v : SHAPE) {
            s.addInt64Data(v);
        }
        g.addInitializer(s);
        g.addInitializer(TensorProto.newBuilder().setName("fc.weight").setDataType(1).addDims(3).addDims(32)
                .setRawData(ByteString.copyFrom(le(FC_W))));
        g.addNode(NodeProto.newBuilder().setName("conv").setOpType("Conv").addInput("input")
                .addInput("conv.weight").addInput("conv.bias").addOutput("c")
                .addAttribute(AttributeProto.newBuilder().setName("kernel_shape").setType(AttributeProto.AttributeType.INTS)
                        .addInts(3).addInts(3))
                .addAttribute(AttributeProto.newBuilder().setName("pads").setType(AttributeProto.AttributeType.INTS)
                        .addInts(1).addInts(1).addInts(1).addInts(1)));
        g.addNode(NodeProto.newBuilder().setName("flat").setOpType("Reshape").addInput("c").addInput("shape")
                .addOutput("f"));
        g.addNode(NodeProto.newBuilder().setName("fc").setOpType("Gemm").addInput("f").addInput("fc.weight")
                .addOutput("logits")
                .addAttribute(AttributeProto.newBuilder().setName("transB").setType(AttributeProto.AttributeType.INT)
                        .setI(1))
                .addAttribute(AttributeProto.newBuilder().setName("alpha").setType(AttributeProto.AttributeType.FLOAT)
                        .setF(1.0f)));
        return ModelProto.newBuilder().setIrVersion(8).setProducerName("jprune-test").setGraph(g)
                .addOpsetImport(OperatorSetIdProto.newBuilder().setDomain("").setVersion(17)).build();
    }

    /** Writes the model to {@code file}. */
    static Path write(Path file) throws IOException {
        Files.write(file, model().toByteArray());
        return file;
    }

    private static ValueInfoProto value(String name, OnnxDataType type, String dynamic, long... dims) {
        TensorShapeProto.Builder shape = TensorShapeProto.newBuilder();
        shape.addDim(TensorShapeProto.Dimension.newBuilder().setDimParam(dynamic));
        for (long d : dims) {
            shape.addDim(TensorShapeProto.Dimension.newBuilder().setDimValue(d));
        }
        return ValueInfoProto.newBuilder().setName(name).setType(TypeProto.newBuilder().setTensorType(
                TypeProto.Tensor.newBuilder().setElemType(type.code()).setShape(shape))).build();
    }

    private static float[] seq(int n, float step) {
        float[] out = new float[n];
        for (int i = 0; i < n; i++) {
            out[i] = (i - n / 2) * step;
        }
        return out;
    }

    static byte[] le(float[] values) {
        ByteBuffer buf = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        buf.asFloatBuffer().put(values);
        return buf.array();
    }
}
