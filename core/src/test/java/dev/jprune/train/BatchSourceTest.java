package dev.jprune.train;

import dev.jprune.tensor.Shape;
import dev.jprune.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.NoSuchElementException;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** {@link BatchSource#of} and {@link BatchSource#truncated}: which batches an epoch yields, from where, and counts. */
class BatchSourceTest {

    private static Batch batch(int n, float v) {
        return new Batch(Tensor.full(Shape.of(n, 1), v), Tensor.zeros(Shape.of(n)));
    }

    private static List<Batch> all(BatchIterator it) {
        List<Batch> out = new ArrayList<>();
        try (it) {
            while (it.hasNext()) {
                out.add(it.next());
            }
        }
        return out;
    }

    @Test
    void ofYieldsTheSameBatchesEveryEpochFromAnyStart() {
        List<Batch> b = List.of(batch(2, 0), batch(2, 1), batch(1, 2));
        BatchSource s = BatchSource.of(b);
        assertEquals(3, s.batchCount());
        assertEquals(5, s.sampleCount());
        assertEquals(b, all(s.epoch(0)));
        assertEquals(b, all(s.epoch(7)));
        assertEquals(b.subList(1, 3), all(s.epoch(1, 1)));
        assertEquals(List.of(), all(s.epoch(1, 3)));
        assertThrows(IllegalArgumentException.class, () -> s.epoch(0, 4));
    }

    @Test
    void truncatedEndsEpochsButKeepsTheCounts() {
        List<Batch> b = List.of(batch(2, 0), batch(2, 1), batch(2, 2), batch(2, 3));
        BatchSource t = BatchSource.of(b).truncated(2);
        assertEquals(4, t.batchCount(), "steps keep their global numbers");
        assertEquals(8, t.sampleCount());
        assertEquals(b.subList(0, 2), all(t.epoch(0)));
        assertEquals(List.of(b.get(1)), all(t.epoch(0, 1)));
        assertEquals(List.of(), all(t.epoch(0, 3)));
        BatchIterator it = t.epoch(0, 2);
        assertFalse(it.hasNext());
        assertThrows(NoSuchElementException.class, it::next);
        assertSame(b.get(0), all(BatchSource.of(b).truncated(9).epoch(0)).get(0));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> BatchSource.of(b).truncated(-1));
        assertEquals("truncated: the batch count must be >= 0, got -1", e.getMessage());
    }
}
