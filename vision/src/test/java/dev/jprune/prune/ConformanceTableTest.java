package dev.jprune.prune;

import dev.jprune.internal.AtomicFiles;
import dev.jprune.testing.Reference;
import dev.jprune.zoo.Zoo;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Regenerates the conformance table ({@code docs/CONFORMANCE.md}): every zoo model × the reference's four
 * configurations, plus the option records, each run by {@link Conformance}: a successful reference record must be
 * matched, and where the reference failed or has no record jprune must prune. Tagged {@code table}, so only the
 * table command runs it ({@code bin/conformance-table}, see the README); {@code -Djprune.conformance.models=a,b}
 * re-runs some models and keeps the other rows of the existing table. Fails when any run differs or fails.
 */
@Tag("table")
class ConformanceTableTest {

    static final List<String> CONFIGS = List.of("local_l1_groupnorm", "local_l2_round8", "global_l2", "local_taylor");

    @Test
    void regenerateTheTable() throws IOException {
        Path file = Path.of(System.getProperty("jprune.conformance.table", "target/CONFORMANCE.md"));
        String only = System.getProperty("jprune.conformance.models", "");
        Set<String> models = new LinkedHashSet<>();
        for (String m : only.isBlank() ? Zoo.torchvisionNames() : List.of(only.split(","))) {
            if (!Zoo.contains(m.trim())) {
                throw new IllegalArgumentException("jprune.conformance.models: unknown zoo model '" + m + "'");
            }
            models.add(m.trim());
        }
        Map<String, String> mainRows = new TreeMap<>(existingRows(file, "main"));
        Map<String, String> optionRows = new TreeMap<>(existingRows(file, "options"));
        List<Conformance.Outcome> bad = new ArrayList<>();
        for (String model : models) {
            StringBuilder row = new StringBuilder("| " + model + " |");
            for (String config : CONFIGS) {
                Optional<Map<String, Object>> rec = Reference.find(model, config);
                Conformance.Outcome o = rec.isPresent() && "ok".equals(rec.get().get("status"))
                        ? Conformance.check(rec.get()) : Conformance.pruneWhereReferenceFailed(model, config);
                System.out.printf("%s %s: %s (%.1f s) %s%n", model, config, o.verdict().label(), o.seconds(), o.detail());
                row.append(' ').append(o.verdict().label()).append(" |");
                collect(o, bad);
                System.gc();
            }
            mainRows.put(model, row.toString());
            StringBuilder opts = new StringBuilder();
            for (Map<String, Object> r : Reference.optionRecords()) {
                if (!model.equals(r.get("model"))) {
                    continue;
                }
                Conformance.Outcome o = "ok".equals(r.get("status")) ? Conformance.check(r)
                        : Conformance.pruneWhereReferenceFailed(model, (String) r.get("config"));
                System.out.printf("%s %s: %s (%.1f s) %s%n", model, r.get("config"), o.verdict().label(), o.seconds(),
                        o.detail());
                opts.append(opts.length() == 0 ? "" : ", ").append('`').append(r.get("config")).append("` ")
                        .append(o.verdict().label());
                collect(o, bad);
            }
            if (opts.length() > 0) {
                optionRows.put(model, "| " + model + " | " + opts + " |");
            }
        }
        write(file, mainRows, optionRows);
        assertEquals(List.of(), bad, "runs that differ from the reference or fail where it failed");
    }

    private static void collect(Conformance.Outcome o, List<Conformance.Outcome> bad) {
        if (o.verdict() == Conformance.Verdict.DIFFERS || o.verdict() == Conformance.Verdict.NOT_PRUNED) {
            bad.add(o);
        }
    }

    /** The rows of one table of an existing file, by model. */
    private static Map<String, String> existingRows(Path file, String table) throws IOException {
        Map<String, String> rows = new LinkedHashMap<>();
        if (!Files.exists(file)) {
            return rows;
        }
        String current = null;
        for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
            if (line.startsWith("<!-- table ")) {
                current = line.substring("<!-- table ".length(), line.indexOf(" -->"));
            } else if (table.equals(current) && line.startsWith("| ") && !line.startsWith("| model")) {
                String model = line.substring(2, line.indexOf(" |"));
                if (Zoo.contains(model)) {
                    rows.put(model, line);
                }
            }
        }
        return rows;
    }

    private static void write(Path file, Map<String, String> mainRows, Map<String, String> optionRows)
            throws IOException {
        Map<String, Integer> counts = new TreeMap<>();
        for (String row : mainRows.values()) {
            for (Conformance.Verdict v : Conformance.Verdict.values()) {
                int at = 0;
                String cell = "| " + v.label() + " |";
                while ((at = row.indexOf(cell, at)) >= 0) {
                    counts.merge(v.label(), 1, Integer::sum);
                    at += cell.length() - 1;
                }
            }
        }
        StringBuilder sb = new StringBuilder();
        sb.append("# Conformance with Torch-Pruning\n\n");
        sb.append("Generated by `bin/conformance-table` (`ConformanceTableTest`); do not edit by hand. Each zoo model\n");
        sb.append("is built with parity weights and pruned with the settings of `reference/README.md` and the\n");
        sb.append("Torch-Pruning-compatible criteria. *match*: every Conv2d/Linear/BatchNorm size, params, MACs and the\n");
        sb.append("first 8 outputs (within 1e-3 · max|ref| + 1e-6) equal the reference's. *match at a near-tie*: a\n");
        sb.append("channel choice differs where two scores are within float precision (1e-6 relative; 2e-3 for\n");
        sb.append("gradient-based criteria). *reference failed, jprune pruned*: Torch-Pruning failed or was not run;\n");
        sb.append("jprune pruned with the same settings, kept the output shape and reduced MACs and parameters.\n\n");
        sb.append("Totals over the main table: ");
        List<String> parts = new ArrayList<>();
        counts.forEach((k, v) -> parts.add(v + " " + k));
        sb.append(String.join(", ", parts)).append(".\n\n");
        sb.append("<!-- table main -->\n");
        sb.append("| model | ").append(String.join(" | ", CONFIGS)).append(" |\n");
        sb.append("|---|---|---|---|---|\n");
        mainRows.values().forEach(r -> sb.append(r).append('\n'));
        sb.append("\n## Options (`torchvision_tp_options.jsonl`)\n\n");
        sb.append("<!-- table options -->\n");
        sb.append("| model | configurations |\n|---|---|\n");
        optionRows.values().forEach(r -> sb.append(r).append('\n'));
        Files.createDirectories(file.toAbsolutePath().getParent());
        AtomicFiles.writeString(file, sb.toString());
    }
}
