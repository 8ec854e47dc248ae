package dev.jprune.prune;

import dev.jprune.depgraph.DependencyGraph;
import dev.jprune.depgraph.Group;
import dev.jprune.depgraph.HeadMode;
import dev.jprune.depgraph.ScenarioVitTest;
import dev.jprune.depgraph.Side;
import dev.jprune.exec.Executor;
import dev.jprune.ir.Graph;
import dev.jprune.ir.Node;
import dev.jprune.ops.Attention;
import dev.jprune.ops.MultiheadInProjection;
import dev.jprune.prune.importance.GroupMagnitudeImportance;
import dev.jprune.prune.importance.Importance;
import dev.jprune.prune.importance.Normalizer;
import dev.jprune.tensor.Shape;
import dev.jprune.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Attention heads in the pruners, on {@link ScenarioVitTest}'s encoder block (embedding 16, 2 heads of 8, fused
 * {@code in_proj} of 48 rows: queries 0–15, keys 16–31, values 32–47), with free widths and with widths tied to the
 * embedding ({@link Attention.Width#TIED}).
 */
class HeadPruningTest {

    private static final Importance L2 = GroupMagnitudeImportance.builder().p(2).build();

    private static Shape headView(Graph g, String permute) {
        return g.requireNode(permute).output(0).shape();
    }

    private static void assertRuns(Graph g) {
        Tensor out = Executor.run(g, ScenarioVitTest.randomInput(3))[0];
        assertEquals(Shape.of(2, 5, 4), out.shape());
        for (float v : out.data()) {
            assertTrue(Float.isFinite(v));
        }
    }

    @Test
    void byDefaultTheSameInHeadDimensionsGoFromEveryHeadAndTheHeadCountStays() {
        Graph g = ScenarioVitTest.vit();
        BasePruner p = BasePruner.builder(g).importance(L2).pruningRatio(0.5).build();
        assertEquals(HeadMode.DIMS, p.headMode());
        p.step();
        // 8 query/key dimensions (4 channels each: every head's query and key) and 8 value dimensions (2 channels
        // each), each kind ranked on its own: half of each removed
        Shape q = headView(g, "self_attention.permute");
        Shape k = headView(g, "self_attention.permute#1");
        Shape v = headView(g, "self_attention.permute#2");
        assertEquals(2, q.dim(1), "head count kept");
        assertEquals(2, v.dim(1), "head count kept");
        assertEquals(q.dim(3), k.dim(3), "queries and keys keep the same dimensions");
        assertEquals(4, q.dim(3), "query/key dimensions kept: " + q);
        assertEquals(4, v.dim(3), "value dimensions kept: " + v);
        int rows = g.stateDict().get("self_attention.in_proj_weight").value().shape().dim(0);
        assertEquals(2 * 2 * q.dim(3) + 2 * v.dim(3), rows);
        assertEquals(2 * v.dim(3), g.stateDict().get("self_attention.out_proj.weight").value().shape().dim(1));
        assertRuns(g);
    }

    @Test
    void roundToKeepsAMultipleOfInHeadDimensionsOfEachKind() {
        Graph g = ScenarioVitTest.vit();
        BasePruner.builder(g).importance(L2).pruningRatio(0.4).roundTo(4).build().step();
        int qk = headView(g, "self_attention.permute").dim(3);
        int v = headView(g, "self_attention.permute#2").dim(3);
        assertEquals(0, qk % 4, "query/key head dim " + qk);
        assertEquals(0, v % 4, "value head dim " + v);
        assertTrue(qk + v < 16, "something was pruned: " + qk + " + " + v);
        assertRuns(g);
    }

    @Test
    void wholeHeadsGoWithTheLowestMeanScore() {
        for (boolean global : new boolean[] {false, true}) {
            Graph g = ScenarioVitTest.vit();
            // the expected head: the lower mean score over the head's channels in the whole-head group
            DependencyGraph dg = new DependencyGraph(g, HeadMode.WHOLE);
            Node inProj = g.requireNode("self_attention");
            Group full = dg.allGroups(List.of("head")).stream().filter(x -> x.root() == inProj).findFirst().orElseThrow();
            float[] imp = L2.score(full);
            double[] mean = new double[2];
            for (int h = 0; h < 2; h++) {
                int[] head = dg.pruningGroup("self_attention", Side.OUT, h * 8).member("self_attention", Side.OUT)
                        .indices().indices();
                assertEquals(24, head.length);
                for (int c : head) {
                    mean[h] += imp[c] / 24.0;
                }
            }
            int keptHead = mean[0] < mean[1] ? 1 : 0;
            float[] w = g.stateDict().get("self_attention.in_proj_weight").value().data().clone();

            BasePruner p = BasePruner.builder(g).importance(L2).pruningRatio(0.5).globalPruning(global)
                    .headMode(HeadMode.WHOLE).headPruningRatio(0.5)
                    .ignoredLayers(List.of("embed")).build();   // keep the embedding so that rows compare whole
            p.step();
            assertEquals(Shape.of(2, 1, 5, 8), headView(g, "self_attention.permute"), "global " + global);
            assertEquals(Shape.of(2, 1, 5, 8), headView(g, "self_attention.permute#2"));
            float[] kept = g.stateDict().get("self_attention.in_proj_weight").value().data();
            assertEquals(24 * 16, kept.length);
            // the kept rows are the kept head's query, key and value rows, in order
            for (int part = 0; part < 3; part++) {
                for (int d = 0; d < 8; d++) {
                    int from = part * 16 + keptHead * 8 + d;
                    for (int c = 0; c < 16; c++) {
                        assertEquals(w[from * 16 + c], kept[(part * 8 + d) * 16 + c], "row " + from);
                    }
                }
            }
            // the MLP was pruned at the channel ratio as usual
            assertEquals(16, g.requireNode("mlp.0").output(0).shape().dim(2));
            assertRuns(g);
        }
    }

    @Test
    void theHistoryRemembersTheHeadMode(@TempDir Path dir) throws Exception {
        Graph g = ScenarioVitTest.vit();
        BasePruner p = BasePruner.builder(g).importance(L2).pruningRatio(0.5).headMode(HeadMode.WHOLE).build();
        p.step();
        Path file = dir.resolve("history.json");
        p.saveHistory(file);
        assertTrue(Files.readString(file).contains("\"heads\":\"whole\"") || Files.readString(file).contains("\"heads\": \"whole\""),
                Files.readString(file));
        Graph fresh = ScenarioVitTest.vit();
        BasePruner.replayHistory(fresh, file);
        assertEquals(g.stateDict().keySet(), fresh.stateDict().keySet());
        g.stateDict().forEach((k, v) -> assertEquals(v.value().shape(), fresh.stateDict().get(k).value().shape(), k));
        assertArrayEquals(g.stateDict().get("self_attention.in_proj_weight").value().data(),
                fresh.stateDict().get("self_attention.in_proj_weight").value().data());
        assertEquals(Shape.of(2, 1, 5, 8), headView(fresh, "self_attention.permute"));
    }

    /** The embedding positions of {@code g}'s {@code ln_1} that are left, found by their weights. */
    private static int[] keptPositions(float[] before, float[] after) {
        int[] kept = new int[after.length];
        for (int k = 0, i = 0; k < after.length; i++) {
            if (before[i] == after[k]) {
                kept[k++] = i;
            }
        }
        return kept;
    }

    /** The raw (unnormalised, summed) score of each embedding unit of the tied block, by its first position. */
    private static double[] unitScores(Graph g, HeadMode mode, int units, int stride) {
        Importance raw = GroupMagnitudeImportance.builder().p(2).normalizer(Normalizer.NONE).build();
        DependencyGraph dg = new DependencyGraph(g, mode);
        double[] s = new double[units];
        for (int u = 0; u < units; u++) {
            s[u] = raw.score(dg.pruningGroup("embed", Side.OUT, u * stride))[0];
        }
        return s;
    }

    @Test
    void aTiedAttentionShrinksWithTheEmbeddingAndKeepsItsHeads() {
        Graph g = ScenarioVitTest.vit(Attention.Width.TIED);
        // 8 units (in-head position i of both heads: positions i and i + 8); the 4 lowest go
        double[] unit = unitScores(g, HeadMode.DIMS, 8, 1);
        int[] order = java.util.stream.IntStream.range(0, 8).boxed().sorted((a, b) -> Double.compare(unit[a], unit[b]))
                .mapToInt(Integer::intValue).toArray();
        int[] keptUnits = java.util.Arrays.stream(order, 4, 8).sorted().toArray();
        int[] expected = java.util.stream.IntStream.concat(java.util.Arrays.stream(keptUnits),
                java.util.Arrays.stream(keptUnits).map(u -> u + 8)).toArray();
        float[] ln1 = g.stateDict().get("ln_1.weight").value().data().clone();

        BasePruner.builder(g).importance(L2).pruningRatio(0.5).build().step();
        assertEquals(new MultiheadInProjection(8, 2, true), g.requireNode("self_attention").op());
        assertEquals(Shape.of(24, 8), g.stateDict().get("self_attention.in_proj_weight").value().shape());
        assertEquals(Shape.of(8, 8), g.stateDict().get("self_attention.out_proj.weight").value().shape());
        for (String v : new String[] {"self_attention.permute", "self_attention.permute#1", "self_attention.permute#2"}) {
            assertEquals(Shape.of(2, 2, 5, 4), headView(g, v), v);
        }
        assertArrayEquals(expected, keptPositions(ln1, g.stateDict().get("ln_1.weight").value().data()));
        assertEquals(16, g.requireNode("mlp.0").output(0).shape().dim(2), "the MLP at the channel ratio");
        assertRuns(g);
    }

    @Test
    void wholeHeadsOfATiedAttentionLeaveTheEmbedding() {
        Graph g = ScenarioVitTest.vit(Attention.Width.TIED);
        double[] head = unitScores(g, HeadMode.WHOLE, 2, 8);
        int kept = head[0] < head[1] ? 1 : 0;
        float[] ln1 = g.stateDict().get("ln_1.weight").value().data().clone();
        BasePruner.builder(g).importance(L2).pruningRatio(0.5).headMode(HeadMode.WHOLE).headPruningRatio(0.5).build()
                .step();
        assertEquals(new MultiheadInProjection(8, 1, true), g.requireNode("self_attention").op());
        assertEquals(Shape.of(2, 1, 5, 8), headView(g, "self_attention.permute#2"));
        assertArrayEquals(java.util.stream.IntStream.range(kept * 8, kept * 8 + 8).toArray(),
                keptPositions(ln1, g.stateDict().get("ln_1.weight").value().data()));
        assertRuns(g);
    }

    @Test
    void badHeadSettingsAreRejected() {
        Graph g = ScenarioVitTest.vit();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> BasePruner.builder(g).importance(L2).headPruningRatio(1.0).build());
        assertTrue(e.getMessage().contains("headPruningRatio"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> BasePruner.builder(g).headMode(null));
        e = assertThrows(IllegalArgumentException.class, () -> HeadMode.parse("some"));
        assertTrue(e.getMessage().contains("dims or whole"), e.getMessage());
        assertEquals(HeadMode.WHOLE, HeadMode.parse("WHOLE"));
    }
}
