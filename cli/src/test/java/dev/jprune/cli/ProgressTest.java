package dev.jprune.cli;

import dev.jprune.train.EpochResult;
import dev.jprune.train.ProgressLog;
import dev.jprune.train.TrainListener;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link Progress}: the choice between the terminal bar and plain lines, the bar's line, its redraw throttling with
 * a fake clock, and its end of line. Exact string comparisons.
 */
class ProgressTest {

    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    private final PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8);

    private String text() {
        return bytes.toString(StandardCharsets.UTF_8);
    }

    @Test
    void barLineHasTheDocumentedShape() {
        // 30 * 123 / 468 = 7.9: seven of thirty filled
        assertEquals("train [#######.......................] 123/468 loss 0.4123 eta 1m02s",
                Progress.line("train", 123, 468, 0.41234, "1m02s"));
        assertEquals("eval [##############################] 5/5", Progress.line("eval", 5, 5, Double.NaN, null));
        assertEquals("x [..............................] 0/7 eta 3s", Progress.line("x", 0, 7, Double.NaN, "3s"));
        assertEquals("1m02s", ProgressLog.duration(62));
        assertEquals("1h02m", ProgressLog.duration(3720));
        assertEquals("12s", ProgressLog.duration(12.4));
        assertEquals("1m00s", Progress.eta(10, 10, 60), "10 s for 10 batches, 60 to go");
    }

    @Test
    void choiceIsTheCallers() {
        assertInstanceOf(Progress.Bar.class, Progress.of(out, "t", true));
        assertInstanceOf(ProgressLog.class, Progress.of(out, "t", false));
        assertFalse(Progress.isTerminal(out), "a captured stream is never the terminal");
        assertInstanceOf(ProgressLog.class, Progress.of(out, "t"), "tests and pipes get plain lines");
        TrainListener quiet = Progress.steps(out, "prune", false);
        quiet.onStep(0, 1, 3, Double.NaN, Double.NaN);
        assertEquals("", text(), "pruning steps print nothing off a terminal");
    }

    @Test
    void barRedrawsOneLineWithCarriageReturns() {
        long[] now = {0};
        Progress.Bar bar = new Progress.Bar(out, "train", () -> now[0]);
        double[] losses = {1.0, 0.5, 0.3, 0.2};
        for (int b = 1; b <= 4; b++) {
            now[0] += 200_000_000L; // 0.2 s per batch: every batch is drawn
            bar.onStep(0, b, 4, losses[b - 1], 0.1);
        }
        String s = text();
        assertEquals(4, s.chars().filter(c -> c == '\r').count(), s);
        assertEquals(1, s.chars().filter(c -> c == '\n').count(), "one line, ended after the last batch: " + s);
        assertTrue(s.endsWith("\n"), s);
        String[] frames = s.substring(1).strip().split("\r");
        // the first draw measures 1 batch in 0 s from the first step; the mean loss runs over the batches so far
        assertEquals("train [" + "#".repeat(22) + ".".repeat(8) + "] 3/4 loss 0.6000 eta 0s", frames[2].strip());
        assertEquals("train [##############################] 4/4 loss 0.5000 eta 0s", frames[3].strip());
    }

    @Test
    void barThrottlesRedrawsButAlwaysDrawsTheLastBatch() {
        long[] now = {0};
        Progress.Bar bar = new Progress.Bar(out, "eval", () -> now[0]);
        for (int b = 1; b <= 100; b++) {
            now[0] += 1_000_000L; // 1 ms per batch: 100 batches in 0.1 s
            bar.onEvalBatch(b, 100, b * 8);
        }
        String s = text();
        long frames = s.chars().filter(c -> c == '\r').count();
        assertEquals(2, frames, "the first batch and the last one (0.1 s apart = the redraw interval): " + s);
        assertTrue(s.strip().endsWith("eval [##############################] 100/100 eta 0s"), s);
    }

    @Test
    void shorterFramesBlankTheRestOfTheLongerOne() {
        long[] now = {0};
        Progress.Bar bar = new Progress.Bar(out, "t", () -> now[0]);
        now[0] += 1_000_000_000L;
        bar.onStep(0, 1, 3, 10.123, 0.1); // "loss 10.1230"
        now[0] += 1_000_000_000L;
        bar.onStep(0, 2, 3, -19.0, 0.1); // mean -4.4385: one character shorter in the loss, eta shorter too
        String[] frames = text().split("\r");
        assertTrue(frames[2].length() >= frames[1].length(), Arrays.toString(frames));
    }

    @Test
    void endFinishesABarStoppedEarly() {
        long[] now = {0};
        Progress.Bar bar = new Progress.Bar(out, "prune", () -> now[0]);
        now[0] += 1_000_000_000L;
        bar.onStep(0, 3, 50, Double.NaN, Double.NaN);
        assertFalse(text().contains("\n"), "the frame stays open: " + text());
        assertTrue(text().startsWith("\rprune [#.............................] 3/50 eta 0s"), text());
        Progress.end(bar);
        assertTrue(text().endsWith("\n"), "ended: " + text());
        Progress.end(bar);
        assertEquals(1, text().chars().filter(c -> c == '\n').count(), "a second end adds nothing");
        Progress.end(Progress.of(out, "t", false));
        assertEquals(1, text().chars().filter(c -> c == '\n').count(), "plain lines have nothing to end");
    }

    @Test
    void epochEndClearsTheBarAndPrintsTheResult() {
        long[] now = {0};
        Progress.Bar bar = new Progress.Bar(out, "train", () -> now[0]);
        now[0] += 1_000_000_000L;
        bar.onStep(0, 1, 10, 0.5, 0.1);
        bar.onEpochEnd(new EpochResult(0, 10, 80, 0.5, 0.1, 1.0));
        String s = text();
        assertEquals(1, s.chars().filter(c -> c == '\n').count(), "one line in the log: " + s);
        assertTrue(s.endsWith("\n"));
        String last = s.substring(s.lastIndexOf('\r') + 1);
        assertTrue(last.startsWith("train "), last);
        assertFalse(last.contains("["), "the bar is wiped before the epoch line: " + last);
    }
}
