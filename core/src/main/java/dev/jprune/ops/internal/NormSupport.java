package dev.jprune.ops.internal;

import dev.jprune.exec.BackwardContext;
import dev.jprune.ir.Node;
import dev.jprune.ir.axis.AxisCut;
import dev.jprune.kernels.Parallel;
import dev.jprune.tensor.Tensor;

/**
 * Statistics and backward shared by {@code LayerNorm} and {@code GroupNorm}, and the pruning of the affine
 * parameters shared by every normalization. Both normalize contiguous groups of
 * {@code channels · inner} elements; the input is {@code reps} repetitions of {@code groupsPerRep} such groups, and
 * the affine weight of channel {@code c} of group {@code q} within its repetition is {@code w[q · channels + c]}.
 * LayerNorm over {@code (rows, D)}: {@code reps = rows}, one group of {@code D} channels of 1 element. GroupNorm over
 * {@code (N, C, HW)} with {@code G} groups: {@code reps = N}, {@code G} groups of {@code C/G} channels of {@code HW}.
 * Work is split in blocks fixed by the shapes, so results do not depend on the thread count.
 */
public final class NormSupport {

    private NormSupport() {
    }

    /**
     * Removes entries {@code removed} along {@code axis} of the affine {@code weight} and {@code bias} when
     * {@code affine}; nothing otherwise (a normalization without them has no parameters to cut).
     */
    public static void sliceAffine(AxisCut cut, boolean affine, int axis, int[] removed) {
        if (affine) {
            cut.sliceParam("weight", axis, removed);
            cut.sliceParam("bias", axis, removed);
        }
    }

    /**
     * The layout of a grouped normalization.
     *
     * @param reps         repetitions (samples or rows)
     * @param groupsPerRep normalized groups in each repetition
     * @param channels     channels in each group (each with its own affine weight)
     * @param inner        elements per channel
     */
    public record Layout(int reps, int groupsPerRep, int channels, int inner) {

        /** Elements in one normalized group. */
        public int groupSize() {
            return channels * inner;
        }

        /** Normalized groups in all. */
        public int groups() {
            return reps * groupsPerRep;
        }
    }

    /**
     * Mean and {@code 1/sqrt(biased variance + eps)} of {@code in[off, off + len)}, both in double (two passes),
     * written to {@code mean[at]} and {@code rstd[at]}.
     */
    public static void moments(float[] in, int off, int len, double eps, double[] mean, double[] rstd, int at) {
        double sum = 0;
        for (int j = 0; j < len; j++) {
            sum += in[off + j];
        }
        double mu = sum / len;
        double sq = 0;
        for (int j = 0; j < len; j++) {
            double c = in[off + j] - mu;
            sq += c * c;
        }
        mean[at] = mu;
        rstd[at] = 1.0 / Math.sqrt(sq / len + eps);
    }

    /**
     * The whole backward of a normalization node whose forward stashed {@code {mean, rstd}} (one entry per group):
     * the input gradient when needed, and {@code weight}/{@code bias} gradients added when {@code affine}.
     */
    public static Tensor[] backward(Node node, BackwardContext ctx, Layout l, boolean affine, double[][] stats) {
        Tensor x = ctx.input(0);
        float[] dy = ctx.gradOutput(0).data();
        float[] w = affine ? node.param("weight").data() : null;
        if (affine) {
            Tensor dw = ctx.paramGrad("weight");
            Tensor db = ctx.paramGrad("bias");
            affineGrads(l, x.data(), dy, stats[0], stats[1], dw == null ? null : dw.data(), db == null ? null : db.data());
        }
        Tensor dx = null;
        if (ctx.needsInputGrad(0)) {
            dx = Tensor.zeros(x.shape());
            inputGrad(l, x.data(), dy, w, stats[0], stats[1], dx.data());
        }
        return new Tensor[] {dx};
    }

    /**
     * Input gradient, per group: with {@code g = dy · w} and {@code x̂ = (x − mean)·rstd},
     * {@code dx = rstd · (g − mean(g) − x̂ · mean(g · x̂))}, accumulated in double. {@code w} may be null (1).
     */
    public static void inputGrad(Layout l, float[] x, float[] dy, float[] w, double[] mean, double[] rstd, float[] dx) {
        int len = l.groupSize();
        ElementwiseSupport.forItems(l.groups(), 2 * len, q -> {
            int off = q * len;
            int wBase = (q % l.groupsPerRep()) * l.channels();
            double mu = mean[q];
            double rs = rstd[q];
            double sg = 0;
            double sgx = 0;
            for (int c = 0; c < l.channels(); c++) {
                double wc = w == null ? 1.0 : w[wBase + c];
                for (int i = off + c * l.inner(), end = i + l.inner(); i < end; i++) {
                    double g = dy[i] * wc;
                    sg += g;
                    sgx += g * (x[i] - mu) * rs;
                }
            }
            double mg = sg / len;
            double mgx = sgx / len;
            for (int c = 0; c < l.channels(); c++) {
                double wc = w == null ? 1.0 : w[wBase + c];
                for (int i = off + c * l.inner(), end = i + l.inner(); i < end; i++) {
                    double xh = (x[i] - mu) * rs;
                    dx[i] = (float) (rs * (dy[i] * wc - mg - xh * mgx));
                }
            }
        });
    }

    /**
     * Adds {@code Σ dy · x̂} to {@code dw} and {@code Σ dy} to {@code db} (either may be null) for each of the
     * {@code groupsPerRep · channels} weights, summing over repetitions and inner elements in double. Parallel over
     * fixed blocks of weights; each weight is summed in one order.
     */
    public static void affineGrads(Layout l, float[] x, float[] dy, double[] mean, double[] rstd, float[] dw, float[] db) {
        if (dw == null && db == null) {
            return;
        }
        int weights = l.groupsPerRep() * l.channels();
        int repStride = weights * l.inner();
        long perWeight = Math.max(1L, (long) l.reps() * l.inner());
        int perBlock = (int) Math.max(1, ElementwiseSupport.BLOCK / perWeight);
        Parallel.forRange(ElementwiseSupport.blocks(weights, perBlock), blk -> {
            int k0 = blk * perBlock;
            int k1 = Math.min(weights, k0 + perBlock);
            double[] sw = new double[k1 - k0];
            double[] sb = new double[k1 - k0];
            for (int r = 0; r < l.reps(); r++) {
                for (int k = k0; k < k1; k++) {
                    int q = r * l.groupsPerRep() + k / l.channels();
                    double mu = mean[q];
                    double rs = rstd[q];
                    double aw = 0;
                    double ab = 0;
                    for (int i = r * repStride + k * l.inner(), end = i + l.inner(); i < end; i++) {
                        aw += dy[i] * (x[i] - mu) * rs;
                        ab += dy[i];
                    }
                    sw[k - k0] += aw;
                    sb[k - k0] += ab;
                }
            }
            for (int k = k0; k < k1; k++) {
                if (dw != null) {
                    dw[k] += (float) sw[k - k0];
                }
                if (db != null) {
                    db[k] += (float) sb[k - k0];
                }
            }
        });
    }
}
