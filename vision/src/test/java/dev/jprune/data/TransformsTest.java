package dev.jprune.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jprune.internal.Json;
import dev.jprune.tensor.Shape;
import dev.jprune.tensor.Tensor;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Transforms against golden values from torch 1.13 / torchvision 0.14 ({@code make_transform_golden.py} next to
 * {@code transform_golden.json}): bilinear resize, normalize and grayscale within |a − b| ≤ 1e-6 (atol; rtol 0),
 * crops and pads exactly. Random transforms: determinism, reach and frequency, and crops checked against offsets
 * and pixel values worked out by hand.
 */
class TransformsTest {

    static final float ATOL = 1e-6f;

    @SuppressWarnings("unchecked")
    static Map<String, Object> golden() throws IOException {
        try (InputStream in = TransformsTest.class.getResourceAsStream("transform_golden.json")) {
            assertNotNull(in, "transform_golden.json missing: run make_transform_golden.py");
            return (Map<String, Object>) Json.parse(new String(in.readAllBytes(), StandardCharsets.UTF_8));
        }
    }

    static int[] ints(Object list) {
        return ((List<?>) list).stream().mapToInt(o -> ((Number) o).intValue()).toArray();
    }

    static float[] floats(Object list) {
        List<?> l = (List<?>) list;
        float[] out = new float[l.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = ((Number) l.get(i)).floatValue();
        }
        return out;
    }

    static Transform transformFor(String name, Map<String, Object> p) {
        switch (name) {
            case "resize_hw":
                return Transforms.resize(((Number) p.get("h")).intValue(), ((Number) p.get("w")).intValue());
            case "resize_short":
                return Transforms.resize(((Number) p.get("size")).intValue());
            case "center_crop":
                return Transforms.centerCrop(((Number) p.get("h")).intValue(), ((Number) p.get("w")).intValue());
            case "pad":
                return Transforms.pad(((Number) p.get("left")).intValue(), ((Number) p.get("top")).intValue(),
                        ((Number) p.get("right")).intValue(), ((Number) p.get("bottom")).intValue(),
                        ((Number) p.get("fill")).floatValue());
            case "normalize":
                return Transforms.normalize(floats(p.get("mean")), floats(p.get("std")));
            case "grayscale":
                return Transforms.toGrayscale();
            default:
                throw new AssertionError("unknown golden case " + name);
        }
    }

    @Test
    @SuppressWarnings("unchecked")
    void matchesTorchGoldenValues() throws IOException {
        List<Object> cases = (List<Object>) golden().get("cases");
        assertTrue(cases.size() >= 20, "expected the full golden file, got " + cases.size() + " cases");
        int resized = 0;
        double maxErr = 0;
        for (Object o : cases) {
            Map<String, Object> c = (Map<String, Object>) o;
            String name = (String) c.get("name");
            Map<String, Object> params = (Map<String, Object>) c.get("params");
            Tensor in = Tensor.wrap(Shape.of(ints(c.get("input_shape"))), floats(c.get("input")));
            float[] before = in.data().clone();
            Tensor out = transformFor(name, params).apply(in, new SplittableRandom(1));
            String what = name + " " + params + " on " + in.shape();
            assertEquals(Shape.of(ints(c.get("output_shape"))), out.shape(), what);
            float[] ref = floats(c.get("output"));
            boolean exact = name.equals("center_crop") || name.equals("pad");
            for (int i = 0; i < ref.length; i++) {
                float tol = exact ? 0f : ATOL;
                float got = out.data()[i];
                maxErr = Math.max(maxErr, Math.abs(got - ref[i]));
                assertTrue(Math.abs(got - ref[i]) <= tol, what + ": element " + i + " expected " + ref[i] + ", got "
                        + got + " (tolerance " + tol + ")");
            }
            assertArrayEquals(before, in.data(), what + ": the input was modified");
            resized += name.startsWith("resize") ? 1 : 0;
        }
        assertEquals(12, resized);
        System.out.println("TransformsTest: " + cases.size() + " golden cases, max |java - torch| = " + maxErr);
    }

    /** A (c, h, w) image whose element k is k + 1: every pixel distinct and non-zero. */
    static Tensor counting(int c, int h, int w) {
        float[] d = new float[c * h * w];
        for (int k = 0; k < d.length; k++) {
            d[k] = k + 1;
        }
        return Tensor.wrap(Shape.of(c, h, w), d);
    }

    @Test
    void resizeShorterSideUsesTorchvisionRounding() {
        // 375 x 500 to 224: long side int(224 * 500 / 375) = int(298.67) = 298.
        Tensor t = Transforms.resize(224).apply(Tensor.zeros(Shape.of(3, 375, 500)), null);
        assertEquals(Shape.of(3, 224, 298), t.shape());
        Tensor portrait = Transforms.resize(10).apply(Tensor.zeros(Shape.of(1, 33, 7)), null);
        assertEquals(Shape.of(1, 47, 10), portrait.shape()); // int(10 * 33 / 7) = int(47.14)
        Tensor same = counting(2, 4, 6);
        assertArrayEquals(same.data(), Transforms.resize(4, 6).apply(same, null).data(), "same size is identity");
    }

    @Test
    void resizeUpscaleByTwoByHand() {
        // 1 x 1 x 2 row [0, 1] to width 4: sources (d + .5)/2 - .5 = -.25->0, .25, .75, 1.25 -> clamp index 1.
        Tensor t = Transforms.resize(1, 4).apply(Tensor.of(Shape.of(1, 1, 2), 0f, 1f), null);
        assertArrayEquals(new float[] {0f, 0.25f, 0.75f, 1f}, t.data(), 0f);
    }

    @Test
    void centerCropByHand() {
        Tensor img = counting(1, 4, 5);
        // 2 x 2 of 4 x 5: top = round(1.0) = 1, left = round(1.5) = 2 (half to even).
        Tensor c = Transforms.centerCrop(2).apply(img, null);
        assertArrayEquals(new float[] {8, 9, 13, 14}, c.data(), 0f);
        // 1 x 3 of 4 x 5: top = round(1.5) = 2, left = round(1.0) = 1.
        assertArrayEquals(new float[] {12, 13, 14}, Transforms.centerCrop(1, 3).apply(img, null).data(), 0f);
        // Larger than the image: 1 x 1 image to 2 x 3 pads top 0, bottom 1, left 1, right 1.
        Tensor big = Transforms.centerCrop(2, 3).apply(Tensor.of(Shape.of(1, 1, 1), 7f), null);
        assertArrayEquals(new float[] {0, 7, 0, 0, 0, 0}, big.data(), 0f);
    }

    @Test
    void padByHand() {
        Tensor p = Transforms.pad(1, 0.5f).apply(Tensor.of(Shape.of(1, 1, 2), 3f, 4f), null);
        assertEquals(Shape.of(1, 3, 4), p.shape());
        assertArrayEquals(new float[] {.5f, .5f, .5f, .5f, .5f, 3, 4, .5f, .5f, .5f, .5f, .5f}, p.data(), 0f);
        Tensor q = Transforms.pad(2, 0, 0, 1).apply(Tensor.of(Shape.of(1, 1, 1), 9f), null);
        assertArrayEquals(new float[] {0, 0, 9, 0, 0, 0}, q.data(), 0f);
    }

    @Test
    void randomCropAtAKnownOffsetByHand() {
        // 1 x 2 x 3 image [[1 2 3] [4 5 6]], padding 1 -> 4 x 5; a 2 x 2 crop: top in [0, 2], left in [0, 3].
        Tensor img = counting(1, 2, 3);
        long seed = 12345;
        SplittableRandom ref = new SplittableRandom(seed);
        int top = ref.nextInt(3);
        int left = ref.nextInt(4);
        Tensor out = Transforms.randomCrop(2, 1).apply(img, new SplittableRandom(seed));
        float[][] padded = {{0, 0, 0, 0, 0}, {0, 1, 2, 3, 0}, {0, 4, 5, 6, 0}, {0, 0, 0, 0, 0}};
        float[] expected = {padded[top][left], padded[top][left + 1], padded[top + 1][left],
            padded[top + 1][left + 1]};
        assertArrayEquals(expected, out.data(), 0f, "seed " + seed + ", offset (" + top + ", " + left + ")");
        // The rng is left exactly two draws on.
        SplittableRandom after = new SplittableRandom(seed);
        Transforms.randomCrop(2, 1).apply(img, after);
        assertEquals(ref.nextLong(), after.nextLong(), "randomCrop must draw top and left, nothing else");
    }

    @Test
    void randomCropIsDeterministicAndReachesEveryOffset() {
        Tensor img = counting(2, 4, 5);
        Transform crop = Transforms.randomCrop(3, 1); // padded 6 x 7: top in [0, 3], left in [0, 4]
        int[][] hits = new int[4][5];
        int draws = 2000;
        for (int s = 0; s < draws; s++) {
            Tensor a = crop.apply(img, new SplittableRandom(s));
            Tensor b = crop.apply(img, new SplittableRandom(s));
            assertArrayEquals(a.data(), b.data(), 0f, "seed " + s);
            int[] at = locate(img, a, 1, 3);
            hits[at[0]][at[1]]++;
        }
        // Each of the 20 offsets expects 100 hits; binomial sd ~ 9.7, bound 5 sd.
        for (int t = 0; t < 4; t++) {
            for (int l = 0; l < 5; l++) {
                assertTrue(Math.abs(hits[t][l] - 100) <= 50, "offset (" + t + ", " + l + ") hit " + hits[t][l]
                        + " times of " + draws + ", expected 100 +- 50");
            }
        }
    }

    /** The (top, left) in the zero-padded image at which {@code crop} was taken, by trying every offset. */
    static int[] locate(Tensor img, Tensor crop, int padding, int size) {
        int c = img.dim(0);
        int h = img.dim(1) + 2 * padding;
        int w = img.dim(2) + 2 * padding;
        int[] found = null;
        for (int t = 0; t + size <= h; t++) {
            for (int l = 0; l + size <= w; l++) {
                boolean same = true;
                for (int ch = 0; ch < c && same; ch++) {
                    for (int y = 0; y < size && same; y++) {
                        for (int x = 0; x < size && same; x++) {
                            int sy = t + y - padding;
                            int sx = l + x - padding;
                            float v = sy < 0 || sx < 0 || sy >= img.dim(1) || sx >= img.dim(2) ? 0f
                                    : img.get(ch, sy, sx);
                            same = v == crop.get(ch, y, x);
                        }
                    }
                }
                if (same) {
                    assertTrue(found == null, "crop matches two offsets");
                    found = new int[] {t, l};
                }
            }
        }
        assertNotNull(found, "crop matches no offset");
        return found;
    }

    @Test
    void randomCropRejectsTooSmallImages() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Transforms.randomCrop(8, 1).apply(counting(1, 4, 4), new SplittableRandom(0)));
        assertTrue(e.getMessage().startsWith("randomCrop:") && e.getMessage().contains("8x8")
                && e.getMessage().contains("6x6"), e.getMessage());
    }

    @Test
    void horizontalFlipFrequencyAndPixels() {
        Tensor img = counting(2, 2, 3);
        float[] flipped = {3, 2, 1, 6, 5, 4, 9, 8, 7, 12, 11, 10};
        assertArrayEquals(flipped, Transforms.randomHorizontalFlip(1).apply(img, new SplittableRandom(3)).data(), 0f);
        assertArrayEquals(img.data(), Transforms.randomHorizontalFlip(0).apply(img, new SplittableRandom(3)).data(),
                0f);
        Transform flip = Transforms.randomHorizontalFlip(0.3);
        SplittableRandom rng = new SplittableRandom(2024);
        SplittableRandom shadow = new SplittableRandom(2024);
        int n = 2000;
        int flips = 0;
        for (int i = 0; i < n; i++) {
            boolean expectFlip = shadow.nextDouble() < 0.3; // exactly one double per image
            float[] out = flip.apply(img, rng).data();
            assertArrayEquals(expectFlip ? flipped : img.data(), out, 0f, "draw " + i);
            flips += expectFlip ? 1 : 0;
        }
        // Expected 600; binomial sd = sqrt(2000 * 0.3 * 0.7) = 20.5; bound 5 sd = 103.
        assertTrue(Math.abs(flips - 600) <= 103, "flipped " + flips + " of " + n + ", expected 600 +- 103");
        assertEquals(shadow.nextLong(), rng.nextLong(), "the generator must be in step after " + n + " flips");
    }

    @Test
    void normalizeByHandAndChannelCheck() {
        Tensor img = Tensor.of(Shape.of(2, 1, 2), 0.5f, 1f, 0.25f, 0f);
        Tensor n = Transforms.normalize(new float[] {0.5f, 0.25f}, new float[] {0.5f, 0.25f}).apply(img, null);
        assertArrayEquals(new float[] {0f, 1f, 0f, -1f}, n.data(), 0f);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Transforms.normalize(new float[] {0.5f}, new float[] {0.5f}).apply(counting(3, 2, 2), null));
        assertTrue(e.getMessage().startsWith("normalize:") && e.getMessage().contains("1 channels")
                && e.getMessage().contains("has 3"), e.getMessage());
    }

    @Test
    void argumentErrorsNameTransformExpectedAndActual() {
        assertEquals("centerCrop: size must be > 0, got -1",
                assertThrows(IllegalArgumentException.class, () -> Transforms.centerCrop(-1)).getMessage());
        assertEquals("resize: size must be > 0, got 0",
                assertThrows(IllegalArgumentException.class, () -> Transforms.resize(0)).getMessage());
        assertEquals("resize: width must be > 0, got -3",
                assertThrows(IllegalArgumentException.class, () -> Transforms.resize(2, -3)).getMessage());
        assertEquals("pad: padding must be >= 0, got -2",
                assertThrows(IllegalArgumentException.class, () -> Transforms.pad(-2)).getMessage());
        assertEquals("randomCrop: padding must be >= 0, got -1",
                assertThrows(IllegalArgumentException.class, () -> Transforms.randomCrop(4, -1)).getMessage());
        assertEquals("randomHorizontalFlip: p must be in [0, 1], got 1.5",
                assertThrows(IllegalArgumentException.class, () -> Transforms.randomHorizontalFlip(1.5))
                        .getMessage());
        assertEquals("normalize: std[1] must be > 0 and finite, got 0.0", assertThrows(IllegalArgumentException.class,
                () -> Transforms.normalize(new float[] {0, 0}, new float[] {1, 0})).getMessage());
        assertTrue(assertThrows(IllegalArgumentException.class,
                () -> Transforms.normalize(new float[] {0, 0, 0}, new float[] {1})).getMessage()
                .contains("3 means and 1 stds"));
        String rank = assertThrows(IllegalArgumentException.class,
                () -> Transforms.centerCrop(2).apply(Tensor.zeros(Shape.of(4, 4)), null)).getMessage();
        assertTrue(rank.startsWith("centerCrop: expected a (C, H, W) image"), rank);
        assertThrows(IllegalArgumentException.class, () -> Transforms.toRgb().apply(counting(2, 1, 1), null));
        String huge = assertThrows(IllegalArgumentException.class,
                () -> Transforms.resize(50_000, 50_000).apply(counting(1, 1, 1), null)).getMessage();
        assertTrue(huge.startsWith("resize: the resized image (1, 50000, 50000) would exceed"), huge);
    }

    @Test
    void composeAppliesInOrderAndCopiesItsArguments() {
        Transform[] ts = {Transforms.pad(1), Transforms.centerCrop(1, 3)};
        Transform c = Transforms.compose(ts);
        ts[0] = Transforms.resize(9, 9);
        // pad 1 x 1 [5] to 3 x 3, then the centre 1 x 3 row: [0 5 0].
        assertArrayEquals(new float[] {0, 5, 0}, c.apply(Tensor.of(Shape.of(1, 1, 1), 5f), null).data(), 0f);
        Tensor img = counting(1, 2, 2);
        assertArrayEquals(img.data(), Transforms.compose().apply(img, null).data(), 0f);
        List<Integer> order = new ArrayList<>();
        Transforms.compose((t, r) -> {
            order.add(1);
            return t;
        }, (t, r) -> {
            order.add(2);
            return t;
        }).apply(img, null);
        assertEquals(List.of(1, 2), order);
    }

    @Test
    void grayscaleAndRgbChannels() {
        Tensor rgb = Tensor.of(Shape.of(3, 1, 1), 1f, 0f, 0f);
        assertArrayEquals(new float[] {0.2989f}, Transforms.toGrayscale().apply(rgb, null).data(), 0f);
        Tensor g = Tensor.of(Shape.of(1, 1, 2), 0.25f, 0.75f);
        Tensor back = Transforms.toRgb().apply(g, null);
        assertEquals(Shape.of(3, 1, 2), back.shape());
        assertArrayEquals(new float[] {.25f, .75f, .25f, .75f, .25f, .75f}, back.data(), 0f);
    }
}
