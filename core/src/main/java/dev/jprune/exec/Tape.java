package dev.jprune.exec;

import dev.jprune.ir.Graph;
import dev.jprune.ir.Node;
import dev.jprune.ir.Value;
import dev.jprune.tensor.Tensor;

import java.util.List;

/**
 * The record of one forward pass that {@link #backward} replays in reverse: for each node the tensors its op
 * declared saved and what it stashed. Saved tensors are released as soon as their node's backward has run, so peak
 * memory is the forward's activations, not twice that. Parameter gradients are <em>added</em> to
 * {@link dev.jprune.ir.Parameter#grad()} (call {@link Graph#zeroGrad()} between steps). Single use.
 */
public final class Tape {

    private final Graph graph;
    private final ForwardContext ctx;
    private final Tensor[][] savedInputs;
    private final Tensor[][] savedOutputs;
    private final Object[] stashes;
    private final boolean[] requiresGrad;
    private Tensor[] inputGrads;
    private boolean used;

    Tape(Graph graph, ForwardContext ctx, boolean inputsRequireGrad) {
        this.graph = graph;
        this.ctx = ctx;
        int n = graph.nodes().size();
        this.savedInputs = new Tensor[n][];
        this.savedOutputs = new Tensor[n][];
        this.stashes = new Object[n];
        this.requiresGrad = new boolean[graph.valueCount()];
        for (Value v : graph.inputs()) {
            requiresGrad[v.id()] = inputsRequireGrad;
        }
        for (Node node : graph.nodes()) {
            boolean r = node.params().values().stream().anyMatch(p -> p.trainable());
            for (Value v : node.inputs()) {
                r |= requiresGrad[v.id()];
            }
            for (Value v : node.outputs()) {
                requiresGrad[v.id()] = r;
            }
        }
    }

    void record(int index, Node node, Tensor[] in, Tensor[] out, Object stash) {
        Saved s = node.op().saved();
        savedInputs[index] = s.inputs() ? in : null;
        savedOutputs[index] = s.outputs() ? out : null;
        stashes[index] = stash;
    }

    /** Whether value {@code v} carries a gradient (it depends on a trainable parameter or a tracked input). */
    public boolean requiresGrad(Value v) {
        return requiresGrad[v.id()];
    }

    /**
     * Back-propagates {@code gradOutputs} (one per graph output, same shapes; {@code null} for an output that does
     * not feed the loss), adding parameter gradients into the parameters.
     */
    public void backward(Tensor... gradOutputs) {
        if (used) {
            throw new IllegalStateException("this tape was already used for backward; run the forward again");
        }
        used = true;
        List<Value> outs = graph.outputs();
        if (gradOutputs.length != outs.size()) {
            throw new IllegalArgumentException("model " + graph.name() + " has " + outs.size() + " outputs, got "
                    + gradOutputs.length + " gradients");
        }
        Tensor[] grads = new Tensor[graph.valueCount()];
        for (int i = 0; i < gradOutputs.length; i++) {
            if (gradOutputs[i] != null && !gradOutputs[i].shape().equals(outs.get(i).shape())) {
                throw new IllegalArgumentException("gradient " + i + " has shape " + gradOutputs[i].shape()
                        + ", output " + outs.get(i).name() + " has " + outs.get(i).shape());
            }
            grads[outs.get(i).id()] = accumulate(grads[outs.get(i).id()], gradOutputs[i]);
        }
        List<Node> nodes = graph.nodes();
        for (int idx = nodes.size() - 1; idx >= 0; idx--) {
            Node node = nodes.get(idx);
            Tensor[] gOut = new Tensor[node.outputs().size()];
            boolean any = false;
            for (int i = 0; i < gOut.length; i++) {
                gOut[i] = grads[node.output(i).id()];
                grads[node.output(i).id()] = null;
                any |= gOut[i] != null;
            }
            boolean[] need = new boolean[node.inputs().size()];
            for (int i = 0; i < need.length; i++) {
                need[i] = requiresGrad[node.input(i).id()];
            }
            if (any && requiresGrad[node.output(0).id()]) {
                BackwardContext bc = new BackwardContext(node, savedInputs[idx], savedOutputs[idx], gOut, need,
                        stashes[idx], ctx.kernels(), ctx.mode());
                Tensor[] gIn = node.op().backward(node, bc);
                for (int i = 0; i < need.length; i++) {
                    if (need[i] && gIn[i] != null) {
                        Value v = node.input(i);
                        if (!gIn[i].shape().equals(v.shape())) {
                            throw new IllegalStateException(node.op().type() + " backward at " + node.name()
                                    + " gave input " + i + " a gradient of shape " + gIn[i].shape() + ", expected " + v.shape());
                        }
                        grads[v.id()] = accumulate(grads[v.id()], gIn[i]);
                    }
                }
            }
            savedInputs[idx] = null;
            savedOutputs[idx] = null;
            stashes[idx] = null;
        }
        inputGrads = new Tensor[graph.inputs().size()];
        for (int i = 0; i < inputGrads.length; i++) {
            inputGrads[i] = grads[graph.inputs().get(i).id()];
        }
    }

    /** Sums two gradient contributions into a new tensor (contributions may alias other tensors, so never in place). */
    private Tensor accumulate(Tensor existing, Tensor add) {
        if (existing == null) {
            return add;
        }
        if (add == null) {
            return existing;
        }
        Tensor sum = Tensor.zeros(existing.shape());
        ctx.kernels().add(existing.data(), 0, add.data(), 0, sum.data(), 0, sum.numel());
        return sum;
    }

    /**
     * The gradient of graph input {@code i} after {@link #backward}, or {@code null} when inputs were not tracked
     * ({@link ForwardContext#trackInputGradients}) or no gradient reached it.
     */
    public Tensor inputGrad(int i) {
        if (inputGrads == null) {
            throw new IllegalStateException("call backward first");
        }
        return inputGrads[i];
    }
}
