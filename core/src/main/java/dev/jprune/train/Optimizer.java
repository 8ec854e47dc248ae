package dev.jprune.train;

import dev.jprune.ir.Parameter;
import dev.jprune.tensor.Tensor;

import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A first-order optimiser over {@link ParamGroup}s, as {@code torch.optim.Optimizer}: {@link #step()} updates every
 * parameter that has a gradient, in place (the parameter's value tensor is modified, not replaced).
 *
 * <p>Per-parameter state (momentum buffers, moments) is keyed by {@link Parameter} identity and exposed through
 * {@link #state}, {@link #setState} and {@link #selectState} so a pruner can slice it along the same axis as the
 * parameter: state tensors of rank ≥ 1 have the parameter's shape; rank-0 tensors are counters. A step fails with
 * {@link IllegalStateException} when a state tensor no longer matches its parameter's shape. Not thread-safe.
 */
public abstract class Optimizer {

    private final List<ParamGroup> groups;
    private final double[] initialLr;
    private final double[] lr;
    private final double[] weightDecay;
    private final Map<Parameter, Integer> groupOf = new IdentityHashMap<>();
    private final Map<Parameter, Map<String, Tensor>> state = new IdentityHashMap<>();

    /**
     * Resolves each group's options against the defaults; throws {@link IllegalArgumentException} when a parameter
     * appears twice or there are no groups.
     */
    protected Optimizer(List<ParamGroup> groups, double defaultLr, double defaultWeightDecay) {
        if (groups.isEmpty()) {
            throw new IllegalArgumentException(getClass().getSimpleName() + ": expected at least one parameter group, got none");
        }
        this.groups = List.copyOf(groups);
        int n = this.groups.size();
        initialLr = new double[n];
        lr = new double[n];
        weightDecay = new double[n];
        for (int i = 0; i < n; i++) {
            ParamGroup g = this.groups.get(i);
            initialLr[i] = g.lr().orElse(defaultLr);
            lr[i] = initialLr[i];
            weightDecay[i] = g.weightDecay().orElse(defaultWeightDecay);
            for (Parameter p : g.params()) {
                Integer prev = groupOf.put(p, i);
                if (prev != null) {
                    throw new IllegalArgumentException(getClass().getSimpleName() + ": parameter " + p.name()
                            + " appears in groups " + this.groups.get(prev).name() + " and " + g.name());
                }
            }
        }
    }

    /**
     * Updates one parameter from its gradient {@code grad} (same shape as the value). {@code state} is the
     * parameter's mutable state map, empty on its first step.
     */
    protected abstract void update(Parameter p, Tensor grad, double lr, double weightDecay, Map<String, Tensor> state);

    /** Performs one optimisation step on every parameter whose gradient is not {@code null}. */
    public final void step() {
        for (int gi = 0; gi < groups.size(); gi++) {
            for (Parameter p : groups.get(gi).params()) {
                Tensor grad = p.grad();
                if (grad == null) {
                    continue;
                }
                if (!grad.shape().equals(p.value().shape())) {
                    throw new IllegalStateException("gradient of " + p.name() + " has shape " + grad.shape()
                            + ", the parameter has " + p.value().shape());
                }
                Map<String, Tensor> s = state.computeIfAbsent(p, k -> new LinkedHashMap<>());
                for (Map.Entry<String, Tensor> e : s.entrySet()) {
                    Tensor t = e.getValue();
                    if (t.rank() > 0 && !t.shape().equals(p.value().shape())) {
                        throw new IllegalStateException("optimiser state '" + e.getKey() + "' of " + p.name() + " has shape "
                                + t.shape() + ", the parameter has " + p.value().shape()
                                + " (slice it with selectState when pruning)");
                    }
                }
                update(p, grad, lr[gi], weightDecay[gi], s);
            }
        }
    }

    /** Clears the gradient of every parameter of every group ({@code zero_grad(set_to_none=True)}). */
    public void zeroGrad() {
        for (ParamGroup g : groups) {
            for (Parameter p : g.params()) {
                p.setGrad(null);
            }
        }
    }

    /** The number of parameter groups. */
    public int groupCount() {
        return groups.size();
    }

    /** Group {@code i} as given (its options may be unset; see {@link #lr(int)} and {@link #weightDecay(int)}). */
    public ParamGroup group(int i) {
        return groups.get(i);
    }

    /** Every parameter of every group, in group order. */
    public List<Parameter> params() {
        List<Parameter> out = new ArrayList<>();
        for (ParamGroup g : groups) {
            out.addAll(g.params());
        }
        return out;
    }

    /** The current learning rate of group {@code i}. */
    public double lr(int i) {
        return lr[i];
    }

    /** The learning rate group {@code i} started with (PyTorch's {@code initial_lr}, the base of schedules). */
    public double initialLr(int i) {
        return initialLr[i];
    }

    /** The weight decay of group {@code i}. */
    public double weightDecay(int i) {
        return weightDecay[i];
    }

    /** Sets the learning rate of group {@code i}; must be ≥ 0 (a schedule may reach 0). */
    public void setLr(int i, double value) {
        if (!(value >= 0) || Double.isInfinite(value)) {
            throw new IllegalArgumentException("lr of parameter group " + groups.get(i).name()
                    + " must be finite and >= 0, got " + value);
        }
        lr[i] = value;
    }

    /** Sets the learning rate of every group. */
    public void setLr(double value) {
        for (int i = 0; i < lr.length; i++) {
            setLr(i, value);
        }
    }

    /** Sets each group's learning rate to {@code schedule}'s value at {@code step} for the group's initial lr. */
    public void applySchedule(LrSchedule schedule, int step) {
        for (int i = 0; i < lr.length; i++) {
            setLr(i, schedule.lr(initialLr[i], step));
        }
    }

    /**
     * The state of {@code p} by name ({@code momentum_buffer}, {@code exp_avg}, ...): an unmodifiable copy of the
     * map whose tensors are shared; empty before the parameter's first step.
     */
    public Map<String, Tensor> state(Parameter p) {
        requireOwn(p);
        Map<String, Tensor> s = state.get(p);
        return s == null ? Map.of() : Collections.unmodifiableMap(new LinkedHashMap<>(s));
    }

    /** Replaces the state of {@code p} (the map is copied, the tensors shared); an empty map resets it. */
    public void setState(Parameter p, Map<String, Tensor> newState) {
        requireOwn(p);
        if (newState.isEmpty()) {
            state.remove(p);
        } else {
            state.put(p, new LinkedHashMap<>(newState));
        }
    }

    /**
     * Keeps indices {@code keep} along {@code axis} of every state tensor of {@code p} of rank ≥ 1, as
     * {@link Tensor#select} (copies); counters are left alone. Call it with the same arguments used to prune the
     * parameter.
     */
    public void selectState(Parameter p, int axis, int[] keep) {
        requireOwn(p);
        Map<String, Tensor> s = state.get(p);
        if (s == null) {
            return;
        }
        for (Map.Entry<String, Tensor> e : s.entrySet()) {
            if (e.getValue().rank() > 0) {
                e.setValue(e.getValue().select(axis, keep));
            }
        }
    }

    /** Forgets all state (momentum, moments, step counts). */
    public void clearState() {
        state.clear();
    }

    /** Whether this optimiser updates {@code p}. */
    public boolean optimises(Parameter p) {
        return groupOf.containsKey(p);
    }

    private void requireOwn(Parameter p) {
        if (!groupOf.containsKey(p)) {
            throw new IllegalArgumentException(getClass().getSimpleName() + " does not optimise " + p.name());
        }
    }

    /** The groups with their resolved lr and weight decay, for {@code toString}. */
    protected final String describeGroups() {
        StringBuilder sb = new StringBuilder("[");
        for (int i = 0; i < groups.size(); i++) {
            if (i > 0) {
                sb.append(", ");
            }
            sb.append(groups.get(i).name()).append(": ").append(groups.get(i).params().size()).append(" tensors, lr=")
                    .append(lr[i]).append(", weight_decay=").append(weightDecay[i]);
        }
        return sb.append(']').toString();
    }
}
