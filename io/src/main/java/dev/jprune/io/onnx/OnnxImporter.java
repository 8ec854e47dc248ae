package dev.jprune.io.onnx;

import dev.jprune.io.ModelFormatException;
import dev.jprune.io.onnx.internal.Elements;
import dev.jprune.io.onnx.internal.ExternalData;
import dev.jprune.io.onnx.internal.proto.Onnx.StringStringEntryProto;
import dev.jprune.ir.Graph;
import dev.jprune.ir.GraphBuilder;
import dev.jprune.ir.Op;
import dev.jprune.ir.Parameter;
import dev.jprune.ir.Value;
import dev.jprune.ops.AdaptiveAvgPool2d;
import dev.jprune.ops.Add;
import dev.jprune.ops.AvgPool2d;
import dev.jprune.ops.BatchNorm2d;
import dev.jprune.ops.Clamp;
import dev.jprune.ops.Concat;
import dev.jprune.ops.Constant;
import dev.jprune.ops.Conv2d;
import dev.jprune.ops.Dropout;
import dev.jprune.ops.Flatten;
import dev.jprune.ops.Hardsigmoid;
import dev.jprune.ops.Hardswish;
import dev.jprune.ops.Linear;
import dev.jprune.ops.MaxPool2d;
import dev.jprune.ops.Mean;
import dev.jprune.ops.Mul;
import dev.jprune.ops.Pad;
import dev.jprune.ops.ReLU;
import dev.jprune.ops.ReLU6;
import dev.jprune.ops.Reshape;
import dev.jprune.ops.Sigmoid;
import dev.jprune.tensor.Shape;
import dev.jprune.tensor.Tensor;
import dev.jprune.weights.Parity;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Imports an ONNX model ({@link OnnxModelFile}) as a jprune {@link Graph} for given input shapes.
 *
 * <p>Naming: a Conv, Gemm or BatchNormalization whose weight initializer is called {@code X.weight} becomes the
 * module node {@code X} with parameters {@code X.weight}, {@code X.bias}, {@code X.running_mean},
 * {@code X.running_var} (PyTorch's {@code state_dict} names, as in a {@code torch.onnx.export} that keeps them);
 * every other node keeps its ONNX node name ({@code #} and {@code :}, which jprune's names reserve, become
 * {@code _}; an unnamed node is {@code OpType_index}). Parameter values are copied from the initializers.
 *
 * <p>Supported ops (this slice: what torchvision CNN exports use): Conv (2-D, groups, symmetric pads, strides,
 * dilations, optional bias), BatchNormalization (inference), Relu, Clip (ReLU6 for [0, 6]), Add, Mul, Sigmoid,
 * HardSigmoid (alpha 1/6, beta 1/2), HardSwish, MaxPool (ceil mode), AveragePool, GlobalAveragePool, Flatten, Gemm
 * ({@code transB=1, alpha=beta=1}), Concat, Dropout, Identity, Constant (folded) and Reshape with a constant shape
 * (ONNX's 0 resolved to the input's size), ReduceMean, Pad (constant). Shape sub-graphs (Shape→Gather→Concat→Reshape) are not folded yet.
 *
 * <pre>{@code
 * Graph g = OnnxImporter.importModel(Path.of("resnet18.onnx"), FillMissing.PARITY, Shape.of(1, 3, 224, 224));
 * }</pre>
 */
public final class OnnxImporter {

    /** What to do with an initializer whose external data file is absent. */
    public enum FillMissing {
        /** Fail with a {@link ModelFormatException} naming the missing file. */
        NONE,
        /** Fill it with {@link Parity#value} by the initializer's name (for structure-only exports). */
        PARITY
    }

    /** A folded value: its dims and either float or int64 elements. */
    private record Const(int[] dims, float[] floats, long[] longs) {
        Tensor tensor() {
            float[] f = floats;
            if (f == null) {
                f = new float[longs.length];
                for (int i = 0; i < f.length; i++) {
                    f[i] = longs[i];
                }
            }
            return Tensor.wrap(Shape.of(dims), f.clone());
        }
    }

    private final OnnxModelFile model;
    private final FillMissing fill;
    private final long opset;
    private final GraphBuilder b;
    private final Map<String, Value> values = new HashMap<>();
    private final Map<String, Const> consts = new HashMap<>();
    private final Map<String, Tensor> paramValues = new LinkedHashMap<>();
    private final Map<String, String> moduleWeights = new HashMap<>();
    private java.util.Set<String> callerScopes;
    private final java.util.Set<float[]> handedOut = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());

    private OnnxImporter(OnnxModelFile model, FillMissing fill) {
        this.model = model;
        this.fill = fill;
        this.opset = model.opsetVersion("");
        String file = model.file().getFileName().toString();
        this.b = new GraphBuilder(file.endsWith(".onnx") ? file.substring(0, file.length() - 5) : file);
    }

    /**
     * Reads {@code file} (external data from beside it) and imports it with one shape per graph input.
     *
     * @throws ModelFormatException         naming the file when it is not valid ONNX, or an external data file is
     *                                      missing and {@code fill} is {@link FillMissing#NONE}
     * @throws UnsupportedOnnxOpException   for a node jprune cannot translate (op type, node name, opset)
     * @throws IllegalArgumentException     when the shapes do not fit the model's inputs
     */
    public static Graph importModel(Path file, FillMissing fill, Shape... inputShapes) throws IOException {
        return importModel(OnnxModelFile.readStructure(file), fill, inputShapes);
    }

    /**
     * Imports {@code model}; initializers whose data was not read are read from their external data file now, or
     * filled per {@code fill} when that file does not exist.
     */
    public static Graph importModel(OnnxModelFile model, FillMissing fill, Shape... inputShapes) throws IOException {
        return new OnnxImporter(model, fill).run(inputShapes);
    }

    private Graph run(Shape[] inputShapes) throws IOException {
        List<OnnxValueInfo> ins = model.inputs();
        if (ins.size() != inputShapes.length) {
            throw new IllegalArgumentException(model.file() + ": the model has " + ins.size() + " inputs " + ins
                    + ", got " + inputShapes.length + " shapes");
        }
        for (int i = 0; i < ins.size(); i++) {
            OnnxValueInfo in = ins.get(i);
            Shape s = inputShapes[i];
            if (in.shape() != null) {
                boolean fits = in.shape().size() == s.rank();
                for (int d = 0; fits && d < s.rank(); d++) {
                    OnnxDim dim = in.shape().get(d);
                    fits = dim.isDynamic() || dim.size() == s.dim(d);
                }
                if (!fits) {
                    throw new IllegalArgumentException(model.file() + ": input '" + in.name() + "' expects shape "
                            + in.shape() + ", got " + s);
                }
            }
            values.put(in.name(), b.input(in.name(), s));
        }
        List<OnnxNode> nodes = model.nodes();
        for (int i = 0; i < nodes.size(); i++) {
            OnnxNode n = nodes.get(i);
            if (!n.domain().isEmpty() && !n.domain().equals("ai.onnx")) {
                throw unsupported(n, "domain '" + n.domain() + "'");
            }
            try {
                convert(n, nodeName(n, i));
            } catch (IllegalArgumentException | IllegalStateException e) {
                throw new ModelFormatException(model.file(), "node '" + n.name() + "' (" + n.opType() + "): "
                        + e.getMessage(), e);
            }
        }
        List<OnnxValueInfo> outs = model.outputs();
        Value[] out = new Value[outs.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = values.get(outs.get(i).name());
            if (out[i] == null) {
                throw new ModelFormatException(model.file(), "graph output '" + outs.get(i).name()
                        + "' is not computed from the inputs (a constant, or produced by no node)");
            }
        }
        Graph g = b.build(out);
        Map<String, Parameter> sd = g.stateDict();
        for (Map.Entry<String, Tensor> e : paramValues.entrySet()) {
            Parameter p = sd.get(e.getKey());
            if (!p.shape().equals(e.getValue().shape())) {
                throw new ModelFormatException(model.file(), "parameter " + e.getKey() + " has shape " + p.shape()
                        + " but its initializer has " + e.getValue().shape());
            }
            p.setValue(e.getValue());
        }
        return g;
    }

    private static String nodeName(OnnxNode n, int index) {
        String s = n.name().isEmpty() ? n.opType() + "_" + index : n.name();
        return s.replace('#', '_').replace(':', '_');
    }

    private UnsupportedOnnxOpException unsupported(OnnxNode n, String detail) {
        return new UnsupportedOnnxOpException(model.file(), n.opType(), n.name(), opset, detail);
    }

    private void convert(OnnxNode n, String name) throws IOException {
        switch (n.opType()) {
            case "Conv": conv(n, name); break;
            case "BatchNormalization": batchNorm(n, name); break;
            case "Gemm": gemm(n, name); break;
            case "Relu": unary(n, name, new ReLU()); break;
            case "Sigmoid": unary(n, name, new Sigmoid()); break;
            case "HardSwish": unary(n, name, new Hardswish()); break;
            case "HardSigmoid": hardSigmoid(n, name); break;
            case "Clip": clip(n, name); break;
            case "Add": binary(n, name, new Add()); break;
            case "Mul": binary(n, name, new Mul()); break;
            case "MaxPool": maxPool(n, name); break;
            case "AveragePool": avgPool(n, name); break;
            case "GlobalAveragePool": unary(n, name, AdaptiveAvgPool2d.of(1)); break;
            case "Flatten": flatten(n, name); break;
            case "Concat": concat(n, name); break;
            case "Dropout": dropout(n, name); break;
            case "Identity": identity(n); break;
            case "Constant": constant(n); break;
            case "Reshape": reshape(n, name); break;
            case "ReduceMean": reduceMean(n, name); break;
            case "Pad": pad(n, name); break;
            default: throw unsupported(n, "");
        }
    }

    // ---- values ----

    private Value dynamic(OnnxNode n, int i) throws IOException {
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
        // A constant operand of Add/Mul/Concat: a Constant node (not a parameter, not counted).
        Value cv = b.call(n.name().replace('#', '_').replace(':', '_') + "_const" + i, new Constant(c.tensor()));
        values.put(in, cv);
        return cv;
    }

    private boolean hasInput(OnnxNode n, int i) {
        return n.inputs().size() > i && !n.inputs().get(i).isEmpty();
    }

    private Const constOrNull(String name) throws IOException {
        Const c = consts.get(name);
        if (c == null) {
            OnnxTensor t = model.initializer(name);
            if (t != null) {
                c = load(t);
                consts.put(name, c);
            }
        }
        return c;
    }

    private Const constant(OnnxNode n, int i, String what) throws IOException {
        Const c = hasInput(n, i) ? constOrNull(n.inputs().get(i)) : null;
        if (c == null) {
            throw unsupported(n, what + " (input " + i + ") is not a constant or initializer");
        }
        return c;
    }

    private Const load(OnnxTensor t) throws IOException {
        long[] d = t.dims();
        int[] dims = new int[d.length];
        for (int i = 0; i < d.length; i++) {
            dims[i] = Math.toIntExact(d[i]);
        }
        OnnxDataType type = t.dataType();
        if (type != OnnxDataType.FLOAT && type != OnnxDataType.INT64) {
            throw new ModelFormatException(model.file(), "initializer '" + t.name() + "' is " + type
                    + "; the importer reads FLOAT and INT64 tensors");
        }
        if (t.hasData()) {
            return type == OnnxDataType.FLOAT ? new Const(dims, t.floats(), null) : new Const(dims, null, t.longs());
        }
        if (fill == FillMissing.PARITY && !Files.isRegularFile(dataFile(t)) && type == OnnxDataType.FLOAT) {
            return new Const(dims, Parity.value(t.name(), Shape.of(dims)).data(), null);
        }
        byte[] bytes = ExternalData.read(model.file(), t.proto()); // names the missing or short file
        Const c = type == OnnxDataType.FLOAT ? new Const(dims, Elements.floatsLE(bytes), null)
                : new Const(dims, null, Elements.longsLE(bytes));
        long n = c.floats != null ? c.floats.length : c.longs.length;
        if (n != t.elementCount()) {
            throw new ModelFormatException(model.file(), "initializer '" + t.name() + "' holds " + n
                    + " elements, expected " + t.elementCount());
        }
        return c;
    }

    private Path dataFile(OnnxTensor t) {
        for (StringStringEntryProto e : t.proto().getExternalDataList()) {
            if (e.getKey().equals("location")) {
                return model.file().toAbsolutePath().getParent().resolve(e.getValue()).normalize();
            }
        }
        return model.file().toAbsolutePath().getParent().resolve("(no location)");
    }

    private void output(OnnxNode n, Value v) throws UnsupportedOnnxOpException {
        for (int i = 1; i < n.outputs().size(); i++) {
            if (!n.outputs().get(i).isEmpty() && isUsed(n.outputs().get(i))) {
                throw unsupported(n, "output " + i + " ('" + n.outputs().get(i) + "') is used");
            }
        }
        values.put(n.outputs().get(0), v);
    }

    private boolean isUsed(String value) {
        for (OnnxNode m : model.nodes()) {
            if (m.inputs().contains(value)) {
                return true;
            }
        }
        for (OnnxValueInfo o : model.outputs()) {
            if (o.name().equals(value)) {
                return true;
            }
        }
        return false;
    }

    // ---- attributes ----

    private static long intAttr(OnnxNode n, String name, long dflt) {
        OnnxAttribute a = n.attribute(name);
        return a == null ? dflt : a.asInt();
    }

    private static float floatAttr(OnnxNode n, String name, float dflt) {
        OnnxAttribute a = n.attribute(name);
        return a == null ? dflt : a.asFloat();
    }

    private int[] ints(OnnxNode n, String name, int count, int dflt) throws UnsupportedOnnxOpException {
        OnnxAttribute a = n.attribute(name);
        int[] out = new int[count];
        java.util.Arrays.fill(out, dflt);
        if (a != null) {
            long[] v = a.asInts();
            if (v.length != count) {
                throw unsupported(n, name + " " + java.util.Arrays.toString(v) + " has " + v.length
                        + " entries; only 2-D (" + count + " entries) is supported");
            }
            for (int i = 0; i < count; i++) {
                out[i] = Math.toIntExact(v[i]);
            }
        }
        return out;
    }

    /** Symmetric 2-D pads {@code (padH, padW)} from ONNX's {@code [top, left, bottom, right]}. */
    private int[] pads(OnnxNode n) throws UnsupportedOnnxOpException {
        OnnxAttribute auto = n.attribute("auto_pad");
        if (auto != null && !auto.asString().equals("NOTSET") && !auto.asString().equals("VALID")) {
            throw unsupported(n, "auto_pad " + auto.asString());
        }
        int[] p = ints(n, "pads", 4, 0);
        if (p[0] != p[2] || p[1] != p[3]) {
            throw unsupported(n, "asymmetric pads " + java.util.Arrays.toString(p));
        }
        return new int[] {p[0], p[1]};
    }

    /** The module name for a node with weight initializer {@code weight}: {@code X} for {@code X.weight}. */
    private String moduleName(String weight, String nodeName) {
        String m = weight.endsWith(".weight") ? weight.substring(0, weight.length() - 7) : nodeName;
        String base = m;
        for (int k = 1; moduleWeights.containsKey(m) && !moduleWeights.get(m).equals(weight); k++) {
            m = base + "_" + k;
        }
        moduleWeights.put(m, weight);
        return m;
    }

    private void param(String module, String local, Const c) {
        // Parameters take the loaded array itself (no copy) unless another parameter already holds it.
        boolean fresh = c.floats != null && handedOut.add(c.floats);
        paramValues.put(module + "." + local, fresh ? Tensor.wrap(Shape.of(c.dims), c.floats) : c.tensor());
    }

    // ---- ops ----

    private void unary(OnnxNode n, String name, Op op) throws IOException {
        output(n, apply(n, name, op, true, dynamic(n, 0)));
    }

    private void binary(OnnxNode n, String name, Op op) throws IOException {
        output(n, apply(n, name, op, false, dynamic(n, 0), dynamic(n, 1)));
    }

    /**
     * Adds a parameter-free op as a module call or a function call, as PyTorch ran it, which decides whether
     * {@link dev.jprune.count.OpCounter} counts it (Torch-Pruning counts modules only). torch.onnx.export names a node
     * {@code /scope/.../OpType}: a module's own node sits in a scope holding no deeper scope ({@code /layer1/
     * layer1.0/relu/Relu}), a function's in its caller's scope, which holds the caller's sub-modules
     * ({@code /layer1/layer1.0/Add}, {@code /conv1/Relu} for {@code F.relu} beside {@code /conv1/conv/Conv}; the
     * top-level {@code /GlobalAveragePool} of the root module's {@code forward}). Other
     * names: unary ops (activations, pooling, dropout) are modules, the rest functions.
     */
    private Value apply(OnnxNode n, String name, Op op, boolean unaryOp, Value... in) {
        String nm = n.name();
        int slash = nm.lastIndexOf('/');
        boolean module = nm.startsWith("/") ? slash > 0 && !callerScopes().contains(nm.substring(0, slash)) : unaryOp;
        return module ? b.module(name, op, in) : b.call(name, op, in);
    }

    private java.util.Set<String> callerScopes() {
        if (callerScopes == null) {
            callerScopes = new java.util.HashSet<>();
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

    private void conv(OnnxNode n, String name) throws IOException {
        Value x = dynamic(n, 0);
        Const w = constant(n, 1, "the weight");
        if (w.dims.length != 4 || x.shape().rank() != 4) {
            throw unsupported(n, "only 2-D convolution is supported (weight dims "
                    + java.util.Arrays.toString(w.dims) + ", input " + x.shape() + ")");
        }
        int groups = (int) intAttr(n, "group", 1);
        int[] stride = ints(n, "strides", 2, 1);
        int[] dil = ints(n, "dilations", 2, 1);
        int[] pad = pads(n);
        boolean bias = hasInput(n, 2);
        Conv2d op = new Conv2d(w.dims[1] * groups, w.dims[0], w.dims[2], w.dims[3], stride[0], stride[1], pad[0],
                pad[1], dil[0], dil[1], groups, bias);
        String m = moduleName(n.inputs().get(1), name);
        param(m, "weight", w);
        if (bias) {
            param(m, "bias", constant(n, 2, "the bias"));
        }
        output(n, b.module(m, op, x));
    }

    private void batchNorm(OnnxNode n, String name) throws IOException {
        if (intAttr(n, "training_mode", 0) != 0) {
            throw unsupported(n, "training_mode=1");
        }
        Value x = dynamic(n, 0);
        Const scale = constant(n, 1, "scale");
        String m = moduleName(n.inputs().get(1), name);
        BatchNorm2d op = new BatchNorm2d(scale.dims[0], floatAttr(n, "epsilon", 1e-5f),
                1.0 - floatAttr(n, "momentum", 0.9f), true);
        param(m, "weight", scale);
        param(m, "bias", constant(n, 2, "B"));
        param(m, "running_mean", constant(n, 3, "input_mean"));
        param(m, "running_var", constant(n, 4, "input_var"));
        output(n, b.module(m, op, x));
    }

    private void gemm(OnnxNode n, String name) throws IOException {
        if (intAttr(n, "transA", 0) != 0 || intAttr(n, "transB", 0) != 1 || floatAttr(n, "alpha", 1f) != 1f
                || floatAttr(n, "beta", 1f) != 1f) {
            throw unsupported(n, "only transA=0, transB=1, alpha=beta=1 (a Linear layer) is supported, got "
                    + n.attributes().values());
        }
        Value x = dynamic(n, 0);
        Const w = constant(n, 1, "B");
        boolean bias = hasInput(n, 2);
        String m = moduleName(n.inputs().get(1), name);
        param(m, "weight", w);
        if (bias) {
            Const c = constant(n, 2, "C");
            if (c.dims.length != 1 || c.dims[0] != w.dims[0]) {
                throw unsupported(n, "C of dims " + java.util.Arrays.toString(c.dims) + "; expected ["
                        + w.dims[0] + "]");
            }
            param(m, "bias", c);
        }
        output(n, b.module(m, Linear.of(w.dims[1], w.dims[0], bias), x));
    }

    private void hardSigmoid(OnnxNode n, String name) throws IOException {
        float alpha = floatAttr(n, "alpha", 0.2f);
        float beta = floatAttr(n, "beta", 0.5f);
        if (Math.abs(alpha - 1f / 6) > 1e-6 || beta != 0.5f) {
            throw unsupported(n, "alpha " + alpha + ", beta " + beta + "; only PyTorch's (1/6, 0.5) is supported");
        }
        unary(n, name, new Hardsigmoid());
    }

    private void clip(OnnxNode n, String name) throws IOException {
        float min = floatAttr(n, "min", Float.NEGATIVE_INFINITY);
        float max = floatAttr(n, "max", Float.POSITIVE_INFINITY);
        if (hasInput(n, 1)) {
            min = scalar(n, constant(n, 1, "min"));
        }
        if (hasInput(n, 2)) {
            max = scalar(n, constant(n, 2, "max"));
        }
        unary(n, name, min == 0f && max == 6f ? new ReLU6() : new Clamp(min, max));
    }

    private float scalar(OnnxNode n, Const c) throws UnsupportedOnnxOpException {
        float[] f = c.tensor().data();
        if (f.length != 1) {
            throw unsupported(n, "a bound holds " + f.length + " elements; expected a scalar");
        }
        return f[0];
    }

    private void maxPool(OnnxNode n, String name) throws IOException {
        int[] k = ints(n, "kernel_shape", 2, 1);
        int[] s = ints(n, "strides", 2, 1);
        int[] d = ints(n, "dilations", 2, 1);
        int[] p = pads(n);
        unary(n, name, new MaxPool2d(k[0], k[1], s[0], s[1], p[0], p[1], d[0], d[1], intAttr(n, "ceil_mode", 0) != 0));
    }

    private void avgPool(OnnxNode n, String name) throws IOException {
        int[] k = ints(n, "kernel_shape", 2, 1);
        int[] s = ints(n, "strides", 2, 1);
        int[] p = pads(n);
        unary(n, name, new AvgPool2d(k[0], k[1], s[0], s[1], p[0], p[1], intAttr(n, "ceil_mode", 0) != 0,
                intAttr(n, "count_include_pad", 0) != 0, null));
    }

    private void flatten(OnnxNode n, String name) throws IOException {
        Value x = dynamic(n, 0);
        int rank = x.shape().rank();
        int axis = (int) intAttr(n, "axis", 1);
        axis = axis < 0 ? axis + rank : axis;
        if (axis < 0 || axis > rank) {
            throw unsupported(n, "axis " + intAttr(n, "axis", 1) + " for input " + x.shape());
        }
        Op op = axis == 1 && rank >= 2 ? Flatten.of()
                : Reshape.of(axis == 0 ? 1 : x.shape().product(0, axis), -1);
        output(n, apply(n, name, op, false, x));
    }

    private void concat(OnnxNode n, String name) throws IOException {
        Value[] in = new Value[n.inputs().size()];
        for (int i = 0; i < in.length; i++) {
            in[i] = dynamic(n, i);
        }
        output(n, apply(n, name, new Concat((int) intAttr(n, "axis", 1)), false, in));
    }

    private void dropout(OnnxNode n, String name) throws IOException {
        float p = floatAttr(n, "ratio", 0.5f);
        if (hasInput(n, 1)) {
            p = scalar(n, constant(n, 1, "ratio"));
        }
        unary(n, name, new Dropout(p));
    }

    private void identity(OnnxNode n) throws IOException {
        String in = n.inputs().get(0);
        Value v = values.get(in);
        if (v != null) {
            values.put(n.outputs().get(0), v);
        } else {
            consts.put(n.outputs().get(0), constant(n, 0, "the input"));
        }
    }

    private void constant(OnnxNode n) throws UnsupportedOnnxOpException {
        Const c;
        OnnxAttribute a;
        if ((a = n.attribute("value")) != null) {
            OnnxTensor t = a.asTensor();
            long[] d = t.dims();
            int[] dims = new int[d.length];
            for (int i = 0; i < d.length; i++) {
                dims[i] = Math.toIntExact(d[i]);
            }
            if (t.dataType() == OnnxDataType.FLOAT) {
                c = new Const(dims, t.floats(), null);
            } else if (t.dataType() == OnnxDataType.INT64) {
                c = new Const(dims, null, t.longs());
            } else {
                throw unsupported(n, "a " + t.dataType() + " value; FLOAT and INT64 are supported");
            }
        } else if ((a = n.attribute("value_float")) != null) {
            c = new Const(new int[0], new float[] {a.asFloat()}, null);
        } else if ((a = n.attribute("value_floats")) != null) {
            float[] f = a.asFloats();
            c = new Const(new int[] {f.length}, f, null);
        } else if ((a = n.attribute("value_int")) != null) {
            c = new Const(new int[0], null, new long[] {a.asInt()});
        } else if ((a = n.attribute("value_ints")) != null) {
            long[] l = a.asInts();
            c = new Const(new int[] {l.length}, null, l);
        } else {
            throw unsupported(n, "no value, value_float(s) or value_int(s) attribute");
        }
        consts.put(n.outputs().get(0), c);
    }

    /** Constant-mode Pad with non-negative amounts; ONNX's {@code [begins..., ends...]} become F.pad's order. */
    private void pad(OnnxNode n, String name) throws IOException {
        OnnxAttribute mode = n.attribute("mode");
        if (mode != null && !mode.asString().equals("constant")) {
            throw unsupported(n, "mode '" + mode.asString() + "'; only 'constant' is supported");
        }
        if (hasInput(n, 3)) {
            throw unsupported(n, "the axes input");
        }
        Value x = dynamic(n, 0);
        long[] p;
        if (hasInput(n, 1)) {
            Const c = constant(n, 1, "pads");
            if (c.longs == null) {
                throw unsupported(n, "pads are not INT64");
            }
            p = c.longs;
        } else {
            p = n.attribute("pads").asInts(); // opset < 11
        }
        int rank = x.shape().rank();
        if (p.length != 2 * rank) {
            throw unsupported(n, "pads hold " + p.length + " entries for an input of rank " + rank);
        }
        float value = hasInput(n, 2) ? scalar(n, constant(n, 2, "constant_value")) : floatAttr(n, "value", 0f);
        int[] torch = new int[2 * rank];
        for (int k = 0; k < rank; k++) {
            int axis = rank - 1 - k;
            if (p[axis] < 0 || p[rank + axis] < 0) {
                throw unsupported(n, "negative pads (cropping) " + java.util.Arrays.toString(p));
            }
            torch[2 * k] = Math.toIntExact(p[axis]);
            torch[2 * k + 1] = Math.toIntExact(p[rank + axis]);
        }
        output(n, apply(n, name, new Pad(torch, value, "constant"), true, x));
    }

    private void reduceMean(OnnxNode n, String name) throws IOException {
        Value x = dynamic(n, 0);
        long[] axes;
        if (hasInput(n, 1)) { // opset 18: axes as an input
            Const c = constant(n, 1, "axes");
            if (c.longs == null) {
                throw unsupported(n, "axes are not INT64");
            }
            axes = c.longs;
        } else {
            OnnxAttribute a = n.attribute("axes");
            axes = a == null ? new long[0] : a.asInts();
        }
        if (axes.length == 0) {
            if (intAttr(n, "noop_with_empty_axes", 0) != 0) {
                identity(n);
                return;
            }
            axes = new long[x.shape().rank()];
            for (int i = 0; i < axes.length; i++) {
                axes[i] = i;
            }
        }
        int[] dims = new int[axes.length];
        for (int i = 0; i < dims.length; i++) {
            dims[i] = Math.toIntExact(axes[i]);
        }
        output(n, apply(n, name, new Mean(dims, intAttr(n, "keepdims", 1) != 0), false, x));
    }

    private void reshape(OnnxNode n, String name) throws IOException {
        Const shape = constant(n, 1, "the shape");
        if (shape.longs == null) {
            throw unsupported(n, "the shape is not INT64");
        }
        boolean allowZero = intAttr(n, "allowzero", 0) != 0;
        Value x = values.get(n.inputs().get(0));
        int[] inDims = x != null ? x.shape().dims() : constant(n, 0, "the data").dims;
        int[] target = new int[shape.longs.length];
        for (int i = 0; i < target.length; i++) {
            long t = shape.longs[i];
            if (t == 0 && !allowZero) {
                if (i >= inDims.length) {
                    throw unsupported(n, "shape entry " + i + " is 0 (copy) but the input has rank " + inDims.length);
                }
                t = inDims[i];
            }
            target[i] = Math.toIntExact(t);
        }
        if (x == null) {
            Const c = constant(n, 0, "the data");
            Shape out = Reshape.of(target).resolve(Shape.of(c.dims));
            consts.put(n.outputs().get(0), new Const(out.dims(), c.floats, c.longs));
            return;
        }
        output(n, apply(n, name, Reshape.of(target), false, x));
    }
}
