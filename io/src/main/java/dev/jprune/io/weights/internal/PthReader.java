package dev.jprune.io.weights.internal;

import dev.jprune.io.ModelFormatException;
import dev.jprune.io.weights.ElementType;
import dev.jprune.io.weights.StoredTensor;
import dev.jprune.io.weights.internal.PickleMachine.StorageRef;
import dev.jprune.io.weights.internal.PickleMachine.TensorRef;
import dev.jprune.tensor.Shape;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipException;
import java.util.zip.ZipFile;

/**
 * Reads the zip checkpoints {@code torch.save} writes since PyTorch 1.6: {@code <name>/data.pkl} (the pickled object,
 * read by {@link PickleMachine}), {@code <name>/data/<key>} (one record per storage, raw elements),
 * {@code <name>/byteorder} (PyTorch 2.x; little-endian when absent) and {@code <name>/version}.
 *
 * <p>The pickled object is a dict. When it has a {@code "state_dict"} entry that is a dict, that is the state dict;
 * otherwise a {@code "model"} entry that is a dict; otherwise the dict itself.
 */
public final class PthReader {

    private static final long MAX_RECORD = Integer.MAX_VALUE - 8;

    private final Path file;
    private final ZipFile zip;
    private final String prefix;
    private final ByteOrder order;
    private final Map<String, ByteBuffer> storages = new HashMap<>();

    private PthReader(Path file, ZipFile zip, String prefix, ByteOrder order) {
        this.file = file;
        this.zip = zip;
        this.prefix = prefix;
        this.order = order;
    }

    /** Opens a zip checkpoint and unpickles its state dict; tensor values are read on demand. */
    public static Checkpoint open(Path file) throws IOException {
        ZipFile zip;
        try {
            zip = new ZipFile(file.toFile());
        } catch (ZipException e) {
            throw new ModelFormatException(file, "not a readable zip archive (truncated or corrupt): " + e.getMessage(), e);
        }
        try {
            String prefix = findPrefix(file, zip);
            ByteOrder order = ByteOrder.LITTLE_ENDIAN;
            ZipEntry bo = zip.getEntry(prefix + "byteorder");
            if (bo != null) {
                String s = new String(readRecord(file, zip, bo), StandardCharsets.US_ASCII).trim();
                if (s.equals("big")) {
                    order = ByteOrder.BIG_ENDIAN;
                } else if (!s.equals("little")) {
                    throw new ModelFormatException(file, prefix + "byteorder says '" + s + "', not little or big");
                }
            }
            PthReader reader = new PthReader(file, zip, prefix, order);
            String part = prefix + "data.pkl";
            Object root = PickleMachine.load(file, part, readRecord(file, zip, zip.getEntry(part)));
            return reader.checkpoint(root);
        } catch (IOException | RuntimeException e) {
            zip.close();
            throw e;
        }
    }

    private static String findPrefix(Path file, ZipFile zip) throws ModelFormatException {
        boolean torchScript = false;
        for (Enumeration<? extends ZipEntry> en = zip.entries(); en.hasMoreElements(); ) {
            String name = en.nextElement().getName();
            int slash = name.indexOf('/');
            if (slash > 0 && name.substring(slash + 1).equals("data.pkl")) {
                return name.substring(0, slash + 1);
            }
            torchScript |= name.endsWith("/constants.pkl") || name.contains("/code/");
        }
        if (torchScript) {
            throw new ModelFormatException(file, "a TorchScript archive (torch.jit.save), not a torch.save checkpoint;"
                    + " save model.state_dict() with torch.save instead");
        }
        throw new ModelFormatException(file, "a zip archive without <name>/data.pkl: not a torch.save checkpoint");
    }

    private static byte[] readRecord(Path file, ZipFile zip, ZipEntry e) throws IOException {
        if (e.getSize() > MAX_RECORD) {
            throw new ModelFormatException(file, "record " + e.getName() + " is larger than 2 GB");
        }
        byte[] data;
        try (InputStream in = zip.getInputStream(e)) {
            data = in.readAllBytes();
        } catch (ZipException | EOFException ex) {
            throw new ModelFormatException(file, "record " + e.getName() + " is truncated or corrupt: " + ex, ex);
        }
        if (e.getSize() >= 0 && data.length != e.getSize()) {
            throw new ModelFormatException(file, "record " + e.getName() + " holds " + data.length + " bytes, its"
                    + " zip entry says " + e.getSize() + " (truncated)");
        }
        if (e.getCrc() >= 0) {
            CRC32 crc = new CRC32();
            crc.update(data);
            if (crc.getValue() != e.getCrc()) {
                throw new ModelFormatException(file, "record " + e.getName() + " is corrupt (CRC mismatch)");
            }
        }
        return data;
    }

    private Checkpoint checkpoint(Object root) throws ModelFormatException {
        if (!(root instanceof Map)) {
            throw new ModelFormatException(file, "the checkpoint holds a " + describe(root)
                    + ", not a dict of tensors (a state_dict)");
        }
        Map<?, ?> dict = (Map<?, ?>) root;
        String format = "PyTorch zip checkpoint";
        if (dict.get("state_dict") instanceof Map) {
            dict = (Map<?, ?>) dict.get("state_dict");
            format += " (state_dict entry)";
        } else if (dict.get("model") instanceof Map) {
            dict = (Map<?, ?>) dict.get("model");
            format += " (model entry)";
        }
        Map<String, TensorEntry> tensors = new LinkedHashMap<>();
        List<String> others = new ArrayList<>();
        for (Map.Entry<?, ?> e : dict.entrySet()) {
            if (!(e.getKey() instanceof String)) {
                throw new ModelFormatException(file, "state_dict key " + e.getKey() + " is not a string");
            }
            String key = (String) e.getKey();
            if (e.getValue() instanceof TensorRef) {
                tensors.put(key, entry(key, (TensorRef) e.getValue()));
            } else {
                others.add(key);
            }
        }
        return new Checkpoint(file, format, tensors, others, Map.of(), zip);
    }

    private TensorEntry entry(String key, TensorRef ref) throws ModelFormatException {
        StorageRef storage = ref.storage();
        if (storage.type() == null) {
            throw new ModelFormatException(file, "tensor '" + key + "' is stored as torch." + storage.storageClass()
                    + ", an element type jprune does not read (it reads " + supported() + ")");
        }
        Shape shape = Sizes.shape(file, key, ref.size());
        ElementType type = storage.type();
        return new TensorEntry() {
            @Override
            public ElementType type() {
                return type;
            }

            @Override
            public Shape shape() {
                return shape;
            }

            @Override
            public StoredTensor read() throws ModelFormatException {
                ByteBuffer bytes = storage(key, storage);
                try {
                    return Elements.decode(type, bytes, ref.offset(), shape, ref.stride());
                } catch (IllegalArgumentException e) {
                    throw new ModelFormatException(file, "tensor '" + key + "' (storage " + prefix + "data/"
                            + storage.key() + "): " + e.getMessage(), e);
                }
            }
        };
    }

    private ByteBuffer storage(String key, StorageRef ref) throws ModelFormatException {
        ByteBuffer cached = storages.get(ref.key());
        if (cached != null) {
            return cached;
        }
        String name = prefix + "data/" + ref.key();
        ZipEntry e = zip.getEntry(name);
        if (e == null) {
            throw new ModelFormatException(file, "tensor '" + key + "' needs record " + name
                    + ", which the archive lacks (truncated or corrupt)");
        }
        byte[] data;
        try {
            data = readRecord(file, zip, e);
        } catch (ModelFormatException ex) {
            throw ex;
        } catch (IOException ex) {
            throw new ModelFormatException(file, "cannot read record " + name + ": " + ex.getMessage(), ex);
        }
        ByteBuffer b = ByteBuffer.wrap(data).order(order);
        storages.put(ref.key(), b);
        return b;
    }

    static String supported() {
        StringBuilder sb = new StringBuilder();
        for (ElementType t : ElementType.values()) {
            sb.append(sb.length() == 0 ? "" : ", ").append(t.torchName());
        }
        return sb.toString();
    }

    private static String describe(Object o) {
        return o == null ? "None" : o instanceof PickleMachine.Tuple ? "tuple" : o.getClass().getSimpleName();
    }
}
