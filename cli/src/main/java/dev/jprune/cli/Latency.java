package dev.jprune.cli;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtLoggingLevel;
import ai.onnxruntime.OrtSession;
import dev.jprune.exec.Executor;
import dev.jprune.io.onnx.OnnxExportOptions;
import dev.jprune.io.onnx.OnnxExporter;
import dev.jprune.io.onnx.OnnxModelFile;
import dev.jprune.io.onnx.OnnxOrigin;
import dev.jprune.io.onnx.OnnxWriteOptions;
import dev.jprune.io.onnx.UnsupportedOnnxExportException;
import dev.jprune.ir.Graph;
import dev.jprune.tensor.Tensor;

import java.io.IOException;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Forward latency of one model on jprune's engine ({@link Executor#run}, eval mode) and on ONNX Runtime (the model
 * exported with {@link OnnxExporter#toModel}), for {@code jprune bench}: untimed warm-up runs ({@link Plan}), then
 * {@code iters} timed ones, each timed alone with {@link System#nanoTime()} (wall clock of one forward pass,
 * including ONNX Runtime's output copy-out and release).
 */
final class Latency {

    /**
     * ONNX Runtime's optimisation level as bench uses it: the level a default {@link OrtSession.SessionOptions} has
     * (ORT's {@code ORT_ENABLE_ALL}: constant folding, node fusions, layout changes), never changed by bench.
     */
    static final String ORT_OPTIMIZATION = "optimisation level ORT_ENABLE_ALL, ONNX Runtime's default";

    /** Protobuf messages cannot exceed 2 GB: larger models go to ONNX Runtime through a temporary file. */
    private static final long IN_MEMORY_LIMIT = 1L << 30;

    /** Warm-up never runs more than this many passes, whatever {@link Plan#warmupMs} asks. */
    static final int MAX_WARMUP_RUNS = 1000;

    private Latency() {
    }

    /**
     * How to measure: at least {@code warmup} untimed runs, continued (when {@code warmup > 0}) until they have taken
     * {@code warmupMs} milliseconds in all (at most {@link #MAX_WARMUP_RUNS}) — the JVM compiles jprune's kernels
     * during the first runs of a process, and a base model measured right after start would otherwise carry that
     * cost — then {@code iters} timed runs at batch {@code batch}.
     */
    record Plan(int warmup, long warmupMs, int iters, int batch) {
    }

    /**
     * The statistics of {@code n} timed runs at batch {@code batch}, in milliseconds (p90: nearest rank, the
     * smallest time not exceeded by 90 % of the runs).
     */
    record Timing(double medianMs, double meanMs, double minMs, double p90Ms, double imagesPerSecond, int runs,
            int warmupRuns) {

        static Timing of(double[] ms, int batch, int warmupRuns) {
            double[] s = ms.clone();
            Arrays.sort(s);
            int n = s.length;
            double median = n % 2 == 1 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
            double mean = 0;
            for (double v : s) {
                mean += v;
            }
            mean /= n;
            double p90 = s[Math.max(0, (int) Math.ceil(0.9 * n) - 1)];
            return new Timing(median, mean, s[0], p90, batch * 1000.0 / median, n, warmupRuns);
        }

        Map<String, Object> toJson() {
            Map<String, Object> j = new LinkedHashMap<>();
            j.put("median_ms", round(medianMs));
            j.put("mean_ms", round(meanMs));
            j.put("min_ms", round(minMs));
            j.put("p90_ms", round(p90Ms));
            j.put("images_per_s", round(imagesPerSecond));
            j.put("runs", runs);
            j.put("warmup_runs", warmupRuns);
            return j;
        }
    }

    /**
     * ONNX Runtime's figures: its timing and how its output compares with jprune's on the same input.
     *
     * @param maxAbsDiff the largest {@code |ort − jprune|} over output 0
     * @param tolerance  {@code 1e-4·max|jprune| + 1e-5}
     */
    record OrtResult(Timing timing, double maxAbsDiff, double tolerance, int threads) {

        boolean agrees() {
            return maxAbsDiff <= tolerance; // NaN disagrees
        }

        Map<String, Object> toJson() {
            Map<String, Object> j = timing.toJson();
            j.put("threads", threads);
            j.put("optimization", "ORT_ENABLE_ALL");
            j.put("max_abs_diff", maxAbsDiff);
            j.put("tolerance", tolerance);
            j.put("agrees", agrees());
            return j;
        }
    }

    /** Times {@link Executor#run} of {@code g} (eval mode) on {@code x}. */
    static Timing jprune(Graph g, Tensor x, Plan plan) {
        try {
            return time(() -> Executor.run(g, x), plan);
        } catch (OrtException e) {
            throw new IllegalStateException(e); // jprune's forward pass throws no ONNX Runtime exception
        }
    }

    /**
     * Exports {@code g} and times it in ONNX Runtime on {@code x} with {@code threads} intra-op threads; compares its
     * output 0 with {@code reference} (jprune's output on {@code x}).
     *
     * @param what names the model in messages ({@code "resnet18 (pruned)"})
     * @throws CliException exit 4 when the graph has no ONNX form or ONNX Runtime refuses the exported model (with
     *                      ONNX Runtime's message), exit 1 when a temporary file cannot be written
     */
    static OrtResult ort(Graph g, OnnxOrigin origin, Tensor x, Tensor reference, Plan plan, int threads,
            String what) {
        OnnxModelFile model;
        try {
            model = OnnxExporter.toModel(g, origin, OnnxExportOptions.DEFAULTS);
        } catch (UnsupportedOnnxExportException e) {
            throw new CliException(CliException.UNSUPPORTED, "cannot export " + what + " to ONNX for ONNX Runtime: "
                    + e.getMessage() + " (--engine jprune measures jprune alone)", e);
        }
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        Path tmp = null;
        try (OrtSession.SessionOptions so = new OrtSession.SessionOptions()) {
            so.setIntraOpNumThreads(threads);
            so.setSessionLogLevel(OrtLoggingLevel.ORT_LOGGING_LEVEL_ERROR);
            OrtSession session;
            if (g.parameterCount() * Float.BYTES < IN_MEMORY_LIMIT) {
                session = load(model.proto().toByteArray(), null, so, what);
            } else {
                tmp = Files.createTempDirectory("jprune-bench");
                Path file = tmp.resolve("model.onnx");
                model.write(file, OnnxWriteOptions.AUTO);
                session = load(null, file, so, what);
            }
            try (session; OnnxTensor in = OnnxTensor.createTensor(env, FloatBuffer.wrap(x.data()),
                    longs(x.shape().dims()))) {
                String name = session.getInputNames().iterator().next();
                Map<String, OnnxTensor> feed = Map.of(name, in);
                float[] first = output0(session, feed);
                double diff = maxAbsDiff(reference.data(), first);
                double tol = 1e-4 * maxAbs(reference.data()) + 1e-5;
                Timing t = time(() -> session.run(feed).close(), plan);
                return new OrtResult(t, diff, tol, threads);
            } catch (OrtException e) {
                throw new CliException(CliException.UNSUPPORTED, "ONNX Runtime cannot run the exported model of "
                        + what + ": " + oneLine(e.getMessage()), e);
            }
        } catch (OrtException e) {
            throw new CliException(CliException.UNSUPPORTED, "ONNX Runtime: " + oneLine(e.getMessage()), e);
        } catch (IOException e) {
            throw new CliException(CliException.OTHER, "cannot write the temporary ONNX file for " + what + ": "
                    + e.getMessage(), e);
        } finally {
            deleteQuietly(tmp);
        }
    }

    /**
     * An ONNX Runtime session of the model {@code bytes} (or, when {@code bytes} is null, of {@code file}).
     *
     * @throws CliException exit 4 with ONNX Runtime's message when it refuses the model
     */
    static OrtSession load(byte[] bytes, Path file, OrtSession.SessionOptions so, String what) {
        try {
            OrtEnvironment env = OrtEnvironment.getEnvironment();
            return bytes != null ? env.createSession(bytes, so) : env.createSession(file.toString(), so);
        } catch (OrtException e) {
            throw new CliException(CliException.UNSUPPORTED, "ONNX Runtime cannot load the exported model of "
                    + what + ": " + oneLine(e.getMessage()), e);
        }
    }

    /** Output 0 of one run, as floats; the element count must be jprune's. */
    private static float[] output0(OrtSession session, Map<String, OnnxTensor> feed) throws OrtException {
        try (OrtSession.Result r = session.run(feed)) {
            OnnxValue v = r.get(0);
            FloatBuffer fb = ((OnnxTensor) v).getFloatBuffer();
            float[] data = new float[fb.remaining()];
            fb.get(data);
            return data;
        }
    }

    /** One forward pass. */
    @FunctionalInterface
    private interface Forward {
        void run() throws OrtException;
    }

    private static Timing time(Forward run, Plan plan) throws OrtException {
        long start = System.nanoTime();
        int warm = 0;
        while (warm < plan.warmup() || (plan.warmup() > 0 && warm < MAX_WARMUP_RUNS
                && System.nanoTime() - start < plan.warmupMs() * 1_000_000L)) {
            run.run();
            warm++;
        }
        double[] ms = new double[plan.iters()];
        for (int i = 0; i < ms.length; i++) {
            long t0 = System.nanoTime();
            run.run();
            ms[i] = (System.nanoTime() - t0) / 1e6;
        }
        return Timing.of(ms, plan.batch(), warm);
    }

    /** {@code max |a − b|}; infinite when the lengths differ, NaN when a value is NaN. */
    static double maxAbsDiff(float[] a, float[] b) {
        if (a.length != b.length) {
            return Double.POSITIVE_INFINITY;
        }
        double worst = 0;
        for (int i = 0; i < a.length; i++) {
            double d = Math.abs((double) a[i] - b[i]);
            if (!(d <= worst)) {
                worst = d;
                if (Double.isNaN(d)) {
                    return d;
                }
            }
        }
        return worst;
    }

    private static double maxAbs(float[] a) {
        double m = 0;
        for (float v : a) {
            m = Math.max(m, Math.abs(v));
        }
        return m;
    }

    private static double round(double v) {
        return Math.round(v * 1e4) / 1e4;
    }

    private static String oneLine(String s) {
        return s == null ? "(no message)" : s.replaceAll("\\s*\\R\\s*", " ").strip();
    }

    private static long[] longs(int[] d) {
        long[] l = new long[d.length];
        for (int k = 0; k < d.length; k++) {
            l[k] = d[k];
        }
        return l;
    }

    private static void deleteQuietly(Path dir) {
        if (dir == null) {
            return;
        }
        try (var files = Files.walk(dir)) {
            files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException e) {
                    // a temporary file left behind is harmless
                }
            });
        } catch (IOException e) {
            // same
        }
    }
}
