package dev.jprune.io.onnx;

import dev.jprune.io.onnx.internal.export.BatchNormFolding;
import dev.jprune.io.onnx.internal.export.Emitter;
import dev.jprune.io.onnx.internal.export.ExporterRegistry;
import dev.jprune.io.onnx.internal.proto.Onnx.GraphProto;
import dev.jprune.io.onnx.internal.proto.Onnx.ModelProto;
import dev.jprune.io.onnx.internal.proto.Onnx.OperatorSetIdProto;
import dev.jprune.io.onnx.internal.proto.Onnx.TensorProto;
import dev.jprune.io.onnx.internal.proto.Onnx.TensorShapeProto;
import dev.jprune.io.onnx.internal.proto.Onnx.TypeProto;
import dev.jprune.io.onnx.internal.proto.Onnx.ValueInfoProto;
import dev.jprune.ir.Graph;
import dev.jprune.ir.Node;
import dev.jprune.ir.Value;
import dev.jprune.tensor.Shape;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Writes a jprune graph — pruned or not — as an ONNX model of its inference (eval-mode) function: ONNX is jprune's
 * saved-model format. Every value has its current static shape, so a pruned model's reshape targets, channel counts
 * and initializers agree; the file loads in ONNX Runtime.
 *
 * <pre>{@code
 * Graph g = ...;                                          // pruned
 * OnnxExporter.export(g, null, Path.of("pruned.onnx"), OnnxExportOptions.DEFAULTS);
 * OnnxImport imp = ...;                                   // an imported model keeps its ONNX names
 * OnnxExporter.export(imp.graph(), imp.origin(), Path.of("out.onnx"), OnnxExportOptions.DEFAULTS.withFoldBatchNorm(true));
 * }</pre>
 *
 * <p><b>Forms.</b> Each op class has one exporter (package {@code dev.jprune.io.onnx.internal.export}); opset 13 to
 * 21. Conv2d → Conv; ConvTranspose2d → ConvTranspose; BatchNorm2d → BatchNormalization (or folded into the
 * convolution before it, {@link OnnxExportOptions#foldBatchNorm}); Linear and MultiheadInProjection → Gemm
 * ({@code transB=1}) on a 2-D input, else MatMul with the transposed weight (+ Add of the bias); ReLU → Relu;
 * ReLU6, Clamp → Clip; Sigmoid, Tanh, Erf, Exp, Log, Sqrt as themselves; SiLU → Sigmoid·x; GELU → Gelu from opset
 * 20, else its Erf (or Tanh) formula; Hardswish → HardSwish (HardSigmoid·x at 13); Hardsigmoid → HardSigmoid;
 * LeakyReLU → LeakyRelu; PReLU → PRelu (slope {@code (C, 1, 1)} for {@code (N, C, H, W)}); Softmax; Add, Sub,
 * Mul, Div, MatMul; MaxPool2d → MaxPool; AvgPool2d → AveragePool
 * (in ceil mode, where ONNX Runtime's last window differs from PyTorch's, floor mode with PyTorch's end padding and,
 * for an average counting padding, a constant correction of the divisor);
 * AdaptiveAvgPool2d / AdaptiveMaxPool2d → GlobalAveragePool / GlobalMaxPool (1×1) or AveragePool / MaxPool when
 * the output divides the input (else an error); Flatten → Flatten or Reshape; Reshape, Expand → with the current
 * output shape; Transpose, Permute → Transpose; Concat; Squeeze, Unsqueeze (axes inputs); Slice; Split (sizes
 * input); Gather (INT64 indices); Pad → Pad (constant); Mean → ReduceMean (axes attribute below 18, input from 18);
 * Roll → Slice/Concat; LayerNorm → LayerNormalization from 17, elementary ops below; LayerNorm2d, GroupNorm → their
 * elementary form; InstanceNorm2d → InstanceNormalization; PixelShuffle → DepthToSpace (CRD or DCR);
 * PixelUnshuffle → SpaceToDepth (block-first order) or, channel-first, Reshape/SpaceToDepth/Reshape per plane;
 * Upsample → Resize (its mode, coordinate transformation and nearest rounding; scales or sizes); Normalize →
 * ReduceL2/Clip/Div; ScaledDotProductAttention → MatMul/Mul/Softmax/MatMul;
 * Identity, StochasticDepth → Identity; Dropout → Dropout; Constant → Constant node; FreeParameter, FreeBuffer → an
 * initializer. A node whose op has no exporter, or settings with no ONNX form, fails with
 * {@link UnsupportedOnnxExportException} naming the node and op class.
 *
 * <p><b>Names.</b> Without an origin: initializers are the parameter names ({@code layer1.0.conv1.weight}; the
 * MatMul form's transposed weight keeps the weight's name), ONNX node names the jprune node names ({@code /k}
 * appended for the k-th node of a multi-node form), graph inputs the jprune input names, outputs {@code output},
 * {@code output_1}, .... With an {@link OnnxOrigin} (from the importer), initializer and input names come from it,
 * output names too when it lists as many, and a node whose recorded origin has exactly as many ONNX nodes as its
 * form takes those names. Node names are unique: a name already given (two jprune nodes imported from one ONNX
 * node, or a jprune name equal to a recorded one) gets {@code _k} appended. Graph inputs and outputs are FLOAT with their static shapes. A parameter whose value was
 * never set (lazy zeros) is written as zeros. The model's producer is {@code jprune}.
 */
public final class OnnxExporter {

    /** Protobuf messages cannot be larger than 2 GB; stay a little below. */
    static final long PROTOBUF_LIMIT = (1L << 31) - (1L << 20);

    private OnnxExporter() {
    }

    /**
     * The ONNX model of {@code g} (in memory, every initializer inline; its {@link OnnxModelFile#file()} is null).
     *
     * @param origin the ONNX names behind an imported graph, or {@code null}
     * @throws UnsupportedOnnxExportException for a node that has no ONNX form
     */
    public static OnnxModelFile toModel(Graph g, OnnxOrigin origin, OnnxExportOptions o) {
        long opset = o.resolveOpset(origin);
        List<String> inputNames = new ArrayList<>();
        for (Value v : g.inputs()) {
            inputNames.add(origin == null ? v.name() : origin.inputs().getOrDefault(v.name(), v.name()));
        }
        List<String> outputNames = new ArrayList<>();
        for (int i = 0; i < g.outputs().size(); i++) {
            outputNames.add(origin != null && origin.outputs().size() == g.outputs().size() ? origin.outputs().get(i)
                    : i == 0 ? "output" : "output_" + i);
        }
        Emitter e = new Emitter(g, opset, origin, inputNames, outputNames);
        Set<Node> folded = o.foldBatchNorm() ? BatchNormFolding.apply(g, e) : Set.of();
        ExporterRegistry registry = ExporterRegistry.standard();
        for (Node n : g.nodes()) {
            e.begin(n);
            if (folded.contains(n)) {
                e.alias(0, e.in(0));
            } else if (!registry.export(n.op(), e)) {
                throw new UnsupportedOnnxExportException(n.name(), n.op(), "no ONNX exporter for op type "
                        + n.op().type());
            }
            e.end();
        }
        for (int i = 0; i < g.outputs().size(); i++) {
            String have = e.nameOf(g.outputs().get(i));
            if (!have.equals(outputNames.get(i))) {
                e.identity(outputNames.get(i), have, outputNames.get(i));
            }
        }
        GraphProto.Builder graph = GraphProto.newBuilder().setName(g.name());
        graph.addAllNode(e.nodes());
        graph.addAllInitializer(e.initializers());
        for (int i = 0; i < g.inputs().size(); i++) {
            graph.addInput(valueInfo(inputNames.get(i), g.inputs().get(i).shape(), false));
        }
        for (int i = 0; i < g.outputs().size(); i++) {
            graph.addOutput(valueInfo(outputNames.get(i), g.outputs().get(i).shape(),
                    e.isInt64(outputNames.get(i))));
        }
        ModelProto model = ModelProto.newBuilder()
                .setIrVersion(irVersion(opset))
                .addOpsetImport(OperatorSetIdProto.newBuilder().setDomain("").setVersion(opset))
                .setProducerName("jprune")
                .setGraph(graph)
                .build();
        return OnnxModelFile.of(model);
    }

    /**
     * Writes the ONNX model of {@code g} to {@code out} atomically (the model file and, when initializers go
     * external, the data file beside it, {@code <out>.data} unless the write options name it); no other file is
     * touched. With {@link OnnxWriteOptions#AUTO}, initializers go external only when the model would pass
     * protobuf's 2 GB limit.
     *
     * @param origin the ONNX names behind an imported graph, or {@code null}
     * @throws UnsupportedOnnxExportException for a node that has no ONNX form
     * @throws IOException when the file cannot be written
     */
    public static void export(Graph g, OnnxOrigin origin, Path out, OnnxExportOptions o) throws IOException {
        OnnxModelFile m = toModel(g, origin, o);
        m.write(out, resolveWrite(o.write(), m.proto(), PROTOBUF_LIMIT));
    }

    /**
     * The write options for {@code model}: {@code w} itself unless it is automatic, then inline when the model's
     * size stays within {@code limit} bytes and external data for tensors of {@link OnnxWriteOptions#AUTO_THRESHOLD}
     * bytes or more beyond it. The size is summed per initializer, so models over 2 GB are measured correctly.
     */
    static OnnxWriteOptions resolveWrite(OnnxWriteOptions w, ModelProto model, long limit) {
        if (w.externalThreshold() != -1) {
            return w;
        }
        long size = model.toBuilder().setGraph(model.getGraph().toBuilder().clearInitializer()).build()
                .getSerializedSize();
        for (TensorProto t : model.getGraph().getInitializerList()) {
            size += t.getSerializedSize() + 8;
        }
        return size > limit ? new OnnxWriteOptions(OnnxWriteOptions.AUTO_THRESHOLD, w.dataFileName())
                : new OnnxWriteOptions(Long.MAX_VALUE, w.dataFileName());
    }

    /** The lowest IR version that carries {@code opset} (ONNX's versioning table). */
    static long irVersion(long opset) {
        if (opset <= 14) {
            return 7;
        } else if (opset <= 18) {
            return 8;
        } else if (opset <= 20) {
            return 9;
        }
        return 10;
    }

    private static ValueInfoProto valueInfo(String name, Shape shape, boolean int64) {
        TensorShapeProto.Builder s = TensorShapeProto.newBuilder();
        for (int d : shape.dims()) {
            s.addDim(TensorShapeProto.Dimension.newBuilder().setDimValue(d));
        }
        TypeProto.Tensor.Builder t = TypeProto.Tensor.newBuilder()
                .setElemType(int64 ? TensorProto.DataType.INT64_VALUE : TensorProto.DataType.FLOAT_VALUE)
                .setShape(s);
        return ValueInfoProto.newBuilder().setName(name).setType(TypeProto.newBuilder().setTensorType(t)).build();
    }
}
