package dev.jprune.cli;

import dev.jprune.cli.CliRun.Result;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import static dev.jprune.cli.CliRun.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The per-layer "before -> after" table of {@code jprune prune} and the counts it adds to the report's
 * {@code layers}: figures checked against convolution arithmetic on ResNet-20 (32×32 input, 3×3 kernels, no bias),
 * the sums against the model totals, alignment and {@code --changed-only}. Exact integer comparisons.
 */
class LayerTableTest {

    private static Result prune(String... args) {
        return CliRun.ok("prune", args);
    }

    private static long num(Object o) {
        return ((Number) o).longValue();
    }

    @Test
    void changeCellsUseThousandsSeparatorsAndArrows() {
        assertEquals("64 -> 32", LayerTable.change(64, 32L));
        assertEquals("1,234", LayerTable.change(1234, 1234L));
        assertEquals("2,359,296 -> 589,824", LayerTable.change(2_359_296, 589_824L));
        assertEquals("16 -> removed", LayerTable.change(16, null));
    }

    @Test
    void reportLayersCarryParamsAndMacsThatFollowFromTheShapes() {
        Map<?, ?> j = prune("resnet20", "--ratio", "0.5", "--json").json();
        Map<?, ?> layers = (Map<?, ?>) j.get("layers");
        long paramsBefore = 0;
        long paramsAfter = 0;
        for (Map.Entry<?, ?> e : layers.entrySet()) {
            Map<?, ?> l = (Map<?, ?>) e.getValue();
            assertEquals(List.of("type", "before", "after", "params_before", "params_after", "macs_before",
                    "macs_after"), List.copyOf(l.keySet()), "keys of " + e.getKey());
            paramsBefore += num(l.get("params_before"));
            paramsAfter += num(l.get("params_after"));
            if ("Conv2d".equals(l.get("type"))) {
                // a 3x3 (or 1x1 downsample) convolution without bias: out * in * k * k weights
                Map<?, ?> b = (Map<?, ?>) l.get("before");
                Map<?, ?> a = (Map<?, ?>) l.get("after");
                long k2 = String.valueOf(e.getKey()).contains("downsample") ? 1 : 9;
                assertEquals(num(b.get("out")) * num(b.get("in")) * k2, num(l.get("params_before")), e.getKey() + "");
                assertEquals(num(a.get("out")) * num(a.get("in")) * k2, num(l.get("params_after")), e.getKey() + "");
                // MACs = weights * output pixels, so the ratio after / before is the ratio of the weights
                assertEquals(num(l.get("macs_before")) * num(l.get("params_after")),
                        num(l.get("macs_after")) * num(l.get("params_before")), e.getKey() + "");
            }
        }
        assertEquals(num(j.get("base_params")), paramsBefore, "every trainable parameter is in a listed layer");
        assertEquals(num(j.get("params")), paramsAfter);
        Map<?, ?> c1 = (Map<?, ?>) layers.get("layer1.0.conv1");
        assertEquals(16L * 16 * 9 * 32 * 32, num(c1.get("macs_before")), "16->16 3x3 conv at 32x32");
        assertEquals(8L * 8 * 9 * 32 * 32, num(c1.get("macs_after")), "8->8 after halving");
        Map<?, ?> fc = (Map<?, ?>) layers.get("fc");
        assertEquals(64L * 10 + 10, num(fc.get("params_before")));
        assertEquals(32L * 10 + 10, num(fc.get("params_after")));
    }

    @Test
    void tableListsEveryLayerAlignedWithTotals() {
        Result r = prune("resnet20", "--ratio", "0.5", "--ignore", "layer3");
        List<String> table = tableLines(r.out());
        assertTrue(table.get(0).matches("  layer +type +in +out +params +MACs"), table.get(0));
        assertEquals(1 + 43 + 1, table.size(), "header, 43 parameter layers (unchanged ones too), totals:\n" + r.out());
        int width = table.get(0).length();
        for (String line : table) {
            assertEquals(width, line.length(), "right-aligned last column: '" + line + "'");
        }
        String conv = row(table, "layer1.0.conv1");
        assertTrue(conv.matches("  layer1\\.0\\.conv1 +Conv2d +16 -> 8 +16 -> 8 +2,304 -> 576 +2,359,296 -> 589,824"),
                conv);
        String kept = row(table, "layer3.1.conv1");
        assertTrue(kept.matches("  layer3\\.1\\.conv1 +Conv2d +64 +64 +36,864 +2,359,296"), kept);
        Map<?, ?> j = prune("resnet20", "--ratio", "0.5", "--ignore", "layer3", "--json").json();
        String total = table.get(table.size() - 1);
        assertTrue(total.endsWith(String.format(Locale.ROOT, "%,d -> %,d  %,d -> %,d", num(j.get("base_params")),
                num(j.get("params")), num(j.get("base_macs")), num(j.get("macs")))), total);
        assertTrue(total.startsWith("  total "), total);
    }

    @Test
    void changedOnlyLeavesOutTheLayersAsBefore() {
        Result all = prune("resnet20", "--ratio", "0.5", "--ignore", "layer3");
        Result changed = prune("resnet20", "--ratio", "0.5", "--ignore", "layer3", "--changed-only");
        List<String> table = tableLines(changed.out());
        for (String line : table.subList(1, table.size() - 1)) {
            assertTrue(line.contains("->"), "only changed layers: " + line);
        }
        assertFalse(changed.out().contains("layer3.1.conv1"), changed.out());
        assertTrue(all.out().contains("layer3.1.conv1"));
        // with layer3 ignored, its layers keep their sizes (but for the inputs of those fed by layer2): the table
        // holds exactly the changed layers the summary line counts
        String summary = changed.out().lines().filter(l -> l.startsWith("layers ")).findFirst().orElseThrow();
        int n = Integer.parseInt(summary.replaceAll("^layers +(\\d+) of.*", "$1"));
        assertEquals(n + 2, table.size(), summary);
        assertTrue(n < 43, summary);
    }

    /** The table: from its header line to its totals line. */
    static List<String> tableLines(String out) {
        List<String> lines = out.lines().toList();
        int start = -1;
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).startsWith("  layer ")) {
                start = i;
            }
        }
        assertTrue(start >= 0, "no table in\n" + out);
        List<String> t = new ArrayList<>();
        for (int i = start; i < lines.size(); i++) {
            t.add(lines.get(i));
            if (lines.get(i).startsWith("  total ")) {
                return t;
            }
        }
        throw new AssertionError("no totals line in\n" + out);
    }

    private static String row(List<String> table, String layer) {
        return table.stream().filter(l -> l.startsWith("  " + layer + " ")).findFirst()
                .orElseThrow(() -> new AssertionError(layer + " not in the table"));
    }
}
