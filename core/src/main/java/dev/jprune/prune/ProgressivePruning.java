package dev.jprune.prune;

import dev.jprune.count.OpCounter;
import dev.jprune.ir.Graph;
import dev.jprune.train.Optimizer;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Pruning to a MAC speed-up in many small steps, Torch-Pruning's {@code progressive_pruning} recipe: build the pruner
 * with {@code pruningRatio(1.0)} and many {@code iterativeSteps} (400 in its CIFAR scripts), then step until the
 * base MACs divided by the current MACs reach the target, or the schedule ends. MACs are
 * {@link OpCounter}'s count for the graph's own input shape (Torch-Pruning's {@code count_ops_and_params} on its
 * example input).
 */
public final class ProgressivePruning {

    private ProgressivePruning() {
    }

    /**
     * What a progressive run reached.
     *
     * @param steps     pruning steps taken
     * @param baseMacs  MACs before the first step
     * @param macs      MACs after the last step
     * @param speedUp   {@code baseMacs / macs}
     * @param reached   whether the speed-up reached the target (false when the schedule ended first)
     * @param stepMacs  MACs after each step, in order
     */
    public record Result(int steps, long baseMacs, long macs, double speedUp, boolean reached, List<Long> stepMacs) {

        /** Copies the list. */
        public Result {
            stepMacs = List.copyOf(stepMacs);
        }
    }

    /** Called after each pruning step: for logging, or to fine-tune between steps (prune → fine-tune → prune ...). */
    @FunctionalInterface
    public interface StepListener {
        /** After step {@code step} (from 1), which left the graph at {@code macs} MACs, {@code speedUp} of the base. */
        void afterStep(int step, long macs, double speedUp);
    }

    /**
     * Steps {@code pruner} (whose graph is {@code graph}) until {@code base MACs / MACs ≥ targetSpeedUp}, slicing the
     * state of {@code optimizers} too. Throws {@link IllegalArgumentException} when the target is not above 1.
     */
    public static Result untilSpeedUp(BasePruner pruner, Graph graph, double targetSpeedUp, Optimizer... optimizers) {
        return untilSpeedUp(pruner, graph, targetSpeedUp, (step, macs, speedUp) -> { }, optimizers);
    }

    /**
     * {@link #untilSpeedUp(BasePruner, Graph, double, Optimizer...)} calling {@code listener} after every step, before
     * the stopping test: a listener that trains the graph for some batches gives iterative prune → fine-tune
     * schedules (the next step then ranks the fine-tuned weights).
     */
    public static Result untilSpeedUp(BasePruner pruner, Graph graph, double targetSpeedUp, StepListener listener,
                                      Optimizer... optimizers) {
        Objects.requireNonNull(listener, "listener");
        Objects.requireNonNull(pruner, "pruner");
        if (!(targetSpeedUp > 1) || Double.isInfinite(targetSpeedUp)) {
            throw new IllegalArgumentException("target speed-up must be finite and > 1, got " + targetSpeedUp);
        }
        long base = OpCounter.count(graph).ops();
        long macs = base;
        double speedUp = 1;
        List<Long> history = new ArrayList<>();
        int steps = 0;
        while (speedUp < targetSpeedUp) {
            pruner.step(optimizers);
            steps++;
            macs = OpCounter.count(graph).ops();
            history.add(macs);
            speedUp = (double) base / macs;
            listener.afterStep(steps, macs, speedUp);
            if (pruner.currentStep() >= pruner.iterativeSteps()) {
                break;
            }
        }
        return new Result(steps, base, macs, speedUp, speedUp >= targetSpeedUp, history);
    }
}
