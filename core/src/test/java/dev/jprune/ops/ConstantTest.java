package dev.jprune.ops;

import dev.jprune.count.OpCounter;
import dev.jprune.exec.Executor;
import dev.jprune.ir.Graph;
import dev.jprune.ir.GraphBuilder;
import dev.jprune.ir.Value;
import dev.jprune.tensor.Shape;
import dev.jprune.tensor.Tensor;
import org.junit.jupiter.api.Test;

import static dev.jprune.ops.ElementwiseTestSupport.assertShapeError;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ConstantTest {

    @Test
    void scalarMultiplyInAGraph() {
        GraphBuilder b = new GraphBuilder("scale");
        Value x = b.input("x", Shape.of(2, 3));
        Value half = b.call("half", Constant.scalar(0.5f));
        Value y = b.call("mul", new Mul(), x, half);
        Graph g = b.build(y);
        assertTrue(g.stateDict().isEmpty(), "a constant is not in the state_dict");
        assertEquals(0, g.parameterCount());
        Tensor in = Tensor.of(Shape.of(2, 3), 1f, -2f, 3f, 4f, 5f, 6f);
        assertArrayEquals(new float[] {0.5f, -1f, 1.5f, 2f, 2.5f, 3f}, Executor.run(g, in)[0].data());
        assertEquals(0, OpCounter.count(g).ops());
    }

    @Test
    void theConstantCannotBeChangedFromOutside() {
        Tensor t = Tensor.of(Shape.of(3), 1f, 2f, 3f);
        Constant c = new Constant(t);
        t.data()[0] = 99f;
        assertEquals(1f, c.value().data()[0], "the constructor copies");
        c.value().data()[1] = 99f;
        assertEquals(2f, c.value().data()[1], "value() returns a copy");
        GraphBuilder b = new GraphBuilder("const");
        Value v = b.call("c", c);
        Graph g = b.build(v);
        Tensor first = Executor.run(g)[0];
        first.data()[2] = 99f;
        Tensor second = Executor.run(g)[0];
        assertNotSame(first, second);
        assertArrayEquals(new float[] {1f, 2f, 3f}, second.data(), "each forward outputs a fresh copy");
    }

    @Test
    void equalityIsByShapeAndContent() {
        Constant a = new Constant(Tensor.of(Shape.of(2), 1f, 2f));
        Constant b = new Constant(Tensor.of(Shape.of(2), 1f, 2f));
        assertEquals(a, b);
        assertEquals(a.hashCode(), b.hashCode());
        assertNotEquals(a, new Constant(Tensor.of(Shape.of(2, 1), 1f, 2f)), "same content, other shape");
        assertNotEquals(a, new Constant(Tensor.of(Shape.of(2), 1f, 3f)), "other content");
        assertEquals(Constant.scalar(Float.NaN), Constant.scalar(Float.NaN));
    }

    @Test
    void shapeCountAndDescription() {
        Constant c = new Constant(Tensor.of(Shape.of(3), 1f, 2f, 3f));
        assertEquals(Shape.of(3), c.inferShapes(new Shape[0])[0]);
        assertEquals(Shape.of(3), c.shape());
        assertShapeError(c, new Shape[] {Shape.of(3)}, "Constant", "0 input", "got 1");
        assertEquals(0, c.countOps(new Shape[0], new Shape[] {Shape.of(3)}));
        assertEquals("Constant(shape=(3,), values=[1.0, 2.0, 3.0])", c.describe());
        assertEquals("Constant", c.type());
        assertTrue(new Constant(Tensor.zeros(10)).describe().endsWith(", ...])"));
    }
}
