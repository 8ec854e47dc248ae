package dev.jprune.ops;

import dev.jprune.exec.BackwardContext;
import dev.jprune.exec.ForwardContext;
import dev.jprune.exec.Saved;
import dev.jprune.ir.Node;
import dev.jprune.ir.Op;
import dev.jprune.ir.ParamSpec;
import dev.jprune.ir.axis.AxisCut;
import dev.jprune.ir.axis.AxisLinks;
import dev.jprune.ir.axis.ChannelParams;
import dev.jprune.ir.axis.Indices;
import dev.jprune.ir.axis.Port;
import dev.jprune.ir.axis.UnsupportedAxisException;
import dev.jprune.kernels.Kernels;
import dev.jprune.kernels.Parallel;
import dev.jprune.ops.internal.AxisSupport;
import dev.jprune.ops.internal.ModuleRepr;
import dev.jprune.tensor.Shape;
import dev.jprune.tensor.Tensor;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.IntConsumer;

/**
 * {@code nn.ConvTranspose2d}: the transposed (fractionally strided) 2-D convolution
 * {@code (N, Cin, H, W) → (N, Cout, OH, OW)} with {@code OH = (H − 1)·strideH − 2·padH + dilationH·(KH − 1)
 * + outputPadH + 1} (likewise OW). Parameters {@code weight (Cin, Cout/groups, KH, KW)} — input channels first, the
 * reverse of {@link Conv2d} — and, when {@code bias}, {@code bias (Cout)}.
 *
 * <p>Each input pixel scatters {@code weight[ci, co, kh, kw]·x[n, ci, ih, iw]} to output position
 * {@code (ih·strideH − padH + kh·dilationH, iw·strideW − padW + kw·dilationW)}; positions outside the output are
 * dropped (that is what padding means here). As in PyTorch, {@code output_padding} must be smaller than the stride
 * or the dilation of its dimension. Only {@code padding_mode='zeros'} exists.
 */
public record ConvTranspose2d(int inChannels, int outChannels, int kernelH, int kernelW, int strideH, int strideW,
                              int padH, int padW, int outputPadH, int outputPadW, int dilationH, int dilationW,
                              int groups, boolean bias) implements Op {

    /** Validates channel counts against groups and the geometry, as PyTorch's constructor does. */
    public ConvTranspose2d {
        if (inChannels < 1 || outChannels < 1 || groups < 1 || inChannels % groups != 0 || outChannels % groups != 0) {
            throw new IllegalArgumentException("ConvTranspose2d: groups " + groups + " must divide in_channels "
                    + inChannels + " and out_channels " + outChannels);
        }
        if (kernelH < 1 || kernelW < 1 || strideH < 1 || strideW < 1 || dilationH < 1 || dilationW < 1
                || padH < 0 || padW < 0 || outputPadH < 0 || outputPadW < 0) {
            throw new IllegalArgumentException("ConvTranspose2d: kernel, stride and dilation must be positive, padding and"
                    + " output_padding non-negative");
        }
        if (outputPadH >= Math.max(strideH, dilationH) || outputPadW >= Math.max(strideW, dilationW)) {
            throw new IllegalArgumentException("ConvTranspose2d: output_padding " + ModuleRepr.tuple(outputPadH, outputPadW)
                    + " must be smaller than either stride " + ModuleRepr.tuple(strideH, strideW) + " or dilation "
                    + ModuleRepr.tuple(dilationH, dilationW));
        }
    }

    /** A square transposed convolution: kernel {@code k}, {@code stride}, {@code padding}, {@code outputPadding}, dilation 1. */
    public static ConvTranspose2d of(int in, int out, int k, int stride, int padding, int outputPadding, int groups,
                                     boolean bias) {
        return new ConvTranspose2d(in, out, k, k, stride, stride, padding, padding, outputPadding, outputPadding,
                1, 1, groups, bias);
    }

    /** A copy with other channel counts and groups (pruning). */
    public ConvTranspose2d withChannels(int in, int out, int newGroups) {
        return new ConvTranspose2d(in, out, kernelH, kernelW, strideH, strideW, padH, padW, outputPadH, outputPadW,
                dilationH, dilationW, newGroups, bias);
    }

    @Override
    public String type() {
        return "ConvTranspose2d";
    }

    /** {@code weight (Cin, Cout/groups, KH, KW)}, then {@code bias (Cout)} when present. */
    @Override
    public List<ParamSpec> parameters() {
        List<ParamSpec> p = new ArrayList<>(2);
        p.add(ParamSpec.param("weight", inChannels, outChannels / groups, kernelH, kernelW));
        if (bias) {
            p.add(ParamSpec.param("bias", outChannels));
        }
        return p;
    }

    /** The output height for input height {@code h}. */
    public int outH(int h) {
        return (h - 1) * strideH - 2 * padH + dilationH * (kernelH - 1) + outputPadH + 1;
    }

    /** The output width for input width {@code w}. */
    public int outW(int w) {
        return (w - 1) * strideW - 2 * padW + dilationW * (kernelW - 1) + outputPadW + 1;
    }

    /** {@code (N, Cin, H, W) → (N, Cout, OH, OW)}; the output must not be empty. */
    @Override
    public Shape[] inferShapes(Shape[] inputs) {
        Shapes.requireCount(this, inputs, 1);
        Shape in = inputs[0];
        if (in.rank() != 4 || in.dim(1) != inChannels) {
            throw new IllegalArgumentException("ConvTranspose2d expects input (N, " + inChannels + ", H, W), got " + in);
        }
        int oh = outH(in.dim(2));
        int ow = outW(in.dim(3));
        if (oh < 1 || ow < 1) {
            throw new IllegalArgumentException("ConvTranspose2d: input " + in + " gives an empty output (" + oh + ", "
                    + ow + "); expected a positive output size");
        }
        return new Shape[] {Shape.of(in.dim(0), outChannels, oh, ow)};
    }

    /**
     * For each image and group, {@code cols = W_gᵀ · x_g} by GEMM ({@code (Cout/g·KH·KW, H·W)}), then a col2im
     * scatter-add into the output, then the bias. Parallel over images (each writes its own output slice); a single image
     * leaves the parallelism to the GEMM.
     */
    @Override
    public Tensor[] forward(Node node, Tensor[] inputs, ForwardContext ctx) {
        Tensor x = inputs[0];
        int n = x.dim(0);
        int h = x.dim(2);
        int w = x.dim(3);
        int oh = outH(h);
        int ow = outW(w);
        Tensor out = Tensor.zeros(n, outChannels, oh, ow);
        float[] in = x.data();
        float[] o = out.data();
        float[] wt = node.param("weight").data();
        float[] b = bias ? node.param("bias").data() : null;
        Kernels k = ctx.kernels();
        int cinG = inChannels / groups;
        int coutG = outChannels / groups;
        int rows = coutG * kernelH * kernelW;
        int hw = h * w;
        int ohw = oh * ow;
        IntConsumer image = img -> {
            float[] cols = new float[rows * hw];
            for (int g = 0; g < groups; g++) {
                k.gemm(true, false, rows, hw, cinG, wt, g * cinG * rows, rows,
                        in, (img * inChannels + g * cinG) * hw, hw, 0f, cols, 0, hw);
                for (int co = 0; co < coutG; co++) {
                    int plane = (img * outChannels + g * coutG + co) * ohw;
                    for (int kh = 0; kh < kernelH; kh++) {
                        for (int kw = 0; kw < kernelW; kw++) {
                            int row = ((co * kernelH + kh) * kernelW + kw) * hw;
                            scatter(cols, row, h, w, kh * dilationH - padH, kw * dilationW - padW, o, plane, oh, ow);
                        }
                    }
                }
            }
            if (b != null) {
                for (int c = 0; c < outChannels; c++) {
                    int plane = (img * outChannels + c) * ohw;
                    for (int i = 0; i < ohw; i++) {
                        o[plane + i] += b[c];
                    }
                }
            }
        };
        if (n == 1) {
            image.accept(0); // a single image: let the GEMM itself run in parallel
        } else {
            Parallel.forRange(n, image);
        }
        return new Tensor[] {out};
    }

    /** Adds one kernel tap's column block ({@code H·W} values) to the output plane at its strided positions. */
    private void scatter(float[] cols, int row, int h, int w, int offH, int offW, float[] o, int plane, int oh, int ow) {
        for (int ih = 0; ih < h; ih++) {
            int y = ih * strideH + offH;
            if (y < 0 || y >= oh) {
                continue;
            }
            int src = row + ih * w;
            int dst = plane + y * ow;
            for (int iw = 0; iw < w; iw++) {
                int xo = iw * strideW + offW;
                if (xo >= 0 && xo < ow) {
                    o[dst + xo] += cols[src + iw];
                }
            }
        }
    }

    @Override
    public Saved saved() {
        return Saved.INPUTS;
    }

    /**
     * The forward's adjoint: per image and group, the output gradient is gathered at the strided positions each tap
     * wrote to ({@code dcols (Cout/g·KH·KW, H·W)}, the inverse of the forward's scatter), then {@code dx_g = W_g·dcols}
     * and {@code dW_g += x_g·dcolsᵀ} by GEMM; the bias gradient is the sum of {@code dy} over batch and positions.
     * Images are processed in order so the parameter gradients do not depend on the thread count.
     */
    @Override
    public Tensor[] backward(Node node, BackwardContext ctx) {
        Tensor x = ctx.input(0);
        float[] dy = ctx.gradOutput(0).data();
        int n = x.dim(0);
        int h = x.dim(2);
        int w = x.dim(3);
        int rows = outChannels / groups * kernelH * kernelW;
        int hw = h * w;
        int ohw = outH(h) * outW(w);
        Kernels k = ctx.kernels();
        float[] in = x.data();
        float[] wt = node.param("weight").data();
        Tensor dx = ctx.needsInputGrad(0) ? Tensor.zeros(x.shape()) : null;
        Tensor dw = ctx.paramGrad("weight");
        float[] dxd = dx == null ? null : dx.data();
        float[] dwd = dw == null ? null : dw.data();
        if (dxd != null || dwd != null) {
            float[] dcols = new float[rows * hw];
            for (int img = 0; img < n; img++) {
                backwardImage(img, dy, in, wt, dcols, dxd, dwd, k, h, w);
            }
        }
        Tensor db = bias ? ctx.paramGrad("bias") : null;
        if (db != null) {
            float[] d = db.data();
            for (int c = 0; c < outChannels; c++) {
                double acc = 0;
                for (int img = 0; img < n; img++) {
                    acc += k.sum(dy, (img * outChannels + c) * ohw, ohw);
                }
                d[c] += (float) acc;
            }
        }
        return new Tensor[] {dx};
    }

    /**
     * One image of the backward: for each group, gathers {@code dcols} from {@code dy}, then writes
     * {@code dx_g = W_g·dcols} (when {@code dx} is not null) and adds {@code x_g·dcolsᵀ} to {@code dw} (when not null).
     */
    private void backwardImage(int img, float[] dy, float[] in, float[] wt, float[] dcols, float[] dx, float[] dw,
                               Kernels k, int h, int w) {
        int oh = outH(h);
        int ow = outW(w);
        int cinG = inChannels / groups;
        int coutG = outChannels / groups;
        int rows = coutG * kernelH * kernelW;
        int hw = h * w;
        int ohw = oh * ow;
        for (int g = 0; g < groups; g++) {
            for (int co = 0; co < coutG; co++) {
                int plane = (img * outChannels + g * coutG + co) * ohw;
                for (int kh = 0; kh < kernelH; kh++) {
                    for (int kw = 0; kw < kernelW; kw++) {
                        int row = ((co * kernelH + kh) * kernelW + kw) * hw;
                        gather(dy, plane, oh, ow, kh * dilationH - padH, kw * dilationW - padW, dcols, row, h, w);
                    }
                }
            }
            int xOff = (img * inChannels + g * cinG) * hw;
            if (dx != null) {
                k.gemm(false, false, cinG, hw, rows, wt, g * cinG * rows, rows, dcols, 0, hw, 0f, dx, xOff, hw);
            }
            if (dw != null) {
                k.gemm(false, true, cinG, rows, hw, in, xOff, hw, dcols, 0, hw, 1f, dw, g * cinG * rows, rows);
            }
        }
    }

    /**
     * The adjoint of {@link #scatter}: fills one tap's column block ({@code H·W} values) with the output-gradient
     * values at that tap's strided positions, zero where the position falls outside the output.
     */
    private void gather(float[] dy, int plane, int oh, int ow, int offH, int offW, float[] cols, int row, int h, int w) {
        for (int ih = 0; ih < h; ih++) {
            int y = ih * strideH + offH;
            int dst = row + ih * w;
            if (y < 0 || y >= oh) {
                Arrays.fill(cols, dst, dst + w, 0f);
                continue;
            }
            int src = plane + y * ow;
            for (int iw = 0; iw < w; iw++) {
                int xo = iw * strideW + offW;
                cols[dst + iw] = xo >= 0 && xo < ow ? dy[src + xo] : 0f;
            }
        }
    }

    /**
     * Torch-Pruning's {@code conv_flops_counter_hook}, applied to transposed convolutions as well:
     * {@code N·OH·OW·KH·KW·Cin·(Cout/groups)}, plus {@code Cout·N·OH·OW} with a bias (output positions, not input).
     */
    @Override
    public long countOps(Shape[] inputs, Shape[] outputs) {
        Shape o = outputs[0];
        long active = (long) o.dim(0) * o.dim(2) * o.dim(3);
        long ops = active * kernelH * kernelW * inChannels * (outChannels / groups);
        return bias ? ops + (long) outChannels * active : ops;
    }

    /**
     * The multiply-accumulates actually performed: every input pixel meets every tap of its group's filters,
     * {@code N·H·W·KH·KW·Cin·(Cout/groups)} (input positions — this differs from {@link #countOps}, which follows the
     * reference's formula over output positions).
     */
    @Override
    public long macs(Shape[] inputs, Shape[] outputs) {
        Shape i = inputs[0];
        return (long) i.dim(0) * i.dim(2) * i.dim(3) * kernelH * kernelW * inChannels * (outChannels / groups);
    }

    /** The channel axis. */
    @Override
    public int rootAxis(Node node) {
        return 1;
    }

    /**
     * In- and out-channels are separate members (weight axes 0 and 1), except when channels leave with their whole
     * group (one input or one output per group), where they are one member, as for a depthwise {@link Conv2d}.
     */
    @Override
    public boolean separatesInAndOut() {
        return !wholeGroups();
    }

    /** Whether channels can only leave with their whole group: one input or one output per group. */
    private boolean wholeGroups() {
        return groups > 1 && (inChannels == groups || outChannels == groups);
    }

    /**
     * Channels only. One group: a barrier, as {@link Conv2d} (in-channels are weight axis 0, out-channels weight
     * axis 1 and the bias; the two are not coupled). Grouped with one input or one output per group (the transposed
     * depthwise family): a channel takes its whole group, inputs and outputs, and the group count drops. Other
     * grouped transposed convolutions throw {@link UnsupportedAxisException}: their weight's axis 1 holds the
     * in-group output positions of every group at once, which Torch-Pruning does not prune either.
     */
    @Override
    public void linkAxes(Node node, Port from, int axis, Indices removed, AxisLinks links) {
        AxisSupport.requireAxis(node, from, axis, "only channels can be pruned", 1);
        if (groups == 1) {
            return;
        }
        if (!wholeGroups()) {
            throw new UnsupportedAxisException("ConvTranspose2d at " + node.name() + " has " + groups + " groups of "
                    + inChannels / groups + " inputs and " + outChannels / groups
                    + " outputs; only groups == 1 or one input or output channel per group can be pruned");
        }
        int ci = inChannels / groups;
        int co = outChannels / groups;
        Indices whole = removed.map(i -> i / (from.input() ? ci : co));
        links.link(Port.in(0), 1, whole.flatMap(g -> block(g, ci)));
        links.link(Port.out(0), 1, whole.flatMap(g -> block(g, co)));
    }

    private static int[] block(int g, int size) {
        int[] r = new int[size];
        for (int k = 0; k < size; k++) {
            r[k] = g * size + k;
        }
        return r;
    }

    /**
     * Torch-Pruning's {@code prune_conv_out_channels} / {@code prune_conv_in_channels} for transposed convolutions
     * (which it detects by {@code module.transposed}): removed inputs are weight rows (axis 0), removed outputs weight
     * axis 1 and the bias. When whole groups go, the weight loses the groups' rows (axis 0 holds every input
     * channel; axis 1, the in-group outputs, keeps its size), the bias their outputs, and the group count drops.
     */
    @Override
    public Op pruneAxes(Node node, AxisCut cut) {
        Indices out = cut.removed(Port.out(0), 1);
        Indices in = cut.removed(Port.in(0), 1);
        if (out.isEmpty() && in.isEmpty()) {
            return this;
        }
        if (!in.isEmpty()) {
            cut.sliceParam("weight", 0, in.indices());
        }
        if (bias && !out.isEmpty()) {
            cut.sliceParam("bias", 0, out.indices());
        }
        int newGroups = groups;
        if (wholeGroups()) {
            int ci = inChannels / groups;
            int co = outChannels / groups;
            if (in.size() % ci != 0 || out.size() % co != 0 || in.size() / ci != out.size() / co) {
                throw new IllegalStateException("ConvTranspose2d at " + node.name() + " must lose whole groups: "
                        + in.size() + " inputs and " + out.size() + " outputs removed");
            }
            newGroups = groups - in.size() / ci;
        } else if (!out.isEmpty()) {
            cut.sliceParam("weight", 1, out.indices());
        }
        return withChannels(inChannels - in.size(), outChannels - out.size(), newGroups);
    }

    /**
     * As PyTorch's repr: {@code ConvTranspose2d(16, 8, kernel_size=(3, 3), stride=(2, 2), padding=(1, 1),
     * dilation=(2, 2), output_padding=(1, 1), groups=2, bias=False)}, defaults omitted.
     */
    /**
     * In-channels: weight axis 0. Out-channels: weight axis 1 (Torch-Pruning scores {@code W.transpose(0, 1)} rows)
     * and bias. With whole groups, in- and out-channels are one and the weight's axis 0 carries them.
     */
    @Override
    public ChannelParams channelParams(Node node, Port port, int axis) {
        if (axis != 1) {
            return null;
        }
        if (wholeGroups() || port.input()) {
            List<ChannelParams.Slice> s = new ArrayList<>(2);
            s.add(new ChannelParams.Slice("weight", 0, 0, false));
            if (bias && wholeGroups()) {
                s.add(new ChannelParams.Slice("bias", 0, 0, true));
            }
            return new ChannelParams(wholeGroups() ? ChannelParams.Kind.DEPTHWISE_CONV : ChannelParams.Kind.CONV,
                    wholeGroups() ? 1 : groups, s);
        }
        List<ChannelParams.Slice> s = new ArrayList<>(2);
        s.add(new ChannelParams.Slice("weight", 1, 0, false));
        if (bias) {
            s.add(new ChannelParams.Slice("bias", 0, 0, true));
        }
        return new ChannelParams(ChannelParams.Kind.CONV, groups, s);
    }

    @Override
    public String describe() {
        StringBuilder sb = new StringBuilder("ConvTranspose2d(").append(inChannels).append(", ").append(outChannels)
                .append(", kernel_size=").append(ModuleRepr.tuple(kernelH, kernelW))
                .append(", stride=").append(ModuleRepr.tuple(strideH, strideW));
        if (padH != 0 || padW != 0) {
            sb.append(", padding=").append(ModuleRepr.tuple(padH, padW));
        }
        if (dilationH != 1 || dilationW != 1) {
            sb.append(", dilation=").append(ModuleRepr.tuple(dilationH, dilationW));
        }
        if (outputPadH != 0 || outputPadW != 0) {
            sb.append(", output_padding=").append(ModuleRepr.tuple(outputPadH, outputPadW));
        }
        if (groups != 1) {
            sb.append(", groups=").append(groups);
        }
        if (!bias) {
            sb.append(", bias=False");
        }
        return sb.append(')').toString();
    }
}
