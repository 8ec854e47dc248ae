package dev.jprune.io.onnx;

import dev.jprune.io.ModelFormatException;
import dev.jprune.io.onnx.internal.convert.ImportContext;
import dev.jprune.io.onnx.internal.convert.OpConverter;
import dev.jprune.io.onnx.internal.convert.OpConverters;
import dev.jprune.ir.Graph;
import dev.jprune.ir.GraphBuilder;
import dev.jprune.ir.Parameter;
import dev.jprune.ir.Value;
import dev.jprune.tensor.Shape;
import dev.jprune.tensor.Tensor;
import dev.jprune.weights.Parity;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Imports an ONNX model ({@link OnnxModelFile}) as a jprune {@link Graph} for given input shapes.
 *
 * <p>Naming: a Conv, Gemm or BatchNormalization whose weight initializer is called {@code X.weight} becomes the
 * module node {@code X} with parameters {@code X.weight}, {@code X.bias}, {@code X.running_mean},
 * {@code X.running_var} (PyTorch's {@code state_dict} names, as in a {@code torch.onnx.export} that keeps them);
 * every other node keeps its ONNX node name ({@code #} and {@code :}, which jprune's names reserve, become
 * {@code _}; an unnamed node is {@code OpType_index}). Parameter values are copied from the initializers.
 * {@link #read} also returns the {@link OnnxOrigin}: the ONNX names behind each node and parameter.
 *
 * <p>Transformer exports: a {@code MatMul} by a constant 2-D weight is a Linear module (weight transposed, see
 * {@link OnnxOrigin}) that absorbs a following {@code Add} of a 1-D constant bias when it is the MatMul's only reader;
 * the module is named after the bias: {@code X.bias} → {@code X}, {@code X.in_proj_bias} → {@code X} with parameters
 * {@code in_proj_weight}, {@code in_proj_bias} ({@code nn.MultiheadAttention}). When such a weight is an anonymous
 * initializer ({@code onnx::MatMul_12}) filled by {@link FillMissing#PARITY}, it is filled by that PyTorch name so
 * that it equals the PyTorch model's. A float initializer with a PyTorch name read by any other op
 * ({@code class_token}, {@code encoder.pos_embedding}, {@code features.1.0.layer_scale}) is a
 * {@link dev.jprune.ops.FreeParameter} of that name. Shape sub-graphs ({@code Shape}, {@code Gather},
 * {@code Concat}, {@code Cast}, {@code Where}, ... on constants) are folded for the given input shapes, so dynamic
 * dimensions take the sizes of {@code inputShapes}. Anonymous constants (torch.onnx.export's folded
 * {@code relative_position_bias_table[relative_position_index]} of Swin and MaxViT) are {@code Constant} nodes.
 *
 * <p>Each ONNX op type is translated by its own converter ({@code dev.jprune.io.onnx.internal.convert}); the
 * supported types are {@link #supportedOps()}. Anything else is an {@link UnsupportedOnnxOpException}.
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

    private final OnnxModelFile model;
    private final GraphBuilder b;
    private final ImportContext cx;

    private OnnxImporter(OnnxModelFile model, FillMissing fill) {
        this.model = model;
        String file = model.file().getFileName().toString();
        this.b = new GraphBuilder(file.endsWith(".onnx") ? file.substring(0, file.length() - 5) : file);
        this.cx = new ImportContext(model, fill == FillMissing.PARITY ? ImportContext.Fill.PARITY
                : ImportContext.Fill.NONE, b);
    }

    /** The ONNX op types (default domain) the importer translates, sorted. */
    public static Set<String> supportedOps() {
        return OpConverters.supported();
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
        return read(file, fill, inputShapes).graph();
    }

    /**
     * Imports {@code model}; initializers whose data was not read are read from their external data file now, or
     * filled per {@code fill} when that file does not exist.
     */
    public static Graph importModel(OnnxModelFile model, FillMissing fill, Shape... inputShapes) throws IOException {
        return read(model, fill, inputShapes).graph();
    }

    /** {@link #importModel(Path, FillMissing, Shape...)} with the ONNX names behind the graph. */
    public static OnnxImport read(Path file, FillMissing fill, Shape... inputShapes) throws IOException {
        return read(OnnxModelFile.readStructure(file), fill, inputShapes);
    }

    /** {@link #importModel(OnnxModelFile, FillMissing, Shape...)} with the ONNX names behind the graph. */
    public static OnnxImport read(OnnxModelFile model, FillMissing fill, Shape... inputShapes) throws IOException {
        return new OnnxImporter(model, fill).run(inputShapes);
    }

    private OnnxImport run(Shape[] inputShapes) throws IOException {
        List<OnnxValueInfo> ins = model.inputs();
        if (ins.size() != inputShapes.length) {
            throw new IllegalArgumentException(model.file() + ": the model has " + ins.size() + " inputs " + ins
                    + ", got " + inputShapes.length + " shapes");
        }
        Map<String, String> inputNames = new LinkedHashMap<>();
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
            String name = ImportContext.sanitize(in.name());
            cx.input(in.name(), b.input(name, s));
            inputNames.put(name, in.name());
        }
        List<OnnxNode> nodes = model.nodes();
        for (int i = 0; i < nodes.size(); i++) {
            OnnxNode n = nodes.get(i);
            if (cx.isFused(n)) {
                continue;
            }
            if (!n.domain().isEmpty() && !n.domain().equals("ai.onnx")) {
                throw cx.unsupported(n, "domain '" + n.domain() + "'");
            }
            OpConverter c = OpConverters.of(n.opType());
            if (c == null) {
                throw cx.unsupported(n, "");
            }
            cx.begin(n);
            try {
                c.convert(cx, n, ImportContext.sanitize(n.name().isEmpty() ? n.opType() + "_" + i : n.name()));
            } catch (IllegalArgumentException | IllegalStateException e) {
                throw new ModelFormatException(model.file(), "node '" + n.name() + "' (" + n.opType() + "): "
                        + e.getMessage(), e);
            }
        }
        List<OnnxValueInfo> outs = model.outputs();
        Value[] out = new Value[outs.size()];
        List<String> outputNames = new ArrayList<>();
        for (int i = 0; i < out.length; i++) {
            out[i] = cx.valueOrNull(outs.get(i).name());
            if (out[i] == null) {
                throw new ModelFormatException(model.file(), "graph output '" + outs.get(i).name()
                        + "' is not computed from the inputs (a constant, or produced by no node)");
            }
            outputNames.add(outs.get(i).name());
        }
        Graph g = b.build(out);
        Map<String, Parameter> sd = g.stateDict();
        for (Map.Entry<String, Tensor> e : cx.paramValues().entrySet()) {
            Parameter p = sd.get(e.getKey());
            if (!p.shape().equals(e.getValue().shape())) {
                throw new ModelFormatException(model.file(), "parameter " + e.getKey() + " has shape " + p.shape()
                        + " but its initializer has " + e.getValue().shape());
            }
            p.setValue(e.getValue());
        }
        OnnxOrigin origin = new OnnxOrigin(cx.opset(), model.producer(), cx.origins(), cx.initializerNames(),
                inputNames, outputNames);
        return new OnnxImport(g, origin);
    }
}
