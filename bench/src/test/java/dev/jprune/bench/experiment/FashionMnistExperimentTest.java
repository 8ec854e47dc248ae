package dev.jprune.bench.experiment;

import dev.jprune.internal.Json;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.zip.GZIPOutputStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The experiment's whole pipeline on a synthetic Fashion-MNIST (gzip IDX files of 64 training and 40 test images
 * whose class is drawn as a bright band, seed 9), at 1 epoch per stage: the results file has the keys and
 * figures that hold together, the MACs are at least halved, the documentation table is replaced between its markers,
 * and a second run resumes everything (no stage re-runs, same results) while other settings are refused.
 */
@Tag("slow")
class FashionMnistExperimentTest {

    private static final List<String> KEYS = List.of("criterion", "base_acc", "final_acc",
            "acc_after_prune_before_finetune", "base_macs", "macs", "base_params", "params", "seconds");

    @Test
    void runsEveryStageWritesResultsAndResumes(@TempDir Path dir) throws IOException {
        Path data = Files.createDirectories(dir.resolve("data"));
        writeIdx(data, "train", 64, 1);
        writeIdx(data, "t10k", 40, 2);
        Path doc = dir.resolve("doc.md");
        Files.writeString(doc, "intro\n" + FashionMnistExperiment.BEGIN + "\nold\n" + FashionMnistExperiment.END + "\ntail\n");
        String[] args = {"--data", data.toString(), "--work", dir.resolve("work").toString(), "--out",
            dir.resolve("res.json").toString(), "--doc", doc.toString(), "--criteria", "l2,bn-scale", "--epochs", "1",
            "--sparse-epochs", "1", "--finetune-epochs", "1", "--batch", "16", "--steps", "100"};
        FashionMnistExperiment.Settings s = FashionMnistExperiment.parse(args);
        List<Map<String, Object>> rows = new FashionMnistExperiment(s, quiet()).run();
        assertEquals(2, rows.size());
        for (Map<String, Object> r : rows) {
            assertEquals(KEYS, List.copyOf(r.keySet()));
            assertEquals(41_026_186L, ((Number) r.get("base_macs")).longValue(), "resnet20 (1 channel) by Torch-Pruning's count");
            assertEquals(272_186L, ((Number) r.get("base_params")).longValue());
            assertTrue(((Number) r.get("macs")).longValue() * 2 <= 41_026_186L, "speed-up >= 2: " + r);
            assertTrue(((Number) r.get("params")).longValue() < 272_186L);
            for (String k : List.of("base_acc", "final_acc", "acc_after_prune_before_finetune")) {
                double a = ((Number) r.get(k)).doubleValue();
                assertTrue(a >= 0 && a <= 1 && Math.round(a * 40) == a * 40, k + " is a fraction of 40 images: " + a);
            }
        }
        assertEquals("l2", rows.get(0).get("criterion"));
        assertEquals(rows.get(0).get("base_acc"), rows.get(1).get("base_acc"), "one base model for every criterion");
        String written = Files.readString(s.out());
        @SuppressWarnings("unchecked")
        List<Object> fileRows = (List<Object>) ((Map<String, Object>) Json.parse(written)).get("rows");
        assertEquals(Json.parse(Json.write(rows)), fileRows);

        FashionMnistExperiment.main(args);
        String docText = Files.readString(doc);
        assertTrue(docText.startsWith("intro\n" + FashionMnistExperiment.BEGIN + "\n| criterion |"), docText);
        assertTrue(docText.endsWith(FashionMnistExperiment.END + "\ntail\n") && !docText.contains("old"), docText);

        // resumed: every stage is recorded, so nothing trains again and the checkpoints stay as they were
        Path ck = dir.resolve("work").resolve("base-e1.onnx");
        FileTime before = Files.getLastModifiedTime(ck);
        List<Map<String, Object>> again = new FashionMnistExperiment(s, quiet()).run();
        assertEquals(rows, again);
        assertEquals(before, Files.getLastModifiedTime(ck));

        String[] other = args.clone();
        other[other.length - 1] = "200";
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new FashionMnistExperiment(FashionMnistExperiment.parse(other), quiet()));
        assertTrue(e.getMessage().contains("other settings"), e.getMessage());
    }

    @Test
    void flagsAreChecked(@TempDir Path dir) {
        IllegalArgumentException unknown = assertThrows(IllegalArgumentException.class,
                () -> FashionMnistExperiment.parse(new String[] {"--data", dir.toString(), "--epoch", "3"}));
        assertTrue(unknown.getMessage().startsWith("unknown option '--epoch'"), unknown.getMessage());
        IllegalArgumentException crit = assertThrows(IllegalArgumentException.class,
                () -> FashionMnistExperiment.parse(new String[] {"--data", dir.toString(), "--criteria", "l1,taylor"}));
        assertTrue(crit.getMessage().contains("unknown criterion 'taylor'"), crit.getMessage());
        IllegalArgumentException zero = assertThrows(IllegalArgumentException.class,
                () -> FashionMnistExperiment.parse(new String[] {"--data", dir.toString(), "--epochs", "0"}));
        assertEquals("--epochs must be > 0, got 0", zero.getMessage());
        IllegalArgumentException data = assertThrows(IllegalArgumentException.class,
                () -> FashionMnistExperiment.parse(new String[] {"--data", dir.resolve("none").toString()}));
        assertTrue(data.getMessage().contains("dataset-fashion-mnist"), data.getMessage());
    }

    private static PrintStream quiet() {
        return new PrintStream(OutputStream.nullOutputStream());
    }

    /** {@code PREFIX-images-idx3-ubyte.gz} and labels: class c is a bright band at rows 2c..2c+5, plus noise. */
    private static void writeIdx(Path dir, String prefix, int n, long seed) throws IOException {
        SplittableRandom r = new SplittableRandom(seed);
        ByteArrayOutputStream img = new ByteArrayOutputStream();
        ByteArrayOutputStream lab = new ByteArrayOutputStream();
        try (DataOutputStream di = new DataOutputStream(img); DataOutputStream dl = new DataOutputStream(lab)) {
            di.writeInt(0x803);
            di.writeInt(n);
            di.writeInt(28);
            di.writeInt(28);
            dl.writeInt(0x801);
            dl.writeInt(n);
            for (int i = 0; i < n; i++) {
                int c = r.nextInt(10);
                dl.writeByte(c);
                for (int y = 0; y < 28; y++) {
                    for (int x = 0; x < 28; x++) {
                        boolean on = y >= 2 * c && y < 2 * c + 6;
                        di.writeByte((on ? 200 : 20) + r.nextInt(40));
                    }
                }
            }
        }
        gzip(dir.resolve(prefix + "-images-idx3-ubyte.gz"), img.toByteArray());
        gzip(dir.resolve(prefix + "-labels-idx1-ubyte.gz"), lab.toByteArray());
    }

    private static void gzip(Path file, byte[] bytes) throws IOException {
        try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(file))) {
            out.write(bytes);
        }
    }
}
