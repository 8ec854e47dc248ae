package dev.jprune.bench.libtorch;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.training.GradientCollector;
import dev.jprune.exec.Executor;
import dev.jprune.exec.ForwardContext;
import dev.jprune.exec.Mode;
import dev.jprune.ir.Graph;
import dev.jprune.ir.Node;
import dev.jprune.ir.Parameter;
import dev.jprune.kernels.Kernels;
import dev.jprune.kernels.Parallel;
import dev.jprune.ops.Dropout;
import dev.jprune.ops.Identity;
import dev.jprune.tensor.Shape;
import dev.jprune.tensor.Tensor;
import dev.jprune.weights.Parity;
import dev.jprune.zoo.Zoo;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * jprune next to libtorch (DJL's PyTorch engine) on the same networks, built from jprune's IR and evaluated by
 * {@link TorchModel}:
 *
 * <ol>
 *   <li>agreement — resnet18 and mobilenet_v2 with parity weights, input {@code (2, 3, 224, 224)} by default:
 *       forward output and every parameter gradient of the loss {@code sum(output · w)} ({@code w} fixed, seeded), as
 *       {@code max|jprune − libtorch| / max|libtorch|}, in eval mode (running statistics) and train mode (batch
 *       statistics; MobileNetV2's dropout replaced by the identity on both sides); each engine is also compared
 *       with libtorch in double precision, which shows how much of a difference is rounding. The verdict uses a second libtorch pass whose ReLUs take jprune's branches ({@link ReluMasks}): a ReLU input
 *       within rounding of zero makes the gradient discontinuous there, and two correct float engines may then take
 *       different branches; the line also prints the free-running figure and how many ReLU inputs lie that close
 *       ({@code relu_inputs_within_1e-5_of_kink}), so nothing is hidden. A parameter whose gradient single precision
 *       cannot resolve at all (libtorch's own float result differs from its fp64 one, both on jprune's branches, by
 *       more than the tolerance:
 *       in train mode a bias whose true gradient is 0 because a BatchNorm downstream cancels it) is judged only by
 *       the figure over all gradients together and listed in {@code float_unresolved_grads};</li>
 *   <li>throughput — ResNet-50 forward, batch 8, 224×224, eval mode, no gradients; and a ResNet-18 training step
 *       (forward in train mode, backward, plain SGD {@code p -= lr · grad}), batch 16, 224×224. Each engine is warmed
 *       up, then both are timed for the same number of iterations, alternating, in this process.</li>
 * </ol>
 *
 * Prints {@code key=value} lines, among them {@code forward_ratio} and {@code train_ratio}: jprune images/s divided
 * by libtorch images/s from the median iteration (above 1 means jprune is faster), and the same from the fastest
 * iteration ({@code forward_ratio_best}, {@code train_ratio_best}). Arguments, all optional: {@code warmup=3 iters=5
 * tolerance=1e-4 agreement=true timing=true models=resnet18,mobilenet_v2 verbose=false kernels=vector
 * shape=2,3,224,224 threads=0} ({@code verbose} prints every parameter gradient's figure; {@code threads} sets
 * both engines' thread count, 0 leaving each at its default (all cores); {@code kernels=scalar} runs
 * jprune's agreement passes on the scalar reference kernels; {@code shape} is the agreement input). Exits with
 * status 1 when a jprune-versus-libtorch agreement figure exceeds the tolerance, after the timing.
 */
public final class VsLibtorch {

    private static final long LOSS_SEED = 20240601L;
    private static final float LR = 1e-4f;

    /** Whether to print the agreement of every parameter gradient. */
    private static boolean verbose;

    /** The agreement input shape {@code (N, C, H, W)}. */
    private static Shape agreementShape = Shape.of(2, 3, 224, 224);

    /** jprune's kernels for the agreement passes: the fastest unless {@code kernels=scalar}. */
    private static Kernels agreementKernels = Kernels.get();

    private VsLibtorch() {
    }

    /** Runs the comparison; see the class comment for the arguments. */
    public static void main(String[] args) {
        int warmup = 3;
        int iters = 5;
        double tolerance = 1e-4;
        boolean agreement = true;
        boolean timing = true;
        String models = "resnet18,mobilenet_v2";
        int threads = 0;
        for (String a : args) {
            int eq = a.indexOf('=');
            if (eq < 0) {
                throw new IllegalArgumentException("arguments are key=value (see VsLibtorch's documentation), got '" + a + "'");
            }
            String k = a.substring(0, eq);
            String v = a.substring(eq + 1);
            switch (k) {
                case "warmup" -> warmup = Integer.parseInt(v);
                case "iters" -> iters = Integer.parseInt(v);
                case "tolerance" -> tolerance = Double.parseDouble(v);
                case "agreement" -> agreement = Boolean.parseBoolean(v);
                case "timing" -> timing = Boolean.parseBoolean(v);
                case "models" -> models = v;
                case "verbose" -> verbose = Boolean.parseBoolean(v);
                case "shape" -> agreementShape = Shape.of(Arrays.stream(v.split(",")).mapToInt(Integer::parseInt).toArray());
                case "threads" -> threads = Integer.parseInt(v);
                case "kernels" -> agreementKernels = v.equals("scalar") ? Kernels.scalar() : Kernels.get();
                default -> throw new IllegalArgumentException("unknown argument '" + k
                        + "'; expected warmup, iters, tolerance, agreement, timing, models, verbose, kernels, shape or threads");
            }
        }
        if (warmup < 0 || iters < 1) {
            throw new IllegalArgumentException("warmup must be >= 0 and iters >= 1, got " + warmup + " and " + iters);
        }
        if (threads > 0) {
            // before anything touches jprune's pool, which reads the property once
            System.setProperty("jprune.threads", Integer.toString(threads));
        }
        offline();
        Engine engine = Engine.getEngine("PyTorch");
        if (threads > 0) {
            JniUtils.setNumThreads(threads);
        }
        System.out.println("libtorch_engine=" + engine.getEngineName() + " " + engine.getVersion()
                + " djl=" + Engine.getDjlVersion());
        System.out.println("jprune_threads=" + Parallel.threads() + " kernels=" + Kernels.get().name()
                + " cpus=" + Runtime.getRuntime().availableProcessors());
        boolean ok = true;
        try (NDManager root = NDManager.newBaseManager(engine.defaultDevice(), engine.getEngineName())) {
            if (agreement) {
                for (String model : models.split(",")) {
                    for (Mode mode : new Mode[] {Mode.EVAL, Mode.TRAIN}) {
                        ok &= agree(root, model, mode, tolerance);
                    }
                }
            }
            if (timing) {
                Throughput t = new Throughput(root, warmup, iters);
                double fwd = t.forward("resnet50", 8);
                double fwdBest = t.lastBestRatio();
                double train = t.train("resnet18", 16, LR);
                double trainBest = t.lastBestRatio();
                System.out.println(String.format(Locale.ROOT, "forward_ratio=%.3f", fwd));
                System.out.println(String.format(Locale.ROOT, "train_ratio=%.3f", train));
                System.out.println(String.format(Locale.ROOT, "forward_ratio_best=%.3f train_ratio_best=%.3f"
                        + " (from each engine's fastest iteration)", fwdBest, trainBest));
            }
        }
        System.out.println("agreement_ok=" + ok);
        if (!ok) {
            System.exit(1);
        }
    }

    /**
     * DJL must not download anything: the native library comes from {@code pytorch-native-cpu} on the class path.
     * Settings given on the command line win.
     */
    static void offline() {
        System.setProperty("ai.djl.offline", System.getProperty("ai.djl.offline", "true"));
        System.setProperty("PYTORCH_VERSION", System.getProperty("PYTORCH_VERSION", "2.4.0"));
        System.setProperty("PYTORCH_FLAVOR", System.getProperty("PYTORCH_FLAVOR", "cpu"));
        System.setProperty("ai.djl.default_engine", System.getProperty("ai.djl.default_engine", "PyTorch"));
    }

    /** Fixed loss weights for an output of shape {@code s}: uniform in [−1, 1), seeded. */
    static float[] lossWeights(Shape s) {
        SplittableRandom r = new SplittableRandom(LOSS_SEED);
        float[] w = new float[s.numel()];
        for (int i = 0; i < w.length; i++) {
            w[i] = (float) (r.nextDouble() * 2 - 1);
        }
        return w;
    }

    /** Replaces every dropout by the identity, so that train-mode passes are deterministic on both engines. */
    static void removeDropout(Graph g) {
        for (Node n : g.nodes()) {
            if (n.op() instanceof Dropout) {
                n.setOp(new Identity());
            }
        }
    }

    /** Output 0 and every trainable parameter's gradient of one engine's pass, as floats. */
    private record Pass(float[] output, Map<String, float[]> grads) {
    }

    /** A forward and backward pass on libtorch at {@code dtype}, on its own copies of {@code g}'s parameters. */
    private static Pass torchPass(NDManager root, Graph g, DataType dtype, Tensor x, float[] w, boolean training,
                                  Map<String, float[]> reluMasks) {
        Shape outShape = g.outputs().get(0).shape();
        try (TorchModel tm = new TorchModel(g, root, true, dtype); NDManager pass = tm.manager().newSubManager()) {
            reluMasks.forEach(tm::fixReluMask);
            NDArray xt = pass.create(x.data(), TorchModel.shapeOf(x.shape())).toType(dtype, false);
            NDArray wt = pass.create(w, TorchModel.shapeOf(outShape)).toType(dtype, false);
            float[] out;
            try (GradientCollector gc = Engine.getEngine("PyTorch").newGradientCollector()) {
                NDArray y = tm.forward(xt, training);
                gc.backward(y.mul(wt).sum());
                out = y.toType(DataType.FLOAT32, true).toFloatArray();
            }
            Map<String, float[]> grads = new LinkedHashMap<>();
            for (String name : tm.parameters().keySet()) {
                grads.put(name, tm.gradient(name));
            }
            return new Pass(out, grads);
        }
    }

    /** Per-tensor worst gradient figure (with the tensor's name) and the figure over all gradients together. */
    private static String compareGrads(String key, Pass a, Pass ref, double[] worstOut) {
        return compareGrads(key, a, ref, worstOut, java.util.Set.of());
    }

    /**
     * As above, leaving the tensors in {@code unresolved} out of the per-tensor worst figure (they still count in
     * the figure over all gradients together).
     */
    private static String compareGrads(String key, Pass a, Pass ref, double[] worstOut, java.util.Set<String> unresolved) {
        double worst = 0;
        String worstName = "-";
        double diff = 0;
        double scale = 0;
        for (Map.Entry<String, float[]> e : ref.grads().entrySet()) {
            float[] ours = a.grads().get(e.getKey());
            float[] r = e.getValue();
            double err = Agreement.relativeError(ours, r);
            if (verbose) {
                System.out.println(String.format(Locale.ROOT, "  %s grad %s rel_err=%.3e", key, e.getKey(), err));
            }
            if (!unresolved.contains(e.getKey()) && !(err <= worst)) {
                worst = err;
                worstName = e.getKey();
            }
            for (int i = 0; i < r.length; i++) {
                diff = Math.max(diff, Math.abs((double) ours[i] - r[i]));
                scale = Math.max(scale, Math.abs((double) r[i]));
            }
        }
        worstOut[0] = worst;
        if (worstOut.length > 1) {
            worstOut[1] = scale == 0 ? Double.NaN : diff / scale;
        }
        return String.format(Locale.ROOT, "%s_grad_rel_err_max=%.3e (%s) %s_grad_rel_err_all=%.3e",
                key, worst, worstName, key, scale == 0 ? Double.NaN : diff / scale);
    }

    /**
     * Compares jprune with libtorch on one model and mode, and both with libtorch in double precision (which tells
     * rounding in an ill-conditioned gradient from a wrong one). Passes when jprune's output and every gradient are
     * within {@code tolerance} of libtorch's.
     */
    private static boolean agree(NDManager root, String model, Mode mode, double tolerance) {
        Shape shape = agreementShape;
        Graph g = Zoo.build(model, shape, 1000);
        Parity.fill(g);
        boolean training = mode == Mode.TRAIN;
        if (training) {
            removeDropout(g);
        }
        Tensor x = Parity.input(shape);
        Shape outShape = g.outputs().get(0).shape();
        float[] w = lossWeights(outShape);
        String label = String.format(Locale.ROOT, "agreement model=%s mode=%s kernels=%s", model,
                mode.name().toLowerCase(Locale.ROOT), agreementKernels.name());
        // libtorch first: its copies of the running statistics are taken before jprune's train pass updates them.
        Pass torch = torchPass(root, g, DataType.FLOAT32, x, w, training, Map.of());
        Pass exact = torchPass(root, g, DataType.FLOAT64, x, w, training, Map.of());
        Map<String, float[]> masks = ReluMasks.of(g, x, agreementKernels, mode);
        Pass torchMasked = torchPass(root, g, DataType.FLOAT32, x, w, training, masks);
        Pass exactMasked = torchPass(root, g, DataType.FLOAT64, x, w, training, masks);
        g.zeroGrad();
        Executor.Forward f = Executor.forward(g, new ForwardContext(mode, true, agreementKernels, 0L), x);
        double outErr = Agreement.relativeError(f.output().data(), torch.output());
        boolean ok = outErr <= tolerance;
        StringBuilder line = new StringBuilder(label);
        line.append(String.format(Locale.ROOT, " forward_rel_err=%.3e", outErr));
        try {
            f.tape().backward(Tensor.wrap(outShape, w));
            Map<String, float[]> grads = new LinkedHashMap<>();
            int missing = 0;
            for (String name : torch.grads().keySet()) {
                Parameter p = g.stateDict().get(name);
                if (p.grad() == null) {
                    missing++;
                    grads.put(name, new float[torch.grads().get(name).length]);
                } else {
                    grads.put(name, p.grad().data());
                }
            }
            Pass ours = new Pass(f.output().data(), grads);
            double[] worst = new double[1];
            line.append(' ').append(compareGrads("jprune_vs_libtorch", ours, torch, worst));
            // Judged with both engines taking jprune's ReLU branches, which removes only the disagreement at inputs
            // within rounding of the kink (counted below); everything else is compared.
            // A tensor whose gradient float cannot resolve (libtorch's own float result is off from its fp64 one, both
            // on the same branches, by more than the tolerance, e.g. a bias whose true gradient is 0 because a
            // train-mode BatchNorm downstream cancels it) is judged by the figure over all gradients together, and
            // named.
            java.util.Set<String> unresolved = new java.util.TreeSet<>();
            for (Map.Entry<String, float[]> e : torchMasked.grads().entrySet()) {
                if (!(Agreement.relativeError(e.getValue(), exactMasked.grads().get(e.getKey())) <= tolerance)) {
                    unresolved.add(e.getKey());
                }
            }
            double[] worstMasked = new double[2];
            line.append(' ').append(compareGrads("jprune_vs_libtorch_same_relu_masks", ours, torchMasked, worstMasked,
                    unresolved));
            line.append(" float_unresolved_grads=").append(unresolved.isEmpty() ? "none" : String.join(",", unresolved));
            line.append(String.format(Locale.ROOT, " relu_inputs_within_1e-5_of_kink=%d",
                    ReluMasks.nearKink(g, x, agreementKernels, mode, 1e-5)));
            ok &= worstMasked[0] <= tolerance && worstMasked[1] <= tolerance && missing == 0;
            line.append(' ').append(compareGrads("jprune_vs_fp64", ours, exact, new double[1]));
            line.append(' ').append(compareGrads("libtorch_vs_fp64", torch, exact, new double[1]));
            line.append(" grads_missing=").append(missing);
        } catch (RuntimeException e) {
            ok = false;
            line.append(" grads=unavailable (").append(e.getClass().getSimpleName()).append(": ").append(e.getMessage()).append(')');
        }
        line.append(" pass=").append(ok);
        System.out.println(line);
        return ok;
    }
}
