package dev.jprune.depgraph;

import dev.jprune.ir.Graph;
import dev.jprune.ir.GraphBuilder;
import dev.jprune.ir.Value;
import dev.jprune.ops.Add;
import dev.jprune.ops.BatchNorm2d;
import dev.jprune.ops.Conv2d;
import dev.jprune.ops.ReLU;
import dev.jprune.tensor.Shape;
import dev.jprune.weights.RandomInit;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Group building, de-duplication, ignored layers and the legality checks on a small residual network. */
class DependencyGraphTest {

    /** stem conv → bn → relu → (conv a → bn a) + identity → relu → head conv (graph output). */
    private static Graph residual() {
        GraphBuilder b = new GraphBuilder("residual");
        Value x = b.input("x", Shape.of(1, 3, 8, 8));
        Value s = b.module("relu", new ReLU(), b.module("bn", new BatchNorm2d(8, 1e-5, 0.1, true),
                b.module("stem", Conv2d.of(3, 8, 3, 1, 1, false), x)));
        Value a = b.module("bna", new BatchNorm2d(8, 1e-5, 0.1, true), b.module("conva", Conv2d.of(8, 8, 3, 1, 1, false), s));
        Value r = b.module("relu2", new ReLU(), b.call("add", new Add(), a, s));
        Graph g = b.build(b.module("head", Conv2d.of(8, 4, 1, 1, 0, true), r));
        RandomInit.fill(g, 1);
        return g;
    }

    @Test
    void aResidualStageIsOneGroupAndTheOutputLayerRootsNone() {
        DependencyGraph dg = new DependencyGraph(residual());
        List<Group> groups = dg.allGroups();
        assertEquals(1, groups.size(), groups.toString());
        Group g = groups.get(0);
        assertEquals("stem", g.root().name());
        List<String> members = g.members().stream().map(m -> m.layer() + " " + m.side().label()).toList();
        assertEquals(List.of("stem out", "bn out", "relu out", "conva in", "conva out", "bna out", "add out",
                "relu2 out", "head in"), members);
    }

    @Test
    void ignoringAnOutMemberDropsTheGroup() {
        DependencyGraph dg = new DependencyGraph(residual());
        assertEquals(0, dg.allGroups(List.of("conva")).size());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> dg.allGroups(List.of("nope")));
        assertTrue(e.getMessage().contains("nope"), e.getMessage());
    }

    @Test
    void legalityProblemsAreReportedAndNothingChanges() {
        Graph graph = residual();
        DependencyGraph dg = new DependencyGraph(graph);
        Group all = dg.pruningGroup("stem", Side.OUT, 0, 1, 2, 3, 4, 5, 6, 7);
        assertFalse(all.problems().isEmpty());
        assertTrue(all.problems().get(0).contains("all 8 indices"), all.problems().toString());
        IllegalStateException e = assertThrows(IllegalStateException.class, all::prune);
        assertTrue(e.getMessage().contains("stem"), e.getMessage());
        assertEquals(Shape.of(8, 3, 3, 3), graph.stateDict().get("stem.weight").value().shape());

        Group out = dg.pruningGroup("head", Side.OUT, 1);
        assertTrue(out.touchesGraphBoundary());
        assertTrue(String.join(";", out.problems()).contains("graph output"), out.problems().toString());

        assertThrows(IllegalArgumentException.class, () -> dg.pruningGroup("stem", Side.OUT, 8));
        assertThrows(IllegalArgumentException.class, () -> dg.pruningGroup("missing", Side.OUT, 0));
        assertThrows(IllegalArgumentException.class, () -> dg.pruningGroup("add", Side.OUT, 0));
    }

    @Test
    void anInSideRootReachesTheProducers() {
        DependencyGraph dg = new DependencyGraph(residual());
        Group g = dg.pruningGroup("head", Side.IN, 3);
        assertEquals("head", g.members().get(0).layer());
        assertEquals(Side.IN, g.members().get(0).side());
        assertEquals(9, g.members().size(), g.details());
    }

    @Test
    void pruningRemovesTheChannelsEverywhere() {
        Graph graph = residual();
        new DependencyGraph(graph).pruningGroup("stem", Side.OUT, 1, 5).prune();
        assertEquals(Shape.of(6, 3, 3, 3), graph.stateDict().get("stem.weight").value().shape());
        assertEquals(Shape.of(6, 6, 3, 3), graph.stateDict().get("conva.weight").value().shape());
        assertEquals(Shape.of(4, 6, 1, 1), graph.stateDict().get("head.weight").value().shape());
        assertEquals(Shape.of(6), graph.stateDict().get("bna.running_mean").value().shape());
        List<String> skipped = new ArrayList<>();
        assertEquals(1, new DependencyGraph(graph).allGroups(List.of(), DependencyGraph.DEFAULT_ROOT_TYPES, skipped).size());
        assertTrue(skipped.isEmpty());
    }
}
