package dev.jprune.io.onnx.internal.convert;

import dev.jprune.io.onnx.OnnxAttribute;
import dev.jprune.io.onnx.OnnxNode;
import dev.jprune.ir.Value;
import dev.jprune.ops.GroupNorm;
import dev.jprune.ops.InstanceNorm2d;
import dev.jprune.ops.LeakyReLU;
import dev.jprune.ops.PReLU;
import dev.jprune.ops.PixelShuffle;
import dev.jprune.ops.PixelUnshuffle;
import dev.jprune.ops.Split;
import dev.jprune.tensor.Shape;
import dev.jprune.tensor.Tensor;

import java.io.IOException;
import java.util.Arrays;

import static dev.jprune.io.onnx.internal.convert.ImportContext.decimal;
import static dev.jprune.io.onnx.internal.convert.ImportContext.floatAttr;
import static dev.jprune.io.onnx.internal.convert.ImportContext.intAttr;
import static dev.jprune.io.onnx.internal.convert.ImportContext.stringAttr;

/**
 * CNN ops on channels: LeakyRelu, PRelu, InstanceNormalization and GroupNormalization (as {@link GroupNorm}),
 * DepthToSpace and SpaceToDepth (as {@link PixelShuffle} / {@link PixelUnshuffle}) and Split.
 */
final class ChannelOps {

    private ChannelOps() {
    }

    /** The float attribute's shortest decimal as a double ({@code 0.1f} → {@code 0.1}), as PyTorch's module held it. */
    static void leakyRelu(ImportContext cx, OnnxNode n, String name) throws IOException {
        cx.unary(n, name, new LeakyReLU(decimal(floatAttr(n, "alpha", 0.01f))));
    }

    /**
     * PRelu with a constant slope: one element (a shared slope) or one per channel, broadcast along axis 1
     * ({@code [C, 1, 1]} for {@code (N, C, H, W)}, {@code [C]} for {@code (N, C)}); the module is {@code X} for a
     * slope initializer {@code X.weight}, or for a node {@code /.../X/PRelu} (torch's scope) whose slope initializer
     * has another name; its parameter is {@code X.weight (C)}.
     */
    static void prelu(ImportContext cx, OnnxNode n, String name) throws IOException {
        Value x = cx.dynamic(n, 0);
        Const slope = cx.constant(n, 1, "slope");
        int[] sd = slope.dims();
        int rank = x.shape().rank();
        int count = slope.size();
        if (count != 1) {
            int channelAxis = -1;
            for (int i = 0; i < sd.length; i++) {
                if (sd[i] != 1) {
                    if (channelAxis >= 0) {
                        channelAxis = -2;
                        break;
                    }
                    channelAxis = rank - sd.length + i;
                }
            }
            if (channelAxis != 1 || sd.length > rank || rank < 2 || x.shape().dim(1) != count) {
                throw cx.unsupported(n, "slope of dims " + Arrays.toString(sd) + " for input " + x.shape()
                        + "; only one slope or one per channel (axis 1) is supported");
            }
        }
        String weight = n.inputs().get(1);
        String nm = n.name();
        int slash = nm.lastIndexOf('/');
        if (!weight.endsWith(".weight") && nm.startsWith("/") && slash > 0) {
            // torch.onnx.export folds nn.PReLU's unsqueezed weight into an anonymous initializer (onnx::PRelu_N);
            // the node's innermost scope ("/block/block.act/PRelu") is the module's path
            weight = nm.substring(nm.lastIndexOf('/', slash - 1) + 1, slash) + ".weight";
        }
        String m = cx.moduleName(weight, name);
        cx.param(m, "weight", Const.ofFloats(new int[] {count}, slope.floats() != null ? slope.floats()
                : slope.floatValues()), n.inputs().get(1));
        cx.output(n, cx.module(m, new PReLU(count), x));
    }

    /**
     * InstanceNormalization as {@link InstanceNorm2d} (GroupNorm's arithmetic with one group per channel, but
     * channels that prune independently), scale and bias per channel.
     */
    static void instanceNorm(ImportContext cx, OnnxNode n, String name) throws IOException {
        Value x = cx.dynamic(n, 0);
        Const scale = cx.constant(n, 1, "scale");
        Const bias = cx.constant(n, 2, "B");
        if (x.shape().rank() < 3) {
            throw cx.unsupported(n, "input " + x.shape() + "; expected (N, C, D1, ...)");
        }
        int c = x.shape().dim(1);
        if (scale.size() != c || bias.size() != c) {
            throw cx.unsupported(n, "scale " + Arrays.toString(scale.dims()) + " and B " + Arrays.toString(bias.dims())
                    + " for " + c + " channels");
        }
        String m = cx.moduleName(n.inputs().get(1), name);
        cx.param(m, "weight", scale, n.inputs().get(1));
        cx.param(m, "bias", bias, n.inputs().get(2));
        cx.output(n, cx.module(m, new InstanceNorm2d(c, decimal(floatAttr(n, "epsilon", 1e-5f)), true), x));
    }

    /**
     * GroupNormalization: scale and bias per group (opset 18, repeated over each group's channels here, so that
     * they become GroupNorm's per-channel affine) or per channel (opset 21).
     */
    static void groupNorm(ImportContext cx, OnnxNode n, String name) throws IOException {
        Value x = cx.dynamic(n, 0);
        OnnxAttribute g = n.attribute("num_groups");
        if (g == null) {
            throw cx.unsupported(n, "no num_groups attribute");
        }
        int groups = Math.toIntExact(g.asInt());
        if (x.shape().rank() < 3) {
            throw cx.unsupported(n, "input " + x.shape() + "; expected (N, C, D1, ...)");
        }
        int c = x.shape().dim(1);
        if (groups < 1 || c % groups != 0) {
            throw cx.unsupported(n, "num_groups " + groups + " does not divide " + c + " channels");
        }
        String m = cx.moduleName(n.inputs().get(1), name);
        String[] locals = {"weight", "bias"};
        for (int i = 1; i <= 2; i++) {
            Const p = cx.constant(n, i, i == 1 ? "scale" : "bias");
            if (p.size() == c) {
                cx.param(m, locals[i - 1], Const.ofFloats(new int[] {c}, p.floatValues()), n.inputs().get(i));
            } else if (p.size() == groups && cx.opset() < 21) {
                float[] per = p.floatValues();
                float[] full = new float[c];
                for (int ch = 0; ch < c; ch++) {
                    full[ch] = per[ch / (c / groups)];
                }
                // repeated per channel: not the initializer's shape, so no initializer name is recorded
                cx.paramValues().put(m + "." + locals[i - 1], Tensor.wrap(Shape.of(c), full));
            } else {
                throw cx.unsupported(n, (i == 1 ? "scale" : "bias") + " of dims " + Arrays.toString(p.dims()) + "; expected ["
                        + c + "] (per channel" + (cx.opset() < 21 ? ", or [" + groups + "] per group" : "") + ")");
            }
        }
        cx.output(n, cx.module(m, new GroupNorm(groups, c, decimal(floatAttr(n, "epsilon", 1e-5f)), true), x));
    }

    /** DepthToSpace, DCR (ONNX's default) or CRD (PyTorch's PixelShuffle) order. */
    static void depthToSpace(ImportContext cx, OnnxNode n, String name) throws IOException {
        String mode = stringAttr(n, "mode", "DCR");
        if (!mode.equals("DCR") && !mode.equals("CRD")) {
            throw cx.unsupported(n, "mode '" + mode + "'; DCR and CRD are supported");
        }
        int r = Math.toIntExact(intAttr(n, "blocksize", 0));
        if (r < 1) {
            throw cx.unsupported(n, "blocksize " + r);
        }
        cx.unary(n, name, new PixelShuffle(r, mode.equals("DCR")));
    }

    /** SpaceToDepth: ONNX's block-first channel order. */
    static void spaceToDepth(ImportContext cx, OnnxNode n, String name) throws IOException {
        int r = Math.toIntExact(intAttr(n, "blocksize", 0));
        if (r < 1) {
            throw cx.unsupported(n, "blocksize " + r);
        }
        cx.unary(n, name, new PixelUnshuffle(r, true));
    }

    /**
     * Split: piece sizes from the {@code split} attribute (opset &lt; 13) or input (13+), else {@code num_outputs}
     * (18+, pieces of {@code ceil(size / num_outputs)}, the last smaller), else equal pieces, one per output.
     */
    static void split(ImportContext cx, OnnxNode n, String name) throws IOException {
        Value x = cx.dynamic(n, 0);
        int rank = x.shape().rank();
        int axis = (int) intAttr(n, "axis", 0);
        axis = axis < 0 ? axis + rank : axis;
        if (axis < 0 || axis >= rank) {
            throw cx.unsupported(n, "axis " + intAttr(n, "axis", 0) + " for input " + x.shape());
        }
        int size = x.shape().dim(axis);
        int outs = n.outputs().size();
        long[] sizes = null;
        if (cx.hasInput(n, 1)) {
            sizes = cx.longs(n, 1, "split");
        } else if (n.attribute("split") != null) {
            sizes = n.attribute("split").asInts();
        }
        Split op;
        if (sizes != null) {
            int[] s = new int[sizes.length];
            long sum = 0;
            for (int i = 0; i < s.length; i++) {
                s[i] = Math.toIntExact(sizes[i]);
                sum += s[i];
            }
            if (sum != size || s.length != outs) {
                throw cx.unsupported(n, "split " + Arrays.toString(sizes) + " for size " + size + " along axis " + axis
                        + " and " + outs + " outputs");
            }
            op = Split.of(axis, s);
        } else if (n.attribute("num_outputs") != null) {
            int k = Math.toIntExact(n.attribute("num_outputs").asInt());
            op = Split.chunk(axis, k, size);
            if (op.sizes().length != outs || k != outs) {
                throw cx.unsupported(n, "num_outputs " + k + " splits size " + size + " into "
                        + op.sizes().length + " pieces, but the node has " + outs + " outputs");
            }
        } else {
            if (size % outs != 0) {
                throw cx.unsupported(n, "size " + size + " along axis " + axis + " does not split evenly into " + outs
                        + " outputs");
            }
            int[] s = new int[outs];
            Arrays.fill(s, size / outs);
            op = Split.of(axis, s);
        }
        Value[] v = cx.callMulti(name, op, x);
        for (int i = 0; i < v.length; i++) {
            cx.output(n, i, v[i]);
        }
    }
}
