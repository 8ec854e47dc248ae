package dev.jprune.io.onnx.internal.convert;

import dev.jprune.io.ModelFormatException;
import dev.jprune.io.onnx.OnnxAttribute;
import dev.jprune.io.onnx.OnnxDataType;
import dev.jprune.io.onnx.OnnxModelFile;
import dev.jprune.io.onnx.OnnxNode;
import dev.jprune.io.onnx.OnnxTensor;
import dev.jprune.io.onnx.OnnxValueInfo;
import dev.jprune.io.onnx.UnsupportedOnnxOpException;
import dev.jprune.io.onnx.internal.Elements;
import dev.jprune.io.onnx.internal.ExternalData;
import dev.jprune.io.onnx.internal.proto.Onnx.StringStringEntryProto;
import dev.jprune.ir.GraphBuilder;
import dev.jprune.ir.Op;
import dev.jprune.ir.Value;
import dev.jprune.ops.Constant;
import dev.jprune.ops.FreeParameter;
import dev.jprune.tensor.Shape;
import dev.jprune.tensor.Tensor;
import dev.jprune.weights.Parity;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The state of one import, shared by the {@link OpConverter}s: the graph being built, the ONNX values bound so far
 * (graph values or import-time constants), parameter values by jprune name and the ONNX names behind each jprune
 * node and parameter.
 */
public final class ImportContext {

    /** What to do with an initializer whose external data file is absent. */
    public enum Fill { NONE, PARITY }

    /** A PyTorch {@code state_dict} name: dotted identifiers or indices ({@code encoder.pos_embedding}). */
    private static final Pattern PYTORCH_NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*(\\.[A-Za-z0-9_]+)*");

    private final OnnxModelFile model;
    private final Fill fill;
    private final long opset;
    private final GraphBuilder b;
    private final Map<String, Value> values = new HashMap<>();
    private final Map<String, Const> consts = new HashMap<>();
    private final Map<String, Tensor> paramValues = new LinkedHashMap<>();
    private final Map<String, String> initializerNames = new LinkedHashMap<>();
    private final Map<String, List<String>> origins = new LinkedHashMap<>();
    private final Map<String, String> moduleWeights = new HashMap<>();
    private final Set<float[]> handedOut = Collections.newSetFromMap(new IdentityHashMap<>());
    private Set<String> callerScopes;
    private Set<String> usedValues;
    private Map<String, List<OnnxNode>> consumers;
    private Map<String, OnnxNode> constantNodes;
    private final Set<String> materialized = new HashSet<>();
    private final Set<List<String>> fused = new HashSet<>();
    private OnnxNode current;

    public ImportContext(OnnxModelFile model, Fill fill, GraphBuilder builder) {
        this.model = model;
        this.fill = fill;
        this.opset = model.opsetVersion("");
        this.b = builder;
    }

    /** The file being imported. */
    public Path file() {
        return model.file();
    }

    /** The model being imported. */
    public OnnxModelFile model() {
        return model;
    }

    /** The default-domain opset. */
    public long opset() {
        return opset;
    }

    /** The graph builder. Prefer {@link #module}, {@link #call} and {@link #apply}, which record the node's origin. */
    public GraphBuilder builder() {
        return b;
    }

    /** Parameter values by jprune name, as converters set them. */
    public Map<String, Tensor> paramValues() {
        return paramValues;
    }

    /** ONNX initializer name by jprune parameter name. */
    public Map<String, String> initializerNames() {
        return initializerNames;
    }

    /** ONNX node names by jprune node name. */
    public Map<String, List<String>> origins() {
        return origins;
    }

    /** Binds a graph input. */
    public void input(String onnxName, Value v) {
        values.put(onnxName, v);
    }

    /** Marks {@code n} as the node being converted (its name becomes the origin of the nodes created now). */
    public void begin(OnnxNode n) {
        current = n;
    }

    /** The graph value bound to ONNX value {@code name}, or {@code null} (absent or constant). */
    public Value valueOrNull(String name) {
        return values.get(name);
    }

    // ---- errors ----

    /** An error naming the node, its op type and the opset. */
    public UnsupportedOnnxOpException unsupported(OnnxNode n, String detail) {
        return new UnsupportedOnnxOpException(model.file(), n.opType(), n.name(), opset, detail);
    }

    // ---- inputs ----

    /** Whether input {@code i} of {@code n} is present (not omitted, not the empty name). */
    public boolean hasInput(OnnxNode n, int i) {
        return n.inputs().size() > i && !n.inputs().get(i).isEmpty();
    }

    /** Whether input {@code i} is present and known at import time. */
    public boolean isConst(OnnxNode n, int i) throws IOException {
        return hasInput(n, i) && isConstValue(n.inputs().get(i));
    }

    /**
     * Whether ONNX value {@code name} is known at import time (also after {@link #dynamic} made a {@link Constant}
     * node of it; a graph input of the same name as an initializer is not).
     */
    private boolean isConstValue(String name) throws IOException {
        return (values.get(name) == null || materialized.contains(name)) && constOrNull(name) != null;
    }

    /**
     * Whether input {@code i} is known at import time and may be folded: not a float initializer with a PyTorch name
     * (a parameter such as {@code class_token}, which must stay a parameter of the graph rather than be folded into
     * a constant).
     */
    public boolean isFoldable(OnnxNode n, int i) throws IOException {
        if (!isConst(n, i)) {
            return false;
        }
        String in = n.inputs().get(i);
        OnnxTensor t = model.initializer(in);
        return t == null || !OnnxTensor.isFloating(t.dataType()) || !PYTORCH_NAME.matcher(in).matches();
    }

    /** Whether every present input of {@code n} is {@link #isFoldable foldable}. */
    public boolean allFoldable(OnnxNode n) throws IOException {
        for (int i = 0; i < n.inputs().size(); i++) {
            if (hasInput(n, i) && !isFoldable(n, i)) {
                return false;
            }
        }
        return true;
    }

    /** Whether every present input of {@code n} is known at import time. */
    public boolean allConst(OnnxNode n) throws IOException {
        for (int i = 0; i < n.inputs().size(); i++) {
            if (hasInput(n, i) && !isConst(n, i)) {
                return false;
            }
        }
        return true;
    }

    /**
     * Input {@code i} as a graph value; a constant there becomes a {@link Constant} node (not a parameter, so not
     * counted or pruned).
     */
    public Value dynamic(OnnxNode n, int i) throws IOException {
        String in = n.inputs().get(i);
        Value v = values.get(in);
        if (v != null) {
            return v;
        }
        Const c = constOrNull(in);
        if (c == null) {
            throw new ModelFormatException(model.file(), "node '" + n.name() + "' (" + n.opType() + ") reads '" + in
                    + "', which no earlier node produces");
        }
        Value cv;
        OnnxTensor init = model.initializer(in);
        if (init != null && c.floats() != null && PYTORCH_NAME.matcher(in).matches() && !paramValues.containsKey(in)) {
            cv = freeParameter(in, c);
        } else {
            cv = call(sanitize(n.name().isEmpty() ? n.opType() : n.name()) + "_const" + i, new Constant(c.tensor()));
        }
        values.put(in, cv);
        materialized.add(in);
        return cv;
    }

    /**
     * A float initializer with a PyTorch name read by a non-layer op ({@code class_token}, {@code encoder.pos_embedding},
     * ConvNeXt's {@code features.1.0.layer_scale}): a {@link FreeParameter} of that full name (Torch-Pruning's
     * unwrapped parameter), counted and pruned with the graph, rather than a {@link Constant}.
     */
    private Value freeParameter(String name, Const c) {
        String[] parts = name.split("\\.");
        List<GraphBuilder.Scope> scopes = new ArrayList<>();
        for (int k = 0; k < parts.length - 1; k++) {
            scopes.add(b.scope(parts[k]));
        }
        String leaf = parts[parts.length - 1];
        Value v = b.own(leaf, new FreeParameter(leaf, Shape.of(c.dims()), -1));
        for (int k = scopes.size() - 1; k >= 0; k--) {
            scopes.get(k).close();
        }
        param(name.substring(0, Math.max(0, name.length() - leaf.length() - 1)), leaf, c, name);
        return v;
    }

    /** The constant bound to ONNX value {@code name} (an initializer is loaded on first use), or {@code null}. */
    public Const constOrNull(String name) throws IOException {
        Const c = consts.get(name);
        if (c == null) {
            OnnxTensor t = model.initializer(name);
            if (t != null) {
                c = load(t);
                consts.put(name, c);
            } else if (constantNodes().containsKey(name)) { // a later Constant node, read ahead by a pattern match
                c = Passthrough.value(this, constantNodes().get(name));
                consts.put(name, c);
            }
        }
        return c;
    }

    private Map<String, OnnxNode> constantNodes() {
        if (constantNodes == null) {
            constantNodes = new HashMap<>();
            for (OnnxNode m : model.nodes()) {
                if (m.opType().equals("Constant") && m.domain().isEmpty() && m.outputs().size() == 1) {
                    constantNodes.put(m.outputs().get(0), m);
                }
            }
        }
        return constantNodes;
    }

    /** Input {@code i} as a constant; an error naming {@code what} when it is not one. */
    public Const constant(OnnxNode n, int i, String what) throws IOException {
        Const c = hasInput(n, i) && isConstValue(n.inputs().get(i)) ? constOrNull(n.inputs().get(i)) : null;
        if (c == null) {
            throw unsupported(n, what + " (input " + i + ") is not a constant or initializer");
        }
        return c;
    }

    /** Input {@code i} as an int64 constant (a float constant is refused). */
    public long[] longs(OnnxNode n, int i, String what) throws IOException {
        Const c = constant(n, i, what);
        if (!c.isInteger()) {
            throw unsupported(n, what + " (input " + i + ") is not an integer tensor");
        }
        return c.longs();
    }

    /** A one-element constant as a float. */
    public float scalar(OnnxNode n, Const c) throws UnsupportedOnnxOpException {
        if (c.size() != 1) {
            throw unsupported(n, "expected a scalar, got " + c.size() + " elements");
        }
        return c.floats() != null ? c.floats()[0] : c.longs()[0];
    }

    /** The static shape of input {@code i}, whether it is a graph value or a constant. */
    public int[] inputDims(OnnxNode n, int i) throws IOException {
        Value v = values.get(n.inputs().get(i));
        return v != null ? v.shape().dims() : constant(n, i, "the input").dims();
    }

    private Const load(OnnxTensor t) throws IOException {
        long[] d = t.dims();
        int[] dims = new int[d.length];
        for (int i = 0; i < d.length; i++) {
            dims[i] = Math.toIntExact(d[i]);
        }
        OnnxDataType type = t.dataType();
        boolean floating = OnnxTensor.isFloating(type);
        if (!floating && !OnnxTensor.isInteger(type)) {
            throw new ModelFormatException(model.file(), "initializer '" + t.name() + "' is "
                    + (type == null ? "of unknown data type " + t.proto().getDataType() : type)
                    + "; the importer reads FLOAT, FLOAT16, BFLOAT16, DOUBLE, integer (INT8 to INT64, UINT8 to UINT64)"
                    + " and BOOL tensors");
        }
        try {
            if (t.hasData()) {
                return floating ? Const.ofFloats(dims, t.toFloats()) : Const.ofLongs(dims, t.toLongs());
            }
            if (fill == Fill.PARITY && !Files.isRegularFile(dataFile(t)) && type == OnnxDataType.FLOAT) {
                return Const.ofFloats(dims, Parity.value(t.name(), Shape.of(dims)).data());
            }
            byte[] bytes = ExternalData.read(model.file(), t.proto()); // names the missing or short file
            String what = "initializer '" + t.name() + "'";
            return floating ? Const.ofFloats(dims, Elements.floatsLE(bytes, type, t.elementCount(), what))
                    : Const.ofLongs(dims, Elements.longsLE(bytes, type, t.elementCount(), what));
        } catch (IllegalStateException e) { // wrong size, UINT64 beyond int64
            throw new ModelFormatException(model.file(), e.getMessage(), e);
        }
    }

    /**
     * Whether initializer {@code name} is (or will be) filled with parity values because its external data file is
     * absent and the fill is {@link Fill#PARITY}: a converter may then fill a parameter by the PyTorch name it
     * stands for instead (a MatMul weight {@code onnx::MatMul_12} holding {@code fc.weight}ᵀ).
     */
    public boolean isParityFilled(String name) {
        OnnxTensor t = model.initializer(name);
        return t != null && !t.hasData() && fill == Fill.PARITY && t.dataType() == OnnxDataType.FLOAT
                && !Files.isRegularFile(dataFile(t));
    }

    private Path dataFile(OnnxTensor t) {
        for (StringStringEntryProto e : t.proto().getExternalDataList()) {
            if (e.getKey().equals("location")) {
                return model.file().toAbsolutePath().getParent().resolve(e.getValue()).normalize();
            }
        }
        return model.file().toAbsolutePath().getParent().resolve("(no location)");
    }

    // ---- outputs ----

    /** Binds output 0 of {@code n} to {@code v}; an error when another output of {@code n} is used. */
    public void output(OnnxNode n, Value v) throws UnsupportedOnnxOpException {
        for (int i = 1; i < n.outputs().size(); i++) {
            if (!n.outputs().get(i).isEmpty() && isUsed(n.outputs().get(i))) {
                throw unsupported(n, "output " + i + " ('" + n.outputs().get(i) + "') is used");
            }
        }
        values.put(n.outputs().get(0), v);
    }

    /** Binds output {@code k} of {@code n} to {@code v}. */
    public void output(OnnxNode n, int k, Value v) {
        values.put(n.outputs().get(k), v);
    }

    /** Binds output {@code k} of {@code n} to an import-time constant. */
    public void constant(OnnxNode n, int k, Const c) {
        consts.put(n.outputs().get(k), c);
    }

    /** Whether ONNX value {@code value} is read by a node or is a graph output. */
    public boolean isUsed(String value) {
        if (usedValues == null) {
            usedValues = new HashSet<>();
            for (OnnxNode m : model.nodes()) {
                usedValues.addAll(m.inputs());
            }
            for (OnnxValueInfo o : model.outputs()) {
                usedValues.add(o.name());
            }
        }
        return usedValues.contains(value);
    }

    /** The nodes reading ONNX value {@code value}, in file order (a node reading it twice is listed twice). */
    public List<OnnxNode> consumers(String value) {
        if (consumers == null) {
            consumers = new HashMap<>();
            for (OnnxNode m : model.nodes()) {
                for (String in : m.inputs()) {
                    consumers.computeIfAbsent(in, k -> new ArrayList<>()).add(m);
                }
            }
        }
        return consumers.getOrDefault(value, List.of());
    }

    /** Whether ONNX value {@code value} is a graph output. */
    public boolean isGraphOutput(String value) {
        for (OnnxValueInfo o : model.outputs()) {
            if (o.name().equals(value)) {
                return true;
            }
        }
        return false;
    }

    /**
     * Marks a later node {@code n} as converted together with the current one (a fused form: the bias Add after a
     * MatMul): the importer skips it; the converter binds its outputs and records it with {@link #alsoFrom}.
     */
    public void fuse(OnnxNode n) {
        fused.add(n.outputs());
    }

    /** Whether {@link #fuse} marked {@code n}. */
    public boolean isFused(OnnxNode n) {
        return fused.contains(n.outputs());
    }

    // ---- attributes ----

    /** An int attribute, or {@code dflt}. */
    public static long intAttr(OnnxNode n, String name, long dflt) {
        OnnxAttribute a = n.attribute(name);
        return a == null ? dflt : a.asInt();
    }

    /** A float attribute, or {@code dflt}. */
    /**
     * A float attribute as the decimal it was written from: the shortest decimal that rounds to {@code f}, as a
     * double ({@code 1e-5f} → {@code 1e-5}, not {@code 9.99999974e-6}), so hyper-parameters such as epsilon come
     * back exactly as a PyTorch model states them.
     */
    public static double decimal(float f) {
        return Double.parseDouble(Float.toString(f));
    }

    /** {@code 1 − f} computed in decimal on {@link #decimal(float)}: ONNX's BatchNorm momentum 0.9 → PyTorch's 0.1. */
    public static double decimalComplement(float f) {
        return java.math.BigDecimal.ONE.subtract(new java.math.BigDecimal(Float.toString(f))).doubleValue();
    }

    public static float floatAttr(OnnxNode n, String name, float dflt) {
        OnnxAttribute a = n.attribute(name);
        return a == null ? dflt : a.asFloat();
    }

    /** A string attribute, or {@code dflt}. */
    public static String stringAttr(OnnxNode n, String name, String dflt) {
        OnnxAttribute a = n.attribute(name);
        return a == null ? dflt : a.asString();
    }

    /** An ints attribute of exactly {@code count} entries, or {@code count} times {@code dflt}. */
    public int[] ints(OnnxNode n, String name, int count, int dflt) throws UnsupportedOnnxOpException {
        OnnxAttribute a = n.attribute(name);
        int[] out = new int[count];
        Arrays.fill(out, dflt);
        if (a != null) {
            long[] v = a.asInts();
            if (v.length != count) {
                throw unsupported(n, name + " " + Arrays.toString(v) + " has " + v.length
                        + " entries; only 2-D (" + count + " entries) is supported");
            }
            for (int i = 0; i < count; i++) {
                out[i] = Math.toIntExact(v[i]);
            }
        }
        return out;
    }

    /** Symmetric 2-D pads {@code (padH, padW)} from ONNX's {@code [top, left, bottom, right]}. */
    public int[] pads(OnnxNode n) throws UnsupportedOnnxOpException {
        String auto = stringAttr(n, "auto_pad", "NOTSET");
        if (!auto.equals("NOTSET") && !auto.equals("VALID")) {
            throw unsupported(n, "auto_pad " + auto);
        }
        int[] p = ints(n, "pads", 4, 0);
        if (p[0] != p[2] || p[1] != p[3]) {
            throw unsupported(n, "asymmetric pads " + Arrays.toString(p));
        }
        return new int[] {p[0], p[1]};
    }

    /**
     * The 2-D padding of a Conv or pooling node as symmetric amounts {@code (padH, padW)} for the layer, and the
     * input to give it: {@code x} itself, or {@code x} through an explicit {@link dev.jprune.ops.Pad} of
     * {@code padValue} carrying what is not symmetric (asymmetric {@code pads}, or {@code auto_pad} SAME_UPPER /
     * SAME_LOWER, which pad {@code (ceil(in / stride) − 1)·stride + (k − 1)·dilation + 1 − in} in total, the odd
     * one at the end or at the beginning). {@code padValue} {@code NaN} means the layer cannot take an explicit pad
     * (an average pool that excludes padding): then only symmetric pads are accepted.
     *
     * @param sym receives {@code (padH, padW)}
     */
    public Value padded(OnnxNode n, String name, Value x, int[] kernel, int[] stride, int[] dilation, double padValue,
                        int[] sym) throws UnsupportedOnnxOpException {
        String auto = stringAttr(n, "auto_pad", "NOTSET");
        int[] begin = new int[2];
        int[] end = new int[2];
        if (auto.equals("SAME_UPPER") || auto.equals("SAME_LOWER")) {
            for (int a = 0; a < 2; a++) {
                int in = x.shape().dim(2 + a);
                int out = (in + stride[a] - 1) / stride[a];
                int total = Math.max(0, (out - 1) * stride[a] + (kernel[a] - 1) * dilation[a] + 1 - in);
                begin[a] = auto.equals("SAME_UPPER") ? total / 2 : total - total / 2;
                end[a] = total - begin[a];
            }
        } else if (auto.equals("NOTSET")) {
            int[] p = ints(n, "pads", 4, 0);
            begin = new int[] {p[0], p[1]};
            end = new int[] {p[2], p[3]};
        } else if (!auto.equals("VALID")) {
            throw unsupported(n, "auto_pad " + auto);
        }
        sym[0] = Math.min(begin[0], end[0]);
        sym[1] = Math.min(begin[1], end[1]);
        if (sym[0] < 0 || sym[1] < 0) {
            throw unsupported(n, "negative pads " + Arrays.toString(begin) + " / " + Arrays.toString(end));
        }
        if (begin[0] == end[0] && begin[1] == end[1]) {
            return x;
        }
        if (Double.isNaN(padValue)) {
            throw unsupported(n, "asymmetric padding (begin " + Arrays.toString(begin) + ", end "
                    + Arrays.toString(end) + ", auto_pad " + auto + ") with count_include_pad=0");
        }
        // F.pad order: (left, right, top, bottom)
        return call(name + "_pad", new dev.jprune.ops.Pad(new int[] {begin[1] - sym[1], end[1] - sym[1],
                begin[0] - sym[0], end[0] - sym[0]}, padValue, "constant"), x);
    }

    // ---- nodes and parameters ----

    /** jprune's form of an ONNX name: {@code #} and {@code :}, which jprune's names reserve, become {@code _}. */
    public static String sanitize(String onnxName) {
        return onnxName.replace('#', '_').replace(':', '_');
    }

    /** The module name for a node with weight initializer {@code weight}: {@code X} for {@code X.weight}. */
    public String moduleName(String weight, String nodeName) {
        String m = weight.endsWith(".weight") ? sanitize(weight.substring(0, weight.length() - 7)) : nodeName;
        String base = m;
        for (int k = 1; moduleWeights.containsKey(m) && !moduleWeights.get(m).equals(weight); k++) {
            m = base + "_" + k;
        }
        moduleWeights.put(m, weight);
        return m;
    }

    /** Sets parameter {@code module.local} from {@code c}, read from initializer {@code initializer}. */
    public void param(String module, String local, Const c, String initializer) {
        // Parameters take the loaded array itself (no copy) unless another parameter already holds it.
        boolean fresh = c.floats() != null && handedOut.add(c.floats());
        String name = module.isEmpty() ? local : module + "." + local;
        paramValues.put(name, fresh ? Tensor.wrap(Shape.of(c.dims()), c.floats()) : c.tensor());
        initializerNames.put(name, initializer);
    }

    /** Sets parameter {@code module.local} from the initializer at input {@code i} of {@code n}. */
    public void param(String module, String local, OnnxNode n, int i, String what) throws IOException {
        param(module, local, constant(n, i, what), n.inputs().get(i));
    }

    /** Applies module {@code name} (a parameter owner), recording the current ONNX node as its origin. */
    public Value module(String name, Op op, Value... in) {
        return record(b.module(name, op, in));
    }

    /** Applies a function op, recording the current ONNX node as its origin. */
    public Value call(String name, Op op, Value... in) {
        return record(b.call(name, op, in));
    }

    /** Applies a function op with several outputs, recording the current ONNX node as its origin. */
    public Value[] callMulti(String name, Op op, Value... in) {
        Value[] out = b.callMulti(name, op, in);
        record(out[0]);
        return out;
    }

    /** Records ONNX node {@code n} as a further origin of {@code v}'s producer (a fused form, MatMul + Add). */
    public void alsoFrom(Value v, OnnxNode n) {
        origins.computeIfAbsent(v.producer().name(), k -> new ArrayList<>()).add(n.name());
    }

    private Value record(Value v) {
        if (current != null) {
            alsoFrom(v, current);
        }
        return v;
    }

    /**
     * Adds a parameter-free op as a module call or a function call, as PyTorch ran it, which decides whether
     * {@link dev.jprune.count.OpCounter} counts it (Torch-Pruning counts modules only). torch.onnx.export names a node
     * {@code /scope/.../OpType}: a module's own node sits in a scope holding no deeper scope ({@code /layer1/
     * layer1.0/relu/Relu}), a function's in its caller's scope, which holds the caller's sub-modules
     * ({@code /layer1/layer1.0/Add}, {@code /conv1/Relu} for {@code F.relu} beside {@code /conv1/conv/Conv}; the
     * top-level {@code /GlobalAveragePool} of the root module's {@code forward}). Other names: unary ops
     * (activations, pooling, dropout) are modules, the rest functions.
     */
    public Value apply(OnnxNode n, String name, Op op, boolean unaryOp, Value... in) {
        String nm = n.name();
        int slash = nm.lastIndexOf('/');
        boolean module = nm.startsWith("/") ? slash > 0 && !callerScopes().contains(nm.substring(0, slash)) : unaryOp;
        return module ? module(name, op, in) : call(name, op, in);
    }

    private Set<String> callerScopes() {
        if (callerScopes == null) {
            callerScopes = new HashSet<>();
            for (OnnxNode m : model.nodes()) {
                String nm = m.name();
                for (int i = nm.lastIndexOf('/'); i > 0; ) {
                    i = nm.lastIndexOf('/', i - 1);
                    if (i > 0) {
                        callerScopes.add(nm.substring(0, i));
                    }
                }
            }
        }
        return callerScopes;
    }

    /** {@link #apply} for a unary op on input 0, bound to output 0. */
    public void unary(OnnxNode n, String name, Op op) throws IOException {
        output(n, apply(n, name, op, true, dynamic(n, 0)));
    }

    /** {@link #apply} for a binary function op on inputs 0 and 1, bound to output 0. */
    public void binary(OnnxNode n, String name, Op op) throws IOException {
        output(n, apply(n, name, op, false, dynamic(n, 0), dynamic(n, 1)));
    }
}
