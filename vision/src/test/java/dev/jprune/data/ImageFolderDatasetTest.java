package dev.jprune.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jprune.io.ModelFormatException;
import dev.jprune.tensor.Shape;
import dev.jprune.tensor.Tensor;
import java.awt.image.BufferedImage;
import java.awt.image.IndexColorModel;
import java.awt.image.WritableRaster;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Image folders written with ImageIO into a temporary folder. Lossless formats (PNG, BMP, GIF) are compared exactly
 * ({@code byte / 255f}, tolerance 0); the one-channel conversion exactly against Pillow 9.4's {@code convert("L")}
 * ({@code transform_golden.json}); JPEG within 12/255 of its source colours (lossy).
 */
class ImageFolderDatasetTest {

    @TempDir
    Path dir;

    /** Pixel (x, y) of the test RGB images: r = 10 x + 3 y, g = 200 − 7 y, b = (x · y · 13) mod 256. */
    static int[] rgbAt(int x, int y) {
        return new int[] {10 * x + 3 * y, 200 - 7 * y, (x * y * 13) % 256};
    }

    static BufferedImage rgbImage(int w, int h, int type) {
        BufferedImage img = new BufferedImage(w, h, type);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int[] c = rgbAt(x, y);
                img.setRGB(x, y, 0xff000000 | c[0] << 16 | c[1] << 8 | c[2]);
            }
        }
        return img;
    }

    Path write(BufferedImage img, String format, String relative) throws IOException {
        Path f = dir.resolve(relative);
        Files.createDirectories(f.getParent());
        assertTrue(ImageIO.write(img, format, f.toFile()), "no ImageIO writer for " + format);
        return f;
    }

    static void assertRgb(Tensor t, int w, int h, String what) {
        assertEquals(Shape.of(3, h, w), t.shape(), what);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int[] c = rgbAt(x, y);
                for (int ch = 0; ch < 3; ch++) {
                    assertEquals(c[ch] / 255f, t.get(ch, y, x), 0f, what + " channel " + ch + " at (" + x + ", "
                            + y + ")");
                }
            }
        }
    }

    @Test
    void classesLabelsOrderAndLosslessPixels() throws IOException {
        Path root = dir.resolve("root");
        write(rgbImage(5, 4, BufferedImage.TYPE_INT_RGB), "png", "root/cat/b.png");
        write(rgbImage(5, 4, BufferedImage.TYPE_INT_RGB), "png", "root/cat/A.PNG");
        write(rgbImage(3, 2, BufferedImage.TYPE_INT_RGB), "png", "root/cat/sub/a.png");
        write(rgbImage(6, 3, BufferedImage.TYPE_3BYTE_BGR), "bmp", "root/dog/x.bmp");
        write(rgbImage(2, 2, BufferedImage.TYPE_INT_RGB), "jpeg", "root/dog/y.JPEG");
        Files.writeString(root.resolve("dog/notes.txt"), "not an image");
        Files.writeString(root.resolve("readme.png.txt"), "a file in the root is not a class");
        Files.createDirectories(root.resolve("bird/empty/deeper"));
        write(rgbImage(1, 1, BufferedImage.TYPE_INT_RGB), "png", "root/bird/empty/deeper/z.png");

        ImageFolderDataset ds = ImageFolderDataset.open(root);
        assertEquals(List.of("bird", "cat", "dog"), ds.classes());
        assertEquals(6, ds.size());
        // torchvision order: folder by folder (sorted paths), names sorted within; "A.PNG" < "b.png" by code point.
        List<String> rel = new ArrayList<>();
        for (int i = 0; i < ds.size(); i++) {
            rel.add(root.relativize(ds.path(i)).toString().replace('\\', '/'));
        }
        assertEquals(List.of("bird/empty/deeper/z.png", "cat/A.PNG", "cat/b.png", "cat/sub/a.png", "dog/x.bmp",
                "dog/y.JPEG"), rel);
        assertArrayEquals(new int[] {0, 1, 1, 1, 2, 2}, new int[] {ds.label(0), ds.label(1), ds.label(2),
            ds.label(3), ds.label(4), ds.label(5)});
        assertArrayEquals(new int[] {1, 3, 2}, ds.classCounts());

        Example e = ds.get(2);
        assertEquals(1, e.label());
        assertRgb(e.image(), 5, 4, "cat/b.png");
        assertRgb(ds.get(3).image(), 3, 2, "cat/sub/a.png");
        assertRgb(ds.get(4).image(), 6, 3, "dog/x.bmp");
        Tensor jpeg = ds.get(5).image();
        assertEquals(Shape.of(3, 2, 2), jpeg.shape());
        for (int y = 0; y < 2; y++) {
            for (int x = 0; x < 2; x++) {
                for (int ch = 0; ch < 3; ch++) {
                    float want = rgbAt(x, y)[ch] / 255f;
                    assertTrue(Math.abs(jpeg.get(ch, y, x) - want) <= 12 / 255f, "jpeg (" + x + ", " + y + ") ch "
                            + ch + ": " + jpeg.get(ch, y, x) * 255 + " vs " + want * 255);
                }
            }
        }
        // Fresh tensors: changing one does not change the next read.
        e.image().data()[0] = -1f;
        assertEquals(rgbAt(0, 0)[0] / 255f, ds.get(2).image().get(0, 0, 0), 0f);
        assertThrows(IndexOutOfBoundsException.class, () -> ds.get(6));
        assertThrows(IndexOutOfBoundsException.class, () -> ds.label(-1));
    }

    @Test
    void greyPaletteAlphaAndSixteenBitConvert() throws IOException {
        BufferedImage grey = new BufferedImage(3, 2, BufferedImage.TYPE_BYTE_GRAY);
        WritableRaster gr = grey.getRaster();
        int[] greyValues = {0, 17, 128, 200, 254, 255};
        for (int i = 0; i < 6; i++) {
            gr.setSample(i % 3, i / 3, 0, greyValues[i]);
        }
        write(grey, "png", "g/a/grey.png");

        byte[] r = {(byte) 255, 0, 12, (byte) 130};
        byte[] g = {0, (byte) 255, 34, (byte) 140};
        byte[] b = {0, 0, 56, (byte) 150};
        IndexColorModel palette = new IndexColorModel(8, 4, r, g, b);
        BufferedImage indexed = new BufferedImage(4, 1, BufferedImage.TYPE_BYTE_INDEXED, palette);
        int[] indices = {3, 2, 1, 0};
        for (int x = 0; x < 4; x++) {
            indexed.getRaster().setSample(x, 0, 0, indices[x]);
        }
        write(indexed, "png", "g/b/palette.png");
        write(indexed, "gif", "g/b/palette.gif");

        BufferedImage argb = new BufferedImage(2, 1, BufferedImage.TYPE_INT_ARGB);
        argb.setRGB(0, 0, 0x80_0a_14_1e);  // half transparent (10, 20, 30)
        argb.setRGB(1, 0, 0x00_ff_80_01);  // fully transparent (255, 128, 1): colour kept, alpha dropped
        write(argb, "png", "g/c/alpha.png");

        BufferedImage wide = new BufferedImage(2, 1, BufferedImage.TYPE_USHORT_GRAY);
        wide.getRaster().setSample(0, 0, 0, 65535);
        wide.getRaster().setSample(1, 0, 0, 100 * 257);
        write(wide, "png", "g/d/wide.png");

        ImageFolderDataset rgb = ImageFolderDataset.open(dir.resolve("g"));
        assertEquals(List.of("a", "b", "c", "d"), rgb.classes());
        assertEquals(3, rgb.channels());
        Tensor gt = rgb.get(0).image();
        assertEquals(Shape.of(3, 2, 3), gt.shape());
        for (int i = 0; i < 6; i++) {
            for (int ch = 0; ch < 3; ch++) {
                assertEquals(greyValues[i] / 255f, gt.get(ch, i / 3, i % 3), 0f, "grey pixel " + i + " ch " + ch);
            }
        }
        for (int k : new int[] {1, 2}) {
            Tensor pt = rgb.get(k).image();
            String what = rgb.path(k).getFileName().toString();
            assertEquals(Shape.of(3, 1, 4), pt.shape(), what);
            for (int x = 0; x < 4; x++) {
                int idx = indices[x];
                assertEquals((r[idx] & 0xff) / 255f, pt.get(0, 0, x), 0f, what + " R at " + x);
                assertEquals((g[idx] & 0xff) / 255f, pt.get(1, 0, x), 0f, what + " G at " + x);
                assertEquals((b[idx] & 0xff) / 255f, pt.get(2, 0, x), 0f, what + " B at " + x);
            }
        }
        assertArrayEquals(new float[] {10 / 255f, 1f, 20 / 255f, 128 / 255f, 30 / 255f, 1 / 255f},
                rgb.get(3).image().data(), 0f, "alpha dropped, colour kept");
        assertArrayEquals(new float[] {1f, 1f, 100 / 255f, 100 / 255f, 1f, 100 / 255f},
                new float[] {rgb.get(4).image().get(0, 0, 0), rgb.get(4).image().get(1, 0, 0),
                    rgb.get(4).image().get(0, 0, 1), rgb.get(4).image().get(2, 0, 1),
                    rgb.get(4).image().get(2, 0, 0), rgb.get(4).image().get(1, 0, 1)}, 0f, "16-bit grey");

        ImageFolderDataset one = ImageFolderDataset.open(dir.resolve("g"), 1);
        assertEquals(1, one.channels());
        float[] greyOut = one.get(0).image().data();
        for (int i = 0; i < 6; i++) {
            assertEquals(greyValues[i] / 255f, greyOut[i], 0f, "grey pixel " + i + " as L");
        }
        // Palette to L: PIL rounds (19595 R + 38470 G + 7471 B) / 65536; by hand for (255, 0, 0) -> 76,
        // (0, 255, 0) -> 150, (12, 34, 56) -> 30, (130, 140, 150) -> 138 (Pillow 9.4 gives the same).
        assertArrayEquals(new float[] {138 / 255f, 30 / 255f, 150 / 255f, 76 / 255f}, one.get(1).image().data(), 0f);
        assertEquals(Shape.of(1, 1, 2), one.get(3).image().shape());
    }

    @Test
    void sixteenBitBmpScalesAsPillow() throws IOException {
        BufferedImage im = new BufferedImage(32, 2, BufferedImage.TYPE_USHORT_565_RGB);
        for (int x = 0; x < 32; x++) {
            im.getRaster().setSample(x, 0, 0, x);
            im.getRaster().setSample(x, 0, 1, 2 * x);
            im.getRaster().setSample(x, 0, 2, 31 - x);
            im.getRaster().setSample(x, 1, 1, 2 * x + 1);
        }
        write(im, "bmp", "bmp565/c/a.bmp");
        Tensor t = ImageFolderDataset.open(dir.resolve("bmp565")).get(0).image();
        assertEquals(Shape.of(3, 2, 32), t.shape());
        for (int x = 0; x < 32; x++) {
            int[] five = {x, 31 - x};
            int[] six = {2 * x, 2 * x + 1};
            // Pillow's unpacker: floor(v * 255 / 31) for 5 bits, floor(v * 255 / 63) for 6.
            assertEquals((int) Math.floor(five[0] * 255.0 / 31) / 255f, t.get(0, 0, x), 0f, "R at " + x);
            assertEquals((int) Math.floor(five[1] * 255.0 / 31) / 255f, t.get(2, 0, x), 0f, "B at " + x);
            for (int y = 0; y < 2; y++) {
                assertEquals((int) Math.floor(six[y] * 255.0 / 63) / 255f, t.get(1, y, x), 0f,
                        "G at " + x + ", " + y);
            }
        }
        // Pillow 9.4 reads this file's pixel 5 as (41, 40, 213) and pixel (5, 1) as (0, 44, 0).
        assertArrayEquals(new float[] {41, 40, 213, 0, 44, 0}, new float[] {t.get(0, 0, 5) * 255, t.get(1, 0, 5) * 255,
            t.get(2, 0, 5) * 255, t.get(0, 1, 5) * 255, t.get(1, 1, 5) * 255, t.get(2, 1, 5) * 255}, 1e-4f);
    }

    @Test
    @SuppressWarnings("unchecked")
    void oneChannelMatchesPillowConvertL() throws IOException {
        Map<String, Object> golden = TransformsTest.golden();
        List<Object> triples = (List<Object>) golden.get("pil_rgb");
        int[] pilL = TransformsTest.ints(golden.get("pil_l"));
        assertEquals(256, triples.size());
        BufferedImage img = new BufferedImage(16, 16, BufferedImage.TYPE_INT_RGB);
        for (int i = 0; i < 256; i++) {
            int[] c = TransformsTest.ints(triples.get(i));
            img.setRGB(i % 16, i / 16, c[0] << 16 | c[1] << 8 | c[2]);
        }
        write(img, "png", "pil/x/colours.png");
        float[] got = ImageFolderDataset.open(dir.resolve("pil"), 1).get(0).image().data();
        for (int i = 0; i < 256; i++) {
            assertEquals(pilL[i] / 255f, got[i], 0f, "pixel " + i + " " + triples.get(i) + ": Pillow L " + pilL[i]
                    + ", got " + got[i] * 255);
        }
    }

    @Test
    @SuppressWarnings("unchecked")
    void jpegDecodesAsPillowDoes() throws IOException {
        Map<String, Object> jpeg = (Map<String, Object>) TransformsTest.golden().get("pil_jpeg");
        int w = ((Number) jpeg.get("width")).intValue();
        int h = ((Number) jpeg.get("height")).intValue();
        int[] pil = TransformsTest.ints(jpeg.get("pil_rgb"));
        byte[] file = java.util.Base64.getDecoder().decode((String) jpeg.get("file_base64"));
        Path plain = dir.resolve("jpg/k/a_pillow.jpg");
        Files.createDirectories(plain.getParent());
        Files.write(plain, file);
        // The same JPEG with a linear-RGB ICC profile embedded: Pillow ignores profiles, so its pixels are the same;
        // ImageIO.read would convert them to sRGB (up to 73 levels away on this image).
        byte[] profile = java.awt.color.ICC_Profile.getInstance(java.awt.color.ColorSpace.CS_LINEAR_RGB).getData();
        Files.write(dir.resolve("jpg/k/b_icc.jpg"), withIccProfile(file, profile));
        ImageFolderDataset ds = ImageFolderDataset.open(dir.resolve("jpg"));
        assertEquals(2, ds.size());
        for (int i = 0; i < 2; i++) {
            Tensor t = ds.get(i).image();
            assertEquals(Shape.of(3, h, w), t.shape());
            // Tolerance 1 level (1/255): the JDK's decoder and Pillow 9.4's libjpeg-turbo agreed exactly when measured.
            int max = 0;
            for (int p = 0; p < w * h; p++) {
                for (int ch = 0; ch < 3; ch++) {
                    int got = Math.round(t.data()[ch * w * h + p] * 255f);
                    max = Math.max(max, Math.abs(got - pil[p * 3 + ch]));
                }
            }
            String name = ds.path(i).getFileName().toString();
            System.out.println("ImageFolderDatasetTest: max |ImageIO - Pillow| on " + name + " = " + max + " levels");
            assertTrue(max <= 1, name + " decoded " + max + " levels away from Pillow, expected <= 1");
        }
    }

    /** {@code jpeg} with an APP2 ICC_PROFILE segment holding {@code profile} inserted after its APP0 (JFIF). */
    static byte[] withIccProfile(byte[] jpeg, byte[] profile) {
        assertTrue((jpeg[0] & 0xff) == 0xff && (jpeg[1] & 0xff) == 0xd8 && (jpeg[3] & 0xff) == 0xe0,
                "expected SOI then APP0");
        int at = 4 + ((jpeg[4] & 0xff) << 8 | (jpeg[5] & 0xff));
        byte[] tag = "ICC_PROFILE\0".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        int length = 2 + tag.length + 2 + profile.length;
        assertTrue(length <= 0xffff, "profile too long for one segment");
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        out.write(jpeg, 0, at);
        out.write(0xff);
        out.write(0xe2);
        out.write(length >> 8);
        out.write(length & 0xff);
        out.writeBytes(tag);
        out.write(1); // segment 1 of 1
        out.write(1);
        out.writeBytes(profile);
        out.write(jpeg, at, jpeg.length - at);
        return out.toByteArray();
    }

    @Test
    void concurrentReadsMatchSequentialOnes() throws Exception {
        for (int i = 0; i < 12; i++) {
            BufferedImage img = rgbImage(7 + i, 5, BufferedImage.TYPE_INT_RGB);
            write(img, i % 3 == 0 ? "bmp" : "png", "par/c" + i % 2 + "/img" + i + (i % 3 == 0 ? ".bmp" : ".png"));
        }
        ImageFolderDataset ds = ImageFolderDataset.open(dir.resolve("par"));
        float[][] sequential = new float[ds.size()][];
        for (int i = 0; i < ds.size(); i++) {
            sequential[i] = ds.get(i).image().data();
        }
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(4);
        try {
            List<java.util.concurrent.Future<float[]>> futures = new ArrayList<>();
            for (int round = 0; round < 4; round++) {
                for (int i = 0; i < ds.size(); i++) {
                    int index = i;
                    futures.add(pool.submit(() -> ds.get(index).image().data()));
                }
            }
            for (int k = 0; k < futures.size(); k++) {
                assertArrayEquals(sequential[k % ds.size()], futures.get(k).get(), 0f, "read " + k);
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void openErrors() throws IOException {
        assertThrows(NoSuchFileException.class, () -> ImageFolderDataset.open(dir.resolve("missing")));
        Path file = Files.writeString(dir.resolve("file.txt"), "x");
        assertThrows(NotDirectoryException.class, () -> ImageFolderDataset.open(file));

        Path flat = dir.resolve("flat");
        write(rgbImage(2, 2, BufferedImage.TYPE_INT_RGB), "png", "flat/only.png");
        ModelFormatException noClasses = assertThrows(ModelFormatException.class, () -> ImageFolderDataset.open(flat));
        assertEquals(flat, noClasses.file());
        assertTrue(noClasses.getMessage().contains("no class folders"), noClasses.getMessage());

        Path some = dir.resolve("some");
        write(rgbImage(2, 2, BufferedImage.TYPE_INT_RGB), "png", "some/full/a.png");
        Files.createDirectories(some.resolve("hollow"));
        Files.createDirectories(some.resolve("texts"));
        Files.writeString(some.resolve("texts/readme.txt"), "x");
        ModelFormatException empty = assertThrows(ModelFormatException.class, () -> ImageFolderDataset.open(some));
        assertTrue(empty.getMessage().contains("hollow, texts") && empty.getMessage().contains(".png"),
                empty.getMessage());

        IllegalArgumentException channels = assertThrows(IllegalArgumentException.class,
                () -> ImageFolderDataset.open(some, 2));
        assertEquals("channels: expected 1 (grey) or 3 (RGB), got 2", channels.getMessage());
    }

    @Test
    void corruptImagesFailOnGetNamingTheFile() throws IOException {
        Path root = dir.resolve("bad");
        Path good = write(rgbImage(8, 8, BufferedImage.TYPE_INT_RGB), "png", "bad/c/a_good.png");
        Path garbage = root.resolve("c/b_garbage.jpg");
        Files.write(garbage, "definitely not a jpeg".getBytes(java.nio.charset.StandardCharsets.UTF_8));
        byte[] png = Files.readAllBytes(good);
        Path truncated = root.resolve("c/c_truncated.png");
        Files.write(truncated, Arrays.copyOf(png, png.length / 2));

        ImageFolderDataset ds = ImageFolderDataset.open(root); // opening decodes nothing
        assertEquals(3, ds.size());
        assertRgb(ds.get(0).image(), 8, 8, "a_good.png");
        for (int i = 1; i < 3; i++) {
            int index = i;
            UncheckedIOException e = assertThrows(UncheckedIOException.class, () -> ds.get(index));
            ModelFormatException cause = assertInstanceOf(ModelFormatException.class, e.getCause());
            assertEquals(ds.path(i), cause.file());
            assertTrue(cause.getMessage().startsWith(ds.path(i).toString()), cause.getMessage());
        }
        assertEquals(0, ds.label(1), "labels need no decoding");
        Files.delete(good);
        UncheckedIOException gone = assertThrows(UncheckedIOException.class, () -> ds.get(0));
        assertInstanceOf(NoSuchFileException.class, gone.getCause());
    }
}
