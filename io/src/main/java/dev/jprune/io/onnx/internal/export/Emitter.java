package dev.jprune.io.onnx.internal.export;

import com.google.protobuf.UnsafeByteOperations;
import dev.jprune.io.onnx.OnnxOrigin;
import dev.jprune.io.onnx.internal.convert.ImportContext;
import dev.jprune.io.onnx.UnsupportedOnnxExportException;
import dev.jprune.io.onnx.internal.proto.Onnx.AttributeProto;
import dev.jprune.io.onnx.internal.proto.Onnx.NodeProto;
import dev.jprune.io.onnx.internal.proto.Onnx.TensorProto;
import dev.jprune.ir.DType;
import dev.jprune.ir.Graph;
import dev.jprune.ir.Node;
import dev.jprune.ir.Parameter;
import dev.jprune.ir.Value;
import dev.jprune.tensor.Shape;
import dev.jprune.tensor.Tensor;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Collects the ONNX nodes and initializers of one export. Exporters see it one jprune node at a time
 * ({@link #begin}/{@link #end}): they read the node's input names ({@link #in}), its shapes and parameters, add
 * ONNX nodes ({@link #node}, {@link #apply}) writing to fresh intermediate names ({@link #tmp}) and finally to the
 * node's output names ({@link #out}), and add initializers ({@link #param}, {@link #ints}, {@link #scalar}).
 *
 * <p>Names: graph inputs, outputs and initializers as {@link dev.jprune.io.onnx.OnnxExporter} documents; other
 * values take the jprune value's name ({@code layer1.0.conv1}), intermediate values of a multi-node form
 * {@code <node>/t<k>}; every value name is unique (a clash gets {@code _k}). An ONNX node takes the names the
 * origin recorded for its jprune node when the form emits exactly as many nodes, otherwise the jprune node's name
 * (with {@code /k} for the k-th node of a multi-node form); node names are unique too (ONNX Runtime rejects a model
 * with two nodes of one name), so when several jprune nodes recorded the same ONNX node, or a recorded name equals a
 * jprune one, the later node gets {@code _k}.
 *
 * <p>Integer tensors (an {@link DType#INT64} buffer such as Swin's {@code relative_position_index}) stay INT64 in
 * ONNX; {@link #in} casts such a value to FLOAT for ops that compute with it, {@link #indices} gives INT64 for
 * Gather.
 */
public final class Emitter {

    private final long opset;
    private final OnnxOrigin origin;
    private final Set<String> used = new HashSet<>();
    private final Set<String> usedNodeNames = new HashSet<>();
    private final String[] names;
    private final String[] reservedOut;
    private final Set<String> int64 = new HashSet<>();
    private final Map<String, String> casts = new HashMap<>();
    private final List<NodeProto> nodes = new ArrayList<>();
    private final List<TensorProto> initializers = new ArrayList<>();
    private final Map<String, String> paramInits = new HashMap<>();
    private final Map<Parameter, Tensor> overrides = new HashMap<>();
    private final Map<Node, Map<String, Parameter>> extraParams = new HashMap<>();

    private final Map<String, Integer> claims = new HashMap<>();
    private Node node;
    private final List<NodeProto.Builder> pending = new ArrayList<>();

    /**
     * An emitter for {@code g} at {@code opset}; {@code inputNames} and {@code outputNames} are the ONNX names of the
     * graph's inputs and outputs (in order), {@code origin} (nullable) gives node and initializer names.
     */
    public Emitter(Graph g, long opset, OnnxOrigin origin, List<String> inputNames, List<String> outputNames) {
        this.opset = opset;
        this.origin = origin;
        if (origin != null) {
            for (List<String> onnx : origin.nodes().values()) {
                for (String nm : new HashSet<>(onnx)) {
                    claims.merge(nm, 1, Integer::sum);
                }
            }
        }
        this.names = new String[g.valueCount()];
        this.reservedOut = new String[g.valueCount()];
        used.addAll(inputNames);
        used.addAll(outputNames);
        for (int i = 0; i < g.inputs().size(); i++) {
            names[g.inputs().get(i).id()] = inputNames.get(i);
        }
        for (int i = 0; i < g.outputs().size(); i++) {
            Value v = g.outputs().get(i);
            if (v.producer() != null && reservedOut[v.id()] == null) {
                reservedOut[v.id()] = outputNames.get(i);
            }
        }
    }

    /** The default-domain opset written. */
    public long opset() {
        return opset;
    }

    /**
     * Replaces parameter {@code p}'s value in what is written (BatchNorm folding gives a convolution new weights
     * without changing the graph).
     */
    public void override(Parameter p, Tensor value) {
        overrides.put(p, value);
    }

    /**
     * Gives node {@code n} a parameter it does not have, as {@code local} (BatchNorm folding gives a convolution
     * without bias a {@code bias}).
     */
    public void addParam(Node n, String local, Parameter p) {
        extraParams.computeIfAbsent(n, k -> new HashMap<>()).put(local, p);
    }

    // ---- the current node ----

    /** Starts the ONNX form of {@code n}. */
    public void begin(Node n) {
        node = n;
        pending.clear();
    }

    /** Ends the current node's form: names its ONNX nodes and adds them. */
    public void end() {
        List<String> recorded = origin == null ? List.of() : origin.onnxNodes(node.name());
        int k = pending.size();
        for (int j = 0; j < k; j++) {
            String nm = recorded.size() == k && ownName(recorded.get(j)) ? recorded.get(j)
                    : k == 1 ? node.name() : node.name() + "/" + j;
            String unique = nm;
            for (int d = 1; !usedNodeNames.add(unique); d++) {
                unique = nm + "_" + d;
            }
            nodes.add(pending.get(j).setName(unique).build());
        }
        for (Value v : node.outputs()) {
            if (names[v.id()] == null) {
                throw new IllegalStateException("the ONNX form of " + node.name() + " (" + node.op().describe()
                        + ") does not produce output " + v.name());
            }
        }
        node = null;
    }

    /**
     * Whether the current node may take ONNX name {@code onnxName} from its origin: it alone came from that ONNX
     * node, or, when several did (a Gather imported as Slice + Squeeze), its jprune name is that ONNX name; the others
     * keep their jprune names, so a re-import names every node as the first import did.
     */
    private boolean ownName(String onnxName) {
        return claims.getOrDefault(onnxName, 1) == 1 || ImportContext.sanitize(onnxName).equals(node.name());
    }

    /** The current node. */
    public Node node() {
        return node;
    }

    /** An error naming the current node and its op: its settings have no ONNX form. */
    public UnsupportedOnnxExportException unsupported(String detail) {
        return new UnsupportedOnnxExportException(node.name(), node.op(), detail);
    }

    /** The number of inputs of the current node. */
    public int inCount() {
        return node.inputs().size();
    }

    /** The static shape of input {@code i}. */
    public Shape inShape(int i) {
        return node.input(i).shape();
    }

    /** The static shape of output {@code i}. */
    public Shape outShape(int i) {
        return node.output(i).shape();
    }

    /** The ONNX name of input {@code i} as a FLOAT tensor (an INT64 value is cast first). */
    public String in(int i) {
        String n = raw(i);
        if (!int64.contains(n)) {
            return n;
        }
        return casts.computeIfAbsent(n + "|f", key -> {
            String t = tmp();
            node("Cast", new String[] {n}, new String[] {t}, Attrs.i("to", TensorProto.DataType.FLOAT_VALUE));
            return t;
        });
    }

    /** The ONNX name of input {@code i} as an INT64 tensor (a FLOAT value is cast first), for Gather's indices. */
    public String indices(int i) {
        String n = raw(i);
        if (int64.contains(n)) {
            return n;
        }
        return casts.computeIfAbsent(n + "|i", key -> {
            String t = tmp();
            node("Cast", new String[] {n}, new String[] {t}, Attrs.i("to", TensorProto.DataType.INT64_VALUE));
            int64.add(t);
            return t;
        });
    }

    private String raw(int i) {
        Value v = node.input(i);
        String n = names[v.id()];
        if (n == null) {
            throw new IllegalStateException("input " + i + " (" + v.name() + ") of " + node.name()
                    + " has not been produced");
        }
        return n;
    }

    /** The ONNX name of output {@code i} (a graph output's name when it is one). */
    public String out(int i) {
        Value v = node.output(i);
        if (names[v.id()] == null) {
            names[v.id()] = reservedOut[v.id()] != null ? reservedOut[v.id()] : unique(v.name());
        }
        return names[v.id()];
    }

    /**
     * Makes output {@code i} the existing value {@code onnxName} (an initializer, or the input of a node that is
     * not written); a graph output gets an {@code Identity} node instead, to keep its name.
     */
    public void alias(int i, String onnxName) {
        Value v = node.output(i);
        if (reservedOut[v.id()] != null) {
            node("Identity", new String[] {onnxName}, new String[] {out(i)});
            if (int64.contains(onnxName)) {
                int64.add(out(i));
            }
        } else {
            names[v.id()] = onnxName;
        }
    }

    /** A fresh intermediate value name. */
    public String tmp() {
        return unique(node.name() + "/t");
    }

    /** Adds an ONNX node of the current form. */
    public void node(String opType, String[] inputs, String[] outputs, AttributeProto... attrs) {
        NodeProto.Builder b = NodeProto.newBuilder().setOpType(opType);
        for (String s : inputs) {
            b.addInput(s);
        }
        for (String s : outputs) {
            b.addOutput(s);
        }
        for (AttributeProto a : attrs) {
            b.addAttribute(a);
        }
        pending.add(b);
    }

    /** Adds a one-output ONNX node writing a fresh intermediate value, and returns its name. */
    public String apply(String opType, String[] inputs, AttributeProto... attrs) {
        String t = tmp();
        node(opType, inputs, new String[] {t}, attrs);
        return t;
    }

    /** Adds a one-output ONNX node writing output {@code i} of the current node. */
    public void applyTo(int i, String opType, String[] inputs, AttributeProto... attrs) {
        node(opType, inputs, new String[] {out(i)}, attrs);
    }

    /** The list {@code s} (to write {@code ins("a", "b")} for a node's inputs). */
    public static String[] ins(String... s) {
        return s;
    }

    // ---- initializers ----

    /** Whether the current node has the parameter {@code local}. */
    public boolean hasParam(String local) {
        return node.hasParam(local) || extraParams.getOrDefault(node, Map.of()).containsKey(local);
    }

    /** The initializer holding parameter {@code local} of the current node (added on first use). */
    public String param(String local) {
        Parameter p = parameter(local);
        return paramInit(p, "", valueOf(p).shape(), null);
    }

    /** The parameter {@code local} with its elements under other dimensions ({@code (C, 1, 1)} to broadcast). */
    public String param(String local, Shape dims) {
        Parameter p = parameter(local);
        return paramInit(p, dims.toString(), dims, null);
    }

    /** The 2-D parameter {@code local} transposed ({@code (in, out)} for MatMul from a Linear weight). */
    public String paramTransposed(String local) {
        Parameter p = parameter(local);
        Tensor w = valueOf(p);
        if (w.rank() != 2) {
            throw new IllegalStateException("parameter " + p.name() + " is not 2-D: " + w.shape());
        }
        int r = w.dim(0);
        int c = w.dim(1);
        return paramInit(p, "T", Shape.of(c, r), () -> {
            float[] src = w.data();
            float[] t = new float[src.length];
            for (int a = 0; a < r; a++) {
                for (int b = 0; b < c; b++) {
                    t[b * r + a] = src[a * c + b];
                }
            }
            return t;
        });
    }

    /** The current value of parameter {@code local} (the folded one after BatchNorm folding). */
    public Tensor paramValue(String local) {
        return valueOf(parameter(local));
    }

    private Parameter parameter(String local) {
        Parameter p = node.parameter(local);
        if (p == null) {
            p = extraParams.getOrDefault(node, Map.of()).get(local);
        }
        if (p == null) {
            throw new IllegalStateException("node " + node.name() + " (" + node.op().describe() + ") has no parameter '"
                    + local + "'");
        }
        return p;
    }

    private Tensor valueOf(Parameter p) {
        Tensor o = overrides.get(p);
        return o != null ? o : p.value();
    }

    private String paramInit(Parameter p, String variant, Shape dims, java.util.function.Supplier<float[]> data) {
        String key = p.name() + "|" + variant;
        String have = paramInits.get(key);
        if (have != null) {
            return have;
        }
        String preferred = origin == null ? p.name() : origin.initializer(p.name());
        String name = unique(preferred);
        float[] values = data != null ? data.get() : valueOf(p).data();
        if (p.dtype() == DType.INT64) {
            long[] l = new long[values.length];
            for (int k = 0; k < l.length; k++) {
                l[k] = Math.round(values[k]);
            }
            initializers.add(longTensor(name, dims.dims(), l));
            int64.add(name);
        } else {
            initializers.add(floatTensor(name, dims.dims(), values));
        }
        paramInits.put(key, name);
        return name;
    }

    /**
     * A 1-D INT64 initializer (axes, shapes, pads). The exporter's own constants hold their elements in the typed
     * fields ({@code int64_data}, {@code float_data}), which {@link dev.jprune.io.onnx.OnnxModelFile#write} never moves
     * to external data: ONNX Runtime's shape inference needs shape inputs inline.
     */
    public String ints(long... v) {
        String name = unique(node.name() + "/c");
        TensorProto.Builder b = TensorProto.newBuilder().setName(name).setDataType(TensorProto.DataType.INT64_VALUE)
                .addDims(v.length);
        for (long x : v) {
            b.addInt64Data(x);
        }
        initializers.add(b.build());
        int64.add(name);
        return name;
    }

    /** A 1-D INT64 initializer from ints. */
    public String ints(int... v) {
        long[] l = new long[v.length];
        for (int k = 0; k < v.length; k++) {
            l[k] = v[k];
        }
        return ints(l);
    }

    /** A 0-D FLOAT initializer. */
    public String scalar(double v) {
        return floats(Shape.of(), new float[] {(float) v});
    }

    /** A FLOAT initializer of shape {@code dims}. */
    public String floats(Shape dims, float[] v) {
        String name = unique(node.name() + "/c");
        TensorProto.Builder b = TensorProto.newBuilder().setName(name).setDataType(TensorProto.DataType.FLOAT_VALUE);
        for (int d : dims.dims()) {
            b.addDims(d);
        }
        for (float x : v) {
            b.addFloatData(x);
        }
        initializers.add(b.build());
        return name;
    }

    /** A FLOAT tensor message with little-endian raw data. */
    public static TensorProto floatTensor(String name, int[] dims, float[] data) {
        ByteBuffer bb = ByteBuffer.allocate(4 * data.length).order(ByteOrder.LITTLE_ENDIAN);
        bb.asFloatBuffer().put(data);
        return rawTensor(name, TensorProto.DataType.FLOAT_VALUE, dims, bb);
    }

    /** An INT64 tensor message with little-endian raw data. */
    public static TensorProto longTensor(String name, int[] dims, long[] data) {
        ByteBuffer bb = ByteBuffer.allocate(8 * data.length).order(ByteOrder.LITTLE_ENDIAN);
        bb.asLongBuffer().put(data);
        return rawTensor(name, TensorProto.DataType.INT64_VALUE, dims, bb);
    }

    /** A tensor message of {@code dataType} whose raw data is {@code bytes}' whole backing array (not copied). */
    private static TensorProto rawTensor(String name, int dataType, int[] dims, ByteBuffer bytes) {
        TensorProto.Builder b = TensorProto.newBuilder().setName(name).setDataType(dataType);
        for (int d : dims) {
            b.addDims(d);
        }
        return b.setRawData(UnsafeByteOperations.unsafeWrap(bytes.array())).build();
    }

    private String unique(String preferred) {
        String n = preferred;
        for (int k = 1; !used.add(n); k++) {
            n = preferred + "_" + k;
        }
        return n;
    }

    // ---- results ----

    /** The ONNX name of value {@code v} ({@code null} before it is produced). */
    public String nameOf(Value v) {
        return names[v.id()];
    }

    /** Whether the ONNX value {@code name} is INT64. */
    public boolean isInt64(String name) {
        return int64.contains(name);
    }

    /** Adds an {@code Identity} node outside any jprune node (graph outputs that need another name). */
    public void identity(String nodeName, String from, String to) {
        nodes.add(NodeProto.newBuilder().setOpType("Identity").setName(nodeName).addInput(from).addOutput(to).build());
        if (int64.contains(from)) {
            int64.add(to);
        }
    }

    /** The nodes emitted, in order. */
    public List<NodeProto> nodes() {
        return nodes;
    }

    /** The initializers emitted, in order. */
    public List<TensorProto> initializers() {
        return initializers;
    }
}
