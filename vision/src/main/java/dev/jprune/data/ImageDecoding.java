package dev.jprune.data;

import dev.jprune.io.ModelFormatException;
import dev.jprune.tensor.Shape;
import dev.jprune.tensor.Tensor;
import java.awt.color.ColorSpace;
import java.awt.image.BufferedImage;
import java.awt.image.ColorModel;
import java.awt.image.DataBufferByte;
import java.awt.image.DirectColorModel;
import java.awt.image.IndexColorModel;
import java.awt.image.PixelInterleavedSampleModel;
import java.awt.image.Raster;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import javax.imageio.ImageIO;
import javax.imageio.ImageReadParam;
import javax.imageio.ImageReader;
import javax.imageio.ImageTypeSpecifier;
import javax.imageio.stream.ImageInputStream;

/**
 * Decodes image files with {@code javax.imageio} into float {@code (C, H, W)} tensors of {@code byte / 255}, as
 * torchvision's {@code pil_loader} ({@code Image.open(f).convert("RGB")}) followed by {@code ToTensor}.
 *
 * <p>Palette images are looked up in their palette; grey images are repeated into R, G and B; alpha is dropped
 * (not composited, as PIL's {@code convert("RGB")}). Samples are read straight from the raster, so a grey PNG
 * keeps its values (Java's {@code getRGB} would gamma-convert them) and an RGB image with an embedded ICC profile
 * keeps its stored values (PIL does no colour management either); other colour spaces (CMYK read by a plug-in)
 * go through {@code getRGB}. Samples of other than 8 bits become 8 bits as PIL unpacks them: fewer bits by
 * {@code v * 255 / max} rounded down (5-6-5 BMPs), 16 bits by their high byte (PIL clips 16-bit grey to 255
 * instead). One channel is PIL's {@code convert("L")}: {@code (19595 R + 38470 G + 7471 B + 0x8000) >> 16}, i.e.
 * {@code (299 R + 587 G + 114 B) / 1000} rounded.
 */
final class ImageDecoding {

    private ImageDecoding() {
    }

    /**
     * Reads the first image of {@code file} as a {@code (channels, H, W)} tensor.
     *
     * @param channels 1 (PIL "L") or 3 (PIL "RGB")
     * @throws java.nio.file.NoSuchFileException if the file does not exist
     * @throws ModelFormatException naming the file if no ImageIO reader recognises it or it is corrupt
     */
    static Tensor read(Path file, int channels) throws IOException {
        if (!Files.exists(file)) {
            throw new java.nio.file.NoSuchFileException(file.toString());
        }
        BufferedImage image;
        try (ImageInputStream in = ImageIO.createImageInputStream(file.toFile())) {
            if (in == null) {
                throw new ModelFormatException(file, "cannot open the file as an image stream");
            }
            Iterator<ImageReader> readers = ImageIO.getImageReaders(in);
            if (!readers.hasNext()) {
                throw new ModelFormatException(file, "not an image format ImageIO reads (expected JPEG, PNG, BMP"
                        + " or GIF content)");
            }
            ImageReader reader = readers.next();
            try {
                reader.setInput(in, true, true);
                image = reader.read(0, paramsKeepingStoredValues(reader));
            } catch (IOException | RuntimeException e) {
                throw new ModelFormatException(file, "corrupt or unsupported " + reader.getFormatName()
                        + " image (" + e + ")", e);
            } finally {
                reader.dispose();
            }
        }
        try {
            return toTensor(image, channels);
        } catch (IllegalArgumentException e) {
            throw new ModelFormatException(file, e.getMessage(), e);
        }
    }

    /**
     * Read parameters that stop the JDK's JPEG reader from colour-converting a JPEG with an embedded non-sRGB ICC
     * profile to sRGB (PIL keeps the stored values): the destination is an image in the profile's own colour space,
     * a type the reader offers after its default sRGB one. {@code null} (the defaults) for anything else.
     */
    private static ImageReadParam paramsKeepingStoredValues(ImageReader reader) throws IOException {
        if (!"jpeg".equalsIgnoreCase(reader.getFormatName())) {
            return null;
        }
        Iterator<ImageTypeSpecifier> types = reader.getImageTypes(0);
        while (types.hasNext()) {
            ImageTypeSpecifier type = types.next();
            ColorSpace cs = type.getColorModel().getColorSpace();
            if (cs.getType() == ColorSpace.TYPE_RGB && !cs.isCS_sRGB()) {
                ImageReadParam param = reader.getDefaultReadParam();
                // A destination image, not a destination type: the reader compares types by equality, which a
                // fresh ICC colour space fails.
                param.setDestination(type.createBufferedImage(reader.getWidth(0), reader.getHeight(0)));
                return param;
            }
        }
        return null;
    }

    /** Converts a decoded image; throws {@link IllegalArgumentException} for a colour model it cannot read. */
    static Tensor toTensor(BufferedImage image, int channels) {
        int h = image.getHeight();
        int w = image.getWidth();
        int plane = h * w;
        Raster raster = image.getRaster();
        ColorModel cm = image.getColorModel();
        float[] out = new float[channels * plane];
        int[] rgb = new int[3];
        int[] pixel = new int[raster.getNumBands()];
        boolean grey = !(cm instanceof IndexColorModel) && cm.getColorSpace().getType() == ColorSpace.TYPE_GRAY;
        boolean rgbComponents = !(cm instanceof IndexColorModel)
                && cm.getColorSpace().getType() == ColorSpace.TYPE_RGB && raster.getNumBands() >= 3;
        if ((grey || rgbComponents) && raster.getDataBuffer() instanceof DataBufferByte
                && raster.getSampleModel() instanceof PixelInterleavedSampleModel
                && raster.getSampleModelTranslateX() == 0 && raster.getSampleModelTranslateY() == 0
                && raster.getDataBuffer().getNumBanks() == 1 && raster.getDataBuffer().getOffset() == 0) {
            interleavedBytes(raster, grey, channels, out);
            return Tensor.wrap(Shape.of(channels, h, w), out);
        }
        int[] bits = raster.getSampleModel().getSampleSize();
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                if (cm instanceof IndexColorModel) {
                    IndexColorModel icm = (IndexColorModel) cm;
                    int index = raster.getSample(x, y, 0);
                    rgb[0] = icm.getRed(index);
                    rgb[1] = icm.getGreen(index);
                    rgb[2] = icm.getBlue(index);
                } else if (grey) {
                    int v = to8(raster.getSample(x, y, 0), bits[0]);
                    if (channels == 1) {
                        out[y * w + x] = v / 255f;
                        continue;
                    }
                    rgb[0] = v;
                    rgb[1] = v;
                    rgb[2] = v;
                } else if (rgbComponents || cm instanceof DirectColorModel) {
                    raster.getPixel(x, y, pixel);
                    for (int b = 0; b < 3; b++) {
                        rgb[b] = to8(pixel[b], bits[b]);
                    }
                } else {
                    int argb = image.getRGB(x, y);
                    rgb[0] = argb >> 16 & 0xff;
                    rgb[1] = argb >> 8 & 0xff;
                    rgb[2] = argb & 0xff;
                }
                int at = y * w + x;
                if (channels == 1) {
                    out[at] = luma(rgb[0], rgb[1], rgb[2]) / 255f;
                } else {
                    out[at] = rgb[0] / 255f;
                    out[plane + at] = rgb[1] / 255f;
                    out[2 * plane + at] = rgb[2] / 255f;
                }
            }
        }
        return Tensor.wrap(Shape.of(channels, h, w), out);
    }

    /** The fast path for 8-bit interleaved rasters (JPEG, BMP, PNG), reading the bytes directly. */
    private static void interleavedBytes(Raster raster, boolean grey, int channels, float[] out) {
        PixelInterleavedSampleModel sm = (PixelInterleavedSampleModel) raster.getSampleModel();
        byte[] data = ((DataBufferByte) raster.getDataBuffer()).getData();
        int h = raster.getHeight();
        int w = raster.getWidth();
        int plane = h * w;
        int stride = sm.getPixelStride();
        int[] offsets = sm.getBandOffsets();
        int r = offsets[0];
        int g = grey ? r : offsets[1];
        int b = grey ? r : offsets[2];
        for (int y = 0; y < h; y++) {
            int row = y * sm.getScanlineStride();
            int at = y * w;
            for (int x = 0; x < w; x++, at++) {
                int p = row + x * stride;
                int rv = data[p + r] & 0xff;
                if (channels == 3) {
                    out[at] = rv / 255f;
                    out[plane + at] = (data[p + g] & 0xff) / 255f;
                    out[2 * plane + at] = (data[p + b] & 0xff) / 255f;
                } else {
                    out[at] = (grey ? rv : luma(rv, data[p + g] & 0xff, data[p + b] & 0xff)) / 255f;
                }
            }
        }
    }

    /** PIL's RGB to L conversion ({@code L24} in Pillow's {@code Convert.c}). */
    static int luma(int r, int g, int b) {
        return (r * 19595 + g * 38470 + b * 7471 + 0x8000) >> 16;
    }

    /**
     * A sample of {@code bits} bits as 8 bits, as PIL unpacks them: fewer bits scale by {@code v * 255 / max}
     * rounded down (PIL's 5-6-5 unpacker; exact for 1, 2 and 4 bits), more bits keep the high byte (PIL's 16-bit
     * RGB; PIL clips 16-bit grey instead).
     */
    private static int to8(int sample, int bits) {
        if (bits == 8) {
            return sample;
        }
        if (bits > 8) {
            return sample >>> (bits - 8);
        }
        return sample * 255 / ((1 << bits) - 1);
    }
}
