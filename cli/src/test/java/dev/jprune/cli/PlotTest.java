package dev.jprune.cli;

import dev.jprune.cli.CliRun.Result;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.Color;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import static dev.jprune.cli.CliRun.expectError;
import static dev.jprune.cli.CliRun.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code jprune prune --plot FILE.png}: the PNG read back with ImageIO (its size, bars in the two series' colours,
 * the pruned series covering less area than the unpruned one), atomic writing, and the refused names.
 */
class PlotTest {

    @Test
    void plotIsAPngWithBothSeries(@TempDir Path dir) throws IOException {
        Path png = dir.resolve("prune.png");
        Result r = run("prune", "resnet20", "--ratio", "0.5", "--plot", png.toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("plot          " + png), r.out());
        BufferedImage img = ImageIO.read(png.toFile());
        assertNotNull(img, "ImageIO reads the file as an image");
        assertEquals(Plot.WIDTH, img.getWidth());
        assertEquals(Plot.HEIGHT, img.getHeight());
        long before = count(img, Plot.BEFORE);
        long after = count(img, Plot.AFTER);
        long white = count(img, Color.WHITE);
        long all = (long) img.getWidth() * img.getHeight();
        assertTrue(before > 5_000, "pixels of the 'before' bars: " + before);
        assertTrue(after > 2_000, "pixels of the 'after' bars: " + after);
        // half the channels (bars of half height) and about a quarter of the MACs and params: the pruned series
        // covers clearly less, but more than a tenth (legend swatches are the same size for both)
        assertTrue(after < 0.75 * before && after > 0.1 * before, "after " + after + " vs before " + before);
        assertTrue(white < all && white > all / 3, "a white background with drawing on it: " + white + " of " + all);
        assertEquals(List.of(png), listing(dir), "no temporary file left behind");
    }

    @Test
    void unprunedLayersDrawEqualBars(@TempDir Path dir) throws IOException {
        // ratio 0: every 'after' bar has the height of its 'before' bar
        Path png = dir.resolve("same.PNG");
        Result r = run("prune", "resnet20", "--ratio", "0", "--plot", png.toString());
        assertEquals(0, r.code(), r.err());
        BufferedImage img = ImageIO.read(png.toFile());
        long before = count(img, Plot.BEFORE);
        long after = count(img, Plot.AFTER);
        assertTrue(Math.abs(before - after) <= 0.02 * before, "equal areas within 2 % (rounding of the bar x"
                + " positions): before " + before + ", after " + after);
    }

    @Test
    void plotNamesAreChecked(@TempDir Path dir) throws IOException {
        expectError(run("prune", "resnet20", "--ratio", "0.5", "--plot", dir.resolve("x.jpg").toString()), 2,
                "--plot");
        expectError(run("prune", "resnet20", "--ratio", "0.5", "--plot", dir.resolve("none/x.png").toString()), 2,
                "does not exist");
        expectError(run("prune", "resnet20", "--ratio", "0.5", "--plot", dir.toString()), 2, "folder");
        assertEquals(List.of(), listing(dir), "nothing written on a refused run");
    }

    private static long count(BufferedImage img, Color c) {
        int rgb = c.getRGB() & 0xFFFFFF;
        long n = 0;
        for (int y = 0; y < img.getHeight(); y++) {
            for (int x = 0; x < img.getWidth(); x++) {
                if ((img.getRGB(x, y) & 0xFFFFFF) == rgb) {
                    n++;
                }
            }
        }
        return n;
    }

    private static List<Path> listing(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.sorted().toList();
        }
    }
}
