package dev.jprune.train;

/**
 * Linear warm-up followed by another schedule, as torchvision's reference scripts (used by Torch-Pruning's) build
 * with {@code SequentialLR([LinearLR(start_factor, total_iters=warmupSteps), after], milestones=[warmupSteps])}:
 * for {@code step < warmupSteps}, {@code lr = base · (startFactor + (1 − startFactor) · step / warmupSteps)}; from
 * then on {@code lr = after.lr(base, step − warmupSteps)} (so {@code after} starts from its own step 0, and a
 * cosine inside should have {@code tMax = total − warmupSteps}).
 *
 * @param startFactor the factor at step 0, in (0, 1]
 * @param warmupSteps the length of the warm-up, ≥ 1
 * @param after       the schedule after the warm-up
 */
public record LinearWarmup(double startFactor, int warmupSteps, LrSchedule after) implements LrSchedule {

    public LinearWarmup {
        if (!(startFactor > 0 && startFactor <= 1)) {
            throw new IllegalArgumentException("LinearWarmup: start_factor must be in (0, 1], got " + startFactor);
        }
        if (warmupSteps < 1) {
            throw new IllegalArgumentException("LinearWarmup: warmup steps must be >= 1, got " + warmupSteps);
        }
        if (after == null) {
            throw new IllegalArgumentException("LinearWarmup: the schedule after the warm-up must not be null");
        }
    }

    @Override
    public double lr(double baseLr, int step) {
        LrSchedule.checkStep(step);
        if (step < warmupSteps) {
            return baseLr * (startFactor + (1 - startFactor) * step / warmupSteps);
        }
        return after.lr(baseLr, step - warmupSteps);
    }
}
