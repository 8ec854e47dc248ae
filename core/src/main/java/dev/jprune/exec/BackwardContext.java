package dev.jprune.exec;

import dev.jprune.ir.Node;
import dev.jprune.ir.Parameter;
import dev.jprune.kernels.Kernels;
import dev.jprune.tensor.Tensor;

/**
 * What an op's backward sees for one node: the saved forward tensors (as declared by {@link dev.jprune.ir.Op#saved()}),
 * whatever the forward stashed ({@link ForwardContext#stash}), the output gradients, and where to put parameter
 * gradients. Created by the {@link Tape}; valid only during that node's backward.
 */
public final class BackwardContext {

    private final Node node;
    private final Tensor[] inputs;
    private final Tensor[] outputs;
    private final Tensor[] gradOutputs;
    private final boolean[] needsInputGrad;
    private final Object stash;
    private final Kernels kernels;
    private final Mode mode;

    BackwardContext(Node node, Tensor[] inputs, Tensor[] outputs, Tensor[] gradOutputs, boolean[] needsInputGrad,
                    Object stash, Kernels kernels, Mode mode) {
        this.node = node;
        this.inputs = inputs;
        this.outputs = outputs;
        this.gradOutputs = gradOutputs;
        this.needsInputGrad = needsInputGrad;
        this.stash = stash;
        this.kernels = kernels;
        this.mode = mode;
    }

    /** The node being differentiated. */
    public Node node() {
        return node;
    }

    /** Forward input {@code i}; throws if the op did not declare it saved. */
    public Tensor input(int i) {
        if (inputs == null) {
            throw new IllegalStateException(node.op().type() + " at " + node.name() + " reads its inputs in backward but does not save them");
        }
        return inputs[i];
    }

    /** Forward output {@code i}; throws if the op did not declare it saved. */
    public Tensor output(int i) {
        if (outputs == null) {
            throw new IllegalStateException(node.op().type() + " at " + node.name() + " reads its outputs in backward but does not save them");
        }
        return outputs[i];
    }

    /** The gradient flowing into output {@code i}, or {@code null} when no gradient reached it (zero). */
    public Tensor gradOutput(int i) {
        return gradOutputs[i];
    }

    /** The gradient of output {@code i}, materialised as zeros when none reached it. */
    public Tensor gradOutputOrZeros(int i) {
        Tensor g = gradOutputs[i];
        return g != null ? g : Tensor.zeros(node.output(i).shape());
    }

    /** Whether the gradient of input {@code i} is needed (an op may skip computing it, returning {@code null}). */
    public boolean needsInputGrad(int i) {
        return needsInputGrad[i];
    }

    /** What the op's forward stashed for this call, or {@code null}. */
    public Object stash() {
        return stash;
    }

    /** The kernels to use. */
    public Kernels kernels() {
        return kernels;
    }

    /** The mode the forward ran in (BatchNorm differentiates batch statistics only in train mode). */
    public Mode mode() {
        return mode;
    }

    /**
     * The gradient buffer of the node's parameter {@code localName}, created as zeros on first use, for the op to add
     * into; {@code null} for buffers (not trained) and parameters excluded from training.
     */
    public Tensor paramGrad(String localName) {
        Parameter p = node.parameter(localName);
        if (p == null) {
            throw new IllegalStateException("node " + node.name() + " has no parameter '" + localName + "'");
        }
        if (!p.trainable()) {
            return null;
        }
        Tensor g = p.grad();
        if (g == null || !g.shape().equals(p.value().shape())) {
            g = Tensor.zeros(p.value().shape());
            p.setGrad(g);
        }
        return g;
    }
}
