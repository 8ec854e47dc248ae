package dev.jprune.prune;

import dev.jprune.depgraph.DependencyGraph;
import dev.jprune.depgraph.Group;
import dev.jprune.depgraph.HeadMode;
import dev.jprune.internal.AtomicFiles;
import dev.jprune.depgraph.Side;
import dev.jprune.internal.Json;
import dev.jprune.ir.Graph;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The pruning history: every pruned group as (root layer, side, root indices), in order (Torch-Pruning's
 * {@code DG.pruning_history()}, whose entries are {@code [module_name, is_out_channel_pruning, idxs]}). Replaying
 * it on a fresh copy of the model rebuilds every group from its root and reproduces the pruned shapes; the
 * weights can then be loaded.
 *
 * <p>The file is JSON: {@code {"format": "jprune-pruning-history", "version": 1, "heads": "dims"|"whole",
 * "history": [[layer, isOut, [indices...]], ...]}}, the entries written as Torch-Pruning writes them; {@code heads}
 * is the {@link HeadMode} the groups were built with (a root channel of an attention group expands differently in
 * each). A bare list of entries is read too, as {@code dims}.
 */
public final class PruningHistory {

    private static final String FORMAT = "jprune-pruning-history";

    /**
     * One pruned group.
     *
     * @param layer   the root layer's node name
     * @param side    whether the root's output or input channels
     * @param indices the removed root indices, ascending (copied in and out)
     */
    public record Entry(String layer, Side side, int[] indices) {

        public Entry {
            if (layer == null || layer.isEmpty() || side == null) {
                throw new IllegalArgumentException("a history entry needs a layer and a side, got " + layer + ", " + side);
            }
            indices = indices.clone();
        }

        @Override
        public int[] indices() {
            return indices.clone();
        }

        /** The entry of a group that was (or is about to be) pruned. */
        public static Entry of(Group group) {
            return new Entry(group.root().name(), group.side(), group.rootIndices().indices());
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Entry e && e.layer.equals(layer) && e.side == side
                    && java.util.Arrays.equals(e.indices, indices);
        }

        @Override
        public int hashCode() {
            return 31 * (31 * layer.hashCode() + side.hashCode()) + java.util.Arrays.hashCode(indices);
        }

        @Override
        public String toString() {
            return layer + " " + side.label() + " " + java.util.Arrays.toString(indices);
        }
    }

    private PruningHistory() {
    }

    /** A history file's content: the entries and the head mode their groups were built with. */
    public record Document(List<Entry> entries, HeadMode heads) {

        public Document {
            entries = List.copyOf(entries);
            if (heads == null) {
                throw new IllegalArgumentException("heads must not be null");
            }
        }
    }

    /** The JSON document for {@code entries}. */
    static String toJson(List<Entry> entries, HeadMode heads) {
        List<Object> list = new ArrayList<>();
        for (Entry e : entries) {
            list.add(List.of(e.layer(), e.side() == Side.OUT, e.indices()));
        }
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("format", FORMAT);
        doc.put("version", 1);
        doc.put("heads", heads.label());
        doc.put("history", list);
        return Json.write(doc);
    }

    /**
     * Writes {@code entries} to {@code file} atomically: a temporary file in the same folder is written, then moved
     * over {@code file}, so a reader never sees half a history.
     */
    public static void save(List<Entry> entries, Path file) throws IOException {
        save(entries, HeadMode.DIMS, file);
    }

    /** As {@link #save(List, Path)}, recording the head mode the groups were built with. */
    public static void save(List<Entry> entries, HeadMode heads, Path file) throws IOException {
        AtomicFiles.writeString(file, toJson(entries, heads) + "\n");
    }

    /**
     * Reads a history file. Throws {@link IOException} naming the file when it is not a pruning history.
     */
    public static List<Entry> load(Path file) throws IOException {
        return read(file).entries();
    }

    /** Reads a history file with its head mode. Throws {@link IOException} naming the file when it is not one. */
    public static Document read(Path file) throws IOException {
        String text = Files.readString(file, StandardCharsets.UTF_8);
        try {
            return parse(Json.parse(text));
        } catch (IllegalArgumentException | ClassCastException | ArithmeticException e) {
            throw new IOException(file + ": not a pruning history: " + e.getMessage(), e);
        }
    }

    private static Document parse(Object doc) {
        Object list = doc;
        HeadMode heads = HeadMode.DIMS;
        if (doc instanceof Map<?, ?> m) {
            if (!FORMAT.equals(m.get("format"))) {
                throw new IllegalArgumentException("expected format '" + FORMAT + "', got " + m.get("format"));
            }
            list = m.get("history");
            if (m.get("heads") != null) {
                heads = HeadMode.parse(String.valueOf(m.get("heads")));
            }
        }
        if (!(list instanceof List<?> items)) {
            throw new IllegalArgumentException("expected a list of entries, got " + list);
        }
        List<Entry> out = new ArrayList<>();
        for (Object item : items) {
            if (!(item instanceof List<?> t) || t.size() != 3 || !(t.get(0) instanceof String layer)
                    || !(t.get(1) instanceof Boolean isOut) || !(t.get(2) instanceof List<?> idx)) {
                throw new IllegalArgumentException("entry " + out.size() + " is not [layer, isOut, [indices]]: " + item);
            }
            int[] indices = new int[idx.size()];
            for (int i = 0; i < indices.length; i++) {
                indices[i] = Math.toIntExact((Long) idx.get(i));
            }
            out.add(new Entry(layer, isOut ? Side.OUT : Side.IN, indices));
        }
        return new Document(out, heads);
    }

    /**
     * Applies {@code entries} to {@code graph} in order (Torch-Pruning's {@code load_pruning_history}): each group is
     * rebuilt from its root and pruned. Throws {@link IllegalArgumentException} naming the entry when a layer is
     * missing or its indices do not fit, and {@link IllegalStateException} when a group cannot be pruned.
     */
    public static void replay(Graph graph, List<Entry> entries) {
        replay(graph, new Document(entries, HeadMode.DIMS));
    }

    /** As {@link #replay(Graph, List)} with the document's head mode. */
    public static void replay(Graph graph, Document history) {
        List<Entry> entries = history.entries();
        DependencyGraph dg = new DependencyGraph(graph, history.heads());
        for (int k = 0; k < entries.size(); k++) {
            Entry e = entries.get(k);
            try {
                dg.pruningGroup(e.layer(), e.side(), e.indices()).prune();
            } catch (IllegalArgumentException | IllegalStateException ex) {
                throw new IllegalArgumentException("history entry " + k + " (" + e + ") does not apply to "
                        + graph.name() + ": " + ex.getMessage(), ex);
            }
        }
    }
}
