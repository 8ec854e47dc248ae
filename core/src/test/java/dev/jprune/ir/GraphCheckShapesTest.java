package dev.jprune.ir;

import dev.jprune.ops.Linear;
import dev.jprune.ops.ReLU;
import dev.jprune.tensor.Shape;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link Graph#checkShapes}: what {@link Graph#inferShapes()} would say after replacing ops and resizing
 * parameters, without changing the graph.
 */
class GraphCheckShapesTest {

    /** x (2, 6) → fc1 Linear(6, 4) → ReLU → fc2 Linear(4, 3). */
    private static Graph net() {
        GraphBuilder b = new GraphBuilder("mlp");
        Value x = b.input("x", Shape.of(2, 6));
        Value h = b.call("relu", new ReLU(), b.module("fc1", Linear.of(6, 4, true), x));
        return b.build(b.module("fc2", Linear.of(4, 3, true), h));
    }

    @Test
    void aConsistentReplacementPassesAndNothingChanges() {
        Graph g = net();
        Node fc1 = g.requireNode("fc1");
        Node fc2 = g.requireNode("fc2");
        Op op1 = fc1.op();
        Map<Node, Op> ops = Map.of(fc1, Linear.of(6, 2, true), fc2, Linear.of(2, 3, true));
        Map<String, Shape> sizes = Map.of("fc1.weight", Shape.of(2, 6), "fc1.bias", Shape.of(2),
                "fc2.weight", Shape.of(3, 2));
        g.checkShapes(n -> ops.getOrDefault(n, n.op()), p -> sizes.getOrDefault(p.name(), p.shape()));
        assertSame(op1, fc1.op());
        assertEquals(Shape.of(2, 4), fc1.output(0).shape());
        assertEquals(Shape.of(4, 6), g.stateDict().get("fc1.weight").shape());
    }

    @Test
    void aMismatchNamesTheNodeOrParameter() {
        Graph g = net();
        Node fc1 = g.requireNode("fc1");
        // fc1 shrinks but fc2 still expects 4 inputs
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> g.checkShapes(
                n -> n == fc1 ? Linear.of(6, 2, true) : n.op(),
                p -> p.name().equals("fc1.weight") ? Shape.of(2, 6) : p.name().equals("fc1.bias") ? Shape.of(2)
                        : p.shape()));
        assertTrue(e.getMessage().contains("fc2"), e.getMessage());
        // the op is replaced but its parameter keeps its shape
        e = assertThrows(IllegalStateException.class, () -> g.checkShapes(
                n -> n == fc1 ? Linear.of(6, 2, true) : n.op(), Parameter::shape));
        assertTrue(e.getMessage().contains("fc1.weight"), e.getMessage());
        g.inferShapes(); // still consistent
        assertEquals(Shape.of(2, 4), fc1.output(0).shape());
    }
}
