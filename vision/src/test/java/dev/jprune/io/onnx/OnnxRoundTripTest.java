package dev.jprune.io.onnx;

import dev.jprune.exec.Executor;
import dev.jprune.io.onnx.OnnxImporter.FillMissing;
import dev.jprune.ir.Graph;
import dev.jprune.ir.Node;
import dev.jprune.ir.Parameter;
import dev.jprune.tensor.Shape;
import dev.jprune.tensor.Tensor;
import dev.jprune.testing.SharedData;
import dev.jprune.weights.Parity;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Import → export → import is lossless on torchvision's exports: the second import has the same nodes (names, op
 * types and attributes, in order), the same parameters (names and values, bit for bit) and the same output as the
 * first; the written file uses only the original file's node and initializer names where it keeps a node or
 * initializer, and its input and output names. Everyday: resnet18 (BN kept); slow: one export of every other
 * family, transformers included.
 */
class OnnxRoundTripTest {

    @TempDir
    Path tmp;

    @ParameterizedTest
    @ValueSource(strings = {"resnet18.preserve.onnx"})
    void everyday(String file) throws IOException {
        check(file);
    }

    @Tag("slow")
    @ParameterizedTest
    @ValueSource(strings = {"resnet18.eval.onnx", "mobilenet_v3_small.preserve.onnx", "shufflenet_v2_x1_0.eval.onnx",
            "vit_b_32.preserve.onnx", "swin_t.eval.onnx", "convnext_tiny.preserve.onnx", "maxvit_t.preserve.onnx",
            "efficientnet_b0.eval.onnx", "inception_v3.preserve.onnx", "densenet121.eval.onnx",
            "googlenet.preserve.onnx", "squeezenet1_0.eval.onnx", "regnet_x_400mf.preserve.onnx"})
    void slow(String file) throws IOException {
        check(file);
    }

    private void check(String file) throws IOException {
        Path f = SharedData.file("fixtures/torchvision-onnx").resolve(file);
        OnnxModelFile original = OnnxModelFile.readStructure(f);
        Shape in = shape(original);
        OnnxImport first = OnnxImporter.read(original, FillMissing.PARITY, in);
        Path out = tmp.resolve(file);
        OnnxExporter.export(first.graph(), first.origin(), out, OnnxExportOptions.DEFAULTS);
        OnnxModelFile written = OnnxModelFile.readStructure(out);
        Graph g = first.graph();
        Graph back = OnnxImporter.importModel(out, FillMissing.NONE, in);

        assertSameNodes(describe(g), describe(back), file);
        assertEquals(List.copyOf(g.stateDict().keySet()), List.copyOf(back.stateDict().keySet()),
                file + ": parameter names after the round trip");
        for (Parameter p : g.stateDict().values()) {
            Parameter q = back.stateDict().get(p.name());
            assertNotNull(q, file + ": " + p.name());
            assertArrayEquals(p.value().data(), q.value().data(), 0f, file + ": " + p.name());
        }
        Tensor x = Parity.input(in);
        Tensor y = Executor.run(g, x)[0];
        Tensor z = Executor.run(back, x)[0];
        assertArrayEquals(y.data(), z.data(), 0f, file + ": output after the round trip");

        Set<String> nodeNames = new HashSet<>();
        original.nodes().forEach(n -> nodeNames.add(n.name()));
        int kept = 0;
        for (OnnxNode n : written.nodes()) {
            kept += nodeNames.contains(n.name()) ? 1 : 0;
        }
        Set<String> initNames = new HashSet<>();
        original.initializers().forEach(t -> initNames.add(t.name()));
        int keptInits = 0;
        for (String init : first.origin().initializers().values()) {
            assertNotNull(written.initializer(init), file + ": initializer " + init + " is not in the written file");
            assertTrue(initNames.contains(init), init);
            keptInits++;
        }
        assertEquals(original.inputs().get(0).name(), written.inputs().get(0).name(), file + ": input name");
        assertEquals(original.outputs().get(0).name(), written.outputs().get(0).name(), file + ": output name");
        assertTrue(kept > 0, file + ": no original node name kept");
        System.out.printf("%-34s lossless: %d nodes, %d parameters; %d of %d written nodes and %d initializers keep"
                + " their original names%n", file, g.nodes().size(), g.stateDict().size(), kept, written.nodeCount(),
                keptInits);
    }

    /** The first differing node, named, rather than two lists of hundreds. */
    private static void assertSameNodes(List<String> a, List<String> b, String file) {
        for (int i = 0; i < Math.min(a.size(), b.size()); i++) {
            assertEquals(a.get(i), b.get(i), file + ": node " + i + " after the round trip");
        }
        assertEquals(a.size(), b.size(), file + ": node count after the round trip");
    }

    /** Each node as name, op (its {@code toString}: type and attributes) and input/output shapes. */
    private static List<String> describe(Graph g) {
        List<String> d = new ArrayList<>();
        for (Node n : g.nodes()) {
            List<String> ins = new ArrayList<>();
            n.inputs().forEach(v -> ins.add(v.shape().toString()));
            d.add(n.name() + " " + n.op() + " " + ins + " -> " + n.output(0).shape());
        }
        return d;
    }

    private static Shape shape(OnnxModelFile m) {
        List<OnnxDim> dims = m.inputs().get(0).shape();
        int[] d = new int[dims.size()];
        for (int i = 0; i < d.length; i++) {
            d[i] = dims.get(i).isDynamic() ? 1 : Math.toIntExact(dims.get(i).size());
        }
        return Shape.of(d);
    }
}
