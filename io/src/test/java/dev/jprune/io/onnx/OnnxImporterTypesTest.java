package dev.jprune.io.onnx;

import com.google.protobuf.ByteString;
import dev.jprune.exec.Executor;
import dev.jprune.io.ModelFormatException;
import dev.jprune.io.internal.HalfFloats;
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
import dev.jprune.ops.Reshape;
import dev.jprune.tensor.Shape;
import dev.jprune.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Importing models whose initializers and {@code Constant} values are not FLOAT or INT64: FLOAT16, DOUBLE and
 * BFLOAT16 (external data) conv weights (against the same model with FLOAT weights rounded the same way, tolerance
 * 0: the float32 weights are identical, so the forward is too), an INT32 Reshape target through Cast, a BOOL Constant selecting with Where, and
 * the errors for types jprune does not read.
 */
class OnnxImporterTypesTest {

    private static final Shape X = Shape.of(1, 2, 5, 5);
    private static final int CO = 3;

    @TempDir
    Path tmp;

    // ---- model building ----

    private static ValueInfoProto value(String name, OnnxDataType type, long... dims) {
        TensorShapeProto.Builder shape = TensorShapeProto.newBuilder();
        for (long d : dims) {
            shape.addDim(TensorShapeProto.Dimension.newBuilder().setDimValue(d));
        }
        return ValueInfoProto.newBuilder().setName(name).setType(TypeProto.newBuilder().setTensorType(
                TypeProto.Tensor.newBuilder().setElemType(type.code()).setShape(shape))).build();
    }

    private static AttributeProto ints(String name, long... v) {
        AttributeProto.Builder a = AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.INTS);
        for (long x : v) {
            a.addInts(x);
        }
        return a.build();
    }

    private static NodeProto cast(String in, String out, OnnxDataType to) {
        return NodeProto.newBuilder().setName("cast_" + in).setOpType("Cast").addInput(in).addOutput(out)
                .addAttribute(AttributeProto.newBuilder().setName("to").setType(AttributeProto.AttributeType.INT)
                        .setI(to.code())).build();
    }

    private static TensorProto tensor(String name, OnnxDataType type, byte[] raw, long... dims) {
        TensorProto.Builder t = TensorProto.newBuilder().setName(name).setDataType(type.code())
                .setRawData(ByteString.copyFrom(raw));
        for (long d : dims) {
            t.addDims(d);
        }
        return t.build();
    }

    private static ByteBuffer le(int bytes) {
        return ByteBuffer.allocate(bytes).order(ByteOrder.LITTLE_ENDIAN);
    }

    private static ModelProto model(GraphProto.Builder g) {
        return ModelProto.newBuilder().setIrVersion(8).setProducerName("jprune-test").setGraph(g)
                .addOpsetImport(OperatorSetIdProto.newBuilder().setDomain("").setVersion(17)).build();
    }

    private Path write(ModelProto m, String name) throws IOException {
        Path f = tmp.resolve(name);
        Files.write(f, m.toByteArray());
        return f;
    }

    /**
     * A 3×3 conv (pad 1) of a FLOAT input with weight {@code w} and bias {@code b} of type {@code type}; a non-FLOAT
     * weight is cast to FLOAT first unless {@code direct}, which feeds it to the Conv as it is (a half-precision
     * export).
     */
    private static ModelProto conv(OnnxDataType type, byte[] w, byte[] b, boolean direct) {
        GraphProto.Builder g = GraphProto.newBuilder().setName("conv_" + type);
        g.addInput(value("x", direct ? type : OnnxDataType.FLOAT, 1, 2, 5, 5));
        g.addOutput(value("y", direct ? type : OnnxDataType.FLOAT, 1, CO, 5, 5));
        g.addInitializer(tensor("conv.weight", type, w, CO, 2, 3, 3));
        g.addInitializer(tensor("conv.bias", type, b, CO));
        String wIn = "conv.weight";
        String bIn = "conv.bias";
        if (type != OnnxDataType.FLOAT && !direct) {
            g.addNode(cast("conv.weight", "w32", OnnxDataType.FLOAT));
            g.addNode(cast("conv.bias", "b32", OnnxDataType.FLOAT));
            wIn = "w32";
            bIn = "b32";
        }
        g.addNode(NodeProto.newBuilder().setName("conv").setOpType("Conv").addInput("x").addInput(wIn).addInput(bIn)
                .addOutput("y").addAttribute(ints("kernel_shape", 3, 3)).addAttribute(ints("pads", 1, 1, 1, 1)));
        return model(g);
    }

    private static float[] random(int n, long seed) {
        Random r = new Random(seed);
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) r.nextGaussian();
        }
        return v;
    }

    private static byte[] floats(float[] v) {
        ByteBuffer bb = le(4 * v.length);
        for (float f : v) {
            bb.putFloat(f);
        }
        return bb.array();
    }

    private Tensor forward(ModelProto m, String name, Tensor x) throws IOException {
        Graph g = OnnxImporter.importModel(write(m, name), FillMissing.NONE, X);
        return Executor.run(g, x)[0];
    }

    // ---- float types ----

    @Test
    void float16WeightsImportAsTheirFloatValues() throws IOException {
        float[] w = random(CO * 2 * 9, 1);
        float[] b = random(CO, 2);
        ByteBuffer wh = le(2 * w.length);
        ByteBuffer bh = le(2 * b.length);
        float[] wr = new float[w.length];
        float[] br = new float[b.length];
        for (int i = 0; i < w.length; i++) {
            int h = HalfFloats.floatToHalf(w[i]);
            wh.putShort((short) h);
            wr[i] = HalfFloats.halfToFloat(h);
        }
        for (int i = 0; i < b.length; i++) {
            int h = HalfFloats.floatToHalf(b[i]);
            bh.putShort((short) h);
            br[i] = HalfFloats.halfToFloat(h);
        }
        Tensor x = Tensor.wrap(X, random((int) X.numel(), 3));
        Tensor ref = forward(conv(OnnxDataType.FLOAT, floats(wr), floats(br), false), "f32.onnx", x);
        Tensor cast = forward(conv(OnnxDataType.FLOAT16, wh.array(), bh.array(), false), "f16cast.onnx", x);
        Tensor direct = forward(conv(OnnxDataType.FLOAT16, wh.array(), bh.array(), true), "f16.onnx", x);
        assertArrayEquals(ref.data(), cast.data(), 0f);
        assertArrayEquals(ref.data(), direct.data(), 0f);
        // the half rounding happened: the unrounded weights give another output
        Tensor unrounded = forward(conv(OnnxDataType.FLOAT, floats(w), floats(b), false), "f32u.onnx", x);
        assertTrue(maxDiff(ref, unrounded) > 1e-5, "half rounding changed nothing");
        Graph g = OnnxImporter.importModel(tmp.resolve("f16.onnx"), FillMissing.NONE, X);
        assertArrayEquals(wr, g.stateDict().get("conv.weight").value().data(), 0f);
    }

    /** ONNX Runtime runs the FLOAT16-weights model (Cast to FLOAT before the Conv) like jprune's import of it. */
    @Test
    void float16CastModelMatchesOnnxRuntime() throws Exception {
        float[] w = random(CO * 2 * 9, 11);
        float[] b = random(CO, 12);
        ByteBuffer wh = le(2 * w.length);
        ByteBuffer bh = le(2 * b.length);
        for (float v : w) {
            wh.putShort((short) HalfFloats.floatToHalf(v));
        }
        for (float v : b) {
            bh.putShort((short) HalfFloats.floatToHalf(v));
        }
        Path f = write(conv(OnnxDataType.FLOAT16, wh.array(), bh.array(), false), "f16ort.onnx");
        Tensor x = Tensor.wrap(X, random((int) X.numel(), 13));
        Tensor ours = Executor.run(OnnxImporter.importModel(f, FillMissing.NONE, X), x)[0];
        double d = OrtRun.assertClose(OrtRun.runOne(f, "x", x), ours, "FLOAT16 weights through Cast");
        System.out.println("OnnxImporterTypesTest: FLOAT16-weights conv vs ONNX Runtime, max |diff| = " + d);
    }

    /** BFLOAT16 weights in an external data file beside the model: read, widened, equal to FLOAT weights alike. */
    @Test
    void bfloat16ExternalWeightsImport() throws IOException {
        float[] w = random(CO * 2 * 9, 21);
        float[] b = random(CO, 22);
        ByteBuffer data = le(2 * (w.length + b.length));
        float[] wr = new float[w.length];
        float[] br = new float[b.length];
        for (int i = 0; i < w.length; i++) {
            int h = HalfFloats.floatToBfloat16(w[i]);
            data.putShort((short) h);
            wr[i] = Float.intBitsToFloat(h << 16);
        }
        for (int i = 0; i < b.length; i++) {
            int h = HalfFloats.floatToBfloat16(b[i]);
            data.putShort((short) h);
            br[i] = Float.intBitsToFloat(h << 16);
        }
        Files.write(tmp.resolve("bf16.bin"), data.array());
        GraphProto.Builder g = conv(OnnxDataType.BFLOAT16, new byte[0], new byte[0], false).getGraph().toBuilder();
        long[][] at = {{0, 2L * w.length}, {2L * w.length, 2L * b.length}};
        for (int i = 0; i < 2; i++) {
            g.setInitializer(i, g.getInitializer(i).toBuilder().clearRawData()
                    .setDataLocation(TensorProto.DataLocation.EXTERNAL)
                    .addExternalData(entry("location", "bf16.bin"))
                    .addExternalData(entry("offset", Long.toString(at[i][0])))
                    .addExternalData(entry("length", Long.toString(at[i][1]))));
        }
        Tensor x = Tensor.wrap(X, random((int) X.numel(), 23));
        Tensor ref = forward(conv(OnnxDataType.FLOAT, floats(wr), floats(br), false), "f32.onnx", x);
        assertArrayEquals(ref.data(), forward(model(g), "bf16.onnx", x).data(), 0f);
    }

    private static dev.jprune.io.onnx.internal.proto.Onnx.StringStringEntryProto entry(String k, String v) {
        return dev.jprune.io.onnx.internal.proto.Onnx.StringStringEntryProto.newBuilder().setKey(k).setValue(v).build();
    }

    @Test
    void doubleWeightsImportRoundedToFloat() throws IOException {
        Random r = new Random(4);
        double[] w = new double[CO * 2 * 9];
        double[] b = new double[CO];
        ByteBuffer wd = le(8 * w.length);
        ByteBuffer bd = le(8 * b.length);
        float[] wr = new float[w.length];
        float[] br = new float[b.length];
        for (int i = 0; i < w.length; i++) {
            w[i] = r.nextGaussian();
            wd.putDouble(w[i]);
            wr[i] = (float) w[i];
        }
        for (int i = 0; i < b.length; i++) {
            b[i] = r.nextGaussian();
            bd.putDouble(b[i]);
            br[i] = (float) b[i];
        }
        Tensor x = Tensor.wrap(X, random((int) X.numel(), 5));
        Tensor ref = forward(conv(OnnxDataType.FLOAT, floats(wr), floats(br), false), "f32.onnx", x);
        Tensor cast = forward(conv(OnnxDataType.DOUBLE, wd.array(), bd.array(), false), "f64cast.onnx", x);
        Tensor direct = forward(conv(OnnxDataType.DOUBLE, wd.array(), bd.array(), true), "f64.onnx", x);
        assertArrayEquals(ref.data(), cast.data(), 0f);
        assertArrayEquals(ref.data(), direct.data(), 0f);
    }

    @Test
    void castToFloat16OfAFloatWeightRoundsItToHalf() throws IOException {
        float[] w = random(CO * 2 * 9, 6);
        float[] b = random(CO, 7);
        float[] wr = new float[w.length];
        for (int i = 0; i < w.length; i++) {
            wr[i] = HalfFloats.halfToFloat(HalfFloats.floatToHalf(w[i]));
        }
        GraphProto.Builder g = conv(OnnxDataType.FLOAT, floats(w), floats(b), false).getGraph().toBuilder();
        g.setNode(0, g.getNode(0).toBuilder().setInput(1, "wh"));
        g.addNode(0, cast("conv.weight", "wh", OnnxDataType.FLOAT16));
        Tensor x = Tensor.wrap(X, random((int) X.numel(), 8));
        Tensor ref = forward(conv(OnnxDataType.FLOAT, floats(wr), floats(b), false), "ref.onnx", x);
        assertArrayEquals(ref.data(), forward(model(g), "castf16.onnx", x).data(), 0f);
    }

    // ---- integer and bool types ----

    @Test
    void reshapeTargetFromInt32InitializerThroughCast() throws IOException {
        GraphProto.Builder g = GraphProto.newBuilder().setName("reshape");
        g.addInput(value("x", OnnxDataType.FLOAT, 1, 2, 5, 5));
        g.addOutput(value("y", OnnxDataType.FLOAT, 1, 50));
        g.addInitializer(tensor("shape32", OnnxDataType.INT32, le(8).putInt(1).putInt(-1).array(), 2));
        g.addNode(cast("shape32", "shape64", OnnxDataType.INT64));
        g.addNode(NodeProto.newBuilder().setName("flat").setOpType("Reshape").addInput("x").addInput("shape64")
                .addOutput("y"));
        Graph graph = OnnxImporter.importModel(write(model(g), "reshape32.onnx"), FillMissing.NONE, X);
        assertArrayEquals(new int[] {1, -1}, ((Reshape) graph.requireNode("flat").op()).target());
        assertEquals(Shape.of(1, 50), graph.outputs().get(0).shape());

        // the INT32 initializer read directly as a Reshape target (no Cast)
        g.setNode(1, g.getNode(1).toBuilder().setInput(1, "shape32"));
        g.removeNode(0);
        Graph direct = OnnxImporter.importModel(write(model(g), "reshape32d.onnx"), FillMissing.NONE, X);
        assertEquals(Shape.of(1, 50), direct.outputs().get(0).shape());
    }

    @Test
    void boolConstantSelectsWithWhere() throws IOException {
        GraphProto.Builder g = GraphProto.newBuilder().setName("where");
        g.addInput(value("x", OnnxDataType.FLOAT, 1, 2, 5, 5));
        g.addOutput(value("y", OnnxDataType.FLOAT, 2, 25));
        // cond = [true, false] in int32_data (the typed form), a = [2, 99] UINT8, b = [7, 25] INT16
        TensorProto cond = TensorProto.newBuilder().setName("cond_value").setDataType(OnnxDataType.BOOL.code())
                .addDims(2).addInt32Data(1).addInt32Data(0).build();
        g.addNode(NodeProto.newBuilder().setName("cond").setOpType("Constant").addOutput("cond")
                .addAttribute(AttributeProto.newBuilder().setName("value").setType(AttributeProto.AttributeType.TENSOR)
                        .setT(cond)));
        g.addInitializer(tensor("a", OnnxDataType.UINT8, new byte[] {2, 99}, 2));
        g.addInitializer(tensor("b", OnnxDataType.INT16, le(4).putShort((short) 7).putShort((short) 25).array(), 2));
        g.addNode(NodeProto.newBuilder().setName("where").setOpType("Where").addInput("cond").addInput("a")
                .addInput("b").addOutput("shape"));
        g.addNode(NodeProto.newBuilder().setName("flat").setOpType("Reshape").addInput("x").addInput("shape")
                .addOutput("y"));
        Graph graph = OnnxImporter.importModel(write(model(g), "where.onnx"), FillMissing.NONE, X);
        assertArrayEquals(new int[] {2, 25}, ((Reshape) graph.requireNode("flat").op()).target());
        assertEquals(Shape.of(2, 25), graph.outputs().get(0).shape());

        // the same condition in raw_data, flipped: [false, true] selects [7, 99], which does not fit 50 elements
        g.setNode(0, g.getNode(0).toBuilder().setAttribute(0, g.getNode(0).getAttribute(0).toBuilder()
                .setT(cond.toBuilder().clearInt32Data().setRawData(ByteString.copyFrom(new byte[] {0, 1})))));
        Path f = write(model(g), "where2.onnx");
        ModelFormatException e = assertThrows(ModelFormatException.class,
                () -> OnnxImporter.importModel(f, FillMissing.NONE, X));
        assertTrue(e.getMessage().contains("(7, 99)"), e.getMessage());
    }

    // ---- errors ----

    private ModelProto reshapeBy(TensorProto shape) {
        GraphProto.Builder g = GraphProto.newBuilder().setName("bad");
        g.addInput(value("x", OnnxDataType.FLOAT, 1, 2, 5, 5));
        g.addOutput(value("y", OnnxDataType.FLOAT, 1, 50));
        g.addInitializer(shape);
        g.addNode(NodeProto.newBuilder().setName("flat").setOpType("Reshape").addInput("x").addInput(shape.getName())
                .addOutput("y"));
        return model(g);
    }

    @Test
    void unsupportedInitializerTypesNameInitializerAndType() throws IOException {
        TensorProto[] bad = {
            TensorProto.newBuilder().setName("names").setDataType(OnnxDataType.STRING.code()).addDims(1)
                    .addStringData(ByteString.copyFromUtf8("a")).build(),
            tensor("cplx", OnnxDataType.COMPLEX64, new byte[16], 2),
            tensor("f8", OnnxDataType.FLOAT8E4M3FN, new byte[2], 2),
            tensor("i4", OnnxDataType.INT4, new byte[1], 2),
        };
        for (TensorProto t : bad) {
            Path f = write(reshapeBy(t), t.getName() + ".onnx");
            ModelFormatException e = assertThrows(ModelFormatException.class,
                    () -> OnnxImporter.importModel(f, FillMissing.NONE, X));
            String type = OnnxDataType.ofCode(t.getDataType()).toString();
            assertTrue(e.getMessage().contains("'" + t.getName() + "'") && e.getMessage().contains(type),
                    e.getMessage());
        }
        Path big = write(reshapeBy(tensor("huge", OnnxDataType.UINT64, le(16).putLong(1).putLong(-1).array(), 2)),
                "huge.onnx");
        ModelFormatException e = assertThrows(ModelFormatException.class,
                () -> OnnxImporter.importModel(big, FillMissing.NONE, X));
        assertTrue(e.getMessage().contains("'huge'") && e.getMessage().contains("18446744073709551615"),
                e.getMessage());
    }

    @Test
    void unsupportedConstantTypeNamesTheNode() throws IOException {
        GraphProto.Builder g = GraphProto.newBuilder().setName("badconst");
        g.addInput(value("x", OnnxDataType.FLOAT, 1, 2, 5, 5));
        g.addOutput(value("y", OnnxDataType.FLOAT, 1, 50));
        g.addNode(NodeProto.newBuilder().setName("strconst").setOpType("Constant").addOutput("s")
                .addAttribute(AttributeProto.newBuilder().setName("value").setType(AttributeProto.AttributeType.TENSOR)
                        .setT(TensorProto.newBuilder().setName("sv").setDataType(OnnxDataType.STRING.code())
                                .addDims(1).addStringData(ByteString.copyFromUtf8("a")))));
        g.addNode(NodeProto.newBuilder().setName("flat").setOpType("Reshape").addInput("x").addInput("s")
                .addOutput("y"));
        Path f = write(model(g), "strconst.onnx");
        UnsupportedOnnxOpException e = assertThrows(UnsupportedOnnxOpException.class,
                () -> OnnxImporter.importModel(f, FillMissing.NONE, X));
        assertTrue(e.getMessage().contains("strconst") && e.getMessage().contains("STRING"), e.getMessage());
    }

    private static double maxDiff(Tensor a, Tensor b) {
        double m = 0;
        for (int i = 0; i < a.data().length; i++) {
            m = Math.max(m, Math.abs(a.data()[i] - b.data()[i]));
        }
        return m;
    }
}
