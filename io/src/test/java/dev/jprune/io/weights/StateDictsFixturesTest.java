package dev.jprune.io.weights;

import dev.jprune.exec.Executor;
import dev.jprune.ir.Graph;
import dev.jprune.ir.Parameter;
import dev.jprune.tensor.Shape;
import dev.jprune.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Loads every checkpoint {@code make_checkpoints.py} wrote with PyTorch 1.13 (float32, float16, bfloat16, float64,
 * views, DataParallel prefix, wrapped state dicts, pickled Parameters, hand-written safetensors) and requires the
 * values PyTorch gives after conversion to float32, bit for bit, and the model's output within 1e-5 · max|ref| + 1e-6.
 */
class StateDictsFixturesTest {

    private static final Map<String, Object> EXPECTED = Fixtures.expected();

    @SuppressWarnings("unchecked")
    private static Map<String, Object> variant(String floatType) {
        return (Map<String, Object>) ((Map<String, Object>) EXPECTED.get("float")).get(floatType);
    }

    private static List<String> files(String floatType) {
        List<String> out = new ArrayList<>();
        for (Object o : (List<?>) variant(floatType).get("files")) {
            out.add((String) o);
        }
        return out;
    }

    private static void assertValues(Graph g, String floatType, String file) {
        Map<?, ?> values = (Map<?, ?>) variant(floatType).get("values");
        Map<?, ?> ints = (Map<?, ?>) EXPECTED.get("int64");
        List<?> keys = (List<?>) EXPECTED.get("keys");
        assertEquals(keys, new ArrayList<>(g.stateDict().keySet()), "the test graph has the fixture's keys in order");
        for (Parameter p : g.stateDict().values()) {
            Object ref = values.containsKey(p.name()) ? values.get(p.name()) : ints.get(p.name());
            assertArrayEquals(Fixtures.floats(ref), p.value().data(), file + " " + p.name());
        }
    }

    @Test
    void everyFloatTypeAndLayoutLoadsToPyTorchsValues() throws Exception {
        int checked = 0;
        for (String type : List.of("float32", "float16", "bfloat16", "float64")) {
            for (String name : files(type)) {
                Graph g = Fixtures.tiny();
                LoadReport r = StateDicts.load(g, Fixtures.file(name));
                assertEquals(15, r.loaded().size(), name);
                assertTrue(r.missing().isEmpty() && r.unexpected().isEmpty(), r.summary());
                assertValues(g, type, name);
                Set<ElementType> converted = switch (type) {
                    case "float16" -> Set.of(ElementType.F16);
                    case "bfloat16" -> Set.of(ElementType.BF16);
                    case "float64" -> Set.of(ElementType.F64);
                    default -> Set.of();
                };
                assertEquals(converted, r.converted(), r.summary());
                checked++;
            }
        }
        assertEquals(12, checked);
    }

    @Test
    void float32ModelGivesPyTorchsOutput() throws Exception {
        Map<?, ?> out = (Map<?, ?>) EXPECTED.get("output");
        float[] ref = Fixtures.floats(out.get("values"));
        for (String name : files("float32")) {
            Graph g = Fixtures.tiny();
            StateDicts.load(g, Fixtures.file(name));
            Tensor y = Executor.run(g, Fixtures.input(EXPECTED))[0];
            assertEquals(Shape.of(2, 5), y.shape());
            float max = 0;
            for (float v : ref) {
                max = Math.max(max, Math.abs(v));
            }
            float tol = 1e-5f * max + 1e-6f;
            for (int i = 0; i < ref.length; i++) {
                assertTrue(Math.abs(ref[i] - y.data()[i]) <= tol,
                        name + " output " + i + ": " + y.data()[i] + " vs PyTorch " + ref[i] + " (tol " + tol + ")");
            }
        }
    }

    @Test
    void wrappersAndPrefixAreReported() throws Exception {
        LoadReport prefixed = StateDicts.load(Fixtures.tiny(), Fixtures.file("tiny_module_prefix.pth"));
        assertEquals("module.", prefixed.prefix());
        assertTrue(prefixed.summary().contains("prefix 'module.' removed"), prefixed.summary());
        LoadReport sd = StateDicts.load(Fixtures.tiny(), Fixtures.file("tiny_wrapped_state_dict.pth"));
        assertEquals("PyTorch zip checkpoint (state_dict entry)", sd.format());
        LoadReport model = StateDicts.load(Fixtures.tiny(), Fixtures.file("tiny_wrapped_model.pth"));
        assertEquals("PyTorch zip checkpoint (model entry)", model.format());
        LoadReport st = StateDicts.load(Fixtures.tiny(), Fixtures.file("tiny_f16.safetensors"));
        assertEquals("safetensors", st.format());
        assertEquals("loaded 15 tensors from " + Fixtures.file("tiny_f16.safetensors")
                + " (safetensors, float16 converted to float32)", st.summary());
    }

    @Test
    void readPthGivesTypesShapesAndExactIntegers() throws Exception {
        Map<String, StoredTensor> sd = StateDicts.readPth(Fixtures.file("tiny_f16.pth"));
        assertEquals(EXPECTED.get("keys"), new ArrayList<>(sd.keySet()));
        assertEquals(ElementType.F16, sd.get("conv1.weight").type());
        assertEquals(Shape.of(4, 1, 3, 3), sd.get("conv1.weight").shape());
        StoredTensor tracked = sd.get("bn2.num_batches_tracked");
        assertEquals(ElementType.I64, tracked.type());
        assertEquals(Shape.of(), tracked.shape());
        assertArrayEquals(new long[] {123456}, tracked.longValues());
        assertFalse(tracked.isFloatingPoint());

        Map<String, StoredTensor> prefixed = StateDicts.readPth(Fixtures.file("tiny_module_prefix.pth"));
        assertTrue(prefixed.containsKey("module.conv1.weight"), "read keeps keys as stored");
        Map<String, StoredTensor> wrapped = StateDicts.read(Fixtures.file("tiny_wrapped_state_dict.pth"));
        assertEquals(15, wrapped.size(), "epoch, arch and best_acc are not tensors and are left out");
    }

    @Test
    void viewsMatchTheirContiguousTwins() throws Exception {
        Map<String, StoredTensor> views = StateDicts.readPth(Fixtures.file("tiny_views.pth"));
        Map<String, StoredTensor> plain = StateDicts.readPth(Fixtures.file("tiny_f32.pth"));
        for (String k : List.of("fc.weight", "conv2.weight", "conv1.bias")) {
            assertEquals(plain.get(k).shape(), views.get(k).shape(), k);
            assertArrayEquals(plain.get(k).floatValues(), views.get(k).floatValues(), k);
        }
    }
}
