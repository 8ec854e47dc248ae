package dev.jprune.train;

import java.util.Arrays;

/**
 * {@code lr_scheduler.MultiStepLR}: {@code lr = base · gamma^k} where {@code k} is the number of milestones
 * {@code ≤ step} (a milestone given twice counts twice, as in PyTorch). The array is copied in and out.
 *
 * @param milestones non-decreasing, each ≥ 0
 * @param gamma      the decay factor, > 0
 */
public record MultiStepLR(int[] milestones, double gamma) implements LrSchedule {

    public MultiStepLR {
        milestones = milestones.clone();
        for (int i = 0; i < milestones.length; i++) {
            if (milestones[i] < 0 || (i > 0 && milestones[i] < milestones[i - 1])) {
                throw new IllegalArgumentException("MultiStepLR: milestones must be non-negative and non-decreasing, got "
                        + Arrays.toString(milestones));
            }
        }
        if (!(gamma > 0) || Double.isInfinite(gamma)) {
            throw new IllegalArgumentException("MultiStepLR: gamma must be finite and > 0, got " + gamma);
        }
    }

    @Override
    public int[] milestones() {
        return milestones.clone();
    }

    @Override
    public double lr(double baseLr, int step) {
        LrSchedule.checkStep(step);
        int k = 0;
        while (k < milestones.length && milestones[k] <= step) {
            k++;
        }
        return baseLr * Math.pow(gamma, k);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof MultiStepLR m && Arrays.equals(milestones, m.milestones) && gamma == m.gamma;
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.hashCode(milestones) + Double.hashCode(gamma);
    }

    @Override
    public String toString() {
        return "MultiStepLR[milestones=" + Arrays.toString(milestones) + ", gamma=" + gamma + "]";
    }
}
