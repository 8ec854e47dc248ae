package dev.jprune.io.onnx;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Reads the torch.onnx.export fixtures: a sample every day, all of them in the slow run. */
class OnnxFixturesTest {

    @TempDir
    Path tmp;

    @Test
    void sampleParsesAndRoundTripsByteForByte() throws IOException {
        List<Path> files = new ArrayList<>();
        for (String name : OnnxFixtures.SAMPLE) {
            files.add(OnnxFixtures.folder().resolve(name));
        }
        survey(files);
    }

    @Test
    @Tag("slow")
    void everyFixtureParsesAndRoundTripsByteForByte() throws IOException {
        List<Path> files = OnnxFixtures.all();
        assertEquals(154, files.size(), "fixture count in " + OnnxFixtures.folder());
        survey(files);
    }

    private void survey(List<Path> files) throws IOException {
        long start = System.nanoTime();
        Map<String, Integer> opTypes = new TreeMap<>();
        TreeSet<String> opsets = new TreeSet<>();
        int withInitializers = 0;
        int external = 0;
        int inline = 0;
        TreeSet<String> producers = new TreeSet<>();
        for (Path f : files) {
            OnnxModelFile m = OnnxModelFile.readStructure(f);
            assertTrue(m.nodeCount() > 0, f + ": no nodes");
            assertFalse(m.inputs().isEmpty(), f + ": no inputs");
            assertFalse(m.outputs().isEmpty(), f + ": no outputs");
            assertTrue(m.opsetVersion("") >= 9, f + ": default-domain opset " + m.opsetVersion(""));
            opsets.add(m.opsets().toString());
            producers.add(m.producer() + " IR " + m.irVersion());
            for (OnnxNode n : m.nodes()) {
                opTypes.merge(n.domain().isEmpty() ? n.opType() : n.domain() + ":" + n.opType(), 1, Integer::sum);
            }
            if (!m.initializers().isEmpty()) {
                withInitializers++;
            }
            for (OnnxTensor t : m.initializers()) {
                if (t.isExternal()) {
                    external++;
                    assertFalse(t.hasData(), f + " " + t);
                } else if (++inline > 0 && t.dataType() == OnnxDataType.FLOAT) {
                    assertEquals(t.elementCount(), t.floats().length, f + " " + t);
                } else if (++inline > 0 && t.dataType() == OnnxDataType.INT64) {
                    assertEquals(t.elementCount(), t.longs().length, f + " " + t);
                }
            }
            System.out.printf("%-36s IR %d %s nodes %d initializers %d inputs %s outputs %s%n", f.getFileName(),
                    m.irVersion(), m.opsets(), m.nodeCount(), m.initializers().size(), m.inputs(), m.outputs());

            Path copy = tmp.resolve(f.getFileName());
            m.write(copy);
            assertArrayEquals(Files.readAllBytes(f), Files.readAllBytes(copy), f + ": written back differently");
            assertEquals(m.proto(), OnnxModelFile.readStructure(copy).proto(), f + ": read back differently");
            Files.delete(copy);
        }
        System.out.println(files.size() + " files, " + withInitializers + " with initializers, " + external
                + " external initializers (data absent), " + inline + " inline; opset imports " + opsets
                + "; producers " + producers);
        System.out.println(opTypes.size() + " distinct op types (op: node count): " + opTypes);
        System.out.printf("read + write + re-read: %.1f s%n", (System.nanoTime() - start) / 1e9);
        assertFalse(opTypes.isEmpty());
    }
}
