package dev.jprune.cli;

import dev.jprune.data.Dataset;
import dev.jprune.tensor.Shape;
import dev.jprune.tensor.Tensor;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;

import static dev.jprune.cli.CliRun.expectError;
import static dev.jprune.cli.CliRun.run;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link DataOptions}: the folder kinds it detects, splits, class names, the transforms in torchvision order, and
 * every malformed flag (exit 2 naming it) or data file (exit 3 naming it), through {@code jprune eval}.
 */
class DataOptionsTest {

    private static DataOptions parse(boolean training, String... argv) {
        Set<String> switches = new java.util.HashSet<>(DataOptions.SWITCHES);
        Args a = new Args("test", Arrays.asList(argv), DataOptions.VALUED.stream().collect(
                java.util.stream.Collectors.toSet()), switches);
        return DataOptions.parse(a, training, training ? "train" : "test");
    }

    private static int code(Runnable r) {
        CliException e = assertThrows(CliException.class, r::run);
        return e.exitCode();
    }

    @Test
    void detectsEachKind(@TempDir Path tmp) throws IOException {
        assertEquals("idx", DataOptions.detect(TestData.idx(tmp.resolve("i"), 1, 1)));
        assertEquals("cifar10", DataOptions.detect(TestData.cifar10(tmp.resolve("c"), 1, 1)));
        Path sub = tmp.resolve("c2");
        TestData.cifar10(sub.resolve("cifar-10-batches-bin"), 1, 1);
        assertEquals("cifar10", DataOptions.detect(sub));
        assertEquals("cifar100", DataOptions.detect(TestData.cifar100(tmp.resolve("h"), 1, 1)));
        assertEquals("folder", DataOptions.detect(TestData.folder(tmp.resolve("f"), 1, 8)));
        Path unknown = Files.createDirectories(tmp.resolve("u"));
        Files.writeString(unknown.resolve("readme.txt"), "nothing here");
        CliException e = assertThrows(CliException.class, () -> DataOptions.detect(unknown));
        assertEquals(3, e.exitCode());
        assertTrue(e.getMessage().contains("not a dataset folder"), e.getMessage());
    }

    @Test
    void classNamesFollowTheFolderOrTheFlag(@TempDir Path tmp) throws IOException {
        Path fashion = TestData.idx(tmp.resolve("fashion-mnist"), 10, 1);
        assertEquals("Ankle boot", parse(false, "--data", fashion.toString()).open("train").classes().get(9));
        Path mnist = TestData.idx(tmp.resolve("digits"), 10, 1);
        assertEquals("9", parse(false, "--data", mnist.toString()).open("train").classes().get(9));
        String names = "a,b,c,d,e,f,g,h,i,j";
        assertEquals("j", parse(false, "--data", mnist.toString(), "--classes", names).open("train").classes().get(9));
        assertEquals(2, code(() -> parse(false, "--data", mnist.toString(), "--classes", "x")));
    }

    @Test
    void imageFolderSplits(@TempDir Path tmp) throws IOException {
        Path both = TestData.folder(tmp.resolve("f"), 2, 8);
        assertEquals(both.resolve("train"), ((dev.jprune.data.ImageFolderDataset) parse(false, "--data",
                both.toString()).open("train")).root());
        assertEquals(both.resolve("val"), ((dev.jprune.data.ImageFolderDataset) parse(false, "--data",
                both.toString()).open("test")).root());
        Path testOnly = tmp.resolve("t");
        TestData.pngClasses(testOnly.resolve("train"), new String[] {"x", "y"}, 1, 8, 1);
        TestData.pngClasses(testOnly.resolve("test"), new String[] {"x", "y"}, 1, 8, 2);
        assertEquals(testOnly.resolve("test"), ((dev.jprune.data.ImageFolderDataset) parse(false, "--data",
                testOnly.toString()).open("test")).root());
        Path one = tmp.resolve("one");
        TestData.pngClasses(one, new String[] {"x", "y", "z"}, 1, 8, 3);
        Dataset ds = parse(false, "--data", one.toString()).open("test");
        assertEquals(List.of("x", "y", "z"), ds.classes());
        Path noVal = tmp.resolve("noval");
        TestData.pngClasses(noVal.resolve("train"), new String[] {"x", "y"}, 1, 8, 1);
        DataOptions d = parse(false, "--data", noVal.toString());
        assertEquals(3, code(() -> d.open("test")));
    }

    @Test
    void transformsInTorchvisionOrder(@TempDir Path tmp) throws IOException {
        Path data = TestData.idx(tmp.resolve("d"), 1, 1);
        DataOptions d = parse(false, "--data", data.toString(), "--pad", "2", "--resize", "40", "--crop", "36",
                "--mean", "0.5", "--std", "0.5");
        Dataset ds = d.open("test");
        assertEquals(Shape.of(1, 36, 36), d.sampleShape(ds));
        // pad 2 of a 28x28 image gives 32x32 with zeros on the border; normalised zero = (0 - 0.5) / 0.5 = -1
        DataOptions p = parse(false, "--data", data.toString(), "--pad", "2", "--mean", "0.5", "--std", "0.5");
        Tensor x = p.evalTransform().apply(ds.get(0).image(), new SplittableRandom(0));
        assertEquals(Shape.of(1, 32, 32), x.shape());
        assertEquals(-1f, x.data()[0], 1e-6f);
        float inner = ds.get(0).image().data()[0];
        assertEquals((inner - 0.5f) / 0.5f, x.data()[2 * 32 + 2], 1e-6f);
        // training: random crop of 32 after padding 4, flip; same shape, the random choices from the sample's rng
        DataOptions t = parse(true, "--data", data.toString(), "--pad", "2", "--crop", "32", "--crop-padding", "4",
                "--flip");
        List<Tensor> outs = new ArrayList<>();
        for (int s = 0; s < 6; s++) {
            outs.add(t.trainTransform().apply(ds.get(0).image(), new SplittableRandom(s)));
            assertEquals(Shape.of(1, 32, 32), outs.get(s).shape());
        }
        assertTrue(outs.stream().anyMatch(o -> !Arrays.equals(o.data(), outs.get(0).data())),
                "random crops/flips differ between seeds");
    }

    @Test
    void badFlagsExit2NamingTheFlag(@TempDir Path tmp) throws IOException {
        String data = TestData.idx(tmp.resolve("d"), 2, 2).toString();
        String[][] cases = {
                {"--dataset", "imagenet"},
                {"--split", "val"},
                {"--pad", "-1"},
                {"--pad", "two"},
                {"--resize", "0"},
                {"--crop", "0"},
                {"--batch", "0"},
                {"--limit", "-3"},
                {"--mean", "0.5"},
                {"--std", "0.5"},
                {"--mean", "0.5,0.4", "--std", "0.5"},
                {"--mean", "x", "--std", "0.5"},
                {"--mean", "0.5", "--std", "0"},
                {"--mean", "0.1,0.2,0.3", "--std", "1,1,1"},
                {"--channels", "3"},
                {"--channels", "2"},
                {"--seed", "abc"},
        };
        String[] flag = {"--dataset", "--split", "--pad", "--pad", "--resize", "--crop", "--batch", "--limit",
                "--mean", "--std", "--mean", "--mean", "--std", "--mean", "--channels", "--channels", "--seed"};
        for (int i = 0; i < cases.length; i++) {
            List<String> args = new ArrayList<>(List.of("eval", "resnet20", "--data", data));
            args.addAll(List.of(cases[i]));
            expectError(run(args.toArray(new String[0])), 2, flag[i]);
        }
        expectError(run("train", "resnet20", "--data", data, "--crop-padding", "4", "--epochs", "1", "--out",
                tmp.resolve("o.onnx").toString()), 2, "--crop-padding");
    }

    @Test
    void missingOrMalformedDataExit3NamingTheFile(@TempDir Path tmp) throws IOException {
        expectError(run("eval", "resnet20", "--data", tmp.resolve("absent").toString()), 3, "absent");
        // IDX without its test files
        Path idx = TestData.idx(tmp.resolve("i"), 2, 2);
        Files.delete(idx.resolve("t10k-labels-idx1-ubyte.gz"));
        expectError(run("eval", "resnet20", "--data", idx.toString(), "--pad", "2"), 3, "t10k-labels-idx1-ubyte");
        // truncated IDX images (plain, not gzip)
        Path plain = Files.createDirectories(tmp.resolve("p"));
        Files.write(plain.resolve("t10k-images-idx3-ubyte"), new byte[] {0, 0, 8, 3, 0, 0, 0, 5, 0, 0, 0, 28, 0, 0,
                0, 28, 1, 2, 3});
        Files.write(plain.resolve("t10k-labels-idx1-ubyte"), new byte[] {0, 0, 8, 1, 0, 0, 0, 5, 0, 1, 2, 3, 4});
        expectError(run("eval", "resnet20", "--data", plain.toString()), 3, "t10k-images-idx3-ubyte");
        // truncated CIFAR batch
        Path c = TestData.cifar10(tmp.resolve("c"), 1, 2);
        Files.write(c.resolve("test_batch.bin"), new byte[3000]);
        expectError(run("eval", "resnet20", "--data", c.toString()), 3, "test_batch.bin");
        // CIFAR without a training batch (train split)
        Files.delete(c.resolve("data_batch_3.bin"));
        expectError(run("eval", "resnet20", "--data", c.toString(), "--split", "train"), 3, "data_batch_3.bin");
        // a folder of an unknown kind, and a kind forced on the wrong folder
        Path other = Files.createDirectories(tmp.resolve("o"));
        Files.writeString(other.resolve("notes.txt"), "x");
        expectError(run("eval", "resnet20", "--data", other.toString()), 3, "not a dataset folder");
        expectError(run("eval", "resnet20", "--data", idx.toString(), "--dataset", "cifar100"), 3, "test.bin");
        // an image that is not an image
        Path f = TestData.folder(tmp.resolve("f"), 1, 32);
        Files.writeString(f.resolve("val/a/img_0.png"), "not a png");
        expectError(run("eval", "resnet20", "--data", f.toString()), 3, "img_0.png");
        // --data a file
        expectError(run("eval", "resnet20", "--data", other.resolve("notes.txt").toString()), 3, "notes.txt");
    }

    @Test
    @Tag("slow")
    void pruneCalibratesTaylorOnTheFirstTrainingImages(@TempDir Path tmp) throws IOException {
        Path data = TestData.idx(tmp.resolve("d"), 12, 1);
        String[] base = {"prune", "resnet20", "--input", "1,1,32,32", "--ratio", "0.5", "--importance", "taylor",
                "--json"};
        List<String> withData = new ArrayList<>(List.of(base));
        withData.addAll(List.of("--calib", data + ":8", "--pad", "2", "--mean", "0.5", "--std", "0.25"));
        CliRun.Result a = run(withData.toArray(new String[0]));
        assertEquals(0, a.code(), a.err());
        Map<?, ?> config = (Map<?, ?>) a.json().get("config");
        assertEquals(data + ":8", config.get("calib"));
        List<String> parity = new ArrayList<>(List.of(base));
        parity.addAll(List.of("--calib", "parity:8"));
        CliRun.Result p = run(parity.toArray(new String[0]));
        assertEquals(0, p.code(), p.err());
        assertTrue(!a.json().get("output_head").equals(p.json().get("output_head")),
                "data and parity calibration keep different channels");
        // default N is 128: more than the 12 training images
        expectError(run(concat(base, "--calib", data.toString(), "--pad", "2")), 2, "128");
        expectError(run(concat(base, "--calib", data + ":0", "--pad", "2")), 2, "--calib");
        expectError(run(concat(base, "--calib", tmp.resolve("none") + ":4")), 3, "none");
        expectError(run(concat(base, "--calib", data + ":4")), 2, "(1, 28, 28)");
        expectError(run(concat(base, "--calib", "parity:4", "--pad", "2")), 2, "--pad");
        Path folder = TestData.folder(tmp.resolve("f"), 2, 32);
        expectError(run(concat(base, "--calib", folder + ":2", "--channels", "1")), 2, "10 classes");
    }

    private static String[] concat(String[] a, String... b) {
        List<String> l = new ArrayList<>(List.of(a));
        l.addAll(List.of(b));
        return l.toArray(new String[0]);
    }
}
