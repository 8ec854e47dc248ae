package dev.jprune.train;

/**
 * {@code lr_scheduler.CosineAnnealingLR}:
 * {@code lr = etaMin + (base − etaMin) · (1 + cos(π · step / tMax)) / 2}, so {@code base} at step 0 and
 * {@code etaMin} at {@code tMax}. Beyond {@code tMax} the closed form continues (rising again), as PyTorch's.
 *
 * @param tMax   the half period, ≥ 1
 * @param etaMin the minimum learning rate, ≥ 0
 */
public record CosineAnnealingLR(int tMax, double etaMin) implements LrSchedule {

    public CosineAnnealingLR {
        if (tMax < 1) {
            throw new IllegalArgumentException("CosineAnnealingLR: T_max must be >= 1, got " + tMax);
        }
        if (!(etaMin >= 0) || Double.isInfinite(etaMin)) {
            throw new IllegalArgumentException("CosineAnnealingLR: eta_min must be finite and >= 0, got " + etaMin);
        }
    }

    /** Annealing to 0 over {@code tMax} steps. */
    public static CosineAnnealingLR of(int tMax) {
        return new CosineAnnealingLR(tMax, 0);
    }

    @Override
    public double lr(double baseLr, int step) {
        LrSchedule.checkStep(step);
        return etaMin + (baseLr - etaMin) * (1 + Math.cos(Math.PI * step / tMax)) / 2;
    }
}
