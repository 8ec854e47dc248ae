package dev.jprune.train;

import dev.jprune.exec.Executor;
import dev.jprune.exec.ForwardContext;
import dev.jprune.ir.Graph;
import dev.jprune.tensor.Shape;
import dev.jprune.tensor.Tensor;

/**
 * Evaluation of a classifier in eval mode (BatchNorm uses its running statistics, dropout is off): top-1/top-5
 * accuracy and mean cross-entropy over one pass of a {@link BatchSource}, as {@code model.eval()} with
 * {@code torch.no_grad()}. Batches of any size are run through {@link Graph#withInputShapes} views of the model.
 */
public final class Evaluation {

    private Evaluation() {
    }

    /** Evaluates {@code graph} (single input, output 0 = logits {@code (N, classes)}) on epoch 0 of {@code data}. */
    public static Accuracy run(Graph graph, BatchSource data) {
        return run(graph, data, null);
    }

    /**
     * Evaluates {@code graph} on epoch 0 of {@code data}, reporting each batch to {@code listener} (may be null) as
     * step {@code i} of {@code batchCount}.
     */
    public static Accuracy run(Graph graph, BatchSource data, TrainListener listener) {
        long correct1 = 0;
        long correct5 = 0;
        double lossSum = 0;
        int n = 0;
        int i = 0;
        Graph view = graph;
        try (BatchIterator it = data.epoch(0)) {
            while (it.hasNext()) {
                Batch b = it.next();
                view = viewFor(graph, view, b.inputs().shape());
                Tensor logits = Executor.run(view, ForwardContext.eval(), b.inputs())[0];
                Counts c = correct(logits, b.targets());
                correct1 += c.top1;
                correct5 += c.top5;
                lossSum += CrossEntropyLoss.of().compute(logits, b.targets()).value() * b.size();
                n += b.size();
                i++;
                if (listener != null) {
                    listener.onEvalBatch(i, data.batchCount(), n);
                }
            }
        }
        if (n == 0) {
            throw new IllegalArgumentException("Evaluation: the data source has no samples");
        }
        return new Accuracy(n, correct1 / (double) n, correct5 / (double) n, lossSum / n);
    }

    /** The graph itself when it was built for {@code shape}, the cached view when that fits, else a new view. */
    static Graph viewFor(Graph graph, Graph cached, Shape shape) {
        if (cached.inputs().get(0).shape().equals(shape)) {
            return cached;
        }
        if (graph.inputs().get(0).shape().equals(shape)) {
            return graph;
        }
        return graph.withInputShapes(shape);
    }

    /** How many samples of a batch had their target first, and among the first five. */
    record Counts(int top1, int top5) {
    }

    /**
     * How many rows of {@code logits (N, C)} have their target first, and among the first five (the {@link Trainer}
     * counts its training top-1 with it too).
     */
    static Counts correct(Tensor logits, Tensor targets) {
        int rows = logits.dim(0);
        int classes = logits.dim(1);
        float[] x = logits.data();
        float[] t = targets.data();
        int top1 = 0;
        int top5 = 0;
        for (int r = 0; r < rows; r++) {
            int target = (int) t[r];
            float v = x[r * classes + target];
            // rank of the target: how many classes score strictly higher, ties broken towards the lower index as
            // torch.topk / argmax do on CPU
            int higher = 0;
            for (int c = 0; c < classes; c++) {
                float o = x[r * classes + c];
                if (o > v || (o == v && c < target)) {
                    higher++;
                }
            }
            if (higher == 0) {
                top1++;
            }
            if (higher < 5) {
                top5++;
            }
        }
        return new Counts(top1, top5);
    }
}
