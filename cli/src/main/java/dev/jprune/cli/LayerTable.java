package dev.jprune.cli;

import dev.jprune.count.OpCounter;
import dev.jprune.ir.Graph;
import dev.jprune.ir.Node;
import dev.jprune.ir.Parameter;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The per-layer "before → after" listing of {@code jprune prune}, as Torch-Pruning's {@code print_tool} and the
 * listings of its examples: for every parameter-owning layer, in graph order, its type, input and output channels,
 * parameters and MACs before and after pruning; then the totals and the speed-up. The same rows feed the report's
 * {@code "layers"} entries ({@link #toJson()}).
 */
final class LayerTable {

    /** One layer's state in one graph: channel sizes, trainable parameter elements, MACs per example. */
    record Layer(LayerSizes.Size size, long params, long macs) {
    }

    /**
     * The parameter-owning layers of one graph, by node name in graph order, with the graph's totals.
     *
     * @param layers the layers
     * @param params the graph's trainable parameter elements
     * @param macs   the graph's MACs ({@link OpCounter}'s count per example)
     */
    record Snapshot(Map<String, Layer> layers, long params, long macs) {

        /** Reads {@code g} as it is now. */
        static Snapshot of(Graph g) {
            OpCounter.Count count = OpCounter.count(g);
            Map<String, LayerSizes.Size> sizes = LayerSizes.of(g);
            Map<String, Layer> layers = new LinkedHashMap<>();
            for (Node n : g.nodes()) {
                LayerSizes.Size s = sizes.get(n.name());
                if (s == null) {
                    continue;
                }
                long p = 0;
                for (Parameter q : n.params().values()) {
                    if (q.trainable()) {
                        p += q.shape().numelLong();
                    }
                }
                layers.put(n.name(), new Layer(s, p, count.perLayer().getOrDefault(n.name(), 0L)));
            }
            return new Snapshot(layers, count.params(), count.ops());
        }

        /** The channel sizes alone (the form {@link LayerSizes#toJson} takes). */
        Map<String, LayerSizes.Size> sizes() {
            Map<String, LayerSizes.Size> out = new LinkedHashMap<>();
            layers.forEach((k, v) -> out.put(k, v.size()));
            return out;
        }
    }

    /** One row: a layer before and after ({@code after} is {@code null} when the layer was removed). */
    record Row(String name, Layer before, Layer after) {

        /** Whether any of the layer's channel counts changed. */
        boolean changed() {
            return after == null || !before.size().equals(after.size());
        }
    }

    private final List<Row> rows = new ArrayList<>();
    private final Snapshot before;
    private final Snapshot after;

    /** The rows of every layer of {@code before}, matched by name with {@code after}. */
    LayerTable(Snapshot before, Snapshot after) {
        this.before = before;
        this.after = after;
        before.layers().forEach((name, b) -> rows.add(new Row(name, b, after.layers().get(name))));
    }

    List<Row> rows() {
        return rows;
    }

    Snapshot before() {
        return before;
    }

    Snapshot after() {
        return after;
    }

    /** How many layers changed their channel counts. */
    int changedCount() {
        return (int) rows.stream().filter(Row::changed).count();
    }

    /**
     * Prints the table: a header, one aligned row per layer (only the changed ones with {@code changedOnly}), every
     * number with thousands separators and {@code a -> b} where it changed; then a totals row.
     */
    void print(PrintStream out, boolean changedOnly) {
        String[] header = {"layer", "type", "in", "out", "params", "MACs"};
        List<String[]> cells = new ArrayList<>();
        for (Row r : rows) {
            if (changedOnly && !r.changed()) {
                continue;
            }
            Layer b = r.before();
            Layer a = r.after();
            cells.add(new String[] {r.name(), b.size().type(),
                change(b.size().in(), a == null ? null : (long) a.size().in()),
                change(b.size().out(), a == null ? null : (long) a.size().out()),
                change(b.params(), a == null ? null : a.params()),
                change(b.macs(), a == null ? null : a.macs())});
        }
        if (cells.isEmpty()) {
            return;
        }
        String[] total = {"total", "", "", "", change(before.params(), after.params()),
            change(before.macs(), after.macs())};
        int[] width = new int[header.length];
        for (int c = 0; c < header.length; c++) {
            width[c] = Math.max(header[c].length(), total[c].length());
            for (String[] row : cells) {
                width[c] = Math.max(width[c], row[c].length());
            }
        }
        out.println(line(header, width));
        for (String[] row : cells) {
            out.println(line(row, width));
        }
        out.println(line(total, width));
    }

    /** Names and types left-aligned, numbers right-aligned, two spaces apart, indented by two. */
    private static String line(String[] cells, int[] width) {
        StringBuilder sb = new StringBuilder();
        for (int c = 0; c < cells.length; c++) {
            sb.append("  ");
            String v = cells[c];
            String pad = " ".repeat(width[c] - v.length());
            sb.append(c < 2 ? v + pad : pad + v);
        }
        return sb.toString().stripTrailing();
    }

    /** {@code 1,234}, {@code 64 -> 32}, or {@code 64 -> removed}. */
    static String change(long before, Long after) {
        if (after == null) {
            return String.format(Locale.ROOT, "%,d -> removed", before);
        }
        return before == after ? String.format(Locale.ROOT, "%,d", before)
                : String.format(Locale.ROOT, "%,d -> %,d", before, after);
    }

    /**
     * CLI.md's {@code "layers"} ({@code type}, {@code before}, {@code after}) with, per layer, {@code params_before},
     * {@code params_after}, {@code macs_before} and {@code macs_after} ({@code null} after for a removed layer).
     */
    Map<String, Object> toJson() {
        Map<String, Object> out = LayerSizes.toJson(before.sizes(), after.sizes());
        for (Row r : rows) {
            @SuppressWarnings("unchecked")
            Map<String, Object> j = (Map<String, Object>) out.get(r.name());
            j.put("params_before", r.before().params());
            j.put("params_after", r.after() == null ? null : r.after().params());
            j.put("macs_before", r.before().macs());
            j.put("macs_after", r.after() == null ? null : r.after().macs());
        }
        return out;
    }
}
