package dev.jprune.io.onnx;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import com.google.protobuf.ByteString;
import dev.jprune.io.onnx.internal.proto.Onnx.ModelProto;
import dev.jprune.io.onnx.internal.proto.Onnx.TensorProto;
import dev.jprune.ir.Parameter;
import dev.jprune.tensor.Shape;
import dev.jprune.tensor.Tensor;
import dev.jprune.weights.Parity;

import java.io.IOException;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * ONNX Runtime as an independent reference for imported structure-only fixtures: the fixture's initializers get the
 * values the import used — a parameter's value through {@link OnnxOrigin#initializers()} (a MatMul weight, stored
 * {@code (in, out)}, is the transpose of the weight of the Linear whose first ONNX node is that MatMul), anything else
 * {@link Parity#value} by initializer name, as {@code FillMissing.PARITY} fills it — and ONNX Runtime runs the file.
 */
final class OnnxRuntimeReference {

    private OnnxRuntimeReference() {
    }

    /** The fixture with its external initializers filled as the import {@code imp} filled them, as bytes. */
    static byte[] filledModel(Path fixture, OnnxImport imp) throws IOException {
        ModelProto m = ModelProto.parseFrom(Files.readAllBytes(fixture));
        Map<String, Parameter> sd = imp.graph().stateDict();
        Map<String, String> byInitializer = new HashMap<>();
        imp.origin().initializers().forEach((param, init) -> byInitializer.put(init, param));
        Map<String, String> opTypes = new HashMap<>();
        m.getGraph().getNodeList().forEach(n -> opTypes.put(n.getName(), n.getOpType()));
        ModelProto.Builder b = m.toBuilder();
        var g = b.getGraphBuilder();
        for (int i = 0; i < g.getInitializerCount(); i++) {
            TensorProto t = g.getInitializer(i);
            if (t.getExternalDataCount() == 0) {
                continue;
            }
            int[] dims = new int[t.getDimsCount()];
            for (int k = 0; k < dims.length; k++) {
                dims[k] = Math.toIntExact(t.getDims(k));
            }
            float[] v;
            String param = byInitializer.get(t.getName());
            if (param != null) {
                Tensor p = sd.get(param).value();
                // OnnxOrigin's contract: a node imported from a MatMul (first ONNX node) holds the transpose.
                String module = param.substring(0, Math.max(0, param.lastIndexOf('.')));
                List<String> from = imp.origin().onnxNodes(module);
                boolean transposed = p.shape().rank() == 2 && !from.isEmpty() && "MatMul".equals(opTypes.get(from.get(0)));
                v = transposed ? transpose(p) : p.data();
            } else {
                v = Parity.value(t.getName(), Shape.of(dims)).data();
            }
            g.setInitializer(i, t.toBuilder().clearExternalData().setDataLocation(TensorProto.DataLocation.DEFAULT)
                    .setRawData(ByteString.copyFrom(OnnxTinyModels.le(v))));
        }
        return b.build().toByteArray();
    }

    private static float[] transpose(Tensor p) {
        int r = p.shape().dim(0);
        int c = p.shape().dim(1);
        float[] out = new float[r * c];
        for (int i = 0; i < r; i++) {
            for (int j = 0; j < c; j++) {
                out[j * r + i] = p.data()[i * c + j];
            }
        }
        return out;
    }

    /** Runs {@code model} on ONNX Runtime with one float input and returns output 0, flattened. */
    static float[] run(byte[] model, Tensor input) throws OrtException {
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        try (OrtSession.SessionOptions o = new OrtSession.SessionOptions()) {
            o.setIntraOpNumThreads(1);
            // No graph rewrites: ORT 1.20 fuses Pad into a count_include_pad=0 AveragePool (maxvit_t), which changes
            // the result; the reference must run the file as written.
            o.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.NO_OPT);
            try (OrtSession s = env.createSession(model, o)) {
                long[] dims = new long[input.shape().rank()];
                for (int i = 0; i < dims.length; i++) {
                    dims[i] = input.shape().dim(i);
                }
                String name = s.getInputNames().iterator().next();
                try (OnnxTensor x = OnnxTensor.createTensor(env, FloatBuffer.wrap(input.data()), dims);
                     OrtSession.Result r = s.run(Map.of(name, x))) {
                    FloatBuffer fb = ((OnnxTensor) r.get(0)).getFloatBuffer();
                    float[] out = new float[fb.remaining()];
                    fb.get(out);
                    return out;
                }
            }
        }
    }
}
