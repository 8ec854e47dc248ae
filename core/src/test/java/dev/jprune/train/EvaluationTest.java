package dev.jprune.train;

import dev.jprune.ir.Graph;
import dev.jprune.ir.GraphBuilder;
import dev.jprune.ir.Value;
import dev.jprune.ops.Identity;
import dev.jprune.tensor.Shape;
import dev.jprune.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * {@link Evaluation} on an identity "model" whose logits are the inputs, so top-1/top-5 and the loss can be worked
 * out by hand: ranks with ties (the lower class index wins, as torch's argmax), fewer than five classes, batches of
 * another size than the graph's.
 */
class EvaluationTest {

    private static Graph identity(int classes) {
        GraphBuilder b = new GraphBuilder("id");
        Value x = b.input("input", Shape.of(1, classes));
        return b.build(b.call("id", new Identity(), x));
    }

    @Test
    void topOneTopFiveAndLossByHand() {
        // 7 classes; rows: target first (top-1), target 3rd, target 6th, target tied for first at a higher index
        float[] logits = {
            9, 1, 2, 3, 4, 5, 6, // target 0: first
            1, 2, 9, 8, 0, 0, 0, // target 3: second -> top-5 only
            7, 6, 5, 4, 3, 2, 1, // target 5: sixth -> neither
            5, 5, 0, 0, 0, 0, 0, // target 1: tie with class 0, which wins -> top-5 only
        };
        float[] targets = {0, 3, 5, 1};
        Batch b1 = new Batch(Tensor.wrap(Shape.of(3, 7), java.util.Arrays.copyOf(logits, 21)),
                Tensor.wrap(Shape.of(3), new float[] {0, 3, 5}));
        Batch b2 = new Batch(Tensor.wrap(Shape.of(1, 7), java.util.Arrays.copyOfRange(logits, 21, 28)),
                Tensor.wrap(Shape.of(1), new float[] {1}));
        Accuracy a = Evaluation.run(identity(7), BatchSource.of(List.of(b1, b2)));
        assertEquals(4, a.samples());
        assertEquals(0.25, a.top1(), 0);
        assertEquals(0.75, a.top5(), 0);
        double loss = 0;
        for (int r = 0; r < 4; r++) {
            double max = Double.NEGATIVE_INFINITY;
            for (int c = 0; c < 7; c++) {
                max = Math.max(max, logits[r * 7 + c]);
            }
            double sum = 0;
            for (int c = 0; c < 7; c++) {
                sum += Math.exp(logits[r * 7 + c] - max);
            }
            loss += -(logits[r * 7 + (int) targets[r]] - max - Math.log(sum));
        }
        assertEquals(loss / 4, a.loss(), 1e-6 * Math.abs(loss));
    }

    @Test
    void fewerThanFiveClassesCountEveryTargetInTopFive() {
        Batch b = new Batch(Tensor.wrap(Shape.of(2, 2), new float[] {0, 1, 3, -1}), Tensor.wrap(Shape.of(2), new float[] {0, 0}));
        Accuracy a = Evaluation.run(identity(2), BatchSource.of(List.of(b)));
        assertEquals(0.5, a.top1(), 0);
        assertEquals(1.0, a.top5(), 0);
    }

    @Test
    void emptySourceIsAnError() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Evaluation.run(identity(2), BatchSource.of(List.of())));
        assertEquals("Evaluation: the data source has no samples", e.getMessage());
    }
}
