package dev.jprune.io.onnx;

import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import dev.jprune.tensor.Shape;
import dev.jprune.tensor.Tensor;

import java.nio.FloatBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** ONNX Runtime as the reference engine for exported models, and the tolerance check used against it. */
final class OrtRun {

    private OrtRun() {
    }

    /** Runs the model file on {@code inputs} (FLOAT, by input name) and returns its outputs in order. */
    static List<Tensor> run(Path model, Map<String, Tensor> inputs) throws OrtException {
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        try (OrtSession.SessionOptions so = new OrtSession.SessionOptions()) {
            so.setIntraOpNumThreads(1);
            try (OrtSession s = env.createSession(model.toString(), so)) {
                Map<String, ai.onnxruntime.OnnxTensor> feed = new LinkedHashMap<>();
                try {
                    for (Map.Entry<String, Tensor> in : inputs.entrySet()) {
                        Tensor t = in.getValue();
                        feed.put(in.getKey(), ai.onnxruntime.OnnxTensor.createTensor(env,
                                FloatBuffer.wrap(t.data()), longs(t.shape().dims())));
                    }
                    try (OrtSession.Result r = s.run(feed)) {
                        List<Tensor> out = new ArrayList<>();
                        for (int i = 0; i < r.size(); i++) {
                            ai.onnxruntime.OnnxTensor o = (ai.onnxruntime.OnnxTensor) r.get(i);
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
        }
    }

    /** {@link #run} with one input. */
    static Tensor runOne(Path model, String input, Tensor x) throws OrtException {
        return run(model, Map.of(input, x)).get(0);
    }

    /** Asserts equal shapes and |a − b| ≤ 1e-4 · max|ref| + 1e-6 everywhere; returns the largest difference. */
    static double assertClose(Tensor ref, Tensor actual, String what) {
        return assertClose(ref, actual, 1e-4, 1e-6, what);
    }

    /** Asserts equal shapes and |a − b| ≤ rtol · max|ref| + atol everywhere; returns the largest difference. */
    static double assertClose(Tensor ref, Tensor actual, double rtol, double atol, String what) {
        assertArrayEquals(ref.shape().dims(), actual.shape().dims(), what + ": shape");
        float[] a = ref.data();
        float[] b = actual.data();
        double max = 0;
        for (float v : a) {
            max = Math.max(max, Math.abs(v));
        }
        double tol = rtol * max + atol;
        double worst = 0;
        int at = -1;
        for (int i = 0; i < a.length; i++) {
            double d = Math.abs((double) a[i] - b[i]);
            if (!(d <= worst)) {
                worst = d;
                at = i;
            }
        }
        final double w = worst;
        final int idx = at;
        assertTrue(w <= tol, () -> what + ": max |a - b| = " + w + " at " + idx + " (ref " + a[idx] + ", got "
                + b[idx] + ") > tolerance " + tol + " = " + rtol + " * max|ref| + " + atol);
        return worst;
    }

    private static long[] longs(int[] d) {
        long[] l = new long[d.length];
        for (int k = 0; k < d.length; k++) {
            l[k] = d[k];
        }
        return l;
    }
}
