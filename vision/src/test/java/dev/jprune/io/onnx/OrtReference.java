package dev.jprune.io.onnx;

import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import dev.jprune.io.onnx.internal.ExternalData;
import dev.jprune.io.onnx.internal.proto.Onnx.GraphProto;
import dev.jprune.io.onnx.internal.proto.Onnx.ModelProto;
import dev.jprune.io.onnx.internal.proto.Onnx.StringStringEntryProto;
import dev.jprune.io.onnx.internal.proto.Onnx.TensorProto;
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
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * ONNX Runtime as the reference engine of the ONNX tests.
 *
 * <ul>
 *   <li>{@link #run(Path, Tensor...)}: runs a complete ONNX file (its external data beside it), for instance an
 *       exporter's output.</li>
 *   <li>{@link #runFilled(Path, Tensor...)}: runs a structure-only export (the fixtures of
 *       {@code ../shared/fixtures/torchvision-onnx}, whose external data files are absent): a copy is written to a
 *       temporary folder with every FLOAT initializer whose data is missing filled with
 *       {@link Parity#value}{@code (name, shape)} — the values {@code OnnxImporter}'s {@code FillMissing.PARITY}
 *       gives — stored as external data (the largest models pass protobuf's 2 GB limit inline), run, and
 *       deleted.</li>
 * </ul>
 *
 * <p>Graph optimizations are off ({@code NO_OPT}): ONNX Runtime 1.20's default rewrites change the result of
 * inception_v3's Pad + AveragePool pairs by 3 %, away from torchvision's (its Pad/AveragePool fusion drops
 * {@code count_include_pad}: microsoft/onnxruntime#22177, fixed after 1.20 by #23190). One session at a time; sessions, options,
 * tensors and results are closed after each run. The {@link OrtEnvironment} is ONNX Runtime's process-wide singleton
 * and stays open.
 */
final class OrtReference {

    private OrtReference() {
    }

    /**
     * Runs the complete ONNX model {@code onnx} on {@code inputs} (one per graph input, in the graph's order) and
     * returns its outputs in the graph's order, as float tensors.
     *
     * @throws IOException when the file cannot be read or ONNX Runtime rejects the model or the inputs
     */
    static synchronized List<Tensor> run(Path onnx, Tensor... inputs) throws IOException {
        List<String> inputNames = new ArrayList<>();
        for (OnnxValueInfo v : OnnxModelFile.readStructure(onnx).inputs()) {
            inputNames.add(v.name());
        }
        return session(onnx, inputNames, inputs);
    }

    /**
     * Runs the structure-only model {@code onnx} with its missing initializers filled with parity values by name
     * (initializers whose external data file exists keep that data). The filled copy lives in a temporary folder
     * that is deleted before returning.
     */
    static synchronized List<Tensor> runFilled(Path onnx, Tensor... inputs) throws IOException {
        Path dir = Files.createTempDirectory("jprune-ort-");
        try {
            Path copy = writeFilled(onnx, dir);
            return run(copy, inputs);
        } finally {
            deleteTree(dir);
        }
    }

    /**
     * Writes a runnable copy of {@code onnx} into {@code dir}: every externally stored initializer goes to one
     * external data file beside the copy (offsets 64-byte aligned), with its own data when its file exists beside
     * {@code onnx}, else (FLOAT only) its parity value. Streams one tensor at a time. Returns the copy's path.
     */
    static Path writeFilled(Path onnx, Path dir) throws IOException {
        ModelProto model = OnnxModelFile.readStructure(onnx).proto();
        String base = onnx.getFileName().toString();
        Path target = dir.resolve(base);
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
                ByteBuffer bytes = ByteBuffer.wrap(dataOf(onnx, t));
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
        try (OutputStream out = Files.newOutputStream(target, StandardOpenOption.CREATE_NEW)) {
            model.toBuilder().setGraph(graph).build().writeTo(out);
        }
        return target;
    }

    /** The little-endian data of an external initializer: from its file when present, else parity (FLOAT only). */
    private static byte[] dataOf(Path onnx, TensorProto t) throws IOException {
        String location = null;
        for (StringStringEntryProto e : t.getExternalDataList()) {
            if (e.getKey().equals("location")) {
                location = e.getValue();
            }
        }
        Path parent = onnx.toAbsolutePath().getParent();
        if (location != null && Files.isRegularFile(parent.resolve(location))) {
            return ExternalData.read(onnx, t);
        }
        if (t.getDataType() != TensorProto.DataType.FLOAT_VALUE) {
            throw new IOException(onnx + ": initializer '" + t.getName() + "' has no data (" + location
                    + " is absent) and is not FLOAT, so it has no parity value");
        }
        int[] dims = new int[t.getDimsCount()];
        for (int d = 0; d < dims.length; d++) {
            dims[d] = Math.toIntExact(t.getDims(d));
        }
        float[] v = Parity.value(t.getName(), Shape.of(dims)).data();
        ByteBuffer b = ByteBuffer.allocate(v.length * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        b.asFloatBuffer().put(v);
        return b.array();
    }

    private static StringStringEntryProto entry(String key, String value) {
        return StringStringEntryProto.newBuilder().setKey(key).setValue(value).build();
    }

    private static List<Tensor> session(Path onnx, List<String> inputNames, Tensor[] inputs) throws IOException {
        if (inputNames.size() != inputs.length) {
            throw new IllegalArgumentException(onnx + " has inputs " + inputNames + ", got " + inputs.length
                    + " tensors");
        }
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        Map<String, ai.onnxruntime.OnnxTensor> feed = new LinkedHashMap<>();
        try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
            options.setIntraOpNumThreads(Math.max(1, Runtime.getRuntime().availableProcessors()));
            // No graph rewrites: the reference is the ops as written. With ORT 1.20's default optimizations
            // inception_v3's (Pad, AveragePool) pairs give logits 3 % off torchvision's base_out_head (the fusion bug
            // onnxruntime#22177); unoptimized, ORT matches it (and jprune) within 2e-7.
            options.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.NO_OPT);
            for (int i = 0; i < inputs.length; i++) {
                feed.put(inputNames.get(i), ai.onnxruntime.OnnxTensor.createTensor(env,
                        FloatBuffer.wrap(inputs[i].data()), longs(inputs[i].shape().dims())));
            }
            try (OrtSession session = env.createSession(onnx.toString(), options);
                 OrtSession.Result result = session.run(feed)) {
                List<Tensor> outs = new ArrayList<>();
                for (Map.Entry<String, OnnxValue> e : result) {
                    ai.onnxruntime.OnnxTensor t = (ai.onnxruntime.OnnxTensor) e.getValue();
                    long[] shape = t.getInfo().getShape();
                    int[] dims = new int[shape.length];
                    for (int d = 0; d < dims.length; d++) {
                        dims[d] = Math.toIntExact(shape[d]);
                    }
                    FloatBuffer fb = t.getFloatBuffer();
                    float[] data = new float[fb.remaining()];
                    fb.get(data);
                    outs.add(Tensor.wrap(Shape.of(dims), data));
                }
                return outs;
            }
        } catch (OrtException e) {
            throw new IOException("ONNX Runtime failed on " + onnx + ": " + e.getMessage(), e);
        } finally {
            for (ai.onnxruntime.OnnxTensor t : feed.values()) {
                t.close();
            }
        }
    }

    private static long[] longs(int[] dims) {
        long[] l = new long[dims.length];
        for (int i = 0; i < dims.length; i++) {
            l[i] = dims[i];
        }
        return l;
    }

    private static void deleteTree(Path dir) throws IOException {
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
