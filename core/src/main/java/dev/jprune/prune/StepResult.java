package dev.jprune.prune;

import java.util.List;

/**
 * What one {@link BasePruner#step} did.
 *
 * @param step         the step number (1 for the first call; counts on past the schedule)
 * @param pastSchedule whether the step came after the last scheduled one, so nothing was pruned (Torch-Pruning
 *                     warns "Pruning exceed the maximum iterative steps")
 * @param pruned       the groups pruned, in order, as history entries (copied)
 */
public record StepResult(int step, boolean pastSchedule, List<PruningHistory.Entry> pruned) {

    public StepResult {
        pruned = List.copyOf(pruned);
    }
}
