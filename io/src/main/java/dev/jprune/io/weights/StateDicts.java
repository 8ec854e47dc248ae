package dev.jprune.io.weights;

import dev.jprune.io.ModelFormatException;
import dev.jprune.io.weights.StateDictMismatchException.Mismatch;
import dev.jprune.io.weights.internal.Checkpoint;
import dev.jprune.io.weights.internal.PthReader;
import dev.jprune.io.weights.internal.SafetensorsReader;
import dev.jprune.io.weights.internal.SafetensorsWriter;
import dev.jprune.io.weights.internal.TensorEntry;
import dev.jprune.ir.DType;
import dev.jprune.ir.Graph;
import dev.jprune.ir.Parameter;
import dev.jprune.tensor.Tensor;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Model weights in PyTorch's files, by {@code state_dict} key: load a {@code .pth} checkpoint or a safetensors file
 * into a {@link Graph} (PyTorch's {@code model.load_state_dict(torch.load(f))}), inspect one, and save a graph's
 * current weights — after pruning, with their new shapes — as safetensors that PyTorch reads back.
 *
 * <p><b>Formats</b>, told apart by content (the extension does not matter):
 * <ul>
 *   <li>{@code torch.save} zip checkpoints (PyTorch 1.6 and later; {@code .pth}, {@code .pt}, {@code .bin}). The
 *       pickle inside is read by a small interpreter that only builds data and accepts only the globals a
 *       {@code state_dict} needs ({@code collections.OrderedDict}, {@code torch._utils._rebuild_tensor_v2},
 *       {@code torch._utils._rebuild_parameter}, {@code torch.*Storage}); any other global — a pickled model class,
 *       {@code os.system} — is refused by name and nothing in the file is ever run. Views (storage offsets,
 *       transposed or permuted strides, several tensors sharing a storage) are resolved.</li>
 *   <li>safetensors: header size, JSON header, data; validated (the tensors must tile the data section).</li>
 * </ul>
 * The pre-1.6 (non-zip) {@code torch.save} format and TorchScript archives are recognised and refused with a hint.
 *
 * <p><b>Element types</b>: float32, float16, bfloat16 and float64 load into float32 parameters (float64 rounds to the
 * nearest float32, the others are exact); int64, int32, int16, int8, uint8 and bool load into integer buffers
 * ({@code num_batches_tracked}), which jprune holds as floats (exact up to 2^24). A floating-point tensor for an
 * integer buffer, or the reverse, is a mismatch; other types (complex, float8, quantized) are refused naming the key.
 *
 * <p><b>Keys</b>: a checkpoint that wraps the state dict — {@code {"state_dict": sd, "epoch": ...}} (Lightning and
 * most training scripts) or {@code {"model": sd, "optimizer": ...}} (torchvision's reference scripts) — is unwrapped,
 * {@code "state_dict"} first. When every key of the file starts with {@code "module."} (a model saved from
 * {@code nn.DataParallel} or {@code DistributedDataParallel}) and no key of the model does, the prefix is removed.
 *
 * <p><b>Strict and non-strict</b>, as PyTorch's {@code load_state_dict(strict=...)}: a strict load (the default)
 * fails with {@link StateDictMismatchException} when the model has keys the file lacks (missing) or the file has keys
 * the model lacks (unexpected); a non-strict load loads every key both have, leaves missing ones unchanged, ignores
 * unexpected ones and lists both in its {@link LoadReport}. A key whose shape or element kind differs always fails.
 *
 * <p><b>Atomic</b>: every tensor is read, checked and converted before the first parameter is replaced, so on any
 * error the graph is unchanged. Loaded values are new arrays, never shared with the file or another graph.
 *
 * <p>Errors are {@link ModelFormatException}s (checked {@link IOException}s) whose message is one line starting with
 * the file name, naming the key, the offending element type, pickle global or what is corrupt — fit to print as a
 * command-line error. A file that does not exist is a {@link NoSuchFileException}.
 */
public final class StateDicts {

    /** The prefix {@code nn.DataParallel} puts before every key. */
    public static final String DATA_PARALLEL_PREFIX = "module.";

    private static final byte[] ZIP_LOCAL = {'P', 'K', 3, 4};
    private static final byte[] ZIP_EMPTY = {'P', 'K', 5, 6};

    private StateDicts() {
    }

    /** Loads {@code file} into {@code graph} strictly: {@link #load(Graph, Path, boolean) load(graph, file, true)}. */
    public static LoadReport load(Graph graph, Path file) throws IOException {
        return load(graph, file, true);
    }

    /**
     * Loads the weights in {@code file} (PyTorch zip checkpoint or safetensors) into the parameters and buffers of
     * {@code graph} with the same {@code state_dict} key. The shapes must equal the graph's current ones (load a
     * pruned checkpoint into a graph pruned the same way). When {@code strict}, missing and unexpected keys are
     * errors; otherwise they are reported and skipped. Nothing changes unless the whole load succeeds.
     *
     * @return what was loaded, missing and unexpected
     * @throws StateDictMismatchException when keys are missing or unexpected (strict) or differ in shape or kind
     * @throws ModelFormatException       when the file is not a readable checkpoint (naming what is wrong)
     * @throws IOException                when the file cannot be read at all
     */
    public static LoadReport load(Graph graph, Path file, boolean strict) throws IOException {
        try (Checkpoint ck = open(file)) {
            Map<String, TensorEntry> entries = ck.tensors();
            Map<String, Parameter> params = graph.stateDict();
            String prefix = dataParallelPrefix(entries.keySet(), params.keySet());
            Map<String, TensorEntry> byKey = new LinkedHashMap<>();
            for (Map.Entry<String, TensorEntry> e : entries.entrySet()) {
                byKey.put(e.getKey().substring(prefix.length()), e.getValue());
            }
            List<String> missing = new ArrayList<>();
            List<Mismatch> mismatched = new ArrayList<>();
            for (Parameter p : params.values()) {
                TensorEntry e = byKey.get(p.name());
                if (e == null) {
                    missing.add(p.name());
                } else if (!e.shape().equals(p.value().shape())
                        || e.type().isFloatingPoint() != (p.dtype() == DType.FLOAT32)) {
                    mismatched.add(new Mismatch(p.name(), typeName(p.dtype()) + " " + p.value().shape(),
                            e.type() + " " + e.shape()));
                }
            }
            List<String> unexpected = new ArrayList<>();
            for (String k : byKey.keySet()) {
                if (!params.containsKey(k)) {
                    unexpected.add(k);
                }
            }
            for (String k : ck.otherKeys()) {
                unexpected.add(k.startsWith(prefix) ? k.substring(prefix.length()) : k);
            }
            if (!mismatched.isEmpty() || strict && (!missing.isEmpty() || !unexpected.isEmpty())) {
                throw new StateDictMismatchException(file, graph.name(), missing, unexpected, mismatched);
            }
            Map<Parameter, Tensor> staged = new LinkedHashMap<>();
            Set<ElementType> converted = EnumSet.noneOf(ElementType.class);
            for (Parameter p : params.values()) {
                TensorEntry e = byKey.get(p.name());
                if (e != null) {
                    staged.put(p, e.read().toTensorOwned());
                    if (e.type().isFloatingPoint() && e.type() != ElementType.F32) {
                        converted.add(e.type());
                    }
                }
            }
            List<String> loaded = new ArrayList<>();
            for (Map.Entry<Parameter, Tensor> s : staged.entrySet()) {
                s.getKey().setValue(s.getValue());
                loaded.add(s.getKey().name());
            }
            return new LoadReport(file, ck.format(), prefix, loaded, missing, unexpected, converted);
        }
    }

    /** {@code "module."} when every key of the file has it and no key of the model does, else {@code ""}. */
    private static String dataParallelPrefix(Set<String> fileKeys, Set<String> modelKeys) {
        if (fileKeys.isEmpty()) {
            return "";
        }
        for (String k : fileKeys) {
            if (!k.startsWith(DATA_PARALLEL_PREFIX)) {
                return "";
            }
        }
        for (String k : modelKeys) {
            if (k.startsWith(DATA_PARALLEL_PREFIX)) {
                return "";
            }
        }
        return DATA_PARALLEL_PREFIX;
    }

    private static String typeName(DType t) {
        return t.name().toLowerCase(Locale.ROOT);
    }

    /**
     * Every tensor of a weights file of either format, by key in file order, keys as stored (a wrapping
     * {@code "state_dict"}/{@code "model"} entry is unwrapped, a {@code "module."} prefix is kept). Entries that are
     * not tensors are left out.
     */
    public static Map<String, StoredTensor> read(Path file) throws IOException {
        try (Checkpoint ck = open(file)) {
            return readAll(ck);
        }
    }

    /** As {@link #read(Path)} for a {@code torch.save} zip checkpoint only. */
    public static Map<String, StoredTensor> readPth(Path file) throws IOException {
        requireFile(file);
        try (Checkpoint ck = PthReader.open(file)) {
            return readAll(ck);
        }
    }

    /** As {@link #read(Path)} for a safetensors file only. */
    public static Map<String, StoredTensor> readSafetensors(Path file) throws IOException {
        requireFile(file);
        try (Checkpoint ck = SafetensorsReader.open(file)) {
            return readAll(ck);
        }
    }

    /**
     * A safetensors file's tensors (by key, in file order) and its {@code __metadata__} strings.
     *
     * @param tensors  the tensors
     * @param metadata the metadata, empty when the file has none
     */
    public record Safetensors(Map<String, StoredTensor> tensors, Map<String, String> metadata) {
        /** Copies both maps, keeping their order. */
        public Safetensors {
            tensors = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(tensors));
            metadata = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(metadata));
        }
    }

    /** {@link #readSafetensors(Path)} with the file's {@code __metadata__}. */
    public static Safetensors readSafetensorsWithMetadata(Path file) throws IOException {
        requireFile(file);
        try (Checkpoint ck = SafetensorsReader.open(file)) {
            return new Safetensors(readAll(ck), ck.metadata());
        }
    }

    /**
     * Writes float tensors by name with string {@code metadata} as a safetensors file ({@code F32}), atomically:
     * through a temporary file beside {@code file}, so a failure leaves an existing file as it was. Names must be
     * unique and not {@code __metadata__}.
     */
    public static void writeSafetensors(Path file, Map<String, Tensor> tensors, Map<String, String> metadata)
            throws IOException {
        List<SafetensorsWriter.Item> items = new ArrayList<>();
        for (Map.Entry<String, Tensor> e : tensors.entrySet()) {
            items.add(new SafetensorsWriter.Item(e.getKey(), ElementType.F32, e.getValue()));
        }
        SafetensorsWriter.write(file, items, metadata);
    }

    private static Map<String, StoredTensor> readAll(Checkpoint ck) throws ModelFormatException {
        Map<String, StoredTensor> out = new LinkedHashMap<>();
        for (Map.Entry<String, TensorEntry> e : ck.tensors().entrySet()) {
            out.put(e.getKey(), e.getValue().read());
        }
        return out;
    }

    /**
     * Writes the graph's current {@code state_dict} — every parameter and buffer, in model order, with its current
     * (possibly pruned) shape — as a safetensors file: float parameters as {@code F32}, integer buffers as
     * {@code I64}, metadata {@code {"format": "pt"}}. The file is written to a temporary file beside {@code file}
     * and moved into place, so it is never seen half written and a failure leaves an existing file as it was.
     * PyTorch reads it with {@code safetensors.torch.load_file(file)}; a model built with the pruned layer sizes
     * then takes it with {@code load_state_dict}.
     */
    public static void saveSafetensors(Graph graph, Path file) throws IOException {
        List<SafetensorsWriter.Item> items = new ArrayList<>();
        for (Parameter p : graph.stateDict().values()) {
            items.add(new SafetensorsWriter.Item(p.name(), p.dtype() == DType.FLOAT32 ? ElementType.F32 : ElementType.I64,
                    p.value()));
        }
        SafetensorsWriter.write(file, items, Map.of("format", "pt"));
    }

    private static void requireFile(Path file) throws IOException {
        if (!Files.exists(file)) {
            throw new NoSuchFileException(file.toString(), null, "no such weights file");
        }
        if (!Files.isRegularFile(file)) {
            throw new ModelFormatException(file, "not a regular file");
        }
    }

    /** Opens either format, told apart by the first bytes. */
    private static Checkpoint open(Path file) throws IOException {
        requireFile(file);
        byte[] head;
        try (InputStream in = Files.newInputStream(file)) {
            head = in.readNBytes(16);
        }
        if (startsWith(head, ZIP_LOCAL) || startsWith(head, ZIP_EMPTY)) {
            return PthReader.open(file);
        }
        if (head.length > 0 && (head[0] & 0xFF) == 0x80) {
            throw new ModelFormatException(file, "a PyTorch checkpoint in the legacy format of torch.save before 1.6"
                    + " (a bare pickle, not a zip archive), which jprune does not read; re-save it with a current"
                    + " PyTorch: torch.save(torch.load(f), f2)");
        }
        if (head.length > 8 && head[8] == '{'
                || file.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".safetensors")) {
            return SafetensorsReader.open(file);
        }
        throw new ModelFormatException(file, head.length == 0 ? "empty file, not a weights file"
                : "neither a PyTorch checkpoint (a torch.save zip archive) nor a safetensors file");
    }

    private static boolean startsWith(byte[] head, byte[] magic) {
        if (head.length < magic.length) {
            return false;
        }
        for (int i = 0; i < magic.length; i++) {
            if (head[i] != magic[i]) {
                return false;
            }
        }
        return true;
    }
}
