package dev.jprune.ops;

import dev.jprune.exec.BackwardContext;
import dev.jprune.exec.ForwardContext;
import dev.jprune.ir.Node;
import dev.jprune.ir.Op;
import dev.jprune.ir.axis.AxisLinks;
import dev.jprune.ir.axis.Indices;
import dev.jprune.ir.axis.Port;
import dev.jprune.ops.internal.AxisSupport;
import dev.jprune.tensor.Shape;
import dev.jprune.tensor.Tensor;

import java.util.Arrays;
import java.util.List;

/**
 * {@code nn.Upsample} / {@code F.interpolate} on {@code (N, C, H, W)} (ONNX {@code Resize} and {@code Upsample}):
 * resizes every plane to {@code (outH, outW)}, by nearest neighbour or bilinearly.
 *
 * <p>Output position {@code o} of an axis of input size {@code in} maps to the input coordinate {@code x} by
 * {@code coordinateMode} (ONNX's {@code coordinate_transformation_mode}), with {@code s} the axis' scale:
 * {@code asymmetric} {@code x = o/s}; {@code half_pixel} {@code x = (o + ½)/s − ½}; {@code pytorch_half_pixel} the
 * same, but 0 when the output has one position; {@code align_corners} {@code x = o·(in − 1)/(out − 1)} (0 for one
 * position). Nearest takes input index {@code floor(x)}, {@code ceil(x)} or {@code x} rounded with halves down
 * ({@code round_prefer_floor}) or up ({@code round_prefer_ceil}); linear mixes {@code floor(x)} and the next index
 * by the fraction. Indices are clamped to {@code [0, in − 1]} (ONNX's edge padding). PyTorch's
 * {@code F.interpolate} exports as nearest {@code asymmetric}/{@code floor} and bilinear
 * {@code pytorch_half_pixel} or {@code align_corners}.
 *
 * @param outH           output height
 * @param outW           output width
 * @param scaleH         the height scale {@code s} (output over input; ONNX's {@code scales} when given)
 * @param scaleW         the width scale
 * @param mode           {@code nearest} or {@code linear}
 * @param coordinateMode {@code asymmetric}, {@code half_pixel}, {@code pytorch_half_pixel} or {@code align_corners}
 * @param nearestMode    {@code floor}, {@code ceil}, {@code round_prefer_floor} or {@code round_prefer_ceil}
 */
public record Upsample(int outH, int outW, double scaleH, double scaleW, String mode, String coordinateMode,
                       String nearestMode) implements Op {

    private static final List<String> MODES = List.of("nearest", "linear");
    private static final List<String> COORDINATES = List.of("asymmetric", "half_pixel", "pytorch_half_pixel",
            "align_corners");
    private static final List<String> NEAREST = List.of("floor", "ceil", "round_prefer_floor", "round_prefer_ceil");

    /** Validates sizes, scales and the mode names. */
    public Upsample {
        if (outH < 1 || outW < 1 || !(scaleH > 0) || !(scaleW > 0) || Double.isInfinite(scaleH)
                || Double.isInfinite(scaleW)) {
            throw new IllegalArgumentException("Upsample: output size and scales must be positive, got (" + outH + ", "
                    + outW + "), scales (" + scaleH + ", " + scaleW + ")");
        }
        if (!MODES.contains(mode) || !COORDINATES.contains(coordinateMode) || !NEAREST.contains(nearestMode)) {
            throw new IllegalArgumentException("Upsample: mode '" + mode + "' (expected one of " + MODES
                    + "), coordinate mode '" + coordinateMode + "' (" + COORDINATES + "), nearest mode '" + nearestMode
                    + "' (" + NEAREST + ")");
        }
    }

    /** {@code F.interpolate(x, scale_factor=s, mode='nearest')} on an {@code h × w} input. */
    public static Upsample nearest(int h, int w, int scale) {
        return new Upsample(h * scale, w * scale, scale, scale, "nearest", "asymmetric", "floor");
    }

    /** {@code F.interpolate(x, scale_factor=s, mode='bilinear', align_corners=alignCorners)} on {@code h × w}. */
    public static Upsample bilinear(int h, int w, int scale, boolean alignCorners) {
        return new Upsample(h * scale, w * scale, scale, scale, "linear",
                alignCorners ? "align_corners" : "pytorch_half_pixel", "floor");
    }

    @Override
    public String type() {
        return "Upsample";
    }

    @Override
    public Shape[] inferShapes(Shape[] inputs) {
        Shapes.requireCount(this, inputs, 1);
        Shape in = inputs[0];
        if (in.rank() != 4) {
            throw new IllegalArgumentException("Upsample expects an input (N, C, H, W), got " + in);
        }
        return new Shape[] {Shape.of(in.dim(0), in.dim(1), outH, outW)};
    }

    /** The input coordinate of output position {@code o} of {@code out} on an axis of {@code in} with scale {@code s}. */
    double coordinate(int o, int in, int out, double s) {
        switch (coordinateMode) {
            case "asymmetric":
                return o / s;
            case "half_pixel":
                return (o + 0.5) / s - 0.5;
            case "pytorch_half_pixel":
                return out > 1 ? (o + 0.5) / s - 0.5 : 0;
            default:
                return out > 1 ? o * (double) (in - 1) / (out - 1) : 0;
        }
    }

    private int nearestIndex(double x, int in) {
        int i;
        switch (nearestMode) {
            case "floor":
                i = (int) Math.floor(x);
                break;
            case "ceil":
                i = (int) Math.ceil(x);
                break;
            case "round_prefer_floor":
                i = x - Math.floor(x) == 0.5 ? (int) Math.floor(x) : (int) Math.round(x);
                break;
            default:
                i = (int) Math.round(x); // halves up
                break;
        }
        return Math.max(0, Math.min(in - 1, i));
    }

    /**
     * Per output position of one axis: the two input indices {@code [2o], [2o+1]} and the weight of the second
     * ({@code w[o]}); nearest uses the first index with weight 0.
     */
    private double[] taps(int in, int out, double s, int[] idx) {
        double[] w = new double[out];
        for (int o = 0; o < out; o++) {
            double x = coordinate(o, in, out, s);
            if (mode.equals("nearest")) {
                idx[2 * o] = nearestIndex(x, in);
                idx[2 * o + 1] = idx[2 * o];
            } else {
                int f = (int) Math.floor(x);
                w[o] = x - f;
                idx[2 * o] = Math.max(0, Math.min(in - 1, f));
                idx[2 * o + 1] = Math.max(0, Math.min(in - 1, f + 1));
            }
        }
        return w;
    }

    /** A new tensor. */
    @Override
    public Tensor[] forward(Node node, Tensor[] inputs, ForwardContext ctx) {
        Tensor x = inputs[0];
        int planes = x.dim(0) * x.dim(1);
        int h = x.dim(2);
        int w = x.dim(3);
        int[] iy = new int[2 * outH];
        int[] ix = new int[2 * outW];
        double[] wy = taps(h, outH, scaleH, iy);
        double[] wx = taps(w, outW, scaleW, ix);
        Tensor out = Tensor.zeros(x.dim(0), x.dim(1), outH, outW);
        float[] in = x.data();
        float[] o = out.data();
        for (int p = 0; p < planes; p++) {
            int src = p * h * w;
            int dst = p * outH * outW;
            for (int oy = 0; oy < outH; oy++) {
                int r0 = src + iy[2 * oy] * w;
                int r1 = src + iy[2 * oy + 1] * w;
                double ly = wy[oy];
                for (int ox = 0; ox < outW; ox++) {
                    int c0 = ix[2 * ox];
                    int c1 = ix[2 * ox + 1];
                    double lx = wx[ox];
                    double top = in[r0 + c0] * (1 - lx) + in[r0 + c1] * lx;
                    double bottom = in[r1 + c0] * (1 - lx) + in[r1 + c1] * lx;
                    o[dst + oy * outW + ox] = (float) (top * (1 - ly) + bottom * ly);
                }
            }
        }
        return new Tensor[] {out};
    }

    /** The adjoint: each output gradient is added back to the (up to four) input positions with its weights. */
    @Override
    public Tensor[] backward(Node node, BackwardContext ctx) {
        Shape s = node.input(0).shape();
        int planes = s.dim(0) * s.dim(1);
        int h = s.dim(2);
        int w = s.dim(3);
        int[] iy = new int[2 * outH];
        int[] ix = new int[2 * outW];
        double[] wy = taps(h, outH, scaleH, iy);
        double[] wx = taps(w, outW, scaleW, ix);
        float[] dy = ctx.gradOutput(0).data();
        Tensor dx = Tensor.zeros(s);
        float[] d = dx.data();
        double[] acc = new double[h * w];
        for (int p = 0; p < planes; p++) {
            Arrays.fill(acc, 0);
            int src = p * outH * outW;
            for (int oy = 0; oy < outH; oy++) {
                int r0 = iy[2 * oy] * w;
                int r1 = iy[2 * oy + 1] * w;
                double ly = wy[oy];
                for (int ox = 0; ox < outW; ox++) {
                    int c0 = ix[2 * ox];
                    int c1 = ix[2 * ox + 1];
                    double lx = wx[ox];
                    double g = dy[src + oy * outW + ox];
                    acc[r0 + c0] += g * (1 - ly) * (1 - lx);
                    acc[r0 + c1] += g * (1 - ly) * lx;
                    acc[r1 + c0] += g * ly * (1 - lx);
                    acc[r1 + c1] += g * ly * lx;
                }
            }
            for (int i = 0; i < acc.length; i++) {
                d[p * h * w + i] = (float) acc[i];
            }
        }
        return new Tensor[] {dx};
    }

    /**
     * Torch-Pruning's {@code upsample_flops_counter_hook} for {@code nn.Upsample}: the output's elements,
     * {@code numel(output)} for the batch.
     */
    @Override
    public long countOps(Shape[] inputs, Shape[] outputs) {
        return outputs[0].numelLong();
    }

    /** Batch and channel axes pass through; the resized axes cannot be pruned. */
    @Override
    public void linkAxes(Node node, Port from, int axis, Indices removed, AxisLinks links) {
        AxisSupport.requireAxis(node, from, axis, "only the batch and channel axes can be pruned", 0, 1);
        links.link(Port.in(0), axis, removed);
        links.link(Port.out(0), axis, removed);
    }

    /** {@code Upsample(size=(8, 8), mode='bilinear', align_corners=False)}, with the ONNX modes when not PyTorch's. */
    @Override
    public String describe() {
        String m = mode.equals("nearest") ? "nearest" : "bilinear";
        StringBuilder sb = new StringBuilder("Upsample(size=(" + outH + ", " + outW + "), mode='" + m + "'");
        if (mode.equals("linear")) {
            if (coordinateMode.equals("align_corners") || coordinateMode.equals("pytorch_half_pixel")) {
                sb.append(", align_corners=").append(coordinateMode.equals("align_corners") ? "True" : "False");
            } else {
                sb.append(", coordinate_transformation_mode='").append(coordinateMode).append('\'');
            }
        } else if (!coordinateMode.equals("asymmetric") || !nearestMode.equals("floor")) {
            sb.append(", coordinate_transformation_mode='").append(coordinateMode).append("', nearest_mode='")
                    .append(nearestMode).append('\'');
        }
        return sb.append(')').toString();
    }
}
