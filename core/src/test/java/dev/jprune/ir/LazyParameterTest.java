package dev.jprune.ir;

import dev.jprune.count.OpCounter;
import dev.jprune.ops.BatchNorm2d;
import dev.jprune.ops.Conv2d;
import dev.jprune.ops.Linear;
import dev.jprune.tensor.Shape;
import dev.jprune.tensor.Tensor;
import dev.jprune.weights.Parity;
import dev.jprune.weights.RandomInit;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A built graph holds no weight storage until a value is read: counting and naming a model never allocate its
 * weights, and filling them never keeps a zero copy beside the new values (RegNetY-128GF's 2.6 GB).
 */
class LazyParameterTest {

    private static Graph net() {
        GraphBuilder b = new GraphBuilder("net");
        Value x = b.input("x", Shape.of(1, 3, 8, 8));
        x = b.module("conv", Conv2d.of(3, 16, 3, 1, 1, false), x);
        x = b.module("bn", BatchNorm2d.of(16), x);
        return b.build(b.module("fc", Linear.of(8, 5, true), x));
    }

    private static boolean anyAllocated(Graph g) {
        return g.stateDict().values().stream().anyMatch(Parameter::allocated);
    }

    @Test
    void buildingAndCountingAllocateNothing() {
        Graph g = net();
        assertFalse(anyAllocated(g));
        assertEquals(16 * 3 * 9 + 16 + 16 + 8 * 5 + 5, g.parameterCount());
        assertEquals(g.parameterCount(), OpCounter.count(g).params());
        assertEquals(Shape.of(16, 3, 3, 3), g.stateDict().get("conv.weight").shape());
        assertEquals(Shape.of(), g.stateDict().get("bn.num_batches_tracked").shape());
        assertFalse(anyAllocated(g));
    }

    @Test
    void readingAValueAllocatesItsZerosOnceAndSharesThem() {
        Graph g = net();
        Parameter w = g.stateDict().get("conv.weight");
        Tensor v = w.value();
        assertTrue(w.allocated());
        assertEquals(Shape.of(16, 3, 3, 3), v.shape());
        assertArrayEquals(new float[16 * 27], v.data());
        assertSame(v, w.value());
        assertFalse(g.stateDict().get("fc.weight").allocated());
    }

    @Test
    void fillingNeverAllocatesZerosAndSetValueChangesTheShape() {
        Graph g = net();
        Parity.fill(g);
        // float tensors hold their parity values; integer buffers (num_batches_tracked) stay unallocated until read
        assertEquals(Parity.value("conv.weight", Shape.of(16, 3, 3, 3)).data()[5],
                g.stateDict().get("conv.weight").value().data()[5]);
        assertFalse(g.stateDict().get("bn.num_batches_tracked").allocated());
        assertEquals(0f, g.stateDict().get("bn.num_batches_tracked").value().data()[0]);
        Graph h = net();
        RandomInit.fill(h, 1);
        assertTrue(h.stateDict().get("fc.weight").allocated());
        Parameter p = h.stateDict().get("fc.bias");
        p.setValue(Tensor.zeros(Shape.of(3)));
        assertEquals(Shape.of(3), p.shape());
    }
}
