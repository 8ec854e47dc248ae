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

import java.util.SplittableRandom;

/**
 * {@code nn.Dropout}, any shape. Eval mode (and {@code p = 0}): identity, returning the input tensor itself (not a
 * copy; ops never modify their inputs, so sharing is safe). Train mode: each element is kept with probability
 * {@code 1 − p}, drawn in element order from {@link ForwardContext#random()}, and the output is
 * {@code x · mask} with {@code mask = 1f / (float) (1 − p)} for kept and 0 for dropped elements, as PyTorch
 * ({@code input * bernoulli(1 − p) / (1 − p)}; a dropped NaN stays NaN). With {@code p = 1} every mask is 0.
 */
public record Dropout(double p) implements Op {

    /** Validates {@code 0 <= p <= 1}. */
    public Dropout {
        if (!(p >= 0 && p <= 1)) {
            throw new IllegalArgumentException("Dropout: probability p must be between 0 and 1, got " + p);
        }
    }

    @Override
    public String type() {
        return "Dropout";
    }

    @Override
    public Shape[] inferShapes(Shape[] inputs) {
        Shapes.requireCount(this, inputs, 1);
        return new Shape[] {inputs[0]};
    }

    /** The input itself in eval mode or when {@code p = 0}; otherwise a new tensor. */
    @Override
    public Tensor[] forward(Node node, Tensor[] inputs, ForwardContext ctx) {
        Tensor x = inputs[0];
        if (!ctx.training() || p == 0) {
            return new Tensor[] {x};
        }
        float keep = p == 1 ? 0f : 1f / (float) (1.0 - p);
        double keepProbability = 1.0 - p;
        SplittableRandom random = ctx.random();
        float[] mask = new float[x.numel()];
        for (int i = 0; i < mask.length; i++) {
            mask[i] = random.nextDouble() < keepProbability ? keep : 0f;
        }
        ctx.stash(mask);
        return new Tensor[] {ElementwiseSupport.scaleRows(x, mask)};
    }

    /** Nothing: train mode stashes its mask. */
    @Override
    public Saved saved() {
        return Saved.NONE;
    }

    /**
     * Train mode: {@code dx = dy · mask}, the mask the forward stashed (0 or {@code 1/(1 − p)}). Eval mode (and
     * {@code p = 0}): {@code dx = dy}, the gradient tensor itself.
     */
    @Override
    public Tensor[] backward(Node node, BackwardContext ctx) {
        return ElementwiseSupport.scaledGrad(ctx);
    }

    /** {@code Dropout(p=0.5, inplace=False)}. */
    /** Identity on every axis, broadcast operands excepted. */
    @Override
    public void linkAxes(Node node, Port from, int axis, Indices removed, AxisLinks links) {
        AxisSupport.elementwise(node, from, axis, removed, links);
    }

    @Override
    public String describe() {
        return "Dropout(p=" + ModuleRepr.pyFloat(p) + ", inplace=False)";
    }
}
