package dev.jprune.ops;

import dev.jprune.exec.BackwardContext;
import dev.jprune.exec.ForwardContext;
import dev.jprune.exec.Saved;
import dev.jprune.ir.Node;
import dev.jprune.ir.Op;
import dev.jprune.ir.axis.AxisLinks;
import dev.jprune.ir.axis.Indices;
import dev.jprune.ir.axis.Port;
import dev.jprune.ops.internal.AxisSupport;
import dev.jprune.ops.internal.ElementwiseSupport;
import dev.jprune.ops.internal.ModuleRepr;
import dev.jprune.tensor.Shape;
import dev.jprune.tensor.Tensor;

import java.util.Arrays;

/**
 * torchvision's {@code ops.StochasticDepth} (drop path) on {@code (N, …)}: randomly drops whole residual branches.
 * Eval mode, or {@code p = 0}: identity, returning the input tensor itself (not a copy). Train mode: mode
 * {@code "row"} draws one Bernoulli({@code 1 − p}) per sample from {@link ForwardContext#random()}, mode
 * {@code "batch"} one for the whole batch; survivors are multiplied by {@code 1f / (float) (1 − p)}, dropped samples
 * by 0 (with {@code p = 1} everything is multiplied by 0, as torchvision).
 */
public record StochasticDepth(double p, String mode) implements Op {

    /** Validates {@code 0 <= p <= 1} and the mode. */
    public StochasticDepth {
        if (!(p >= 0 && p <= 1)) {
            throw new IllegalArgumentException("StochasticDepth: drop probability p must be between 0 and 1, got " + p);
        }
        if (!"row".equals(mode) && !"batch".equals(mode)) {
            throw new IllegalArgumentException("StochasticDepth: mode must be 'row' or 'batch', got '" + mode + "'");
        }
    }

    @Override
    public String type() {
        return "StochasticDepth";
    }

    @Override
    public Shape[] inferShapes(Shape[] inputs) {
        Shapes.requireCount(this, inputs, 1);
        if (inputs[0].rank() < 1) {
            throw new IllegalArgumentException("StochasticDepth expects an input (N, ...) of rank >= 1, got " + inputs[0]);
        }
        return new Shape[] {inputs[0]};
    }

    /** The input itself in eval mode or when {@code p = 0}; otherwise a new tensor. */
    @Override
    public Tensor[] forward(Node node, Tensor[] inputs, ForwardContext ctx) {
        Tensor x = inputs[0];
        if (!ctx.training() || p == 0) {
            return new Tensor[] {x};
        }
        double survival = 1.0 - p;
        float keep = survival > 0 ? 1f / (float) survival : 0f;
        int n = x.dim(0);
        float[] scale = new float[n];
        if ("batch".equals(mode)) {
            float s = ctx.random().nextDouble() < survival ? keep : 0f;
            Arrays.fill(scale, s);
        } else {
            for (int b = 0; b < n; b++) {
                scale[b] = ctx.random().nextDouble() < survival ? keep : 0f;
            }
        }
        ctx.stash(scale);
        return new Tensor[] {ElementwiseSupport.scaleRows(x, scale)};
    }

    /** Nothing: train mode stashes the per-sample scales. */
    @Override
    public Saved saved() {
        return Saved.NONE;
    }

    /**
     * Train mode: {@code dx[b] = dy[b] · scale[b]}, the per-sample scale the forward stashed (0 or
     * {@code 1/(1 − p)}). Eval mode (and {@code p = 0}): {@code dx = dy}, the gradient tensor itself.
     */
    @Override
    public Tensor[] backward(Node node, BackwardContext ctx) {
        return ElementwiseSupport.scaledGrad(ctx);
    }

    /** As torchvision: {@code StochasticDepth(p=0.1, mode=row)}. */
    /** Identity on every axis, broadcast operands excepted. */
    @Override
    public void linkAxes(Node node, Port from, int axis, Indices removed, AxisLinks links) {
        AxisSupport.elementwise(node, from, axis, removed, links);
    }

    @Override
    public String describe() {
        return "StochasticDepth(p=" + ModuleRepr.pyFloat(p) + ", mode=" + mode + ")";
    }
}
