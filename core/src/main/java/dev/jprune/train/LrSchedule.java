package dev.jprune.train;

/**
 * A learning-rate schedule in closed form, as PyTorch's {@code lr_scheduler} classes' {@code _get_closed_form_lr}:
 * the learning rate at {@code step} (an epoch or an iteration, whichever the caller counts; 0 is the start) for a
 * parameter group whose initial learning rate is {@code baseLr}. Apply it with
 * {@link Optimizer#applySchedule(LrSchedule, int)}, which uses each group's own initial lr. Implementations are
 * immutable.
 */
public interface LrSchedule {

    /** The learning rate at {@code step} ≥ 0 for a group that started at {@code baseLr}. */
    double lr(double baseLr, int step);

    /** The schedule that keeps the initial learning rate. */
    static LrSchedule constant() {
        return Constant.INSTANCE;
    }

    /** Throws when {@code step} is negative. */
    static void checkStep(int step) {
        if (step < 0) {
            throw new IllegalArgumentException("schedule step must be >= 0, got " + step);
        }
    }

    /** The constant schedule. */
    enum Constant implements LrSchedule {
        INSTANCE;

        @Override
        public double lr(double baseLr, int step) {
            checkStep(step);
            return baseLr;
        }

        @Override
        public String toString() {
            return "ConstantLR";
        }
    }
}
