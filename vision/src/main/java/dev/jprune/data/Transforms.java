package dev.jprune.data;

import dev.jprune.tensor.Shape;
import dev.jprune.tensor.Tensor;
import java.util.Arrays;
import java.util.Objects;
import java.util.SplittableRandom;

/**
 * Image transforms on float {@code (C, H, W)} tensors with torchvision's semantics ({@code transforms.Resize},
 * {@code CenterCrop}, {@code Pad}, {@code RandomCrop}, {@code RandomHorizontalFlip}, {@code Normalize},
 * {@code Grayscale}, {@code Compose}) applied after {@code ToTensor}.
 *
 * <p>Every transform returns a fresh tensor (only {@code compose()} of nothing returns its input) and never
 * modifies its input. Arguments are checked when the transform
 * is made; the image is checked when it is applied, and both raise {@link IllegalArgumentException} naming the
 * transform, the expected and the actual value. Random transforms draw only from the generator they are given, in
 * an order that does not depend on the image, so the same seed gives the same images.
 *
 * <pre>{@code
 * Transform train = Transforms.compose(
 *         Transforms.randomCrop(32, 4),
 *         Transforms.randomHorizontalFlip(0.5),
 *         Transforms.normalize(new float[] {0.4914f, 0.4822f, 0.4465f}, new float[] {0.2470f, 0.2435f, 0.2616f}));
 * Transform eval = Transforms.compose(Transforms.resize(256), Transforms.centerCrop(224),
 *         Transforms.normalize(new float[] {0.485f, 0.456f, 0.406f}, new float[] {0.229f, 0.224f, 0.225f}));
 * }</pre>
 */
public final class Transforms {

    private Transforms() {
    }

    // ---------------------------------------------------------------- resize

    /**
     * Resizes the shorter side to {@code size} keeping the aspect ratio, as torchvision's {@code Resize(size)}:
     * the longer side becomes {@code int(size * long / short)} (truncated). Bilinear as {@link #resize(int, int)}.
     *
     * @throws IllegalArgumentException if {@code size <= 0}
     */
    public static Transform resize(int size) {
        positive("resize", "size", size);
        return (image, rng) -> {
            checkImage("resize", image);
            int h = image.shape().dim(1);
            int w = image.shape().dim(2);
            int shorter = Math.min(h, w);
            int longer = Math.max(h, w);
            long newLong = (long) ((double) ((long) size * longer) / shorter);
            if (newLong > Integer.MAX_VALUE || newLong <= 0) {
                throw new IllegalArgumentException("resize: the longer side of a " + h + "x" + w + " image resized to "
                        + size + " would be " + newLong + ", expected 1 to " + Integer.MAX_VALUE);
            }
            return w <= h ? bilinear(image, (int) newLong, size) : bilinear(image, size, (int) newLong);
        };
    }

    /**
     * Resizes to {@code height × width} by bilinear interpolation as torch's
     * {@code F.interpolate(mode="bilinear", align_corners=False, antialias=False)}: half-pixel centres, the source
     * coordinate {@code (dst + 0.5) · in / out − 0.5} clamped at 0, edge pixels repeated. This is also what
     * torchvision 0.14's {@code Resize} does to a tensor; torchvision's {@code Resize} on a PIL image
     * antialiases when it shrinks, and this does not, so a large downscale aliases.
     *
     * @throws IllegalArgumentException if {@code height} or {@code width} is not positive
     */
    public static Transform resize(int height, int width) {
        positive("resize", "height", height);
        positive("resize", "width", width);
        return (image, rng) -> {
            checkImage("resize", image);
            return bilinear(image, height, width);
        };
    }

    private static Tensor bilinear(Tensor image, int outH, int outW) {
        int c = image.shape().dim(0);
        int inH = image.shape().dim(1);
        int inW = image.shape().dim(2);
        if ((long) c * outH * outW > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("resize: the resized image (" + c + ", " + outH + ", " + outW
                    + ") would exceed " + (Integer.MAX_VALUE - 8) + " elements");
        }
        int[] y0 = new int[outH];
        int[] y1 = new int[outH];
        float[] wy = new float[outH];
        axis(inH, outH, y0, y1, wy);
        int[] x0 = new int[outW];
        int[] x1 = new int[outW];
        float[] wx = new float[outW];
        axis(inW, outW, x0, x1, wx);
        float[] in = image.data();
        float[] out = new float[c * outH * outW];
        int o = 0;
        for (int ch = 0; ch < c; ch++) {
            int plane = ch * inH * inW;
            for (int y = 0; y < outH; y++) {
                int r0 = plane + y0[y] * inW;
                int r1 = plane + y1[y] * inW;
                float ly1 = wy[y];
                float ly0 = 1f - ly1;
                for (int x = 0; x < outW; x++) {
                    float lx1 = wx[x];
                    float lx0 = 1f - lx1;
                    out[o++] = ly0 * (lx0 * in[r0 + x0[x]] + lx1 * in[r0 + x1[x]])
                            + ly1 * (lx0 * in[r1 + x0[x]] + lx1 * in[r1 + x1[x]]);
                }
            }
        }
        return Tensor.wrap(Shape.of(c, outH, outW), out);
    }

    /** For each output index: the two source indices and the weight of the second, as torch's upsample kernels. */
    private static void axis(int in, int out, int[] i0, int[] i1, float[] w1) {
        float scale = (float) in / out;
        for (int d = 0; d < out; d++) {
            float src = Math.max(scale * (d + 0.5f) - 0.5f, 0f);
            int lo = Math.min((int) src, in - 1);
            i0[d] = lo;
            i1[d] = lo < in - 1 ? lo + 1 : lo;
            w1[d] = src - lo;
        }
    }

    // ---------------------------------------------------------------- crop and pad

    /** As {@link #centerCrop(int, int)} with a square {@code size × size}. */
    public static Transform centerCrop(int size) {
        positive("centerCrop", "size", size);
        return centerCrop(size, size);
    }

    /**
     * Crops the centre {@code height × width}, as torchvision's {@code CenterCrop}: the top row is
     * {@code round((H − height) / 2)} and the left column {@code round((W − width) / 2)}, rounding halves to even
     * as Python does. A side longer than the image is first zero-padded, {@code (d) / 2} before and
     * {@code (d + 1) / 2} after, where {@code d} is the shortfall.
     *
     * @throws IllegalArgumentException if {@code height} or {@code width} is not positive
     */
    public static Transform centerCrop(int height, int width) {
        positive("centerCrop", "height", height);
        positive("centerCrop", "width", width);
        return (image, rng) -> {
            checkImage("centerCrop", image);
            Tensor img = image;
            int h = img.shape().dim(1);
            int w = img.shape().dim(2);
            if (height > h || width > w) {
                int dw = Math.max(width - w, 0);
                int dh = Math.max(height - h, 0);
                img = padded(img, dw / 2, dh / 2, (dw + 1) / 2, (dh + 1) / 2, 0f);
                h = img.shape().dim(1);
                w = img.shape().dim(2);
                if (h == height && w == width) {
                    return img;
                }
            }
            int top = (int) Math.rint((h - height) / 2.0);
            int left = (int) Math.rint((w - width) / 2.0);
            return crop(img, top, left, height, width);
        };
    }

    /** As {@link #pad(int, int, int, int, float)} with {@code padding} on every side and zero fill. */
    public static Transform pad(int padding) {
        return pad(padding, 0f);
    }

    /** As {@link #pad(int, int, int, int, float)} with {@code padding} on every side. */
    public static Transform pad(int padding, float fill) {
        notNegative("pad", "padding", padding);
        return pad(padding, padding, padding, padding, fill);
    }

    /** As {@link #pad(int, int, int, int, float)} with zero fill. */
    public static Transform pad(int left, int top, int right, int bottom) {
        return pad(left, top, right, bottom, 0f);
    }

    /**
     * Pads with the constant {@code fill}, as torchvision's {@code Pad((left, top, right, bottom), fill)} with
     * {@code padding_mode="constant"}: the output is {@code (C, top + H + bottom, left + W + right)}.
     *
     * @throws IllegalArgumentException if a padding is negative or {@code fill} is not finite
     */
    public static Transform pad(int left, int top, int right, int bottom, float fill) {
        notNegative("pad", "left", left);
        notNegative("pad", "top", top);
        notNegative("pad", "right", right);
        notNegative("pad", "bottom", bottom);
        if (!Float.isFinite(fill)) {
            throw new IllegalArgumentException("pad: fill must be finite, got " + fill);
        }
        return (image, rng) -> {
            checkImage("pad", image);
            return padded(image, left, top, right, bottom, fill);
        };
    }

    /** As {@link #randomCrop(int, int)} without padding. */
    public static Transform randomCrop(int size) {
        return randomCrop(size, 0);
    }

    /** As {@link #randomCrop(int, int, int)} with a square {@code size × size}. */
    public static Transform randomCrop(int size, int padding) {
        positive("randomCrop", "size", size);
        return randomCrop(size, size, padding);
    }

    /**
     * Zero-pads every side by {@code padding}, then crops {@code height × width} at a random offset, as
     * torchvision's {@code RandomCrop((height, width), padding)}: the top row is drawn first, uniformly in
     * {@code [0, H + 2·padding − height]} by {@code rng.nextInt}, then the left column in
     * {@code [0, W + 2·padding − width]}. Both are drawn even when the crop fills the padded image (torchvision
     * then draws nothing), so the number of draws never depends on the image.
     *
     * @throws IllegalArgumentException if a size is not positive or {@code padding} is negative; when applied, if
     *                                  the padded image is smaller than the crop
     */
    public static Transform randomCrop(int height, int width, int padding) {
        positive("randomCrop", "height", height);
        positive("randomCrop", "width", width);
        notNegative("randomCrop", "padding", padding);
        return (image, rng) -> {
            checkImage("randomCrop", image);
            Tensor img = padding == 0 ? image : padded(image, padding, padding, padding, padding, 0f);
            int h = img.shape().dim(1);
            int w = img.shape().dim(2);
            if (h < height || w < width) {
                throw new IllegalArgumentException("randomCrop: expected an image of at least " + height + "x" + width
                        + " after padding by " + padding + ", got " + h + "x" + w + " (input shape "
                        + image.shape() + ")");
            }
            int top = rng.nextInt(h - height + 1);
            int left = rng.nextInt(w - width + 1);
            return crop(img, top, left, height, width);
        };
    }

    private static Tensor crop(Tensor image, int top, int left, int height, int width) {
        int c = image.shape().dim(0);
        int h = image.shape().dim(1);
        int w = image.shape().dim(2);
        float[] in = image.data();
        float[] out = new float[c * height * width];
        for (int ch = 0; ch < c; ch++) {
            for (int y = 0; y < height; y++) {
                System.arraycopy(in, (ch * h + top + y) * w + left, out, (ch * height + y) * width, width);
            }
        }
        return Tensor.wrap(Shape.of(c, height, width), out);
    }

    private static Tensor padded(Tensor image, int left, int top, int right, int bottom, float fill) {
        int c = image.shape().dim(0);
        int h = image.shape().dim(1);
        int w = image.shape().dim(2);
        long outH = (long) top + h + bottom;
        long outW = (long) left + w + right;
        if ((long) c * outH * outW > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("pad: the padded image (" + c + ", " + outH + ", " + outW
                    + ") would exceed " + (Integer.MAX_VALUE - 8) + " elements");
        }
        int oh = (int) outH;
        int ow = (int) outW;
        float[] in = image.data();
        float[] out = new float[c * oh * ow];
        if (fill != 0f) {
            Arrays.fill(out, fill);
        }
        for (int ch = 0; ch < c; ch++) {
            for (int y = 0; y < h; y++) {
                System.arraycopy(in, (ch * h + y) * w, out, (ch * oh + top + y) * ow + left, w);
            }
        }
        return Tensor.wrap(Shape.of(c, oh, ow), out);
    }

    // ---------------------------------------------------------------- flip

    /**
     * Flips left to right with probability {@code p}, as torchvision's {@code RandomHorizontalFlip(p)}: flips when
     * {@code rng.nextDouble() < p}. Exactly one double is drawn per image, flipped or not.
     *
     * @throws IllegalArgumentException if {@code p} is not in [0, 1]
     */
    public static Transform randomHorizontalFlip(double p) {
        if (!(p >= 0 && p <= 1)) {
            throw new IllegalArgumentException("randomHorizontalFlip: p must be in [0, 1], got " + p);
        }
        return (image, rng) -> {
            checkImage("randomHorizontalFlip", image);
            boolean flip = rng.nextDouble() < p;
            return flip ? horizontalFlip(image) : image.copy();
        };
    }

    /** Mirrors left to right ({@code out[c][y][x] = in[c][y][W − 1 − x]}), as torchvision's {@code F.hflip}. */
    public static Transform horizontalFlip() {
        return (image, rng) -> {
            checkImage("horizontalFlip", image);
            return horizontalFlip(image);
        };
    }

    private static Tensor horizontalFlip(Tensor image) {
        int rows = image.shape().dim(0) * image.shape().dim(1);
        int w = image.shape().dim(2);
        float[] in = image.data();
        float[] out = new float[in.length];
        for (int r = 0; r < rows; r++) {
            int base = r * w;
            for (int x = 0; x < w; x++) {
                out[base + x] = in[base + w - 1 - x];
            }
        }
        return Tensor.wrap(image.shape(), out);
    }

    // ---------------------------------------------------------------- values and channels

    /**
     * Normalizes each channel as torchvision's {@code Normalize(mean, std)}: {@code (x − mean[c]) / std[c]} in
     * float. The arrays are copied.
     *
     * @throws IllegalArgumentException if the arrays are empty or of different lengths, or a standard deviation is
     *                                  not positive and finite or a mean not finite; when applied, if the image
     *                                  does not have {@code mean.length} channels
     */
    public static Transform normalize(float[] mean, float[] std) {
        Objects.requireNonNull(mean, "mean");
        Objects.requireNonNull(std, "std");
        if (mean.length == 0 || mean.length != std.length) {
            throw new IllegalArgumentException("normalize: expected mean and std of the same length >= 1, got "
                    + mean.length + " means and " + std.length + " stds");
        }
        float[] m = mean.clone();
        float[] s = std.clone();
        for (int i = 0; i < m.length; i++) {
            if (!Float.isFinite(m[i])) {
                throw new IllegalArgumentException("normalize: mean[" + i + "] must be finite, got " + m[i]);
            }
            if (!(s[i] > 0) || !Float.isFinite(s[i])) {
                throw new IllegalArgumentException("normalize: std[" + i + "] must be > 0 and finite, got " + s[i]);
            }
        }
        return (image, rng) -> {
            checkImage("normalize", image);
            int c = image.shape().dim(0);
            if (c != m.length) {
                throw new IllegalArgumentException("normalize: mean and std have " + m.length
                        + " channels, the image has " + c + " (shape " + image.shape() + ")");
            }
            int plane = image.shape().dim(1) * image.shape().dim(2);
            float[] in = image.data();
            float[] out = new float[in.length];
            for (int ch = 0; ch < c; ch++) {
                float mc = m[ch];
                float sc = s[ch];
                for (int i = ch * plane, end = i + plane; i < end; i++) {
                    out[i] = (in[i] - mc) / sc;
                }
            }
            return Tensor.wrap(image.shape(), out);
        };
    }

    /**
     * Converts an RGB image to one channel, as torchvision's {@code Grayscale(1)} on a tensor:
     * {@code 0.2989 R + 0.587 G + 0.114 B}. A one-channel image is copied as is.
     *
     * @throws IllegalArgumentException when applied, if the image has neither 1 nor 3 channels
     */
    public static Transform toGrayscale() {
        return (image, rng) -> {
            checkImage("toGrayscale", image);
            int c = image.shape().dim(0);
            if (c == 1) {
                return image.copy();
            }
            if (c != 3) {
                throw new IllegalArgumentException("toGrayscale: expected an image of 1 or 3 channels, got " + c
                        + " (shape " + image.shape() + ")");
            }
            int plane = image.shape().dim(1) * image.shape().dim(2);
            float[] in = image.data();
            float[] out = new float[plane];
            for (int i = 0; i < plane; i++) {
                out[i] = 0.2989f * in[i] + 0.587f * in[plane + i] + 0.114f * in[2 * plane + i];
            }
            return Tensor.wrap(Shape.of(1, image.shape().dim(1), image.shape().dim(2)), out);
        };
    }

    /**
     * Repeats a one-channel image into three (R = G = B); a three-channel image is copied as is.
     *
     * @throws IllegalArgumentException when applied, if the image has neither 1 nor 3 channels
     */
    public static Transform toRgb() {
        return (image, rng) -> {
            checkImage("toRgb", image);
            int c = image.shape().dim(0);
            if (c == 3) {
                return image.copy();
            }
            if (c != 1) {
                throw new IllegalArgumentException("toRgb: expected an image of 1 or 3 channels, got " + c
                        + " (shape " + image.shape() + ")");
            }
            float[] in = image.data();
            float[] out = new float[3 * in.length];
            for (int k = 0; k < 3; k++) {
                System.arraycopy(in, 0, out, k * in.length, in.length);
            }
            return Tensor.wrap(Shape.of(3, image.shape().dim(1), image.shape().dim(2)), out);
        };
    }

    // ---------------------------------------------------------------- composition

    /**
     * The transforms applied in order, sharing one generator, as torchvision's {@code Compose}; with none, the
     * identity. The array is copied.
     *
     * @throws NullPointerException if {@code transforms} or one of its elements is null
     */
    public static Transform compose(Transform... transforms) {
        Transform[] ts = transforms.clone();
        for (int i = 0; i < ts.length; i++) {
            Objects.requireNonNull(ts[i], "compose: transform " + i + " is null");
        }
        if (ts.length == 0) {
            return Transform.identity();
        }
        return (image, rng) -> {
            Tensor t = image;
            for (Transform tr : ts) {
                t = tr.apply(t, rng);
            }
            return t;
        };
    }

    // ---------------------------------------------------------------- checks

    private static void positive(String transform, String what, int value) {
        if (value <= 0) {
            throw new IllegalArgumentException(transform + ": " + what + " must be > 0, got " + value);
        }
    }

    private static void notNegative(String transform, String what, int value) {
        if (value < 0) {
            throw new IllegalArgumentException(transform + ": " + what + " must be >= 0, got " + value);
        }
    }

    private static void checkImage(String transform, Tensor image) {
        Objects.requireNonNull(image, transform + ": image");
        if (image.shape().rank() != 3) {
            throw new IllegalArgumentException(transform + ": expected a (C, H, W) image, got shape " + image.shape());
        }
        if (image.numel() == 0) {
            throw new IllegalArgumentException(transform + ": expected a non-empty image, got shape "
                    + image.shape());
        }
    }
}
