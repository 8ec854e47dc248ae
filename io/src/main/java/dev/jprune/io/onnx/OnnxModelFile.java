package dev.jprune.io.onnx;

import com.google.protobuf.ByteString;
import com.google.protobuf.CodedInputStream;
import com.google.protobuf.InvalidProtocolBufferException;
import dev.jprune.internal.AtomicFiles;
import dev.jprune.io.ModelFormatException;
import dev.jprune.io.onnx.internal.ExternalData;
import dev.jprune.io.onnx.internal.proto.Onnx.GraphProto;
import dev.jprune.io.onnx.internal.proto.Onnx.ModelProto;
import dev.jprune.io.onnx.internal.proto.Onnx.NodeProto;
import dev.jprune.io.onnx.internal.proto.Onnx.OperatorSetIdProto;
import dev.jprune.io.onnx.internal.proto.Onnx.StringStringEntryProto;
import dev.jprune.io.onnx.internal.proto.Onnx.TensorProto;
import dev.jprune.io.onnx.internal.proto.Onnx.TensorShapeProto;
import dev.jprune.io.onnx.internal.proto.Onnx.TypeProto;
import dev.jprune.io.onnx.internal.proto.Onnx.ValueInfoProto;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * An ONNX model file as read: the model message (every field kept, unknown ones included) and the data of its
 * externally stored initializers. Lists the opset imports, the graph's inputs and outputs with their shapes, its
 * initializers and nodes; writes the model back atomically, inline or with external data. Immutable.
 *
 * <pre>{@code
 * OnnxModelFile m = OnnxModelFile.read(Path.of("resnet18.onnx"));
 * m.opsetVersion("")                     // 17
 * m.inputs().get(0)                       // input: FLOAT[batch_size, 3, 224, 224]
 * m.initializer("fc.weight").floats()     // 1000 * 512 floats
 * m.write(Path.of("out.onnx"), OnnxWriteOptions.external(1 << 20));
 * }</pre>
 */
public final class OnnxModelFile {

    /** Protobuf messages cannot be larger than 2 GB; stay a little below. */
    private static final long PROTOBUF_LIMIT = (1L << 31) - (1L << 20);

    private final Path file;
    private final ModelProto model;
    private final Map<String, OnnxTensor> initializers;

    private OnnxModelFile(Path file, ModelProto model, Map<String, byte[]> external) {
        this.file = file;
        this.model = model;
        Map<String, OnnxTensor> inits = new LinkedHashMap<>();
        for (TensorProto t : model.getGraph().getInitializerList()) {
            inits.put(t.getName(), new OnnxTensor(t, external.get(t.getName())));
        }
        this.initializers = Collections.unmodifiableMap(inits);
    }

    /**
     * Reads {@code file}, and the external data of its initializers from files relative to its folder.
     *
     * @throws ModelFormatException naming the file when it is not a valid ONNX model (truncated, corrupt, without a
     *                              graph or opset imports) or an external data file is missing or too short
     *                              (naming that file and the initializer too)
     * @throws IOException          when the file cannot be read
     */
    public static OnnxModelFile read(Path file) throws IOException {
        return read(file, true);
    }

    /**
     * Reads {@code file} without its external data: the structure (graph, shapes, initializer names, types and
     * dims) of a model whose weights are elsewhere or absent, such as torch.onnx.export's structure-only exports.
     * Externally stored initializers then have no data ({@link OnnxTensor#hasData()} is false) and are written back
     * with their external references unchanged.
     *
     * @throws ModelFormatException naming the file when it is not a valid ONNX model
     */
    public static OnnxModelFile readStructure(Path file) throws IOException {
        return read(file, false);
    }

    private static OnnxModelFile read(Path file, boolean withExternalData) throws IOException {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw new ModelFormatException(file, "file does not exist", e);
        }
        ModelProto model;
        try {
            CodedInputStream in = CodedInputStream.newInstance(bytes);
            in.setRecursionLimit(1000); // nested subgraphs (If/Loop bodies) go deeper than protobuf's default 100
            model = ModelProto.parseFrom(in);
            in.checkLastTagWas(0);
        } catch (InvalidProtocolBufferException e) {
            throw new ModelFormatException(file, "not a valid ONNX model (truncated or corrupt): " + e.getMessage(), e);
        }
        if (!model.hasGraph()) {
            throw new ModelFormatException(file, "not a valid ONNX model: no graph (truncated or not ONNX?)");
        }
        if (model.getOpsetImportCount() == 0) {
            throw new ModelFormatException(file, "not a valid ONNX model: no opset_import (truncated or not ONNX?)");
        }
        Map<String, byte[]> external = new LinkedHashMap<>();
        for (TensorProto t : model.getGraph().getInitializerList()) {
            if (withExternalData && t.getDataLocation() == TensorProto.DataLocation.EXTERNAL) {
                external.put(t.getName(), ExternalData.read(file, t));
            }
        }
        return new OnnxModelFile(file, model, external);
    }

    /** The file this model was read from. */
    public Path file() {
        return file;
    }

    /** The ONNX IR version ({@code ir_version}). */
    public long irVersion() {
        return model.getIrVersion();
    }

    /** The producer's name and version ({@code "pytorch 2.5.1"}), {@code ""} when absent. */
    public String producer() {
        return (model.getProducerName() + " " + model.getProducerVersion()).trim();
    }

    /** The imported operator sets, in file order. */
    public List<OnnxOpset> opsets() {
        List<OnnxOpset> out = new ArrayList<>();
        for (OperatorSetIdProto o : model.getOpsetImportList()) {
            out.add(new OnnxOpset(o.getDomain(), o.getVersion()));
        }
        return List.copyOf(out);
    }

    /** The imported version of {@code domain} ({@code ""} or {@code "ai.onnx"} for ONNX's own), or -1 when none. */
    public long opsetVersion(String domain) {
        String d = domain.equals("ai.onnx") ? "" : domain;
        for (OperatorSetIdProto o : model.getOpsetImportList()) {
            String od = o.getDomain().equals("ai.onnx") ? "" : o.getDomain();
            if (od.equals(d)) {
                return o.getVersion();
            }
        }
        return -1;
    }

    /**
     * The graph's inputs that are not initializers (IR versions below 4 list every initializer as an input too),
     * with their element types and shapes.
     */
    public List<OnnxValueInfo> inputs() {
        List<OnnxValueInfo> out = new ArrayList<>();
        for (ValueInfoProto v : model.getGraph().getInputList()) {
            if (!initializers.containsKey(v.getName())) {
                out.add(valueInfo(v));
            }
        }
        return List.copyOf(out);
    }

    /** The graph's outputs, with their element types and shapes. */
    public List<OnnxValueInfo> outputs() {
        List<OnnxValueInfo> out = new ArrayList<>();
        for (ValueInfoProto v : model.getGraph().getOutputList()) {
            out.add(valueInfo(v));
        }
        return List.copyOf(out);
    }

    /** The initializers in file order. */
    public List<OnnxTensor> initializers() {
        return List.copyOf(initializers.values());
    }

    /** The initializer called {@code name}, or {@code null} when there is none. */
    public OnnxTensor initializer(String name) {
        return initializers.get(name);
    }

    /** The main graph's nodes, in file (topological) order. */
    public List<OnnxNode> nodes() {
        List<OnnxNode> out = new ArrayList<>(model.getGraph().getNodeCount());
        for (NodeProto n : model.getGraph().getNodeList()) {
            out.add(OnnxNode.of(n));
        }
        return List.copyOf(out);
    }

    /** The number of nodes of the main graph. */
    public int nodeCount() {
        return model.getGraph().getNodeCount();
    }

    /** The model message as read (internal: the generated ONNX class, free to change). */
    public ModelProto proto() {
        return model;
    }

    /** Writes the model to {@code target} with {@link OnnxWriteOptions#AUTO}. */
    public void write(Path target) throws IOException {
        write(target, OnnxWriteOptions.AUTO);
    }

    /**
     * Writes the model to {@code target} atomically. Initializers whose data takes at least the options' threshold
     * go to the external data file beside {@code target} (written first, also atomically; offsets 64-byte aligned),
     * the others into the model file; initializers whose data is in typed fields ({@code float_data} ...) stay as
     * they are, and so do external initializers read without their data ({@link #readStructure}), keeping their
     * references. A model read without external data and written with none is written back byte for byte.
     */
    public void write(Path target, OnnxWriteOptions options) throws IOException {
        long threshold = options.externalThreshold();
        if (threshold == -1) {
            long total = 0;
            for (OnnxTensor t : initializers.values()) {
                total += t.rawSize();
            }
            threshold = total + model.getSerializedSize() > PROTOBUF_LIMIT ? OnnxWriteOptions.AUTO_THRESHOLD
                    : Long.MAX_VALUE;
        }
        Path abs = target.toAbsolutePath();
        String dataName = options.dataFileName() != null ? options.dataFileName() : abs.getFileName() + ".data";
        List<byte[]> blobs = new ArrayList<>();
        GraphProto.Builder graph = model.getGraph().toBuilder();
        long offset = 0;
        for (int i = 0; i < graph.getInitializerCount(); i++) {
            OnnxTensor t = initializers.get(graph.getInitializer(i).getName());
            byte[] bytes = t.bytes();
            if (bytes != null && bytes.length >= threshold) {
                offset = (offset + 63) & ~63L;
                blobs.add(bytes);
                TensorProto.Builder b = t.proto().toBuilder().clearRawData().clearExternalData()
                        .setDataLocation(TensorProto.DataLocation.EXTERNAL);
                b.addExternalData(entry("location", dataName));
                b.addExternalData(entry("offset", Long.toString(offset)));
                b.addExternalData(entry("length", Long.toString(bytes.length)));
                graph.setInitializer(i, b);
                offset += bytes.length;
            } else if (t.isExternal() && bytes != null) {
                graph.setInitializer(i, t.proto().toBuilder().clearExternalData().clearDataLocation()
                        .setRawData(ByteString.copyFrom(bytes)));
            }
        }
        ModelProto out = model.toBuilder().setGraph(graph).build();
        if (!blobs.isEmpty()) {
            Path data = abs.resolveSibling(dataName);
            AtomicFiles.writeChannel(data, ch -> {
                long pos = 0;
                for (byte[] b : blobs) {
                    pos = (pos + 63) & ~63L;
                    ByteBuffer buf = ByteBuffer.wrap(b);
                    while (buf.hasRemaining()) {
                        ch.write(buf, pos + buf.position());
                    }
                    pos += b.length;
                }
            });
        }
        AtomicFiles.write(abs, out::writeTo);
    }

    private static StringStringEntryProto entry(String key, String value) {
        return StringStringEntryProto.newBuilder().setKey(key).setValue(value).build();
    }

    private static OnnxValueInfo valueInfo(ValueInfoProto v) {
        TypeProto type = v.getType();
        if (!type.hasTensorType()) {
            return new OnnxValueInfo(v.getName(), OnnxDataType.UNDEFINED, null);
        }
        TypeProto.Tensor tt = type.getTensorType();
        OnnxDataType dt = OnnxDataType.ofCode(tt.getElemType());
        List<OnnxDim> dims = null;
        if (tt.hasShape()) {
            dims = new ArrayList<>();
            for (TensorShapeProto.Dimension d : tt.getShape().getDimList()) {
                dims.add(d.hasDimValue() && d.getDimValue() >= 0 ? OnnxDim.fixed(d.getDimValue())
                        : OnnxDim.dynamic(d.hasDimParam() ? d.getDimParam() : ""));
            }
        }
        return new OnnxValueInfo(v.getName(), dt == null ? OnnxDataType.UNDEFINED : dt, dims);
    }

    @Override
    public String toString() {
        return file + " (IR " + irVersion() + ", " + opsets() + ", " + nodeCount() + " nodes, " + initializers.size()
                + " initializers)";
    }

    /**
     * A model built in memory ({@link OnnxExporter#toModel}): every initializer's data inside the message,
     * {@link #file()} {@code null} until it is written and read back.
     */
    static OnnxModelFile of(ModelProto model) {
        return new OnnxModelFile(null, model, Map.of());
    }
}
