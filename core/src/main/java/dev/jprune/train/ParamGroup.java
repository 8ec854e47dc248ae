package dev.jprune.train;

import dev.jprune.ir.Parameter;

import java.util.List;
import java.util.OptionalDouble;

/**
 * A parameter group, as an entry of the {@code params} list given to a {@code torch.optim} optimiser: some
 * parameters and, optionally, their own learning rate and weight decay; unset options take the optimiser's values.
 * The parameter list is copied; the parameters themselves are shared.
 *
 * @param name        a label for messages and {@code toString} ({@code decay}, {@code no_decay})
 * @param params      the parameters, each trainable, none twice
 * @param lr          this group's learning rate, or empty for the optimiser's
 * @param weightDecay this group's weight decay, or empty for the optimiser's
 */
public record ParamGroup(String name, List<Parameter> params, OptionalDouble lr, OptionalDouble weightDecay) {

    public ParamGroup {
        params = List.copyOf(params);
        if (lr.isPresent() && !(lr.getAsDouble() > 0)) {
            throw new IllegalArgumentException("parameter group " + name + ": lr must be > 0, got " + lr.getAsDouble());
        }
        if (weightDecay.isPresent() && !(weightDecay.getAsDouble() >= 0)) {
            throw new IllegalArgumentException("parameter group " + name + ": weight_decay must be >= 0, got "
                    + weightDecay.getAsDouble());
        }
        for (Parameter p : params) {
            if (!p.trainable()) {
                throw new IllegalArgumentException("parameter group " + name + ": " + p.name()
                        + " is a buffer, expected trainable parameters only");
            }
        }
    }

    /** A group using the optimiser's settings. */
    public static ParamGroup of(String name, List<Parameter> params) {
        return new ParamGroup(name, params, OptionalDouble.empty(), OptionalDouble.empty());
    }

    /** A copy with its own learning rate. */
    public ParamGroup withLr(double value) {
        return new ParamGroup(name, params, OptionalDouble.of(value), weightDecay);
    }

    /** A copy with its own weight decay. */
    public ParamGroup withWeightDecay(double value) {
        return new ParamGroup(name, params, lr, OptionalDouble.of(value));
    }

    @Override
    public String toString() {
        return name + " (" + params.size() + " tensors" + (lr.isPresent() ? ", lr=" + lr.getAsDouble() : "")
                + (weightDecay.isPresent() ? ", weight_decay=" + weightDecay.getAsDouble() : "") + ")";
    }
}
