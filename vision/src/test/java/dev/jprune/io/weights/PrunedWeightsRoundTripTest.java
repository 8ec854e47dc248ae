package dev.jprune.io.weights;

import dev.jprune.depgraph.DependencyGraph;
import dev.jprune.depgraph.Side;
import dev.jprune.exec.Executor;
import dev.jprune.internal.Json;
import dev.jprune.ir.Graph;
import dev.jprune.ir.Parameter;
import dev.jprune.tensor.Shape;
import dev.jprune.tensor.Tensor;
import dev.jprune.weights.Parity;
import dev.jprune.weights.RandomInit;
import dev.jprune.zoo.Zoo;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A pruned ResNet-18's weights, saved as safetensors, load into a ResNet-18 pruned the same way and give the same
 * tensors (so the same output: the structures are identical); they do not fit the unpruned model.
 *
 * <p>Manual check with PyTorch (not in CI): run this test with the environment variable {@code JPRUNE_EXPORT_DIR}
 * set to a folder; it also writes {@code resnet18_pruned.safetensors} (parity weights, pruned) and
 * {@code resnet18_pruned.json} (input shape and jprune's output on the parity input) there. Then
 * {@code /usr/bin/python3 check_pruned_resnet18.py DIR} (in this package's test resources) reads the file with a
 * pure-Python safetensors reader, builds torchvision's resnet18 with the pruned layer sizes, loads it strictly and
 * compares the outputs.
 */
class PrunedWeightsRoundTripTest {

    private static final Shape INPUT = Shape.of(1, 3, 32, 32);
    private static final int CLASSES = 10;

    @TempDir
    Path dir;

    /** ResNet-18 with three stem channels, two channels of layer1.0.conv1 and the layer3 stream pruned. */
    private static Graph pruned(long seed) {
        Graph g = Zoo.build("resnet18", INPUT, CLASSES);
        if (seed < 0) {
            Parity.fill(g);
        } else {
            RandomInit.fill(g, seed);
        }
        DependencyGraph dg = new DependencyGraph(g);
        dg.pruningGroup("conv1", Side.OUT, 2, 6, 9).prune();
        dg = new DependencyGraph(g);
        dg.pruningGroup("layer1.0.conv1", Side.OUT, 0, 63).prune();
        dg = new DependencyGraph(g);
        dg.pruningGroup("layer3.0.downsample.0", Side.OUT, 5, 100, 200, 255).prune();
        return g;
    }

    @Test
    void prunedWeightsRoundTripThroughSafetensors() throws IOException {
        Graph source = pruned(1);
        for (Parameter p : source.stateDict().values()) {
            if (p.name().endsWith("num_batches_tracked")) {
                p.value().data()[0] = 4242;
            }
        }
        assertEquals(Shape.of(61, 3, 7, 7), source.stateDict().get("conv1.weight").value().shape());
        assertEquals(Shape.of(62, 61, 3, 3), source.stateDict().get("layer1.0.conv1.weight").value().shape());
        assertEquals(Shape.of(252, 128, 1, 1), source.stateDict().get("layer3.0.downsample.0.weight").value().shape());
        Path file = dir.resolve("resnet18_pruned.safetensors");
        StateDicts.saveSafetensors(source, file);

        Graph target = pruned(2);
        assertNotEquals(source.stateDict().get("fc.weight").value().data()[0],
                target.stateDict().get("fc.weight").value().data()[0], "the target starts from other weights");
        LoadReport r = StateDicts.load(target, file);
        assertEquals(source.stateDict().size(), r.loaded().size());
        for (Parameter p : source.stateDict().values()) {
            Parameter q = target.stateDict().get(p.name());
            assertEquals(p.value().shape(), q.value().shape(), p.name());
            assertArrayEquals(p.value().data(), q.value().data(), p.name());
        }
        target.inferShapes();   // every node still accepts its (loaded) parameters
    }

    @Test
    void prunedWeightsDoNotFitTheUnprunedModel() throws IOException {
        Path file = dir.resolve("resnet18_pruned.safetensors");
        StateDicts.saveSafetensors(pruned(1), file);
        Graph full = Zoo.build("resnet18", INPUT, CLASSES);
        float before = full.stateDict().get("conv1.weight").value().data()[0];
        StateDictMismatchException e = assertThrows(StateDictMismatchException.class,
                () -> StateDicts.load(full, file, false));
        assertEquals("conv1.weight: float32 (64, 3, 7, 7) in the model, float32 (61, 3, 7, 7) in the file",
                e.mismatched().get(0).describe());
        assertTrue(e.missing().isEmpty() && e.unexpected().isEmpty(), e.getMessage());
        assertEquals(before, full.stateDict().get("conv1.weight").value().data()[0]);
    }

    /** Writes the files of the manual PyTorch check when {@code JPRUNE_EXPORT_DIR} is set; otherwise does nothing. */
    @Test
    void exportForThePyTorchCheckWhenAsked() throws IOException {
        String out = System.getenv("JPRUNE_EXPORT_DIR");
        if (out == null || out.isEmpty()) {
            return;
        }
        Path folder = Files.createDirectories(Path.of(out));
        Graph g = pruned(-1);
        StateDicts.saveSafetensors(g, folder.resolve("resnet18_pruned.safetensors"));
        Tensor y = Executor.run(g, Parity.input(INPUT))[0];
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("model", "resnet18");
        json.put("num_classes", CLASSES);
        json.put("input", INPUT.dims());
        json.put("output", y.data());
        Files.writeString(folder.resolve("resnet18_pruned.json"), Json.write(json) + "\n");
    }
}
