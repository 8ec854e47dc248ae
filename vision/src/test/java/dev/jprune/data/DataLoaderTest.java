package dev.jprune.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.jprune.tensor.Shape;
import dev.jprune.tensor.Tensor;
import dev.jprune.train.Batch;
import dev.jprune.train.BatchIterator;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Set;
import java.util.function.IntFunction;
import org.junit.jupiter.api.Test;

/**
 * {@link DataLoader} on a tiny in-test dataset whose pixels encode the sample index, so every batch can be traced
 * back to the dataset indices it holds. Everything is compared exactly (float bit patterns): batches are pure
 * functions of (seed, epoch, index), so there is no tolerance to allow.
 */
class DataLoaderTest {

    static final int N = 10;
    static final Duration TIMEOUT = Duration.ofSeconds(10);

    /** {@code n} examples of shape (1, 2, 2) with pixels {@code 4i, 4i+1, 4i+2, 4i+3} and label {@code i % 3}. */
    static Dataset numbered(int n) {
        return new Dataset() {
            @Override
            public int size() {
                return n;
            }

            @Override
            public Example get(int index) {
                if (index < 0 || index >= n) {
                    throw new IndexOutOfBoundsException(index);
                }
                return new Example(Tensor.of(Shape.of(1, 2, 2), 4 * index, 4 * index + 1, 4 * index + 2, 4 * index + 3),
                        index % 3);
            }

            @Override
            public int label(int index) {
                return index % 3;
            }

            @Override
            public List<String> classes() {
                return List.of("a", "b", "c");
            }
        };
    }

    /** A dataset of {@code n} examples whose {@code get} is {@code getter}. */
    static Dataset custom(int n, IntFunction<Example> getter) {
        Dataset base = numbered(n);
        return new Dataset() {
            @Override
            public int size() {
                return n;
            }

            @Override
            public Example get(int index) {
                return getter.apply(index);
            }

            @Override
            public int label(int index) {
                return base.label(index);
            }

            @Override
            public List<String> classes() {
                return base.classes();
            }
        };
    }

    /** The dataset indices in a batch, read back from the first pixel of each un-transformed image. */
    static int[] indices(Batch b) {
        int n = b.size();
        int per = b.inputs().numel() / n;
        int[] out = new int[n];
        for (int j = 0; j < n; j++) {
            float v = b.inputs().data()[j * per];
            out[j] = (int) v / 4;
            assertEquals(4f * out[j], v, 0f, "pixel 0 of batch slot " + j + " is not 4 * index");
        }
        return out;
    }

    static List<Batch> drain(BatchIterator it) {
        List<Batch> out = new ArrayList<>();
        try (it) {
            while (it.hasNext()) {
                out.add(it.next());
            }
        }
        assertThrows(NoSuchElementException.class, it::next);
        return out;
    }

    static List<Batch> all(DataLoader dl, int epoch) {
        return assertTimeoutPreemptively(TIMEOUT, () -> drain(dl.epoch(epoch)));
    }

    static void assertBatchEquals(Batch expected, Batch actual, String what) {
        assertEquals(expected.inputs().shape(), actual.inputs().shape(), what + ": input shape");
        assertArrayEquals(expected.inputs().data(), actual.inputs().data(), what + ": inputs (bitwise)");
        assertArrayEquals(expected.targets().data(), actual.targets().data(), what + ": targets");
    }

    static DataLoader.Builder loader(int batch) {
        return DataLoader.builder(numbered(N)).batchSize(batch);
    }

    @Test
    void countsWithAndWithoutDropLast() {
        int[][] cases = { // batch, batchCount, sampleCount without drop_last, then with it
            {1, 10, 10, 10, 10}, {3, 4, 10, 3, 9}, {4, 3, 10, 2, 8}, {5, 2, 10, 2, 10}, {10, 1, 10, 1, 10}, {16, 1, 10, -1, -1}};
        for (int[] c : cases) {
            DataLoader keep = loader(c[0]).build();
            assertEquals(c[1], keep.batchCount(), "batchCount, batch " + c[0]);
            assertEquals(c[2], keep.sampleCount(), "sampleCount, batch " + c[0]);
            List<Batch> batches = all(keep, 0);
            assertEquals(c[1], batches.size(), "batches iterated, batch " + c[0]);
            assertEquals(c[2], batches.stream().mapToInt(Batch::size).sum(), "samples iterated, batch " + c[0]);
            if (c[3] > 0) {
                DataLoader drop = loader(c[0]).dropLast(true).build();
                assertEquals(c[3], drop.batchCount(), "batchCount with drop_last, batch " + c[0]);
                assertEquals(c[4], drop.sampleCount(), "sampleCount with drop_last, batch " + c[0]);
                List<Batch> dropped = all(drop, 0);
                assertEquals(c[3], dropped.size());
                for (Batch b : dropped) {
                    assertEquals(c[0], b.size(), "drop_last leaves only full batches");
                }
            }
        }
    }

    @Test
    void withoutShuffleTheOrderIsTheDatasetOrderAndTheLastBatchIsPartial() {
        DataLoader dl = loader(4).build();
        int[] identity = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9};
        assertArrayEquals(identity, dl.order(0));
        assertArrayEquals(identity, dl.order(7));
        List<Batch> batches = all(dl, 3);
        assertArrayEquals(new int[] {0, 1, 2, 3}, indices(batches.get(0)));
        assertArrayEquals(new int[] {4, 5, 6, 7}, indices(batches.get(1)));
        assertArrayEquals(new int[] {8, 9}, indices(batches.get(2)));
        Batch last = batches.get(2);
        assertEquals(Shape.of(2, 1, 2, 2), last.inputs().shape());
        assertEquals(Shape.of(2), last.targets().shape());
        // The whole image is there, not just pixel 0.
        assertArrayEquals(new float[] {32, 33, 34, 35, 36, 37, 38, 39}, last.inputs().data());
    }

    @Test
    void targetsAreTheLabels() {
        DataLoader dl = loader(3).shuffle(true).seed(5).build();
        for (Batch b : all(dl, 2)) {
            int[] idx = indices(b);
            for (int j = 0; j < idx.length; j++) {
                assertEquals(idx[j] % 3, b.targets().data()[j], 0f, "target of sample " + idx[j]);
            }
        }
    }

    @Test
    void shuffledEpochsArePermutationsFixedBySeedAndEpoch() {
        DataLoader a = loader(3).shuffle(true).seed(42).build();
        DataLoader sameSeed = loader(3).shuffle(true).seed(42).build();
        DataLoader otherSeed = loader(3).shuffle(true).seed(43).build();
        Set<String> seen = new HashSet<>();
        for (int e = 0; e < 6; e++) {
            int[] order = a.order(e);
            int[] sorted = order.clone();
            Arrays.sort(sorted);
            assertArrayEquals(new int[] {0, 1, 2, 3, 4, 5, 6, 7, 8, 9}, sorted, "epoch " + e + " is a permutation");
            assertArrayEquals(order, sameSeed.order(e), "same seed and epoch, same order");
            assertArrayEquals(order, a.order(e), "order(e) is repeatable");
            assertFalse(Arrays.equals(order, otherSeed.order(e)), "seed 43 gives another order in epoch " + e);
            assertTrue(seen.add(Arrays.toString(order)), "epoch " + e + " repeats an earlier epoch's order");

            // The iterated batches visit exactly that order, each sample once.
            List<Batch> batches = all(a, e);
            int[] visited = batches.stream().flatMapToInt(b -> Arrays.stream(indices(b))).toArray();
            assertArrayEquals(order, visited, "batches of epoch " + e + " follow order(" + e + ")");
        }
        assertFalse(Arrays.equals(new int[] {0, 1, 2, 3, 4, 5, 6, 7, 8, 9}, a.order(0)), "shuffle changes the order");
    }

    @Test
    void dropLastDropsTheTailOfTheShuffledOrder() {
        DataLoader dl = loader(4).shuffle(true).seed(9).dropLast(true).build();
        int[] order = dl.order(1);
        int[] visited = all(dl, 1).stream().flatMapToInt(b -> Arrays.stream(indices(b))).toArray();
        assertArrayEquals(Arrays.copyOf(order, 8), visited);
    }

    /** The resume guarantee: starting an epoch at batch k gives exactly batches k.. of the whole epoch. */
    @Test
    void epochFromBatchIsTheTailOfTheWholeEpoch() {
        DataLoader dl = loader(3).shuffle(true).seed(7).transform(DataLoaderTest::noise).prefetch(2).build();
        for (int e : new int[] {0, 4}) {
            List<Batch> whole = all(dl, e);
            assertEquals(4, whole.size());
            for (int k = 0; k <= dl.batchCount(); k++) {
                int from = k;
                List<Batch> tail = assertTimeoutPreemptively(TIMEOUT, () -> drain(dl.epoch(e, from)));
                assertEquals(whole.size() - k, tail.size(), "batches from " + k);
                for (int i = 0; i < tail.size(); i++) {
                    assertBatchEquals(whole.get(k + i), tail.get(i), "epoch " + e + " from " + k + ", batch " + (k + i));
                }
            }
        }
    }

    /** Adds uniform [0, 1) noise drawn from the sample's generator to every pixel. */
    static Tensor noise(Tensor img, java.util.SplittableRandom rng) {
        float[] d = img.data().clone();
        for (int i = 0; i < d.length; i++) {
            d[i] += (float) rng.nextDouble();
        }
        return Tensor.wrap(img.shape(), d);
    }

    /** Noisy image of each dataset index, read out of the batches (pixel 0 minus noise < 1 identifies the index). */
    static Map<Integer, float[]> perSample(List<Batch> batches) {
        Map<Integer, float[]> out = new HashMap<>();
        for (Batch b : batches) {
            int per = b.inputs().numel() / b.size();
            for (int j = 0; j < b.size(); j++) {
                float[] img = Arrays.copyOfRange(b.inputs().data(), j * per, (j + 1) * per);
                int idx = (int) Math.floor(img[0] / 4);
                assertTrue(img[0] - 4 * idx < 1.0001f, "noise in [0, 1)");
                assertEquals(null, out.put(idx, img), "sample " + idx + " appears twice");
            }
        }
        return out;
    }

    @Test
    void randomTransformDrawsDependOnlyOnSeedEpochAndSample() {
        DataLoader p1 = loader(3).shuffle(true).seed(11).transform(DataLoaderTest::noise).prefetch(1).build();
        DataLoader p4 = loader(3).shuffle(true).seed(11).transform(DataLoaderTest::noise).prefetch(4).build();
        for (int e = 0; e < 3; e++) {
            List<Batch> a = all(p1, e);
            List<Batch> b = all(p4, e);
            assertEquals(a.size(), b.size());
            for (int i = 0; i < a.size(); i++) {
                assertBatchEquals(a.get(i), b.get(i), "prefetch 1 vs 4, epoch " + e + " batch " + i);
                assertBatchEquals(a.get(i), p1.batch(e, i), "iterator vs batch(e, i), epoch " + e + " batch " + i);
                assertBatchEquals(a.get(i), p4.batch(e, i), "batch(e, i) of the prefetch-4 loader");
            }
        }

        // Another batch size and no shuffling: the batches differ, each sample's image does not.
        Map<Integer, float[]> shuffled3 = perSample(all(p1, 2));
        DataLoader plain5 = loader(5).shuffle(false).seed(11).transform(DataLoaderTest::noise).build();
        Map<Integer, float[]> plain = perSample(all(plain5, 2));
        assertEquals(N, shuffled3.size());
        for (int i = 0; i < N; i++) {
            assertArrayEquals(shuffled3.get(i), plain.get(i), "sample " + i + " in epoch 2, batch 3 shuffled vs batch 5");
        }

        // The draws do change with the epoch and with the seed, and differ between samples.
        Map<Integer, float[]> epoch1 = perSample(all(p1, 1));
        DataLoader otherSeed = loader(5).seed(12).transform(DataLoaderTest::noise).build();
        Map<Integer, float[]> seed12 = perSample(all(otherSeed, 2));
        Set<Float> noise0 = new HashSet<>();
        for (int i = 0; i < N; i++) {
            assertFalse(Arrays.equals(shuffled3.get(i), epoch1.get(i)), "sample " + i + ": epoch 1 vs 2");
            assertFalse(Arrays.equals(shuffled3.get(i), seed12.get(i)), "sample " + i + ": seed 11 vs 12");
            noise0.add(shuffled3.get(i)[0] - 4 * i);
        }
        assertTrue(noise0.size() > N / 2, "samples draw different noise: " + noise0);
    }

    @Test
    void transformChangingShapesNamesBothSamples() {
        Transform grow = (img, rng) -> {
            int idx = (int) img.data()[0] / 4;
            return idx == 6 ? Tensor.zeros(1, 3, 3) : img;
        };
        DataLoader dl = loader(4).transform(grow).build();
        IllegalArgumentException direct = assertThrows(IllegalArgumentException.class, () -> dl.batch(0, 1));
        assertTrue(direct.getMessage().contains("sample 6") && direct.getMessage().contains("sample 4"),
                direct.getMessage());
        assertTrue(direct.getMessage().contains("(1, 3, 3)") || direct.getMessage().contains("[1, 3, 3]"),
                "names the odd shape: " + direct.getMessage());

        assertTimeoutPreemptively(TIMEOUT, () -> {
            try (BatchIterator it = dl.epoch(0)) {
                assertArrayEquals(new int[] {0, 1, 2, 3}, indices(it.next()));
                assertTrue(it.hasNext());
                IllegalArgumentException viaIt = assertThrows(IllegalArgumentException.class, it::next);
                assertEquals(direct.getMessage(), viaIt.getMessage());
                assertFalse(it.hasNext(), "the iterator ends after a failure");
            }
        });
    }

    @Test
    void datasetFailureSurfacesFromNextWithoutHanging() {
        Dataset base = numbered(N);
        Dataset broken = custom(N, i -> {
            if (i == 5) {
                throw new IllegalStateException("cannot decode example 5");
            }
            return base.get(i);
        });
        for (int prefetch : new int[] {1, 3}) {
            DataLoader dl = DataLoader.builder(broken).batchSize(2).prefetch(prefetch).build();
            assertTimeoutPreemptively(TIMEOUT, () -> {
                try (BatchIterator it = dl.epoch(0)) {
                    assertArrayEquals(new int[] {0, 1}, indices(it.next()));
                    assertArrayEquals(new int[] {2, 3}, indices(it.next()));
                    IllegalStateException e = assertThrows(IllegalStateException.class, it::next);
                    assertEquals("cannot decode example 5", e.getMessage());
                    assertFalse(it.hasNext());
                    assertThrows(NoSuchElementException.class, it::next);
                }
            });
            // Resuming after the broken batch works: batch 3 onwards does not touch example 5.
            List<Batch> tail = assertTimeoutPreemptively(TIMEOUT, () -> drain(dl.epoch(0, 3)));
            assertEquals(2, tail.size());
            assertArrayEquals(new int[] {6, 7}, indices(tail.get(0)));
        }

        // An Error thrown by the dataset surfaces too.
        Dataset erring = custom(N, i -> {
            throw new AssertionError("example " + i + " exploded");
        });
        DataLoader dl = DataLoader.builder(erring).batchSize(4).build();
        assertTimeoutPreemptively(TIMEOUT, () -> {
            try (BatchIterator it = dl.epoch(0)) {
                AssertionError e = assertThrows(AssertionError.class, it::next);
                assertEquals("example 0 exploded", e.getMessage());
            }
        });
    }

    static List<Thread> workers() {
        List<Thread> out = new ArrayList<>();
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            if (t.getName().startsWith("jprune-data-") && t.isAlive()) {
                out.add(t);
            }
        }
        return out;
    }

    static void awaitNoWorkers() throws InterruptedException {
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (!workers().isEmpty()) {
            if (System.nanoTime() > deadline) {
                fail("worker threads still alive 5 s after close: " + workers());
            }
            Thread.sleep(20);
        }
    }

    @Test
    void closeBeforeExhaustionStopsTheWorker() throws InterruptedException {
        awaitNoWorkers();
        DataLoader dl = DataLoader.builder(numbered(200)).batchSize(1).prefetch(1).build();
        BatchIterator it = dl.epoch(3);
        assertArrayEquals(new int[] {0}, indices(it.next()));
        assertFalse(workers().isEmpty(), "a worker is blocked on the full queue");
        it.close();
        awaitNoWorkers();
        assertFalse(it.hasNext(), "no batches after close");
        assertThrows(NoSuchElementException.class, it::next);
        it.close(); // idempotent

        // Closing before taking anything, and with a slow dataset whose get is running while close is called.
        Dataset base = numbered(50);
        Dataset slow = custom(50, i -> {
            long until = System.nanoTime() + 20_000_000L;
            while (System.nanoTime() < until) {
                Thread.onSpinWait();
            }
            return base.get(i);
        });
        try (BatchIterator fresh = DataLoader.builder(slow).batchSize(2).prefetch(4).build().epoch(0)) {
            assertTrue(fresh.hasNext());
        }
        awaitNoWorkers();

        // An iterator started at the end of the epoch has nothing and starts no thread.
        try (BatchIterator empty = dl.epoch(0, dl.batchCount())) {
            assertFalse(empty.hasNext());
            assertTrue(workers().isEmpty());
        }
    }

    @Test
    void builderValidation() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> loader(0).build());
        assertTrue(e.getMessage().contains("batch size") && e.getMessage().contains("0"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> loader(-3).build());
        assertTrue(e.getMessage().contains("-3"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> loader(2).prefetch(0).build());
        assertTrue(e.getMessage().contains("prefetch") && e.getMessage().contains("0"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> DataLoader.builder(numbered(0)).build());
        assertTrue(e.getMessage().contains("empty"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> loader(11).dropLast(true).build());
        assertTrue(e.getMessage().contains("drop_last") && e.getMessage().contains("11") && e.getMessage().contains("10"),
                e.getMessage());
        assertEquals(1, loader(10).dropLast(true).build().batchCount(), "exactly one full batch is allowed");
        assertThrows(NullPointerException.class, () -> DataLoader.builder(null));
        assertThrows(NullPointerException.class, () -> loader(1).transform(null));
    }

    @Test
    void epochAndBatchIndexValidation() {
        DataLoader dl = loader(4).build();
        assertThrows(IllegalArgumentException.class, () -> dl.batch(-1, 0));
        assertThrows(IllegalArgumentException.class, () -> dl.batch(0, -1));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> dl.batch(0, 3));
        assertTrue(e.getMessage().contains("3"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> dl.epoch(-1, 0));
        assertThrows(IllegalArgumentException.class, () -> dl.epoch(0, -1));
        e = assertThrows(IllegalArgumentException.class, () -> dl.epoch(0, 4));
        assertTrue(e.getMessage().contains("[0, 3]") && e.getMessage().contains("4"), e.getMessage());
        assertEquals(2, dl.batch(0, 2).size());
    }

    @Test
    void batchesAreFreshAndDefaultsAreAsDocumented() {
        DataLoader dl = DataLoader.builder(numbered(N)).build();
        assertEquals(1, dl.batchSize());
        assertEquals(N, dl.batchCount());
        Batch a = dl.batch(0, 0);
        Batch b = dl.batch(0, 0);
        assertBatchEquals(a, b, "same batch twice");
        a.inputs().data()[0] = -1;
        assertEquals(0f, dl.batch(0, 0).inputs().data()[0], 0f, "changing a batch does not change the next one");
        assertSame(dl.dataset(), dl.dataset());
        assertNotEquals(Arrays.toString(loader(2).shuffle(true).build().order(0)), Arrays.toString(dl.order(0)),
                "seed 0 shuffles too");
    }
}
