package dev.jprune.train;

import dev.jprune.ir.Graph;
import dev.jprune.ir.Parameter;

import java.util.ArrayList;
import java.util.List;

/** Ways of splitting a model's trainable parameters into {@link ParamGroup}s. */
public final class ParamGroups {

    private ParamGroups() {
    }

    /** Every trainable parameter of {@code graph}, in model order, as one group named {@code all}. */
    public static ParamGroup all(Graph graph) {
        return ParamGroup.of("all", trainable(graph));
    }

    /**
     * The usual weight-decay split (timm's {@code param_groups_weight_decay}, Torch-Pruning's and torchvision's
     * reference scripts with {@code norm_weight_decay=0}): group {@code decay} holds weights of rank ≥ 2 and takes
     * the optimiser's weight decay; group {@code no_decay} holds every rank-1 (or scalar) tensor and every
     * {@code bias} — norm scales and shifts, biases — with weight decay 0. Both groups are returned, in that order,
     * even when one is empty.
     */
    public static List<ParamGroup> weightDecaySplit(Graph graph) {
        List<Parameter> decay = new ArrayList<>();
        List<Parameter> noDecay = new ArrayList<>();
        for (Parameter p : trainable(graph)) {
            if (p.value().rank() <= 1 || p.leafName().equals("bias")) {
                noDecay.add(p);
            } else {
                decay.add(p);
            }
        }
        return List.of(ParamGroup.of("decay", decay), ParamGroup.of("no_decay", noDecay).withWeightDecay(0));
    }

    private static List<Parameter> trainable(Graph graph) {
        List<Parameter> out = new ArrayList<>();
        for (Parameter p : graph.stateDict().values()) {
            if (p.trainable()) {
                out.add(p);
            }
        }
        return out;
    }
}
