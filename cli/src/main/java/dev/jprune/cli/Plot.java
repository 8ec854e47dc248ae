package dev.jprune.cli;

import dev.jprune.internal.AtomicFiles;

import javax.imageio.ImageIO;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.geom.AffineTransform;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * {@code jprune prune --plot FILE.png}: a PNG with two panels drawn with Java2D (headless): the output channels of
 * every convolution and linear layer before and after pruning (bars in graph order), and the total MACs and
 * parameters before and after (bars as a percentage of the unpruned model, labelled with the counts). Written
 * atomically.
 */
final class Plot {

    /** The bars of the unpruned model. */
    static final Color BEFORE = new Color(0x4C, 0x72, 0xB0);
    /** The bars of the pruned model. */
    static final Color AFTER = new Color(0xDD, 0x84, 0x52);
    static final int WIDTH = 1400;
    static final int HEIGHT = 660;

    private static final Color AXIS = new Color(0x33, 0x33, 0x33);
    private static final Color GRID = new Color(0xE3, 0xE3, 0xE3);

    static {
        System.setProperty("java.awt.headless", "true");
    }

    private Plot() {
    }

    /** Draws {@code table} under {@code title} and writes it to {@code file} atomically. */
    static void write(LayerTable table, String title, Path file) throws IOException {
        BufferedImage img = draw(table, title);
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        if (!ImageIO.write(img, "png", bytes)) {
            throw new IOException("no PNG writer available");
        }
        byte[] png = bytes.toByteArray();
        AtomicFiles.write(file, o -> o.write(png));
    }

    /** The image: the channel panel on the left two thirds, the totals panel on the right. */
    static BufferedImage draw(LayerTable table, String title) {
        BufferedImage img = new BufferedImage(WIDTH, HEIGHT, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        try {
            g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
            g.setColor(Color.WHITE);
            g.fillRect(0, 0, WIDTH, HEIGHT);
            g.setColor(AXIS);
            g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 16));
            centered(g, title, WIDTH / 2, 24);
            g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));

            List<String> names = new ArrayList<>();
            List<double[]> channels = new ArrayList<>();
            for (LayerTable.Row r : table.rows()) {
                String type = r.before().size().type();
                if (type.contains("Norm")) {
                    continue; // a norm repeats the channels of the layer before it
                }
                names.add(r.name());
                channels.add(new double[] {r.before().size().out(), r.after() == null ? 0 : r.after().size().out()});
            }
            int split = WIDTH * 2 / 3;
            int chartHeight = HEIGHT - 60 - 170;
            bars(g, 80, 60, split - 110, chartHeight, "output channels per layer (convolution, linear)",
                    "layer (graph order)", "channels", names, channels, false);
            List<String> totals = List.of("MACs", "params");
            long bm = table.before().macs();
            long bp = table.before().params();
            List<double[]> pct = List.of(
                    new double[] {100, bm == 0 ? 0 : 100.0 * table.after().macs() / bm},
                    new double[] {100, bp == 0 ? 0 : 100.0 * table.after().params() / bp});
            bars(g, split + 70, 60, WIDTH - split - 100, chartHeight, "totals", "", "% of the unpruned model",
                    totals, pct, true);
            // the counts under the totals panel
            g.setColor(AXIS);
            int y = 60 + chartHeight + 50;
            g.drawString(String.format(Locale.ROOT, "MACs %s -> %s", Report.human(bm),
                    Report.human(table.after().macs())), split + 70, y);
            g.drawString(String.format(Locale.ROOT, "params %s -> %s", Report.human(bp),
                    Report.human(table.after().params())), split + 70, y + 16);
            legend(g, split - 30, 48);
        } finally {
            g.dispose();
        }
        return img;
    }

    /**
     * A grouped bar chart in the box ({@code x}, {@code y}, {@code w}, {@code h}): per category a "before" and an
     * "after" bar, a y axis from 0 to the largest value with five ticks, the category names under the bars when they
     * fit ({@code labelAll}) or every k-th one otherwise.
     */
    private static void bars(Graphics2D g, int x, int y, int w, int h, String title, String xLabel, String yLabel,
                             List<String> names, List<double[]> values, boolean labelAll) {
        double max = 1;
        for (double[] v : values) {
            max = Math.max(max, Math.max(v[0], v[1]));
        }
        max = niceCeiling(max);
        FontMetrics fm = g.getFontMetrics();
        g.setColor(AXIS);
        centered(g, title, x + w / 2, y + 8);
        int top = y + 20;
        int bottom = y + h;
        for (int t = 0; t <= 5; t++) {
            int ty = bottom - (int) Math.round((double) (bottom - top) * t / 5);
            g.setColor(GRID);
            g.drawLine(x, ty, x + w, ty);
            g.setColor(AXIS);
            String label = tick(max * t / 5);
            g.drawString(label, x - 6 - fm.stringWidth(label), ty + fm.getAscent() / 2 - 1);
        }
        int n = Math.max(1, values.size());
        double slot = (double) w / n;
        double bar = Math.max(1, slot * 0.4);
        for (int i = 0; i < values.size(); i++) {
            double[] v = values.get(i);
            for (int k = 0; k < 2; k++) {
                int bh = (int) Math.round((bottom - top) * v[k] / max);
                int bx = (int) Math.round(x + i * slot + slot * 0.1 + k * bar);
                g.setColor(k == 0 ? BEFORE : AFTER);
                g.fillRect(bx, bottom - bh, (int) Math.max(1, Math.round(bar)), bh);
            }
        }
        g.setColor(AXIS);
        g.setStroke(new BasicStroke(1.5f));
        g.drawLine(x, top, x, bottom);
        g.drawLine(x, bottom, x + w, bottom);
        int every = labelAll ? 1 : Math.max(1, (int) Math.ceil(n / (w / (double) (fm.getHeight() + 2))));
        AffineTransform saved = g.getTransform();
        for (int i = 0; i < names.size(); i += every) {
            int cx = (int) Math.round(x + i * slot + slot / 2);
            if (labelAll) {
                centered(g, names.get(i), cx, bottom + 16);
            } else {
                String s = shorten(names.get(i), 20);
                g.translate(cx, bottom + 6);
                g.rotate(-Math.PI / 2);
                g.drawString(s, -fm.stringWidth(s), fm.getAscent() / 2 - 1);
                g.setTransform(saved);
            }
        }
        if (!xLabel.isEmpty()) {
            centered(g, xLabel, x + w / 2, bottom + 160);
        }
        g.rotate(-Math.PI / 2, x - 50, top + (bottom - top) / 2.0);
        centered(g, yLabel, x - 50, top + (bottom - top) / 2);
        g.setTransform(saved);
    }

    /** The two swatches and their names, ending at {@code right}, baseline {@code y}. */
    private static void legend(Graphics2D g, int right, int y) {
        FontMetrics fm = g.getFontMetrics();
        int cx = right - (2 * 20 + fm.stringWidth("before") + fm.stringWidth("after") + 24);
        for (int k = 0; k < 2; k++) {
            g.setColor(k == 0 ? BEFORE : AFTER);
            g.fillRect(cx, y - 10, 14, 14);
            g.setColor(AXIS);
            String s = k == 0 ? "before" : "after";
            g.drawString(s, cx + 20, y + 2);
            cx += 20 + fm.stringWidth(s) + 12;
        }
    }

    private static void centered(Graphics2D g, String s, int cx, int baseline) {
        g.drawString(s, cx - g.getFontMetrics().stringWidth(s) / 2, baseline);
    }

    private static String shorten(String s, int max) {
        return s.length() <= max ? s : ".." + s.substring(s.length() - max + 2);
    }

    /** The smallest of 1, 2, 2.5, 5 times a power of ten at or above {@code v}. */
    static double niceCeiling(double v) {
        double p = Math.pow(10, Math.floor(Math.log10(v)));
        for (double m : new double[] {1, 2, 2.5, 5, 10}) {
            if (m * p >= v) {
                return m * p;
            }
        }
        return 10 * p;
    }

    private static String tick(double v) {
        return v == Math.rint(v) ? String.format(Locale.ROOT, "%,d", (long) v) : String.format(Locale.ROOT, "%.1f", v);
    }
}
