package dev.jprune.bench.libtorch;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.norm.BatchNorm;
import ai.djl.nn.pooling.Pool;
import dev.jprune.ir.Graph;
import dev.jprune.ir.Node;
import dev.jprune.ir.ParamKind;
import dev.jprune.ir.Parameter;
import dev.jprune.ir.Value;
import dev.jprune.ops.AdaptiveAvgPool2d;
import dev.jprune.ops.Add;
import dev.jprune.ops.BatchNorm2d;
import dev.jprune.ops.Dropout;
import dev.jprune.ops.Flatten;
import dev.jprune.ops.Identity;
import dev.jprune.ops.Linear;
import dev.jprune.ops.MaxPool2d;
import dev.jprune.ops.ReLU;
import dev.jprune.ops.ReLU6;
import dev.jprune.ops.Reshape;
import dev.jprune.tensor.Tensor;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A jprune {@link Graph} evaluated by libtorch: the graph's nodes in order, each mapped to the DJL op that computes
 * the same thing, on copies of the graph's parameters and buffers held as libtorch tensors.
 *
 * <p>The parameters are copied once, when the model is created; later changes to the graph's values are not seen.
 * Trainable parameters (not buffers) record gradients when {@code trainable}; run {@link #forward} inside a DJL
 * {@code GradientCollector} to get them. Intermediate tensors belong to the manager of the input passed to
 * {@link #forward}, so a caller that creates each input in a sub-manager and closes it frees the whole pass.
 *
 * <p>Supported ops: {@code Conv2d}, {@code BatchNorm2d} (affine), {@code ReLU}, {@code ReLU6}, {@code MaxPool2d}
 * (dilation 1), {@code AdaptiveAvgPool2d} to (1, 1), {@code Flatten}, {@code Reshape}, {@code Linear}, {@code Add},
 * {@code Dropout} (identity, so train-mode comparisons need the graph's dropout removed) and {@code Identity}: enough
 * for ResNets and MobileNetV2. Any other op throws {@link IllegalArgumentException} naming the node.
 */
public final class TorchModel implements AutoCloseable {

    private final Graph graph;
    private final NDManager manager;
    private final Map<String, NDArray> tensors = new LinkedHashMap<>();
    private final Map<String, NDArray> trainable = new LinkedHashMap<>();
    private final Map<String, float[]> reluMasks = new LinkedHashMap<>();
    private DataType dtype = DataType.FLOAT32;

    /**
     * Copies the graph's float parameters and buffers into a new sub-manager of {@code parent}; when
     * {@code trainable}, the parameters (not buffers) record gradients.
     */
    public TorchModel(Graph graph, NDManager parent, boolean trainable) {
        this(graph, parent, trainable, DataType.FLOAT32);
    }

    /**
     * As {@link #TorchModel(Graph, NDManager, boolean)} with the tensors converted to {@code dtype}
     * ({@code FLOAT64} gives a reference to judge both engines' single-precision results by).
     */
    public TorchModel(Graph graph, NDManager parent, boolean trainable, DataType dtype) {
        this.graph = graph;
        this.dtype = dtype;
        this.manager = parent.newSubManager();
        for (Parameter p : graph.stateDict().values()) {
            Tensor v = p.value();
            NDArray a = manager.create(v.data().clone(), shapeOf(v.shape()));
            if (dtype != DataType.FLOAT32) {
                a = a.toType(dtype, false);
            }
            tensors.put(p.name(), a);
            if (trainable && p.kind() == ParamKind.PARAMETER) {
                a.setRequiresGradient(true);
                this.trainable.put(p.name(), a);
            }
        }
    }

    /** A DJL shape with the dimensions of a jprune shape. */
    static Shape shapeOf(dev.jprune.tensor.Shape s) {
        long[] d = new long[s.rank()];
        for (int i = 0; i < d.length; i++) {
            d[i] = s.dim(i);
        }
        return new Shape(d);
    }

    /**
     * Makes the ReLU or ReLU6 of node {@code nodeName} follow these branch codes ({@link ReluMasks}: 0 below, 1
     * inside, 2 above ReLU6's upper kink; same shape as its input) instead of deciding itself: both engines then take
     * the same branch at inputs within rounding of a kink, where the gradient is discontinuous and any two float
     * engines may legitimately disagree.
     */
    public void fixReluMask(String nodeName, float[] mask) {
        reluMasks.put(nodeName, mask.clone());
    }

    /** The manager holding the parameters. */
    public NDManager manager() {
        return manager;
    }

    /** The trainable parameters by full {@code state_dict} name (unmodifiable; the arrays are shared). */
    public Map<String, NDArray> parameters() {
        return Collections.unmodifiableMap(trainable);
    }

    /**
     * Runs the graph on {@code input} {@code (N, C, H, W)} and returns output 0. {@code training} selects batch
     * statistics in BatchNorm (updating the running ones, as PyTorch does); dropout is always the identity.
     */
    public NDArray forward(NDArray input, boolean training) {
        List<Value> inputs = graph.inputs();
        if (inputs.size() != 1) {
            throw new IllegalArgumentException("model " + graph.name() + " has " + inputs.size() + " inputs; expected 1");
        }
        NDArray[] values = new NDArray[graph.valueCount()];
        values[inputs.get(0).id()] = input;
        for (Node n : graph.nodes()) {
            NDArray[] args = new NDArray[n.inputs().size()];
            for (int i = 0; i < args.length; i++) {
                args[i] = values[n.input(i).id()];
            }
            values[n.output(0).id()] = apply(n, args, training);
        }
        return values[graph.outputs().get(0).id()];
    }

    /** {@code x · inside + 6 · above}: the clamp with its branches given, so its gradient is {@code inside}. */
    private NDArray fixedBranches(NDArray x, float[] branches) {
        float[] inside = new float[branches.length];
        float[] above = new float[branches.length];
        for (int i = 0; i < branches.length; i++) {
            inside[i] = branches[i] == ReluMasks.INSIDE ? 1f : 0f;
            above[i] = branches[i] == ReluMasks.ABOVE ? 6f : 0f;
        }
        NDManager m = x.getManager();
        NDArray in = m.create(inside, x.getShape()).toType(dtype, false);
        NDArray hi = m.create(above, x.getShape()).toType(dtype, false);
        return x.mul(in).add(hi);
    }

    private NDArray param(Node n, String local) {
        Parameter p = n.parameter(local);
        return p == null ? null : tensors.get(p.name());
    }

    private NDArray apply(Node n, NDArray[] in, boolean training) {
        if (n.op() instanceof dev.jprune.ops.Conv2d c) {
            NDArray bias = c.bias() ? param(n, "bias") : null;
            return Conv2d.conv2d(in[0], param(n, "weight"), bias, new Shape(c.strideH(), c.strideW()),
                    new Shape(c.padH(), c.padW()), new Shape(c.dilationH(), c.dilationW()), c.groups()).singletonOrThrow();
        }
        if (n.op() instanceof BatchNorm2d b) {
            if (!b.affine()) {
                throw new IllegalArgumentException("node " + n.name() + ": only affine BatchNorm2d is supported");
            }
            return BatchNorm.batchNorm(in[0], param(n, "running_mean"), param(n, "running_var"), param(n, "weight"),
                    param(n, "bias"), 1, (float) b.momentum(), (float) b.eps(), training).singletonOrThrow();
        }
        float[] branches = reluMasks.get(n.name());
        if (branches != null && (n.op() instanceof ReLU || n.op() instanceof ReLU6)) {
            return fixedBranches(in[0], branches);
        }
        if (n.op() instanceof ReLU) {
            return Activation.relu(in[0]);
        }
        if (n.op() instanceof ReLU6) {
            return Activation.relu6(in[0]);
        }
        if (n.op() instanceof MaxPool2d m) {
            if (m.dilationH() != 1 || m.dilationW() != 1) {
                throw new IllegalArgumentException("node " + n.name() + ": MaxPool2d with dilation is not supported");
            }
            return Pool.maxPool2d(in[0], new Shape(m.kernelH(), m.kernelW()), new Shape(m.strideH(), m.strideW()),
                    new Shape(m.padH(), m.padW()), m.ceilMode());
        }
        if (n.op() instanceof AdaptiveAvgPool2d a) {
            if (a.outH() != 1 || a.outW() != 1) {
                throw new IllegalArgumentException("node " + n.name() + ": only AdaptiveAvgPool2d to (1, 1) is supported, got ("
                        + a.outH() + ", " + a.outW() + ")");
            }
            // libtorch's mean through DJL takes one axis: average the flattened spatial axis.
            Shape s = in[0].getShape();
            return in[0].reshape(s.get(0), s.get(1), -1).mean(new int[] {2}, true).reshape(shapeOf(n.output(0).shape()));
        }
        if (n.op() instanceof Flatten || n.op() instanceof Reshape) {
            return in[0].reshape(shapeOf(n.output(0).shape()));
        }
        if (n.op() instanceof Linear l) {
            NDArray bias = l.bias() ? param(n, l.biasName()) : null;
            return ai.djl.nn.core.Linear.linear(in[0], param(n, l.weightName()), bias).singletonOrThrow();
        }
        if (n.op() instanceof Add) {
            return in[0].add(in[1]);
        }
        if (n.op() instanceof Dropout || n.op() instanceof Identity) {
            return in[0];
        }
        throw new IllegalArgumentException("node " + n.name() + ": op " + n.op().type() + " has no libtorch mapping");
    }

    /** The gradient of trainable parameter {@code name}, rounded to a new float array. */
    public float[] gradient(String name) {
        NDArray p = trainable.get(name);
        if (p == null) {
            throw new IllegalArgumentException("model " + graph.name() + " has no trainable parameter '" + name + "'");
        }
        try (NDArray g = p.getGradient(); NDArray f = g.toType(DataType.FLOAT32, true)) {
            return f.toFloatArray();
        }
    }

    /** Sets every parameter gradient to zero, in place (PyTorch's {@code zero_grad(set_to_none=False)}). */
    public void zeroGradients() {
        for (NDArray p : trainable.values()) {
            try (NDArray g = p.getGradient()) {
                g.subi(g);
            }
        }
    }

    /**
     * Plain SGD outside autograd: {@code p -= lr · grad} for every trainable parameter, then zeroes the gradients.
     */
    public void sgdStep(float lr) {
        for (NDArray p : trainable.values()) {
            try (NDArray g = p.getGradient(); NDArray step = g.mul(lr)) {
                p.subi(step);
                g.subi(g);
            }
        }
    }

    @Override
    public void close() {
        manager.close();
    }
}
