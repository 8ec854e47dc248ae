package dev.jprune.cli;

import dev.jprune.cli.CliRun.Result;
import dev.jprune.exec.Executor;
import dev.jprune.ir.Graph;
import dev.jprune.tensor.Shape;
import dev.jprune.tensor.Tensor;
import dev.jprune.weights.RandomInit;
import dev.jprune.zoo.Zoo;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.zip.GZIPInputStream;

import static dev.jprune.cli.CliRun.expectError;
import static dev.jprune.cli.CliRun.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code jprune eval}: the accuracy and loss it reports against a forward pass per image computed here (the same
 * seeded resnet20, padding and normalisation done by hand, no DataLoader or Evaluation), the JSON line and report
 * file, CIFAR and image-folder data, and the errors that concern the model and the data together.
 */
class EvalCommandTest {

    private static final float MEAN = 0.5f;
    private static final float STD = 0.25f;

    private static Result ok(String... args) {
        Result r = run(args);
        assertEquals(0, r.code(), "exit code; stderr: " + r.err());
        return r;
    }

    private static double num(Map<?, ?> j, String key) {
        return ((Number) j.get(key)).doubleValue();
    }

    @Test
    void idxAccuracyAndLossMatchAForwardPassPerImage(@TempDir Path tmp) throws IOException {
        Path data = TestData.idx(tmp.resolve("mnist"), 4, 12);
        Path report = tmp.resolve("eval.json");
        Result r = ok("eval", "resnet20", "--data", data.toString(), "--pad", "2", "--mean", "" + MEAN, "--std",
                "" + STD, "--batch", "5", "--report", report.toString(), "--json");
        Map<?, ?> j = r.json();
        assertEquals(r.lastLine(), Files.readString(report).strip(), "report file = JSON line");
        assertEquals("resnet20", j.get("model"));
        assertEquals("test", j.get("split"));
        assertEquals(12L, j.get("samples"));

        // the reference: the zoo's resnet20 for 1x32x32 and 10 classes with seed 0, one image at a time
        Graph g = Zoo.build("resnet20", Shape.of(1, 1, 32, 32), 10);
        RandomInit.fill(g, 0);
        byte[] images = gunzip(data.resolve("t10k-images-idx3-ubyte.gz"));
        byte[] labels = gunzip(data.resolve("t10k-labels-idx1-ubyte.gz"));
        int top1 = 0;
        int top5 = 0;
        double loss = 0;
        for (int i = 0; i < 12; i++) {
            float[] x = new float[32 * 32];
            for (int p = 0; p < x.length; p++) {
                int row = p / 32 - 2;
                int col = p % 32 - 2;
                float v = row < 0 || col < 0 || row >= 28 || col >= 28 ? 0f
                        : (images[16 + i * 784 + row * 28 + col] & 0xff) / 255f;
                x[p] = (v - MEAN) / STD;
            }
            float[] logits = Executor.run(g, Tensor.wrap(Shape.of(1, 1, 32, 32), x))[0].data();
            int y = labels[8 + i];
            int above = 0;
            double max = Double.NEGATIVE_INFINITY;
            for (float l : logits) {
                max = Math.max(max, l);
                if (l > logits[y]) {
                    above++;
                }
            }
            top1 += above == 0 ? 1 : 0;
            top5 += above < 5 ? 1 : 0;
            double sum = 0;
            for (float l : logits) {
                sum += Math.exp(l - max);
            }
            loss += max + Math.log(sum) - logits[y];
        }
        assertEquals(top1 / 12.0, num(j, "top1"), 1e-12, "top-1");
        assertEquals(top5 / 12.0, num(j, "top5"), 1e-12, "top-5");
        // float32 forward in batches of 5 vs one image at a time: |a - b| <= 1e-4 * |ref| + 1e-5
        assertEquals(loss / 12, num(j, "loss"), 1e-4 * Math.abs(loss / 12) + 1e-5, "mean loss");
        assertTrue(r.out().contains("images/s"), r.out());
    }

    private static byte[] gunzip(Path f) throws IOException {
        try (InputStream in = new GZIPInputStream(Files.newInputStream(f))) {
            return in.readAllBytes();
        }
    }

    @Test
    void limitAndTrainSplit(@TempDir Path tmp) throws IOException {
        Path data = TestData.idx(tmp.resolve("d"), 9, 4);
        Map<?, ?> j = ok("eval", "resnet20", "--data", data.toString(), "--pad", "2", "--split", "train", "--limit",
                "7", "--json").json();
        assertEquals(7L, j.get("samples"));
        assertEquals("train", j.get("split"));
    }

    @Test
    void cifar10InsideItsSubFolderAndCifar100(@TempDir Path tmp) throws IOException {
        Path c10 = tmp.resolve("c10");
        TestData.cifar10(c10.resolve("cifar-10-batches-bin"), 2, 6);
        Map<?, ?> j = ok("eval", "resnet20", "--data", c10.toString(), "--json").json();
        assertEquals(6L, j.get("samples"));
        Path c100 = TestData.cifar100(tmp.resolve("c100"), 3, 5);
        Result r = ok("eval", "resnet20", "--data", c100.toString(), "--json");
        assertEquals(5L, r.json().get("samples"));
        assertTrue(r.out().contains("100 classes"), r.out());
    }

    @Test
    void imageFolderWithResizeCropAndGrey(@TempDir Path tmp) throws IOException {
        Path data = TestData.folder(tmp.resolve("imgs"), 3, 40);
        Result r = ok("eval", "resnet20", "--data", data.toString(), "--resize", "36", "--crop", "32", "--json");
        assertEquals(6L, r.json().get("samples"));
        assertTrue(r.out().contains("2 classes"), r.out());
        assertTrue(r.out().contains("input [1, 3, 32, 32]") || r.out().contains("1x3x32x32")
                || r.out().contains("(1, 3, 32, 32)"), r.out());
        ok("eval", "resnet20", "--data", data.toString(), "--resize", "32", "--channels", "1");
    }

    @Test
    void imageFolderOfDifferentSizesNeedsAResize(@TempDir Path tmp) throws IOException {
        Path data = tmp.resolve("mixed");
        TestData.pngClasses(data, new String[] {"a", "b"}, 2, 32, 1);
        TestData.pngClasses(data.resolve("b"), new String[] {"big"}, 1, 40, 2);
        expectError(run("eval", "resnet20", "--data", data.toString()), 2, "--resize");
    }

    @Test
    void modelThatDoesNotFitTheData(@TempDir Path tmp) throws IOException {
        Path data = TestData.idx(tmp.resolve("d"), 2, 2);
        // channels: the data has 1, the model is built for 3
        Result r = run("eval", "resnet20", "--data", data.toString(), "--pad", "2", "--input", "1,3,32,32");
        expectError(r, 2, "3 input channel(s)");
        assertTrue(r.err().contains("has 1"), r.err());
        // size: 28x28 images, a 32x32 model
        expectError(run("eval", "resnet20", "--data", data.toString(), "--input", "1,1,32,32"), 2, "28x28");
    }

    @Test
    void classCountMismatchNamesBothNumbers(@TempDir Path tmp) throws IOException {
        // a 10-class model written by train, evaluated on a 2-class folder
        Path idx = TestData.idx(tmp.resolve("d"), 4, 2);
        Path model = tmp.resolve("m.onnx");
        ok("train", "resnet20", "--data", idx.toString(), "--pad", "2", "--epochs", "1", "--batch", "4",
                "--out", model.toString());
        Path folder = TestData.folder(tmp.resolve("f"), 1, 32);
        Result r = run("eval", model.toString(), "--data", folder.toString(), "--channels", "1");
        expectError(r, 2, "10 classes");
        assertTrue(r.err().contains("has 2"), r.err());
    }

    @Test
    void usageErrors(@TempDir Path tmp) throws IOException {
        Path data = TestData.idx(tmp.resolve("d"), 2, 2);
        expectError(run("eval", "resnet20", "--data", data.toString(), "--flip"), 2, "--flip");
        expectError(run("eval", "resnet20"), 2, "--data");
        expectError(run("eval", "--data", data.toString()), 2, "usage");
        expectError(run("eval", "nosuchnet", "--data", data.toString(), "--pad", "2"), 2, "unknown model");
        expectError(run("eval", "resnet20", "--data", data.toString(), "--pad", "2", "--report",
                tmp.resolve("no/such/r.json").toString()), 2, "--report");
    }
}
