package dev.jprune.io.checkpoint;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jprune.io.ModelFormatException;
import dev.jprune.io.weights.StateDicts;
import dev.jprune.io.weights.StoredTensor;
import dev.jprune.ir.DType;
import dev.jprune.ir.Graph;
import dev.jprune.ir.GraphBuilder;
import dev.jprune.ir.Parameter;
import dev.jprune.ir.Value;
import dev.jprune.ops.BatchNorm2d;
import dev.jprune.ops.Conv2d;
import dev.jprune.ops.Flatten;
import dev.jprune.ops.Linear;
import dev.jprune.ops.ReLU;
import dev.jprune.tensor.Shape;
import dev.jprune.tensor.Tensor;
import dev.jprune.train.AdamW;
import dev.jprune.train.CrossEntropyLoss;
import dev.jprune.train.Optimizer;
import dev.jprune.train.ParamGroup;
import dev.jprune.train.Sgd;
import dev.jprune.train.TrainStep;
import dev.jprune.weights.Parity;
import dev.jprune.weights.RandomInit;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link TrainingCheckpoint} on a small Conv–BatchNorm–ReLU–Flatten–Linear model trained two SGD steps (momentum
 * 0.9, so momentum buffers and BatchNorm running statistics are non-trivial). Values must come back bitwise: ONNX
 * and safetensors both store float32 unchanged, so the tolerance is 0. Errors must name the file and the cause.
 */
class TrainingCheckpointTest {

    static final Shape IN = Shape.of(2, 1, 6, 6);

    @TempDir
    Path dir;

    /** conv1 (1 → width, 3×3) – bn1 – relu – flatten – fc (width·36 → 3), weights from {@code seed}. */
    static Graph model(int width, long seed) {
        GraphBuilder b = new GraphBuilder("ckmodel");
        Value x = b.input("x", IN);
        x = b.module("conv1", Conv2d.of(1, width, 3, 1, 1, false), x);
        x = b.module("bn1", BatchNorm2d.of(width), x);
        x = b.call("relu", new ReLU(), x);
        x = b.call("flatten", Flatten.of(), x);
        Graph g = b.build(b.module("fc", Linear.of(width * 36, 3, true), x));
        RandomInit.fill(g, seed);
        return g;
    }

    static final Tensor TARGET = Tensor.of(Shape.of(2), 0, 2);

    static void step(Graph g, Optimizer opt, long seed) {
        TrainStep.run(g, opt, CrossEntropyLoss.of(), Parity.input(IN), TARGET, seed);
    }

    /** A model trained two steps with SGD (lr 0.1, momentum 0.9) and its optimiser. */
    record Trained(Graph graph, Sgd sgd) {
    }

    static Sgd sgd(Graph g) {
        return Sgd.builder().lr(0.1).momentum(0.9).build(g);
    }

    static Trained trained(long seed) {
        Graph g = model(4, seed);
        Sgd sgd = sgd(g);
        step(g, sgd, 1);
        step(g, sgd, 2);
        return new Trained(g, sgd);
    }

    static TrainingState state() {
        return new TrainingState(3, 5, 1234L, Map.of("phase", "finetune", "best", "0.91"));
    }

    /** A deep copy of every parameter value by name. */
    static Map<String, float[]> snapshot(Graph g) {
        Map<String, float[]> out = new LinkedHashMap<>();
        for (Parameter p : g.stateDict().values()) {
            out.put(p.name(), p.value().data().clone());
        }
        return out;
    }

    /** Every float tensor of {@code expected} is in {@code actual} with the same shape and bits. */
    static void assertSameFloats(Graph expected, Graph actual) {
        Map<String, Parameter> got = actual.stateDict();
        int compared = 0;
        for (Parameter p : expected.stateDict().values()) {
            if (p.dtype() != DType.FLOAT32) {
                continue;
            }
            Parameter q = got.get(p.name());
            assertNotNull(q, p.name() + " is missing after the round trip; have " + got.keySet());
            assertEquals(p.value().shape(), q.value().shape(), p.name());
            assertArrayEquals(p.value().data(), q.value().data(), p.name() + " (bitwise)");
            compared++;
        }
        assertTrue(compared >= 7, "conv1.weight, bn1 weight/bias/running stats, fc weight/bias: " + compared);
    }

    static Map<String, Parameter> byName(Optimizer o) {
        Map<String, Parameter> out = new LinkedHashMap<>();
        for (Parameter p : o.params()) {
            out.put(p.name(), p);
        }
        return out;
    }

    @Test
    void saveAndLoadRoundTrip() throws IOException {
        Trained t = trained(1);
        Path onnx = dir.resolve("ck.onnx");
        assertFalse(TrainingCheckpoint.exists(onnx));
        TrainingCheckpoint.save(onnx, t.graph(), null, t.sgd(), state());
        assertTrue(TrainingCheckpoint.exists(onnx));
        assertEquals(dir.resolve("ck.onnx.state.safetensors"), TrainingCheckpoint.sidecarOf(onnx));

        TrainingCheckpoint.Loaded l = TrainingCheckpoint.load(onnx, IN);
        assertSameFloats(t.graph(), l.graph());
        assertEquals(state(), l.state());
        assertEquals("finetune", l.state().extra().get("phase"));
        assertEquals("Sgd", l.optimizerClass());
        assertEquals(List.of(0.1), l.lrs());
        assertEquals(TrainingCheckpoint.sidecarOf(onnx), l.sidecar());
        assertEquals(new TreeSet<>(List.of("conv1.weight::momentum_buffer", "bn1.weight::momentum_buffer",
                "bn1.bias::momentum_buffer", "fc.weight::momentum_buffer", "fc.bias::momentum_buffer")),
                new TreeSet<>(l.optimizerState().keySet()));

        // Momentum buffers come back bitwise, and only into the optimiser's own parameters.
        Sgd resumed = sgd(l.graph());
        l.restoreOptimizer(resumed);
        Map<String, Parameter> orig = byName(t.sgd());
        int buffers = 0;
        for (Parameter p : resumed.params()) {
            Tensor want = t.sgd().state(orig.get(p.name())).get("momentum_buffer");
            Tensor got = resumed.state(p).get("momentum_buffer");
            assertNotNull(got, "momentum of " + p.name());
            assertEquals(want.shape(), got.shape());
            assertArrayEquals(want.data(), got.data(), "momentum of " + p.name() + " (bitwise)");
            assertFalse(want.maxAbs() == 0, "a real momentum buffer for " + p.name());
            buffers++;
        }
        assertEquals(5, buffers);

        // The resume is exact: one more step on both gives the same weights; without the momentum it does not.
        Graph fresh = TrainingCheckpoint.load(onnx, IN).graph();
        Sgd forgetful = sgd(fresh);
        step(t.graph(), t.sgd(), 3);
        step(l.graph(), resumed, 3);
        step(fresh, forgetful, 3);
        assertSameFloats(t.graph(), l.graph());
        assertFalse(java.util.Arrays.equals(t.graph().stateDict().get("fc.weight").value().data(),
                fresh.stateDict().get("fc.weight").value().data()), "momentum matters for the next step");
    }

    @Test
    void saveWithoutOptimizer() throws IOException {
        Graph g = model(4, 3);
        Path onnx = dir.resolve("plain.onnx");
        TrainingCheckpoint.save(onnx, g, null, null, TrainingState.atEpoch(0, 7).with("note", "ä \"quoted\""));
        TrainingCheckpoint.Loaded l = TrainingCheckpoint.load(onnx, IN);
        assertSameFloats(g, l.graph());
        assertEquals("", l.optimizerClass());
        assertTrue(l.optimizerState().isEmpty());
        assertEquals(List.of(), l.lrs());
        assertEquals(new TrainingState(0, 0, 7, Map.of("note", "ä \"quoted\"")), l.state());
        // Nothing saved: any optimiser may take the (empty) state; it starts from scratch.
        AdamW adam = AdamW.builder().lr(1e-3).build(l.graph());
        l.restoreOptimizer(adam);
        for (Parameter p : adam.params()) {
            assertTrue(adam.state(p).isEmpty());
        }
    }

    @Test
    void adamWStateWithItsStepCounterResumesExactly() throws IOException {
        Graph g = model(4, 8);
        AdamW adam = AdamW.builder().lr(1e-2).weightDecay(0.01).build(g);
        for (int i = 0; i < 3; i++) {
            step(g, adam, i);
        }
        Path onnx = dir.resolve("adam.onnx");
        TrainingCheckpoint.save(onnx, g, null, adam, TrainingState.atEpoch(1, 0));
        TrainingCheckpoint.Loaded l = TrainingCheckpoint.load(onnx, IN);
        assertEquals("AdamW", l.optimizerClass());
        assertTrue(l.optimizerState().containsKey("fc.weight::step"), l.optimizerState().keySet().toString());
        assertEquals(0, l.optimizerState().get("fc.weight::step").shape().rank(), "the step counter is a scalar");
        AdamW resumed = AdamW.builder().lr(1e-2).weightDecay(0.01).build(l.graph());
        l.restoreOptimizer(resumed);
        Map<String, Parameter> orig = byName(adam);
        for (Parameter p : resumed.params()) {
            Map<String, Tensor> want = adam.state(orig.get(p.name()));
            Map<String, Tensor> got = resumed.state(p);
            assertEquals(want.keySet(), got.keySet(), p.name());
            for (String k : want.keySet()) {
                assertArrayEquals(want.get(k).data(), got.get(k).data(), p.name() + "::" + k + " (bitwise)");
            }
        }
        assertEquals(3f, resumed.state(l.graph().stateDict().get("fc.weight")).get("step").data()[0], 0f);
        step(g, adam, 9);
        step(l.graph(), resumed, 9);
        assertSameFloats(g, l.graph());
    }

    @Test
    void loadIntoAFreshModelOfTheSameShape() throws IOException {
        Trained t = trained(1);
        Path onnx = dir.resolve("ck.onnx");
        TrainingCheckpoint.save(onnx, t.graph(), null, t.sgd(), state());
        Graph target = model(4, 99);
        assertFalse(java.util.Arrays.equals(t.graph().stateDict().get("conv1.weight").value().data(),
                target.stateDict().get("conv1.weight").value().data()), "the target starts different");
        TrainingCheckpoint.Loaded l = TrainingCheckpoint.loadInto(onnx, target);
        assertSame(target, l.graph());
        assertSameFloats(t.graph(), target);
        assertEquals(state(), l.state());
        Sgd resumed = sgd(target);
        l.restoreOptimizer(resumed);
        Parameter fcw = target.stateDict().get("fc.weight");
        assertArrayEquals(t.sgd().state(t.graph().stateDict().get("fc.weight")).get("momentum_buffer").data(),
                resumed.state(fcw).get("momentum_buffer").data());
    }

    @Test
    void loadIntoAnotherWidthFailsAndLeavesTheTargetUnchanged() throws IOException {
        Trained t = trained(1);
        Path onnx = dir.resolve("ck.onnx");
        TrainingCheckpoint.save(onnx, t.graph(), null, t.sgd(), state());
        Graph wide = model(6, 5);
        Map<String, float[]> before = snapshot(wide);
        ModelFormatException e = assertThrows(ModelFormatException.class, () -> TrainingCheckpoint.loadInto(onnx, wide));
        assertEquals(onnx, e.file());
        assertTrue(e.getMessage().contains("conv1.weight"), e.getMessage());
        assertTrue(e.getMessage().contains("fc.weight"), e.getMessage());
        Map<String, float[]> after = snapshot(wide);
        assertEquals(before.keySet(), after.keySet());
        for (String k : before.keySet()) {
            assertArrayEquals(before.get(k), after.get(k), k + " changed by a failed loadInto");
        }
    }

    @Test
    void swappedSidecarsAndReplacedModelAreRefused() throws IOException {
        Trained a = trained(1);
        Trained b = trained(2);
        Path ca = dir.resolve("a.onnx");
        Path cb = dir.resolve("b.onnx");
        TrainingCheckpoint.save(ca, a.graph(), null, a.sgd(), state());
        TrainingCheckpoint.save(cb, b.graph(), null, b.sgd(), TrainingState.atEpoch(9, 1));
        Path tmp = dir.resolve("swap");
        Files.move(TrainingCheckpoint.sidecarOf(ca), tmp);
        Files.move(TrainingCheckpoint.sidecarOf(cb), TrainingCheckpoint.sidecarOf(ca));
        Files.move(tmp, TrainingCheckpoint.sidecarOf(cb));
        for (Path p : List.of(ca, cb)) {
            ModelFormatException e = assertThrows(ModelFormatException.class, () -> TrainingCheckpoint.load(p, IN));
            assertTrue(e.getMessage().contains("model_sha256"), e.getMessage());
            assertTrue(e.getMessage().contains(p.toString()), "names the model file: " + e.getMessage());
            assertEquals(TrainingCheckpoint.sidecarOf(p), e.file());
        }
        // Swap back, then replace a.onnx by b.onnx's bytes: refused again.
        Files.move(TrainingCheckpoint.sidecarOf(ca), tmp);
        Files.move(TrainingCheckpoint.sidecarOf(cb), TrainingCheckpoint.sidecarOf(ca));
        Files.move(tmp, TrainingCheckpoint.sidecarOf(cb));
        assertSameFloats(a.graph(), TrainingCheckpoint.load(ca, IN).graph());
        Files.copy(cb, ca, StandardCopyOption.REPLACE_EXISTING);
        ModelFormatException e = assertThrows(ModelFormatException.class, () -> TrainingCheckpoint.load(ca, IN));
        assertTrue(e.getMessage().contains("model_sha256"), e.getMessage());
        // One flipped byte is enough.
        TrainingCheckpoint.save(ca, a.graph(), null, a.sgd(), state());
        byte[] bytes = Files.readAllBytes(ca);
        bytes[bytes.length - 1] ^= 1;
        Files.write(ca, bytes);
        e = assertThrows(ModelFormatException.class, () -> TrainingCheckpoint.load(ca, IN));
        assertTrue(e.getMessage().contains("model_sha256"), e.getMessage());
    }

    @Test
    void missingFilesAreNamed() throws IOException {
        Trained t = trained(1);
        Path onnx = dir.resolve("ck.onnx");
        NoSuchFileException noModel = assertThrows(NoSuchFileException.class, () -> TrainingCheckpoint.load(onnx, IN));
        assertEquals(onnx.toString(), noModel.getFile());
        TrainingCheckpoint.save(onnx, t.graph(), null, t.sgd(), state());
        Files.delete(TrainingCheckpoint.sidecarOf(onnx));
        assertFalse(TrainingCheckpoint.exists(onnx));
        NoSuchFileException noSide = assertThrows(NoSuchFileException.class, () -> TrainingCheckpoint.load(onnx, IN));
        assertEquals(TrainingCheckpoint.sidecarOf(onnx).toString(), noSide.getFile());
        assertTrue(noSide.getMessage().contains("ck.onnx.state.safetensors"), noSide.getMessage());
        assertThrows(NoSuchFileException.class, () -> TrainingCheckpoint.loadInto(onnx, model(4, 1)));
    }

    @Test
    void sidecarOfAnotherFormatIsRefused() throws IOException {
        Trained t = trained(1);
        Path onnx = dir.resolve("ck.onnx");
        TrainingCheckpoint.save(onnx, t.graph(), null, t.sgd(), state());
        Path side = TrainingCheckpoint.sidecarOf(onnx);

        // A plain weights file in safetensors form (format "pt", as PyTorch writes).
        StateDicts.saveSafetensors(t.graph(), side);
        ModelFormatException e = assertThrows(ModelFormatException.class, () -> TrainingCheckpoint.load(onnx, IN));
        assertEquals(side, e.file());
        assertTrue(e.getMessage().contains("jprune-training-state") && e.getMessage().contains("pt"), e.getMessage());

        // No metadata at all.
        StateDicts.writeSafetensors(side, Map.of(), Map.of());
        e = assertThrows(ModelFormatException.class, () -> TrainingCheckpoint.load(onnx, IN));
        assertTrue(e.getMessage().contains("not a jprune training state"), e.getMessage());

        // Not a safetensors file.
        Files.writeString(side, "epoch=3\n", StandardCharsets.UTF_8);
        assertThrows(ModelFormatException.class, () -> TrainingCheckpoint.load(onnx, IN));

        // Right format and hash, malformed counters.
        Map<String, String> meta = new LinkedHashMap<>(Map.of("format", "jprune-training-state",
                "model_sha256", TrainingCheckpoint.sha256(onnx), "epoch", "three", "batch", "0", "seed", "1"));
        StateDicts.writeSafetensors(side, Map.of(), meta);
        e = assertThrows(ModelFormatException.class, () -> TrainingCheckpoint.load(onnx, IN));
        assertTrue(e.getMessage().contains("three"), e.getMessage());

        // Malformed learning rates are a format error too, not a ClassCastException.
        meta.put("epoch", "3");
        meta.put("lr", "[\"fast\"]");
        StateDicts.writeSafetensors(side, Map.of(), meta);
        e = assertThrows(ModelFormatException.class, () -> TrainingCheckpoint.load(onnx, IN));
        assertEquals(side, e.file());
        meta.put("lr", "0.1");
        StateDicts.writeSafetensors(side, Map.of(), meta);
        assertThrows(ModelFormatException.class, () -> TrainingCheckpoint.load(onnx, IN));

        // Without the optional keys (optimizer, lr, extra) it loads, with no optimiser recorded.
        meta.remove("lr");
        StateDicts.writeSafetensors(side, Map.of(), meta);
        TrainingCheckpoint.Loaded l = TrainingCheckpoint.load(onnx, IN);
        assertEquals("", l.optimizerClass());
        assertEquals(new TrainingState(3, 0, 1, Map.of()), l.state());
        l.restoreOptimizer(sgd(l.graph()));
    }

    @Test
    void restoreIntoAnotherOptimizerOrParameterSetFails() throws IOException {
        Trained t = trained(1);
        Path onnx = dir.resolve("ck.onnx");
        TrainingCheckpoint.save(onnx, t.graph(), null, t.sgd(), state());
        TrainingCheckpoint.Loaded l = TrainingCheckpoint.load(onnx, IN);

        AdamW adam = AdamW.builder().lr(1e-3).build(l.graph());
        ModelFormatException e = assertThrows(ModelFormatException.class, () -> l.restoreOptimizer(adam));
        assertTrue(e.getMessage().contains("Sgd") && e.getMessage().contains("AdamW"), e.getMessage());
        assertEquals(l.sidecar(), e.file());

        // An SGD over the classifier only: the saved conv/bn momentum has nowhere to go.
        Map<String, Parameter> sd = l.graph().stateDict();
        Sgd fcOnly = Sgd.builder().lr(0.1).momentum(0.9)
                .build(List.of(ParamGroup.of("fc", List.of(sd.get("fc.weight"), sd.get("fc.bias")))));
        e = assertThrows(ModelFormatException.class, () -> l.restoreOptimizer(fcOnly));
        assertTrue(e.getMessage().contains("conv1.weight") || e.getMessage().contains("bn1."), e.getMessage());
        assertTrue(fcOnly.state(sd.get("fc.weight")).isEmpty(), "a failed restore sets nothing");
    }

    @Test
    void failedSaveLeavesAnExistingCheckpointIntact() throws IOException {
        Trained a = trained(1);
        Trained b = trained(2);
        Path onnx = dir.resolve("ck.onnx");
        TrainingCheckpoint.save(onnx, a.graph(), null, a.sgd(), state());
        byte[] model = Files.readAllBytes(onnx);
        byte[] side = Files.readAllBytes(TrainingCheckpoint.sidecarOf(onnx));

        // A bad argument is refused before either file is touched.
        assertThrows(NullPointerException.class, () -> TrainingCheckpoint.save(onnx, b.graph(), null, b.sgd(), null));
        assertArrayEquals(model, Files.readAllBytes(onnx), "model file rewritten by a failed save");
        assertArrayEquals(side, Files.readAllBytes(TrainingCheckpoint.sidecarOf(onnx)));
        assertSameFloats(a.graph(), TrainingCheckpoint.load(onnx, IN).graph());

        // A target that is a (non-empty) directory: the save fails, nothing else changes, no temporary file is left.
        Path blocked = dir.resolve("blocked.onnx");
        Files.createDirectory(blocked);
        Files.writeString(blocked.resolve("keep.txt"), "keep");
        assertThrows(IOException.class, () -> TrainingCheckpoint.save(blocked, b.graph(), null, b.sgd(), state()));
        assertEquals("keep", Files.readString(blocked.resolve("keep.txt")));
        assertArrayEquals(model, Files.readAllBytes(onnx));
        assertArrayEquals(side, Files.readAllBytes(TrainingCheckpoint.sidecarOf(onnx)));
        List<String> names = new ArrayList<>();
        try (Stream<Path> s = Files.list(dir)) {
            s.forEach(p -> names.add(p.getFileName().toString()));
        }
        assertEquals(new TreeSet<>(List.of("ck.onnx", "ck.onnx.state.safetensors", "blocked.onnx")), new TreeSet<>(names));
        assertSameFloats(a.graph(), TrainingCheckpoint.load(onnx, IN).graph());

        // Saving over it for real replaces both files consistently.
        TrainingCheckpoint.save(onnx, b.graph(), null, b.sgd(), TrainingState.atEpoch(4, 2));
        TrainingCheckpoint.Loaded l = TrainingCheckpoint.load(onnx, IN);
        assertSameFloats(b.graph(), l.graph());
        assertEquals(4, l.state().epoch());
    }

    @Test
    void safetensorsWithMetadataRoundTrip() throws IOException {
        Path f = dir.resolve("t.safetensors");
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        tensors.put("z.last", Tensor.of(Shape.of(2, 3), 1.5f, -0f, Float.NaN, Float.MIN_VALUE, Float.MAX_VALUE,
                Float.NEGATIVE_INFINITY));
        tensors.put("a::first", Tensor.of(Shape.of(4), 0.1f, 0.2f, 0.3f, 1e-30f));
        tensors.put("s", Tensor.scalar(7f));
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put("format", "test");
        meta.put("note", "ünïcode, \"quotes\", back\\slash, new\nline");
        meta.put("json", "{\"a\": [1, 2]}");
        StateDicts.writeSafetensors(f, tensors, meta);

        StateDicts.Safetensors st = StateDicts.readSafetensorsWithMetadata(f);
        assertEquals(meta, st.metadata());
        assertEquals(List.of("z.last", "a::first", "s"), new ArrayList<>(st.tensors().keySet()), "file order kept");
        for (Map.Entry<String, Tensor> e : tensors.entrySet()) {
            StoredTensor got = st.tensors().get(e.getKey());
            assertEquals(e.getValue().shape(), got.shape(), e.getKey());
            assertTrue(got.isFloatingPoint());
            float[] want = e.getValue().data();
            float[] have = got.toTensor().data();
            assertEquals(want.length, have.length);
            for (int i = 0; i < want.length; i++) {
                assertEquals(Float.floatToRawIntBits(want[i]), Float.floatToRawIntBits(have[i]), e.getKey() + "[" + i + "]");
            }
        }
        // readSafetensors sees the same tensors; no metadata reads back as an empty map.
        assertEquals(st.tensors().keySet(), StateDicts.readSafetensors(f).keySet());
        Path bare = dir.resolve("bare.safetensors");
        StateDicts.writeSafetensors(bare, Map.of("w", Tensor.zeros(2)), Map.of());
        assertTrue(StateDicts.readSafetensorsWithMetadata(bare).metadata().isEmpty());

        // A reserved name is refused and the existing file is left as it was.
        byte[] before = Files.readAllBytes(f);
        assertThrows(IllegalArgumentException.class,
                () -> StateDicts.writeSafetensors(f, Map.of("__metadata__", Tensor.zeros(1)), Map.of()));
        assertArrayEquals(before, Files.readAllBytes(f));
        assertThrows(NoSuchFileException.class, () -> StateDicts.readSafetensorsWithMetadata(dir.resolve("none.safetensors")));
    }
}
