package dev.jprune.train;

import dev.jprune.exec.Executor;
import dev.jprune.exec.ForwardContext;
import dev.jprune.internal.Seeds;
import dev.jprune.ir.Graph;
import dev.jprune.tensor.Tensor;

import java.util.Objects;

/**
 * The body of a PyTorch training loop over a {@link BatchSource}, one epoch per call: for every batch, clear the
 * gradients, forward in train mode, loss, backward, the {@linkplain Builder#afterBackward after-backward hook}
 * (Torch-Pruning's {@code pruner.regularize(model)} for sparse training), optimiser step.
 *
 * <p>Steps are numbered globally, {@code epoch · batchCount + batch}. The learning rate of step {@code s} is the
 * schedule's value at {@code s} for each group's initial rate, set before the step (so a per-step
 * {@code CosineAnnealingLR.of(epochs · batchCount)} decays to 0 over the run), and the dropout masks of step
 * {@code s} come from a seed derived from ({@code seed}, {@code s}). Nothing else is random, so an epoch resumed at
 * a batch (with the optimiser state it had there) continues exactly as the uninterrupted run. Batches of a size
 * other than the graph's input run through {@link Graph#withInputShapes} views sharing its parameters.
 */
public final class Trainer {

    private final Graph graph;
    private final Optimizer optimizer;
    private final Loss loss;
    private final LrSchedule schedule;
    private final long seed;
    private final StepHook afterBackward;
    private final TrainListener listener;

    /** Called between backward and the optimiser step, with the global step number. */
    @FunctionalInterface
    public interface StepHook {
        /** Runs after the gradients of global step {@code step} are computed, before the update. */
        void afterBackward(int step);
    }

    private Trainer(Builder b) {
        this.graph = b.graph;
        this.optimizer = b.optimizer;
        this.loss = b.loss;
        this.schedule = b.schedule;
        this.seed = b.seed;
        this.afterBackward = b.afterBackward;
        this.listener = b.listener;
    }

    /** A trainer of {@code graph} (single input, output 0 = logits) with {@code optimizer}. */
    public static Builder builder(Graph graph, Optimizer optimizer) {
        return new Builder(graph, optimizer);
    }

    /** The optimiser. */
    public Optimizer optimizer() {
        return optimizer;
    }

    /** Trains one whole epoch. */
    public EpochResult trainEpoch(BatchSource data, int epoch) {
        return trainEpoch(data, epoch, 0);
    }

    /**
     * Trains epoch {@code epoch} from batch {@code fromBatch} (0 for the whole epoch) to its end. Throws
     * {@link IllegalArgumentException} when {@code fromBatch} is outside {@code [0, batchCount]}, and
     * {@link IllegalStateException} naming the step when the loss is not finite.
     */
    public EpochResult trainEpoch(BatchSource data, int epoch, int fromBatch) {
        int count = data.batchCount();
        if (epoch < 0 || fromBatch < 0 || fromBatch > count) {
            throw new IllegalArgumentException("Trainer: expected epoch >= 0 and a start batch in [0, " + count
                    + "], got epoch " + epoch + " batch " + fromBatch);
        }
        long t0 = System.nanoTime();
        double lossSum = 0;
        long correct = 0;
        int samples = 0;
        int steps = 0;
        Graph view = graph;
        try (BatchIterator it = data.epoch(epoch, fromBatch)) {
            for (int b = fromBatch; it.hasNext(); b++) {
                Batch batch = it.next();
                int step = epoch * count + b;
                view = Evaluation.viewFor(graph, view, batch.inputs().shape());
                optimizer.applySchedule(schedule, step);
                double lr = optimizer.lr(0);
                graph.zeroGrad();
                optimizer.zeroGrad();
                Executor.Forward f = Executor.forward(view, ForwardContext.train(Seeds.derive(seed, step)), batch.inputs());
                LossValue lv = loss.compute(f.output(), batch.targets());
                if (!Double.isFinite(lv.value())) {
                    throw new IllegalStateException("Trainer: loss is " + lv.value() + " at epoch " + epoch + " batch "
                            + b + " (step " + step + ", lr " + lr + "); lower the learning rate");
                }
                if (f.output().rank() == 2) {
                    correct += Evaluation.correct(f.output(), batch.targets()).top1();
                }
                Tensor[] grads = new Tensor[f.outputs().length];
                grads[0] = lv.grad();
                f.tape().backward(grads);
                if (afterBackward != null) {
                    afterBackward.afterBackward(step);
                }
                optimizer.step();
                lossSum += lv.value();
                samples += batch.size();
                steps++;
                listener.onStep(epoch, b + 1, count, lv.value(), lr);
            }
        }
        EpochResult r = new EpochResult(epoch, steps, samples, steps == 0 ? Double.NaN : lossSum / steps,
                samples == 0 ? Double.NaN : correct / (double) samples, (System.nanoTime() - t0) / 1e9);
        listener.onEpochEnd(r);
        return r;
    }

    /** Settings of a {@link Trainer}. */
    public static final class Builder {
        private final Graph graph;
        private final Optimizer optimizer;
        private Loss loss = CrossEntropyLoss.of();
        private LrSchedule schedule = LrSchedule.constant();
        private long seed;
        private StepHook afterBackward;
        private TrainListener listener = new TrainListener() {
        };

        private Builder(Graph graph, Optimizer optimizer) {
            this.graph = Objects.requireNonNull(graph, "graph");
            this.optimizer = Objects.requireNonNull(optimizer, "optimizer");
        }

        /** The loss of output 0 against the batch targets (default plain cross-entropy). */
        public Builder loss(Loss value) {
            this.loss = Objects.requireNonNull(value, "loss");
            return this;
        }

        /** The learning-rate schedule over global steps (default constant). */
        public Builder schedule(LrSchedule value) {
            this.schedule = Objects.requireNonNull(value, "schedule");
            return this;
        }

        /** The seed of dropout masks (default 0). */
        public Builder seed(long value) {
            this.seed = value;
            return this;
        }

        /** A hook between backward and the optimiser step, e.g. {@code s -> pruner.regularize()} (default none). */
        public Builder afterBackward(StepHook hook) {
            this.afterBackward = hook;
            return this;
        }

        /** Progress receiver (default none). */
        public Builder listener(TrainListener value) {
            this.listener = Objects.requireNonNull(value, "listener");
            return this;
        }

        /** The trainer; throws {@link IllegalArgumentException} when the graph does not have exactly one input. */
        public Trainer build() {
            if (graph.inputs().size() != 1) {
                throw new IllegalArgumentException("Trainer: expected a model with one input, " + graph.name() + " has "
                        + graph.inputs().size());
            }
            return new Trainer(this);
        }
    }
}
