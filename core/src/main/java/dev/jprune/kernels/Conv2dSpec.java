package dev.jprune.kernels;

/**
 * The geometry of one 2-D convolution: batch, channels, spatial sizes, kernel, stride, padding,
 * dilation and groups. Output sizes follow PyTorch: {@code OH = (H + 2·padH − dilH·(KH − 1) − 1) / strideH + 1}.
 */
public record Conv2dSpec(int batch, int inChannels, int height, int width,
                         int outChannels, int kernelH, int kernelW,
                         int strideH, int strideW, int padH, int padW,
                         int dilationH, int dilationW, int groups) {

    public Conv2dSpec {
        if (batch < 1 || inChannels < 1 || height < 1 || width < 1 || outChannels < 1) {
            throw new IllegalArgumentException("convolution sizes must be positive: " + describe(batch, inChannels, height, width, outChannels));
        }
        if (kernelH < 1 || kernelW < 1 || strideH < 1 || strideW < 1 || dilationH < 1 || dilationW < 1 || padH < 0 || padW < 0) {
            throw new IllegalArgumentException("bad kernel/stride/dilation/padding: kernel " + kernelH + "x" + kernelW
                    + ", stride " + strideH + "x" + strideW + ", dilation " + dilationH + "x" + dilationW
                    + ", padding " + padH + "x" + padW);
        }
        if (groups < 1 || inChannels % groups != 0 || outChannels % groups != 0) {
            throw new IllegalArgumentException("groups " + groups + " must divide in channels " + inChannels
                    + " and out channels " + outChannels);
        }
        if (outHeight(height, kernelH, strideH, padH, dilationH) < 1 || outHeight(width, kernelW, strideW, padW, dilationW) < 1) {
            throw new IllegalArgumentException("input " + height + "x" + width + " is smaller than the dilated kernel "
                    + kernelH + "x" + kernelW + " with padding " + padH + "x" + padW);
        }
    }

    private static String describe(int n, int c, int h, int w, int o) {
        return "batch " + n + ", in " + c + ", " + h + "x" + w + ", out " + o;
    }

    /** PyTorch's output-size formula along one spatial axis. */
    public static int outHeight(int size, int kernel, int stride, int pad, int dilation) {
        return Math.floorDiv(size + 2 * pad - dilation * (kernel - 1) - 1, stride) + 1;
    }

    /** Output height. */
    public int outH() {
        return outHeight(height, kernelH, strideH, padH, dilationH);
    }

    /** Output width. */
    public int outW() {
        return outHeight(width, kernelW, strideW, padW, dilationW);
    }

    /** Multiply-accumulates of the convolution proper (bias excluded). */
    public long macs() {
        return (long) batch * outH() * outW() * kernelH * kernelW * (inChannels / groups) * outChannels;
    }
}
