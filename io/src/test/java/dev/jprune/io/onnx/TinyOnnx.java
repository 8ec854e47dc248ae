package dev.jprune.io.onnx;

import com.google.protobuf.ByteString;
import dev.jprune.exec.Executor;
import dev.jprune.io.onnx.OnnxImporter.FillMissing;
import dev.jprune.io.onnx.internal.proto.Onnx.AttributeProto;
import dev.jprune.io.onnx.internal.proto.Onnx.GraphProto;
import dev.jprune.io.onnx.internal.proto.Onnx.ModelProto;
import dev.jprune.io.onnx.internal.proto.Onnx.NodeProto;
import dev.jprune.io.onnx.internal.proto.Onnx.OperatorSetIdProto;
import dev.jprune.io.onnx.internal.proto.Onnx.TensorProto;
import dev.jprune.io.onnx.internal.proto.Onnx.TensorShapeProto;
import dev.jprune.io.onnx.internal.proto.Onnx.TypeProto;
import dev.jprune.io.onnx.internal.proto.Onnx.ValueInfoProto;
import dev.jprune.ir.Graph;
import dev.jprune.tensor.Shape;
import dev.jprune.tensor.Tensor;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.LongStream;

/**
 * Builds small ONNX models directly from the proto classes for the importer's tests: float graph inputs (fixed or
 * dynamic dims), float and int64 initializers, nodes with attributes, named outputs; writes them, imports them and runs them in
 * jprune and (through {@link OrtRun}) in ONNX Runtime.
 */
final class TinyOnnx {

    private final long opset;
    private final GraphProto.Builder g = GraphProto.newBuilder().setName("tiny");
    private final List<int[]> inputShapes = new ArrayList<>();

    TinyOnnx(long opset) {
        this.opset = opset;
    }

    /**
     * A float graph input; a dim of -1 is dynamic (a {@code dim_param}), fixed by the shape given to the import, so
     * {@link #importFrom} needs fixed dims.
     */
    TinyOnnx input(String name, int... dims) {
        TensorShapeProto.Builder s = TensorShapeProto.newBuilder();
        for (int d : dims) {
            s.addDim(d < 0 ? TensorShapeProto.Dimension.newBuilder().setDimParam("N")
                    : TensorShapeProto.Dimension.newBuilder().setDimValue(d));
        }
        g.addInput(floatValue(name, s));
        inputShapes.add(dims);
        return this;
    }

    /** A float graph output (shape left to the consumer). */
    TinyOnnx output(String name) {
        g.addOutput(floatValue(name, null));
        return this;
    }

    /** A float value's info; {@code shape} null leaves the shape unspecified. */
    private static ValueInfoProto floatValue(String name, TensorShapeProto.Builder shape) {
        TypeProto.Tensor.Builder t = TypeProto.Tensor.newBuilder().setElemType(OnnxDataType.FLOAT.code());
        if (shape != null) {
            t.setShape(shape);
        }
        return ValueInfoProto.newBuilder().setName(name).setType(TypeProto.newBuilder().setTensorType(t)).build();
    }

    /** A float initializer of shape {@code dims} ({@code new int[0]} for a scalar), in raw_data. */
    TinyOnnx floats(String name, int[] dims, float... data) {
        g.addInitializer(tensor(name, 1, dims).setRawData(ByteString.copyFrom(OnnxTinyModels.le(data))));
        return this;
    }

    /** A 1-D int64 initializer. */
    TinyOnnx longs(String name, long... data) {
        return longs(name, new int[] {data.length}, data);
    }

    /** An int64 initializer of shape {@code dims} ({@code new int[0]} for a scalar), in int64_data. */
    TinyOnnx longs(String name, int[] dims, long... data) {
        TensorProto.Builder t = tensor(name, 7, dims);
        for (long v : data) {
            t.addInt64Data(v);
        }
        g.addInitializer(t);
        return this;
    }

    private static TensorProto.Builder tensor(String name, int dataType, int[] dims) {
        TensorProto.Builder t = TensorProto.newBuilder().setName(name).setDataType(dataType);
        for (int d : dims) {
            t.addDims(d);
        }
        return t;
    }

    /** A node; attributes are added on the returned builder. */
    Node node(String opType, String name, String[] inputs, String... outputs) {
        NodeProto.Builder n = NodeProto.newBuilder().setOpType(opType).setName(name);
        for (String i : inputs) {
            n.addInput(i);
        }
        for (String o : outputs) {
            n.addOutput(o);
        }
        return new Node(this, n);
    }

    /** A node builder; {@link Node#done()} adds it to the graph. */
    static final class Node {
        private final TinyOnnx owner;
        private final NodeProto.Builder n;

        Node(TinyOnnx owner, NodeProto.Builder n) {
            this.owner = owner;
            this.n = n;
        }

        Node i(String name, long v) {
            n.addAttribute(attribute(name, AttributeProto.AttributeType.INT).setI(v));
            return this;
        }

        Node f(String name, float v) {
            n.addAttribute(attribute(name, AttributeProto.AttributeType.FLOAT).setF(v));
            return this;
        }

        Node s(String name, String v) {
            n.addAttribute(attribute(name, AttributeProto.AttributeType.STRING).setS(ByteString.copyFromUtf8(v)));
            return this;
        }

        Node ints(String name, long... v) {
            List<Long> values = LongStream.of(v).boxed().toList();
            n.addAttribute(attribute(name, AttributeProto.AttributeType.INTS).addAllInts(values));
            return this;
        }

        Node floats(String name, float... v) {
            AttributeProto.Builder a = attribute(name, AttributeProto.AttributeType.FLOATS);
            for (float x : v) {
                a.addFloats(x);
            }
            n.addAttribute(a);
            return this;
        }

        private static AttributeProto.Builder attribute(String name, AttributeProto.AttributeType type) {
            return AttributeProto.newBuilder().setName(name).setType(type);
        }

        TinyOnnx done() {
            owner.g.addNode(n);
            return owner;
        }
    }

    ModelProto model() {
        return ModelProto.newBuilder().setIrVersion(opset >= 21 ? 10 : opset >= 18 ? 8 : 7).setProducerName("jprune-test")
                .setGraph(g).addOpsetImport(OperatorSetIdProto.newBuilder().setDomain("").setVersion(opset)).build();
    }

    /** Writes the model as {@code dir/name.onnx}. */
    Path write(Path dir, String name) throws IOException {
        Path f = dir.resolve(name + ".onnx");
        Files.write(f, model().toByteArray());
        return f;
    }

    /** Imports the written model with the declared input shapes. */
    Graph importFrom(Path file) throws IOException {
        Shape[] shapes = new Shape[inputShapes.size()];
        for (int i = 0; i < shapes.length; i++) {
            shapes[i] = Shape.of(inputShapes.get(i));
        }
        return OnnxImporter.importModel(file, FillMissing.NONE, shapes);
    }

    /** Runs the imported graph on {@code inputs}: every output. */
    static Tensor[] run(Graph g, Tensor... inputs) {
        return Executor.run(g, inputs);
    }

    /** Uniform values in [-1, 1) of the given shape. */
    static Tensor random(long seed, int... dims) {
        SplittableRandom r = new SplittableRandom(seed);
        Tensor t = Tensor.zeros(dims);
        float[] d = t.data();
        for (int i = 0; i < d.length; i++) {
            d[i] = (float) (r.nextDouble() * 2 - 1);
        }
        return t;
    }

    /** {@code n} uniform values in [-1, 1). */
    static float[] randomFloats(long seed, int n) {
        return random(seed, n).data();
    }
}
