package dev.jprune.ops;

import dev.jprune.exec.BackwardContext;
import dev.jprune.exec.ForwardContext;
import dev.jprune.exec.Saved;
import dev.jprune.ir.Node;
import dev.jprune.ir.Op;
import dev.jprune.ir.ParamSpec;
import dev.jprune.ir.axis.AxisCut;
import dev.jprune.ir.axis.AxisLinks;
import dev.jprune.ir.axis.Indices;
import dev.jprune.ir.axis.Port;
import dev.jprune.ops.internal.AxisSupport;
import dev.jprune.ops.internal.ModuleRepr;
import dev.jprune.ops.internal.NormSupport;
import dev.jprune.tensor.Shape;
import dev.jprune.tensor.Tensor;

import java.util.List;

/**
 * {@code nn.InstanceNorm2d} without running statistics (ONNX {@code InstanceNormalization}): each (sample,
 * channel) plane of {@code (N, C, *)} is normalised with its own mean and biased variance, then scaled and shifted
 * by {@code weight (C)} and {@code bias (C)} when {@code affine}. The arithmetic is {@link GroupNorm}'s with one
 * group per channel (the forward and backward delegate to it); it is its own op because for pruning its channels
 * are independent — a channel leaves with its scale and shift and nothing else changes — whereas a GroupNorm's
 * channels are channel groups (Torch-Pruning's {@code ch_groups}).
 */
public record InstanceNorm2d(int numFeatures, double eps, boolean affine) implements Op {

    /** Validates the channel count and {@code eps}. */
    public InstanceNorm2d {
        new GroupNorm(numFeatures, numFeatures, eps, affine);
    }

    private GroupNorm math() {
        return new GroupNorm(numFeatures, numFeatures, eps, affine);
    }

    @Override
    public String type() {
        return "InstanceNorm2d";
    }

    /** {@code weight (C)} and {@code bias (C)} when affine, else none. */
    @Override
    public List<ParamSpec> parameters() {
        return math().parameters();
    }

    @Override
    public Shape[] inferShapes(Shape[] inputs) {
        return math().inferShapes(inputs);
    }

    @Override
    public Tensor[] forward(Node node, Tensor[] inputs, ForwardContext ctx) {
        return math().forward(node, inputs, ctx);
    }

    @Override
    public Saved saved() {
        return Saved.INPUTS;
    }

    /** {@link GroupNorm#backward} with one channel per group. */
    @Override
    public Tensor[] backward(Node node, BackwardContext ctx) {
        return math().backward(node, ctx);
    }

    /** Torch-Pruning counts {@code nn.InstanceNorm2d} as BatchNorm: {@code numel(input)}, doubled when affine. */
    @Override
    public long countOps(Shape[] inputs, Shape[] outputs) {
        return math().countOps(inputs, outputs);
    }

    /** The channel axis. */
    @Override
    public int rootAxis(Node node) {
        return 1;
    }

    /** Identity on every axis. */
    @Override
    public void linkAxes(Node node, Port from, int axis, Indices removed, AxisLinks links) {
        AxisSupport.elementwise(node, from, axis, removed, links);
    }

    /** Removed channels take their scale and shift. */
    @Override
    public Op pruneAxes(Node node, AxisCut cut) {
        Indices removed = cut.removed(Port.out(0), 1);
        if (removed.isEmpty()) {
            return this;
        }
        NormSupport.sliceAffine(cut, affine, 0, removed.indices());
        return new InstanceNorm2d(numFeatures - removed.size(), eps, affine);
    }

    /** As PyTorch's repr. */
    @Override
    public String describe() {
        return "InstanceNorm2d(" + numFeatures + ", eps=" + ModuleRepr.pyFloat(eps) + ", momentum=0.1, affine="
                + ModuleRepr.pyBool(affine) + ", track_running_stats=False)";
    }
}
