package dev.jprune.train;

/**
 * {@code lr_scheduler.StepLR}: {@code lr = base · gamma^floor(step / stepSize)}.
 *
 * @param stepSize the period of decay, ≥ 1
 * @param gamma    the decay factor, > 0
 */
public record StepLR(int stepSize, double gamma) implements LrSchedule {

    public StepLR {
        if (stepSize < 1) {
            throw new IllegalArgumentException("StepLR: step_size must be >= 1, got " + stepSize);
        }
        if (!(gamma > 0) || Double.isInfinite(gamma)) {
            throw new IllegalArgumentException("StepLR: gamma must be finite and > 0, got " + gamma);
        }
    }

    @Override
    public double lr(double baseLr, int step) {
        LrSchedule.checkStep(step);
        return baseLr * Math.pow(gamma, step / stepSize);
    }
}
