package dev.jprune.io.onnx;

import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtLoggingLevel;
import ai.onnxruntime.OrtSession;
import dev.jprune.io.onnx.internal.ExternalData;
import dev.jprune.io.onnx.internal.proto.Onnx.GraphProto;
import dev.jprune.io.onnx.internal.proto.Onnx.ModelProto;
import dev.jprune.io.onnx.internal.proto.Onnx.NodeProto;
import dev.jprune.io.onnx.internal.proto.Onnx.StringStringEntryProto;
import dev.jprune.io.onnx.internal.proto.Onnx.TensorProto;
import dev.jprune.ir.Parameter;
import dev.jprune.tensor.Shape;
import dev.jprune.tensor.Tensor;
import dev.jprune.weights.Parity;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * ONNX Runtime as the reference engine of every ONNX test (io's, and through io's test-jar vision's), and the
 * tolerance check used against it.
 *
 * <ul>
 *   <li>{@link #run(Path, Map)}, {@link #run(Path, Tensor...)}, {@link #run(byte[], Tensor...)},
 *       {@link #runOne(Path, String, Tensor)}: run a complete model (a file with its external data beside it, or
 *       bytes) on float inputs and return every output as a float tensor, in the graph's order.</li>
 *   <li>{@link #filled(Path, OnnxImport, Path)}: a runnable copy of a structure-only fixture (external data
 *       absent) whose initializers hold exactly the values the import used, so ONNX Runtime and jprune run the same
 *       model.</li>
 *   <li>{@link #assertClose(Tensor, Tensor, String)}: {@code |ref − actual| ≤ 1e-4·max|ref| + 1e-6};
 *       {@link #assertClose(double[], float[], double, double, String)} with a stated tolerance against a reference
 *       computed in double.</li>
 * </ul>
 *
 * <p>Sessions use one intra-op thread (the machines running the suite are small and shared; results do not depend
 * on it) and no graph rewrites ({@code NO_OPT}): ONNX Runtime 1.20's default optimisations fuse a {@code Pad} into
 * the following {@code AveragePool} and lose its {@code count_include_pad=0} semantics (microsoft/onnxruntime#22177,
 * fixed after 1.20), which moves inception_v3's and maxvit_t's outputs by percents; the reference must run the ops
 * as written. Sessions, options, tensors and results are closed after each run; the {@link OrtEnvironment} is ONNX
 * Runtime's process-wide singleton and stays open.
 */
public final class OrtRun {

    private OrtRun() {
    }

    /**
     * Runs the model file {@code model} (external data beside it) on {@code inputs} (FLOAT, by graph input name).
     *
     * @return every output, in the graph's order
     * @throws OrtException when ONNX Runtime rejects the model or the inputs
     */
    public static List<Tensor> run(Path model, Map<String, Tensor> inputs) throws OrtException {
        try (OrtSession.SessionOptions so = options();
             OrtSession s = OrtEnvironment.getEnvironment().createSession(model.toString(), so)) {
            return run(s, inputs);
        }
    }

    /** {@link #run(Path, Map)} with one tensor per graph input, in the graph's input order. */
    public static List<Tensor> run(Path model, Tensor... inputs) throws OrtException {
        try (OrtSession.SessionOptions so = options();
             OrtSession s = OrtEnvironment.getEnvironment().createSession(model.toString(), so)) {
            return run(s, byOrder(s, model.toString(), inputs));
        }
    }

    /** {@link #run(Path, Tensor...)} for a model held in memory (below protobuf's 2 GB). */
    public static List<Tensor> run(byte[] model, Tensor... inputs) throws OrtException {
        try (OrtSession.SessionOptions so = options();
             OrtSession s = OrtEnvironment.getEnvironment().createSession(model, so)) {
            return run(s, byOrder(s, "the model bytes", inputs));
        }
    }

    /** Output 0 of {@code model} on the single input {@code input} = {@code x}. */
    public static Tensor runOne(Path model, String input, Tensor x) throws OrtException {
        return run(model, Map.of(input, x)).get(0);
    }

    private static OrtSession.SessionOptions options() throws OrtException {
        OrtSession.SessionOptions so = new OrtSession.SessionOptions();
        so.setIntraOpNumThreads(1);
        // No graph rewrites: ORT 1.20 fuses Pad into an AveragePool with count_include_pad=0 semantics lost
        // (microsoft/onnxruntime#22177); the reference runs the file as written.
        so.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.NO_OPT);
        so.setSessionLogLevel(OrtLoggingLevel.ORT_LOGGING_LEVEL_ERROR);
        return so;
    }

    private static Map<String, Tensor> byOrder(OrtSession s, String what, Tensor[] inputs) {
        List<String> names = new ArrayList<>(s.getInputNames());
        if (names.size() != inputs.length) {
            throw new IllegalArgumentException(what + " has inputs " + names + ", got " + inputs.length + " tensors");
        }
        Map<String, Tensor> feed = new LinkedHashMap<>();
        for (int i = 0; i < inputs.length; i++) {
            feed.put(names.get(i), inputs[i]);
        }
        return feed;
    }

    private static List<Tensor> run(OrtSession s, Map<String, Tensor> inputs) throws OrtException {
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        Map<String, ai.onnxruntime.OnnxTensor> feed = new LinkedHashMap<>();
        try {
            for (Map.Entry<String, Tensor> in : inputs.entrySet()) {
                Tensor t = in.getValue();
                feed.put(in.getKey(), ai.onnxruntime.OnnxTensor.createTensor(env, FloatBuffer.wrap(t.data()),
                        longs(t.shape().dims())));
            }
            try (OrtSession.Result r = s.run(feed)) {
                List<Tensor> out = new ArrayList<>();
                for (Map.Entry<String, OnnxValue> e : r) {
                    ai.onnxruntime.OnnxTensor o = (ai.onnxruntime.OnnxTensor) e.getValue();
                    long[] dims = o.getInfo().getShape();
                    int[] d = new int[dims.length];
                    for (int k = 0; k < d.length; k++) {
                        d[k] = Math.toIntExact(dims[k]);
                    }
                    FloatBuffer fb = o.getFloatBuffer();
                    float[] data = new float[fb.remaining()];
                    fb.get(data);
                    out.add(Tensor.wrap(Shape.of(d), data));
                }
                return out;
            }
        } finally {
            for (ai.onnxruntime.OnnxTensor t : feed.values()) {
                t.close();
            }
        }
    }

    /**
     * Writes into {@code dir} a runnable copy of the structure-only {@code fixture} whose externally stored
     * initializers hold exactly the values the import {@code imp} used (read before pruning changes them):
     * <ul>
     *   <li>an initializer {@link OnnxOrigin#initializers()} maps a parameter to gets that parameter's value — the
     *       transpose when the parameter's node was imported from a {@code MatMul} (first ONNX node; the weight is
     *       {@code (out, in)}, the initializer {@code (in, out)}, as {@link OnnxOrigin} states), else as is;</li>
     *   <li>any other gets its data from its external file when that exists beside the fixture, else (FLOAT only)
     *       {@link Parity#value}{@code (initializer name, shape)}, as {@code FillMissing.PARITY} fills it.</li>
     * </ul>
     * All of them go to one external data file beside the copy, written tensor by tensor (offsets 64-byte aligned),
     * so models over protobuf's 2 GB work.
     *
     * @return the copy's path ({@code dir/<fixture file name>})
     * @throws IOException when writing fails, or an initializer has no data and is not FLOAT, or a parameter's
     *                     element count differs from its initializer's
     */
    public static Path filled(Path fixture, OnnxImport imp, Path dir) throws IOException {
        ModelProto model = OnnxModelFile.readStructure(fixture).proto();
        Map<String, Parameter> sd = imp.graph().stateDict();
        Map<String, String> paramOf = new HashMap<>();
        imp.origin().initializers().forEach((param, init) -> paramOf.putIfAbsent(init, param));
        Map<String, String> opTypes = new HashMap<>();
        for (NodeProto n : model.getGraph().getNodeList()) {
            opTypes.put(n.getName(), n.getOpType());
        }
        String base = fixture.getFileName().toString();
        String dataName = base + ".data";
        GraphProto.Builder graph = model.getGraph().toBuilder();
        try (FileChannel ch = FileChannel.open(dir.resolve(dataName), StandardOpenOption.CREATE_NEW,
                StandardOpenOption.WRITE)) {
            long offset = 0;
            for (int i = 0; i < graph.getInitializerCount(); i++) {
                TensorProto t = graph.getInitializer(i);
                if (t.getDataLocation() != TensorProto.DataLocation.EXTERNAL) {
                    continue;
                }
                ByteBuffer bytes = ByteBuffer.wrap(valueOf(fixture, t, paramOf.get(t.getName()), sd, imp.origin(),
                        opTypes));
                offset = (offset + 63) & ~63L;
                long length = bytes.remaining();
                while (bytes.hasRemaining()) {
                    ch.write(bytes, offset + bytes.position());
                }
                graph.setInitializer(i, t.toBuilder().clearExternalData()
                        .addExternalData(entry("location", dataName))
                        .addExternalData(entry("offset", Long.toString(offset)))
                        .addExternalData(entry("length", Long.toString(length))));
                offset += length;
            }
        }
        Path target = dir.resolve(base);
        try (OutputStream out = Files.newOutputStream(target, StandardOpenOption.CREATE_NEW)) {
            model.toBuilder().setGraph(graph).build().writeTo(out);
        }
        return target;
    }

    /** The little-endian bytes the import used for external initializer {@code t} (see {@link #filled}). */
    private static byte[] valueOf(Path fixture, TensorProto t, String param, Map<String, Parameter> sd,
            OnnxOrigin origin, Map<String, String> opTypes) throws IOException {
        long numel = 1;
        int[] dims = new int[t.getDimsCount()];
        for (int d = 0; d < dims.length; d++) {
            dims[d] = Math.toIntExact(t.getDims(d));
            numel *= dims[d];
        }
        if (param != null && sd.containsKey(param)) {
            Tensor p = sd.get(param).value();
            if (p.numel() != numel) {
                throw new IOException(fixture + ": initializer '" + t.getName() + "' has " + numel
                        + " elements, its parameter '" + param + "' " + p.shape());
            }
            String module = param.substring(0, Math.max(0, param.lastIndexOf('.')));
            List<String> from = origin.onnxNodes(module);
            boolean matmul = p.shape().rank() == 2 && !from.isEmpty() && "MatMul".equals(opTypes.get(from.get(0)));
            return le(matmul ? transpose(p) : p.data());
        }
        String location = null;
        for (StringStringEntryProto e : t.getExternalDataList()) {
            if (e.getKey().equals("location")) {
                location = e.getValue();
            }
        }
        if (location != null && Files.isRegularFile(fixture.toAbsolutePath().getParent().resolve(location))) {
            return ExternalData.read(fixture, t);
        }
        if (t.getDataType() != TensorProto.DataType.FLOAT_VALUE) {
            throw new IOException(fixture + ": initializer '" + t.getName() + "' has no data (" + location
                    + " is absent) and is not FLOAT, so it has no parity value");
        }
        return le(Parity.value(t.getName(), Shape.of(dims)).data());
    }

    private static float[] transpose(Tensor p) {
        int r = p.shape().dim(0);
        int c = p.shape().dim(1);
        float[] in = p.data();
        float[] out = new float[r * c];
        for (int i = 0; i < r; i++) {
            for (int j = 0; j < c; j++) {
                out[j * r + i] = in[i * c + j];
            }
        }
        return out;
    }

    private static byte[] le(float[] v) {
        ByteBuffer b = ByteBuffer.allocate(v.length * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        b.asFloatBuffer().put(v);
        return b.array();
    }

    private static StringStringEntryProto entry(String key, String value) {
        return StringStringEntryProto.newBuilder().setKey(key).setValue(value).build();
    }

    /**
     * Asserts equal shapes and {@code |ref − actual| ≤ 1e-4 · max|ref| + 1e-6} everywhere (NaN fails); returns the
     * largest difference.
     */
    public static double assertClose(Tensor ref, Tensor actual, String what) {
        return assertClose(ref, actual, 1e-4, 1e-6, what);
    }

    /**
     * Asserts equal shapes and {@code |ref − actual| ≤ rtol · max|ref| + atol} everywhere (NaN fails), naming the
     * worst element; returns the largest difference.
     */
    public static double assertClose(Tensor ref, Tensor actual, double rtol, double atol, String what) {
        assertArrayEquals(ref.shape().dims(), actual.shape().dims(), what + ": shape");
        return assertClose(toDouble(ref.data()), actual.data(), rtol, atol, what);
    }

    /**
     * Asserts equal lengths and {@code |ref − actual| ≤ rtol · max|ref| + atol} everywhere (a NaN fails), naming the
     * worst element; returns the largest difference. For references computed in double (naive loops).
     */
    public static double assertClose(double[] ref, float[] actual, double rtol, double atol, String what) {
        assertEquals(ref.length, actual.length, what + ": element count");
        double max = 0;
        for (double v : ref) {
            max = Math.max(max, Math.abs(v));
        }
        double tol = rtol * max + atol;
        double worst = 0;
        int at = -1;
        for (int i = 0; i < ref.length; i++) {
            double d = Math.abs(ref[i] - actual[i]);
            if (!(d <= worst)) {
                worst = d;
                at = i;
                if (Double.isNaN(d)) {
                    break;
                }
            }
        }
        final double w = worst;
        final int idx = at;
        assertTrue(w <= tol, () -> what + ": max |a - b| = " + w + " at " + idx + " (ref " + ref[idx] + ", got "
                + actual[idx] + ") > tolerance " + tol + " = " + rtol + " * max|ref| + " + atol);
        return worst;
    }

    /** {@code f} widened to double. */
    public static double[] toDouble(float[] f) {
        double[] d = new double[f.length];
        for (int i = 0; i < f.length; i++) {
            d[i] = f[i];
        }
        return d;
    }

    private static long[] longs(int[] d) {
        long[] l = new long[d.length];
        for (int k = 0; k < d.length; k++) {
            l[k] = d[k];
        }
        return l;
    }
}
