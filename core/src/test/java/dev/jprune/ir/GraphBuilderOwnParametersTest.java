package dev.jprune.ir;

import dev.jprune.exec.Executor;
import dev.jprune.ops.Add;
import dev.jprune.ops.FreeParameter;
import dev.jprune.ops.Linear;
import dev.jprune.tensor.Shape;
import dev.jprune.tensor.Tensor;
import dev.jprune.weights.Parity;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A module's own parameters ({@link GraphBuilder#own}: {@code self.class_token} at the top level,
 * {@code encoder.pos_embedding}) and modules declared ahead of their first call ({@link GraphBuilder#declare}), which
 * put the {@code state_dict} in registration order rather than call order.
 */
class GraphBuilderOwnParametersTest {

    @Test
    void ownParametersAreNamedAfterTheCurrentModule() {
        GraphBuilder b = new GraphBuilder("tokens");
        Value x = b.input("input", Shape.of(2, 3, 4));
        Value token = b.own("class_token", FreeParameter.of("class_token", 1, 1, 4));
        Value y;
        try (GraphBuilder.Scope s = b.scope("encoder")) {
            Value pos = b.own("pos_embedding", FreeParameter.of("pos_embedding", 1, 3, 4));
            y = b.call("add", new Add(), x, pos);
            y = b.call("add", new Add(), y, token);
            // a second use shares the tensor
            y = b.call("add", new Add(), y, b.own("pos_embedding", FreeParameter.of("pos_embedding", 1, 3, 4)));
        }
        Graph g = b.build(y);
        assertEquals(List.of("class_token", "encoder.pos_embedding"), List.copyOf(g.stateDict().keySet()));
        Node top = g.requireNode("class_token");
        assertFalse(top.isModuleCall());
        assertEquals("class_token", top.moduleName());
        assertSame(g.requireNode("encoder.pos_embedding").parameter("pos_embedding"),
                g.requireNode("encoder.pos_embedding#1").parameter("pos_embedding"));
        assertEquals(4 + 12, g.parameterCount());
        Parity.fill(g);
        Tensor in = Parity.input(Shape.of(2, 3, 4));
        Tensor out = Executor.run(g, in)[0];
        float[] pos = g.stateDict().get("encoder.pos_embedding").value().data();
        float[] cls = g.stateDict().get("class_token").value().data();
        // out[n, l, e] = x + 2·pos[l, e] + cls[e]
        for (int i = 0; i < out.numel(); i++) {
            float expected = in.data()[i] + pos[i % 12] + cls[i % 4] + pos[i % 12];
            assertEquals(expected, out.data()[i], 1e-6f, "element " + i);
        }
    }

    @Test
    void anOwnParameterRedeclaredWithAnotherShapeIsAnError() {
        GraphBuilder b = new GraphBuilder("bad");
        b.own("scale", FreeParameter.of("scale", 4));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> b.own("scale", FreeParameter.of("scale", 5)));
        assertTrue(e.getMessage().contains("scale"), e.getMessage());
    }

    @Test
    void aDeclaredModuleTakesItsStateDictPlaceAtTheDeclaration() {
        GraphBuilder b = new GraphBuilder("declared");
        Value x = b.input("input", Shape.of(1, 4));
        b.declare("proj", Linear.of(4, 4, true));
        Value h = b.module("mlp", Linear.of(4, 4, false), x);
        Value y = b.module("proj", Linear.of(4, 4, true), h);
        Graph g = b.build(y);
        assertEquals(List.of("proj.weight", "proj.bias", "mlp.weight"), List.copyOf(g.stateDict().keySet()));
        assertEquals(List.of("mlp", "proj"), g.nodes().stream().map(Node::name).toList());
        // the order survives a copy for other input shapes
        assertEquals(List.copyOf(g.stateDict().keySet()),
                List.copyOf(g.withInputShapes(Shape.of(3, 4)).stateDict().keySet()));
    }

    @Test
    void aDeclaredModuleMustBeAppliedWithTheSameParameters() {
        GraphBuilder b = new GraphBuilder("declared");
        Value x = b.input("input", Shape.of(1, 4));
        b.declare("proj", Linear.of(4, 4, true));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> b.module("proj", Linear.of(4, 2, true), x));
        assertTrue(e.getMessage().contains("proj"), e.getMessage());
        GraphBuilder c = new GraphBuilder("unused");
        Value in = c.input("input", Shape.of(1, 4));
        c.declare("proj", Linear.of(4, 4, true));
        IllegalStateException u = assertThrows(IllegalStateException.class, () -> c.build(in));
        assertTrue(u.getMessage().contains("proj.weight"), u.getMessage());
    }
}
