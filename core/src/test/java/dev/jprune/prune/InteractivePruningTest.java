package dev.jprune.prune;

import dev.jprune.depgraph.Group;
import dev.jprune.depgraph.Side;
import dev.jprune.ir.Graph;
import dev.jprune.ir.Parameter;
import dev.jprune.prune.importance.Importance;
import dev.jprune.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

import static dev.jprune.prune.PrunerModels.rows;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@link BasePruner#stepInteractive()} (soft pruning, re-indexing) and the pruning history's save and replay. */
class InteractivePruningTest {

    private static final Importance FIXED = PrunerModels.fixed(Map.of(
            "stem", new float[] {5, 1, 7, 3, 8, 2, 6, 4}, "convb", new float[] {0.5f, 9, 2.5f, 1.5f, 7, 3}));

    private static boolean rowZero(Tensor t, int row) {
        int inner = t.numel() / t.dim(0);
        for (int j = 0; j < inner; j++) {
            if (t.data()[row * inner + j] != 0f) {
                return false;
            }
        }
        return true;
    }

    @Test
    void softPruningZeroesTheChosenChannelsAndKeepsShapes() {
        Graph g = PrunerModels.residual(1);
        BasePruner p = BasePruner.builder(g).importance(FIXED).build();
        Iterator<Group> it = p.stepInteractive();
        List<String> roots = new ArrayList<>();
        while (it.hasNext()) {
            Group group = it.next();
            roots.add(group.root().name() + " " + group.rootIndices());
            group.zeroOutChannels();
        }
        // Torch-Pruning's order: the tracer meets convb (nearer the output) before the stem
        assertEquals(List.of("convb [0, 2, 3]", "stem [1, 3, 5, 7]"), roots);
        assertEquals(1, p.currentStep());
        assertTrue(p.history().isEmpty(), "soft pruning is not recorded");
        Tensor stem = g.stateDict().get("stem.weight").value();
        Tensor conva = g.stateDict().get("block.conva.weight").value();
        assertEquals(8, stem.dim(0));
        for (int i = 0; i < 8; i++) {
            boolean chosen = i % 2 == 1;
            assertEquals(chosen, rowZero(stem, i), "stem row " + i);
            assertEquals(chosen, rowZero(conva, i), "block.conva row " + i); // an out-member of the residual stage
        }
        Tensor convb = g.stateDict().get("convb.weight").value();
        for (int i = 0; i < 6; i++) {
            assertEquals(i == 0 || i == 2 || i == 3, rowZero(convb, i), "convb row " + i);
        }
    }

    @Test
    void interactivePruningEqualsStepAndCanReIndex() {
        Graph a = PrunerModels.residual(3);
        BasePruner pa = BasePruner.builder(a).importance(PrunerModels.rootL2()).iterativeSteps(2).build();
        Graph b = PrunerModels.residual(3);
        BasePruner pb = BasePruner.builder(b).importance(PrunerModels.rootL2()).iterativeSteps(2).build();
        for (int s = 0; s < 2; s++) {
            pa.step();
            Iterator<Group> it = pb.stepInteractive();
            while (it.hasNext()) {
                Group group = it.next();
                group.prune();
                pb.recordPruned(group);
            }
        }
        assertEquals(pa.history(), pb.history());
        assertEquals(4, pa.history().size());
        a.stateDict().forEach((name, p) -> assertArrayEquals(p.value().data(), b.stateDict().get(name).value().data(), name));

        // re-indexing: the caller removes other channels of the chosen root
        Graph c = PrunerModels.residual(3);
        BasePruner pc = BasePruner.builder(c).importance(FIXED).build();
        Iterator<Group> it = pc.stepInteractive();
        assertEquals("convb", it.next().root().name()); // left alone
        assertTrue(it.hasNext());
        Group stem = it.next();
        assertEquals("stem", stem.root().name());
        pc.recordPruned(stem.prune(0, 6));
        assertEquals(6, rows(c, "stem.weight"));
        assertFalse(it.hasNext());
        assertEquals(List.of(new PruningHistory.Entry("stem", Side.OUT, new int[] {0, 6})), pc.history());
    }

    @Test
    void historySavedAndReplayedOnAFreshGraphGivesTheSameModel(@TempDir Path dir) throws IOException {
        Graph g = PrunerModels.residual(5);
        BasePruner p = BasePruner.builder(g).importance(PrunerModels.rootL2()).iterativeSteps(3).pruningRatio(0.6).build();
        for (int s = 0; s < 3; s++) {
            p.step();
        }
        assertEquals(6, p.history().size(), p.history().toString());
        Path file = dir.resolve("history.json");
        p.saveHistory(file);
        assertEquals(List.of(file), Files.list(dir).toList(), "no temporary file is left");
        assertTrue(Files.readString(file).contains("\"format\": \"jprune-pruning-history\""));
        assertEquals(p.history(), PruningHistory.load(file));

        Graph fresh = PrunerModels.residual(5);
        BasePruner.replayHistory(fresh, file);
        assertEquals(g.stateDict().keySet(), fresh.stateDict().keySet());
        for (Map.Entry<String, Parameter> e : g.stateDict().entrySet()) {
            Tensor want = e.getValue().value();
            Tensor got = fresh.stateDict().get(e.getKey()).value();
            assertEquals(want.shape(), got.shape(), e.getKey());
            assertArrayEquals(want.data(), got.data(), e.getKey());
        }
        assertTrue(rows(fresh, "stem.weight") < 8);

        Graph other = PrunerModels.chain(5);
        IllegalArgumentException ex = assertThrows(IllegalArgumentException.class, () -> BasePruner.replayHistory(other, file));
        assertTrue(ex.getMessage().contains("entry 0"), ex.getMessage());

        Path bad = dir.resolve("bad.json");
        Files.writeString(bad, "{\"format\": \"other\"}");
        assertThrows(IOException.class, () -> PruningHistory.load(bad));
    }
}
