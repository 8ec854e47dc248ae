package dev.jprune.exec;

import dev.jprune.ir.Graph;
import dev.jprune.ir.Node;
import dev.jprune.ir.Value;
import dev.jprune.tensor.Tensor;

import java.util.List;

/**
 * Evaluates a {@link Graph}: nodes in order, each intermediate tensor released as soon as its last consumer has
 * run. Inputs are not modified.
 */
public final class Executor {

    private Executor() {
    }

    /** Runs the graph in eval mode on the fastest kernels and returns its outputs in order. */
    public static Tensor[] run(Graph graph, Tensor... inputs) {
        return run(graph, ForwardContext.eval(), inputs);
    }

    /** Runs the graph with {@code ctx} and returns its outputs in order. */
    public static Tensor[] run(Graph graph, ForwardContext ctx, Tensor... inputs) {
        return forward(graph, ctx, inputs).outputs();
    }

    /** The outputs of a forward pass and, when the context records, the tape for backward (else {@code null}). */
    public record Forward(Tensor[] outputs, Tape tape) {
        /** Output 0. */
        public Tensor output() {
            return outputs[0];
        }
    }

    /**
     * Runs the graph with {@code ctx}; when {@link ForwardContext#recording()} the result carries a {@link Tape}
     * holding what each op needs for its backward.
     */
    public static Forward forward(Graph graph, ForwardContext ctx, Tensor... inputs) {
        List<Value> in = graph.inputs();
        if (inputs.length != in.size()) {
            throw new IllegalArgumentException("model " + graph.name() + " takes " + in.size() + " inputs, got " + inputs.length);
        }
        Tensor[] values = new Tensor[graph.valueCount()];
        int[] remaining = new int[graph.valueCount()];
        for (Node n : graph.nodes()) {
            for (Value v : n.inputs()) {
                remaining[v.id()]++;
            }
        }
        for (Value v : graph.outputs()) {
            remaining[v.id()] += 1; // never freed
        }
        for (int i = 0; i < inputs.length; i++) {
            if (!inputs[i].shape().equals(in.get(i).shape())) {
                throw new IllegalArgumentException("input " + in.get(i).name() + " of " + graph.name() + " must have shape "
                        + in.get(i).shape() + ", got " + inputs[i].shape());
            }
            values[in.get(i).id()] = inputs[i];
        }
        Tape tape = ctx.recording() ? new Tape(graph, ctx, ctx.tracksInputGradients()) : null;
        List<Node> nodes = graph.nodes();
        for (int idx = 0; idx < nodes.size(); idx++) {
            Node n = nodes.get(idx);
            Tensor[] args = new Tensor[n.inputs().size()];
            for (int i = 0; i < args.length; i++) {
                args[i] = values[n.input(i).id()];
            }
            ctx.takeStash();
            Tensor[] out = n.op().forward(n, args, ctx);
            if (tape != null) {
                tape.record(idx, n, args, out, ctx.takeStash());
            }
            for (int i = 0; i < out.length; i++) {
                Value v = n.output(i);
                if (!out[i].shape().equals(v.shape())) {
                    throw new IllegalStateException("node " + n.name() + " (" + n.op().describe() + ") produced shape "
                            + out[i].shape() + " for output " + i + ", expected " + v.shape());
                }
                values[v.id()] = out[i];
            }
            for (Value v : n.inputs()) {
                if (--remaining[v.id()] == 0) {
                    values[v.id()] = null;
                }
            }
        }
        Tensor[] result = new Tensor[graph.outputs().size()];
        for (int i = 0; i < result.length; i++) {
            result[i] = values[graph.outputs().get(i).id()];
        }
        return new Forward(result, tape);
    }
}
