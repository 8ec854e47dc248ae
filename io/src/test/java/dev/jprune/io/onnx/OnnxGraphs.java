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
import java.nio.file.Files;
import java.nio.file.Path;

/** A fluent builder of small ONNX graphs for importer tests: float inputs and outputs, initializers, nodes, an opset. */
final class OnnxGraphs {

    private final GraphProto.Builder g = GraphProto.newBuilder().setName("g");
    private final long opset;

    OnnxGraphs(long opset) {
        this.opset = opset;
    }

    /** A float graph input; a dim of -1 is dynamic (a {@code dim_param}), fixed by the import's input shape. */
    OnnxGraphs input(String name, long... dims) {
        g.addInput(valueInfo(name, dims));
        return this;
    }

    /** A graph output (shape left unspecified). */
    OnnxGraphs output(String name) {
        g.addOutput(ValueInfoProto.newBuilder().setName(name).setType(TypeProto.newBuilder().setTensorType(
                TypeProto.Tensor.newBuilder().setElemType(OnnxDataType.FLOAT.code()))));
        return this;
    }

    /** A FLOAT initializer in raw_data. */
    OnnxGraphs floats(String name, long[] dims, float... values) {
        TensorProto.Builder t = TensorProto.newBuilder().setName(name).setDataType(1)
                .setRawData(ByteString.copyFrom(OnnxTinyModels.le(values)));
        for (long d : dims) {
            t.addDims(d);
        }
        g.addInitializer(t);
        return this;
    }

    /** An INT64 initializer in int64_data. */
    OnnxGraphs longs(String name, long[] dims, long... values) {
        TensorProto.Builder t = TensorProto.newBuilder().setName(name).setDataType(7);
        for (long d : dims) {
            t.addDims(d);
        }
        for (long v : values) {
            t.addInt64Data(v);
        }
        g.addInitializer(t);
        return this;
    }

    /** A 1-D INT64 initializer. */
    OnnxGraphs ints(String name, long... values) {
        return longs(name, new long[] {values.length}, values);
    }

    /** A node named {@code name}: {@code inputs} then {@code "->"} then outputs, then attributes. */
    Node node(String name, String opType, String... io) {
        NodeProto.Builder n = NodeProto.newBuilder().setName(name).setOpType(opType);
        boolean out = false;
        for (String s : io) {
            if (s.equals("->")) {
                out = true;
            } else if (out) {
                n.addOutput(s);
            } else {
                n.addInput(s);
            }
        }
        return new Node(n);
    }

    /** A node being built; {@link #add} adds it to the graph. */
    final class Node {
        private final NodeProto.Builder n;

        Node(NodeProto.Builder n) {
            this.n = n;
        }

        Node ints(String name, long... v) {
            AttributeProto.Builder a = AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.INTS);
            for (long x : v) {
                a.addInts(x);
            }
            n.addAttribute(a);
            return this;
        }

        Node i(String name, long v) {
            n.addAttribute(AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.INT).setI(v));
            return this;
        }

        Node f(String name, float v) {
            n.addAttribute(AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.FLOAT).setF(v));
            return this;
        }

        Node s(String name, String v) {
            n.addAttribute(AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.STRING)
                    .setS(ByteString.copyFromUtf8(v)));
            return this;
        }

        OnnxGraphs add() {
            g.addNode(n);
            return OnnxGraphs.this;
        }
    }

    ModelProto model() {
        return ModelProto.newBuilder().setIrVersion(opset >= 21 ? 10 : 8).setProducerName("jprune-test").setGraph(g)
                .addOpsetImport(OperatorSetIdProto.newBuilder().setDomain("").setVersion(opset)).build();
    }

    Path write(Path dir, String file) throws IOException {
        Path f = dir.resolve(file);
        Files.write(f, model().toByteArray());
        return f;
    }

    private static ValueInfoProto valueInfo(String name, long... dims) {
        TensorShapeProto.Builder shape = TensorShapeProto.newBuilder();
        for (long d : dims) {
            shape.addDim(d < 0 ? TensorShapeProto.Dimension.newBuilder().setDimParam("N")
                    : TensorShapeProto.Dimension.newBuilder().setDimValue(d));
        }
        return ValueInfoProto.newBuilder().setName(name).setType(TypeProto.newBuilder().setTensorType(
                TypeProto.Tensor.newBuilder().setElemType(OnnxDataType.FLOAT.code()).setShape(shape))).build();
    }
}
