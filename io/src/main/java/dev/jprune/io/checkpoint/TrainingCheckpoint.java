package dev.jprune.io.checkpoint;

import dev.jprune.internal.Json;
import dev.jprune.io.ModelFormatException;
import dev.jprune.io.onnx.OnnxExportOptions;
import dev.jprune.io.onnx.OnnxExporter;
import dev.jprune.io.onnx.OnnxImport;
import dev.jprune.io.onnx.OnnxImporter;
import dev.jprune.io.onnx.OnnxOrigin;
import dev.jprune.io.weights.StateDicts;
import dev.jprune.io.weights.StoredTensor;
import dev.jprune.ir.Graph;
import dev.jprune.ir.Parameter;
import dev.jprune.tensor.Shape;
import dev.jprune.tensor.Tensor;
import dev.jprune.train.Optimizer;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A training checkpoint: {@code NAME.onnx}, the whole model (any ONNX tool opens it; BatchNorm kept unfolded with
 * its running statistics, so training can go on), and the sidecar {@code NAME.onnx.state.safetensors} with the
 * optimiser's per-parameter state as tensors named {@code PARAM::STATE} ({@code fc.weight::momentum_buffer}) and,
 * in its metadata, the {@link TrainingState}, the optimiser's class and current learning rates, and the SHA-256 of
 * the ONNX file it belongs to.
 *
 * <p>Both files are written atomically, the model first and the sidecar last; {@link #load} refuses a pair whose
 * hash does not match (a run interrupted between the two writes, or files from different checkpoints), naming both
 * files. Resuming = {@link #load} → build the same kind of optimiser over the loaded graph →
 * {@link Loaded#restoreOptimizer} → continue at {@link Loaded#state()}'s epoch and batch.
 */
public final class TrainingCheckpoint {

    /** The sidecar's suffix after the model file name. */
    public static final String SIDECAR_SUFFIX = ".state.safetensors";
    static final String FORMAT = "jprune-training-state";
    static final String SEPARATOR = "::";

    private TrainingCheckpoint() {
    }

    /** The sidecar of model file {@code onnx}. */
    public static Path sidecarOf(Path onnx) {
        return onnx.resolveSibling(onnx.getFileName() + SIDECAR_SUFFIX);
    }

    /**
     * Writes {@code graph} to {@code onnx} and the sidecar beside it.
     *
     * @param origin    the ONNX names behind an imported graph (kept in the file), or {@code null}
     * @param optimizer the optimiser whose state to keep, or {@code null} to keep none
     */
    public static void save(Path onnx, Graph graph, OnnxOrigin origin, Optimizer optimizer, TrainingState state)
            throws IOException {
        // Everything that can fail without I/O is done before the model file is replaced, so a bad argument leaves
        // an existing checkpoint at onnx loadable.
        Objects.requireNonNull(onnx, "onnx");
        Objects.requireNonNull(graph, "graph");
        Objects.requireNonNull(state, "state");
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        List<Object> lrs = new ArrayList<>();
        if (optimizer != null) {
            for (Parameter p : optimizer.params()) {
                for (Map.Entry<String, Tensor> e : optimizer.state(p).entrySet()) {
                    tensors.put(p.name() + SEPARATOR + e.getKey(), e.getValue());
                }
            }
            for (int i = 0; i < optimizer.groupCount(); i++) {
                lrs.add(optimizer.lr(i));
            }
        }
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put("format", FORMAT);
        meta.put("version", "1");
        meta.put("model_sha256", "");
        meta.put("epoch", Integer.toString(state.epoch()));
        meta.put("batch", Integer.toString(state.batch()));
        meta.put("seed", Long.toString(state.seed()));
        meta.put("optimizer", optimizer == null ? "" : optimizer.getClass().getSimpleName());
        meta.put("lr", Json.write(lrs));
        meta.put("extra", Json.write(state.extra()));
        OnnxExporter.export(graph, origin, onnx, OnnxExportOptions.DEFAULTS);
        meta.put("model_sha256", sha256(onnx));
        StateDicts.writeSafetensors(sidecarOf(onnx), tensors, meta);
    }

    /** Whether both files of the checkpoint {@code onnx} exist. */
    public static boolean exists(Path onnx) {
        return Files.isRegularFile(onnx) && Files.isRegularFile(sidecarOf(onnx));
    }

    /**
     * Reads a checkpoint: imports the model for {@code input} and reads the sidecar.
     *
     * @throws NoSuchFileException  when either file is missing (naming it)
     * @throws ModelFormatException when the sidecar is not a jprune training state or belongs to another model file
     */
    public static Loaded load(Path onnx, Shape input) throws IOException {
        Path side = sidecarOf(onnx);
        if (!Files.exists(onnx)) {
            throw new NoSuchFileException(onnx.toString(), null, "no such checkpoint model file");
        }
        if (!Files.exists(side)) {
            throw new NoSuchFileException(side.toString(), null, "no training-state sidecar beside " + onnx.getFileName());
        }
        StateDicts.Safetensors st = StateDicts.readSafetensorsWithMetadata(side);
        Map<String, String> meta = st.metadata();
        if (!FORMAT.equals(meta.get("format"))) {
            throw new ModelFormatException(side, "not a jprune training state (metadata format is "
                    + meta.get("format") + ", expected " + FORMAT + ")");
        }
        String hash = sha256(onnx);
        if (!hash.equals(meta.get("model_sha256"))) {
            throw new ModelFormatException(side, "belongs to another model file: its model_sha256 is "
                    + meta.get("model_sha256") + ", " + onnx + " hashes to " + hash
                    + " (a run interrupted between the two writes, or files from different checkpoints)");
        }
        TrainingState state;
        List<Double> lrs = new ArrayList<>();
        try {
            state = new TrainingState(Integer.parseInt(meta.get("epoch")), Integer.parseInt(meta.get("batch")),
                    Long.parseLong(meta.get("seed")), strings(Json.parse(meta.getOrDefault("extra", "{}"))));
            Object lrList = Json.parse(meta.getOrDefault("lr", "[]"));
            if (!(lrList instanceof List<?> l)) {
                throw new IllegalArgumentException("lr is not a JSON list");
            }
            for (Object o : l) {
                lrs.add(((Number) o).doubleValue());
            }
        } catch (RuntimeException e) {
            throw new ModelFormatException(side, "malformed training state metadata " + meta + ": " + e.getMessage());
        }
        OnnxImport imp = OnnxImporter.read(onnx, OnnxImporter.FillMissing.NONE, input);
        return new Loaded(imp.graph(), imp.origin(), state, meta.getOrDefault("optimizer", ""), lrs, st.tensors(), side);
    }

    /**
     * Reads a checkpoint into a model the caller built (a zoo model, with the same pruning replayed for a pruned
     * one): every float parameter and buffer of {@code target} takes the value of the ONNX initializer of its name.
     * Integer buffers the ONNX file does not hold ({@code num_batches_tracked}) are left as they are. The returned
     * {@link Loaded#graph()} is {@code target}. On failure {@code target} is unchanged.
     *
     * @throws ModelFormatException naming the file when a float tensor of {@code target} is missing from it or has
     *                              another shape
     */
    public static Loaded loadInto(Path onnx, Graph target) throws IOException {
        Loaded l = load(onnx, target.inputs().get(0).shape());
        Map<String, Parameter> from = l.graph().stateDict();
        List<String> problems = new ArrayList<>();
        for (Parameter p : target.stateDict().values()) {
            Parameter q = from.get(p.name());
            if (q == null) {
                if (p.dtype() == dev.jprune.ir.DType.FLOAT32) {
                    problems.add(p.name() + " is missing");
                }
            } else if (!q.value().shape().equals(p.value().shape())) {
                problems.add(p.name() + " is " + q.value().shape() + ", the model has " + p.value().shape());
            }
        }
        if (!problems.isEmpty()) {
            throw new ModelFormatException(onnx, "does not fit model " + target.name() + ": "
                    + String.join("; ", problems.subList(0, Math.min(8, problems.size())))
                    + (problems.size() > 8 ? " (and " + (problems.size() - 8) + " more)" : ""));
        }
        for (Parameter p : target.stateDict().values()) {
            Parameter q = from.get(p.name());
            if (q != null) {
                System.arraycopy(q.value().data(), 0, p.value().data(), 0, p.value().data().length);
            }
        }
        return new Loaded(target, null, l.state(), l.optimizerClass(), l.lrs(), l.optimizerState(), l.sidecar());
    }

    private static Map<String, String> strings(Object parsed) {
        Map<String, String> out = new LinkedHashMap<>();
        if (parsed instanceof Map<?, ?> m) {
            for (Map.Entry<?, ?> e : m.entrySet()) {
                out.put(String.valueOf(e.getKey()), String.valueOf(e.getValue()));
            }
        } else {
            throw new IllegalArgumentException("extra is not a JSON object");
        }
        return out;
    }

    static String sha256(Path file) throws IOException {
        MessageDigest md;
        try {
            md = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is not available", e);
        }
        byte[] buf = new byte[1 << 16];
        try (InputStream in = Files.newInputStream(file)) {
            for (int n; (n = in.read(buf)) > 0; ) {
                md.update(buf, 0, n);
            }
        }
        return HexFormat.of().formatHex(md.digest());
    }

    /**
     * A checkpoint read back.
     *
     * @param graph          the model
     * @param origin         its ONNX names (pass to {@link #save} to keep them)
     * @param state          where the run stands
     * @param optimizerClass the simple class name of the optimiser that was saved, empty when none
     * @param lrs            the optimiser's learning rate per group when saved
     * @param optimizerState the state tensors by {@code PARAM::STATE}
     * @param sidecar        the sidecar file, for messages
     */
    public record Loaded(Graph graph, OnnxOrigin origin, TrainingState state, String optimizerClass, List<Double> lrs,
                         Map<String, StoredTensor> optimizerState, Path sidecar) {

        /** Copies the collections. */
        public Loaded {
            lrs = List.copyOf(lrs);
            optimizerState = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(optimizerState));
        }

        /**
         * Puts the saved state into {@code optimizer}, built over {@link #graph()}'s parameters: each state tensor goes
         * to the parameter of its name. Throws {@link ModelFormatException} naming the sidecar when the optimiser is of
         * another class, a saved parameter is not optimised by it, or a shape differs.
         */
        public void restoreOptimizer(Optimizer optimizer) throws ModelFormatException {
            if (!optimizerClass.isEmpty() && !optimizerClass.equals(optimizer.getClass().getSimpleName())) {
                throw new ModelFormatException(sidecar, "holds the state of a " + optimizerClass + ", not of a "
                        + optimizer.getClass().getSimpleName());
            }
            Map<String, Parameter> byName = new HashMap<>();
            for (Parameter p : optimizer.params()) {
                byName.put(p.name(), p);
            }
            Map<Parameter, Map<String, Tensor>> states = new LinkedHashMap<>();
            for (Map.Entry<String, StoredTensor> e : optimizerState.entrySet()) {
                String key = e.getKey();
                int cut = key.lastIndexOf(SEPARATOR);
                if (cut < 0) {
                    throw new ModelFormatException(sidecar, "state tensor '" + key + "' is not named PARAM" + SEPARATOR + "STATE");
                }
                Parameter p = byName.get(key.substring(0, cut));
                if (p == null) {
                    throw new ModelFormatException(sidecar, "has optimiser state for " + key.substring(0, cut)
                            + ", which the optimiser does not update");
                }
                Tensor t = e.getValue().toTensor();
                if (t.rank() > 0 && !t.shape().equals(p.value().shape())) {
                    throw new ModelFormatException(sidecar, "state " + key + " has shape " + t.shape() + ", the parameter has "
                            + p.value().shape());
                }
                states.computeIfAbsent(p, k -> new LinkedHashMap<>()).put(key.substring(cut + SEPARATOR.length()), t);
            }
            for (Parameter p : optimizer.params()) {
                optimizer.setState(p, states.getOrDefault(p, Map.of()));
            }
        }
    }
}
