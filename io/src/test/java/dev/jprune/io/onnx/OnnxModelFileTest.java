package dev.jprune.io.onnx;

import dev.jprune.io.ModelFormatException;
import dev.jprune.io.onnx.internal.proto.Onnx.ModelProto;
import dev.jprune.io.onnx.internal.proto.Onnx.TensorProto;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Reading, writing and external data on a tiny hand-built model; errors on bad files. */
class OnnxModelFileTest {

    @TempDir
    Path tmp;

    @Test
    void readsOpsetsShapesInitializersAndTypedAttributes() throws IOException {
        OnnxModelFile m = OnnxModelFile.read(OnnxTinyModels.write(tmp.resolve("tiny.onnx")));
        assertEquals(List.of(new OnnxOpset("", 17)), m.opsets());
        assertEquals(17, m.opsetVersion("ai.onnx"));
        assertEquals(-1, m.opsetVersion("com.microsoft"));
        assertEquals(List.of(new OnnxValueInfo("input", OnnxDataType.FLOAT, List.of(OnnxDim.dynamic("batch"),
                OnnxDim.fixed(1), OnnxDim.fixed(4), OnnxDim.fixed(4)))), m.inputs());
        assertEquals("logits: FLOAT[batch, 3]", m.outputs().get(0).toString());

        assertEquals(List.of("conv.weight", "conv.bias", "shape", "fc.weight"),
                m.initializers().stream().map(OnnxTensor::name).collect(java.util.stream.Collectors.toList()));
        assertArrayEquals(new long[] {2, 1, 3, 3}, m.initializer("conv.weight").dims());
        assertArrayEquals(OnnxTinyModels.CONV_W, m.initializer("conv.weight").floats());
        assertArrayEquals(OnnxTinyModels.CONV_B, m.initializer("conv.bias").floats());
        assertArrayEquals(OnnxTinyModels.SHAPE, m.initializer("shape").longs());
        assertEquals(OnnxDataType.INT64, m.initializer("shape").dataType());
        assertThrows(IllegalStateException.class, () -> m.initializer("shape").floats());
        assertNull(m.initializer("nope"));

        List<OnnxNode> nodes = m.nodes();
        assertEquals(List.of("Conv", "Reshape", "Gemm"),
                Arrays.asList(nodes.get(0).opType(), nodes.get(1).opType(), nodes.get(2).opType()));
        assertEquals(List.of("input", "conv.weight", "conv.bias"), nodes.get(0).inputs());
        assertEquals(OnnxAttribute.Type.INTS, nodes.get(0).attribute("pads").type());
        assertArrayEquals(new long[] {1, 1, 1, 1}, nodes.get(0).attribute("pads").asInts());
        assertEquals(1, nodes.get(2).attribute("transB").asInt());
        assertEquals(1.0f, nodes.get(2).attribute("alpha").asFloat());
        assertThrows(IllegalStateException.class, () -> nodes.get(2).attribute("alpha").asInt());
    }

    @Test
    void writeThenReadIsByteIdentical() throws IOException {
        Path in = OnnxTinyModels.write(tmp.resolve("tiny.onnx"));
        Path out = tmp.resolve("copy.onnx");
        OnnxModelFile.read(in).write(out);
        assertArrayEquals(Files.readAllBytes(in), Files.readAllBytes(out));
        assertEquals(OnnxTinyModels.model(), OnnxModelFile.read(out).proto());
    }

    @Test
    void externalDataRoundTripWithATinyThreshold() throws IOException {
        OnnxModelFile m = OnnxModelFile.read(OnnxTinyModels.write(tmp.resolve("tiny.onnx")));
        Path sub = Files.createDirectories(tmp.resolve("ext"));
        Path ext = sub.resolve("tiny_ext.onnx");
        m.write(ext, OnnxWriteOptions.external(64)); // conv.weight (72 bytes) and fc.weight (384) go external
        Path data = sub.resolve("tiny_ext.onnx.data");
        assertTrue(Files.isRegularFile(data), "external data file written");

        OnnxModelFile e = OnnxModelFile.read(ext);
        assertTrue(e.initializer("conv.weight").isExternal());
        assertTrue(e.initializer("fc.weight").isExternal());
        assertFalse(e.initializer("conv.bias").isExternal(), "typed float_data stays inline");
        assertFalse(e.initializer("shape").isExternal());
        TensorProto fc = e.initializer("fc.weight").proto();
        assertFalse(fc.hasRawData());
        assertEquals("tiny_ext.onnx.data", fc.getExternalData(0).getValue());
        assertEquals(0, Long.parseLong(e.initializer("conv.weight").proto().getExternalData(1).getValue()) % 64);
        assertArrayEquals(OnnxTinyModels.CONV_W, e.initializer("conv.weight").floats());
        assertArrayEquals(OnnxTinyModels.FC_W, e.initializer("fc.weight").floats());
        assertArrayEquals(OnnxTinyModels.CONV_B, e.initializer("conv.bias").floats());

        // Back inline: the very model we started from.
        Path back = tmp.resolve("back.onnx");
        e.write(back, OnnxWriteOptions.inline());
        ModelProto again = OnnxModelFile.read(back).proto();
        assertEquals(OnnxTinyModels.model(), again);

        // A custom data file name, and the automatic mode keeps a small model inline.
        Path named = sub.resolve("named.onnx");
        m.write(named, new OnnxWriteOptions(1, "weights.bin"));
        assertTrue(Files.isRegularFile(sub.resolve("weights.bin")));
        assertArrayEquals(OnnxTinyModels.FC_W, OnnxModelFile.read(named).initializer("fc.weight").floats());
        e.write(tmp.resolve("auto.onnx"));
        assertEquals(OnnxTinyModels.model(), OnnxModelFile.read(tmp.resolve("auto.onnx")).proto());
    }

    @Test
    void missingExternalDataNamesTheFileAndInitializer() throws IOException {
        OnnxModelFile m = OnnxModelFile.read(OnnxTinyModels.write(tmp.resolve("tiny.onnx")));
        Path ext = tmp.resolve("lost.onnx");
        m.write(ext, OnnxWriteOptions.external(64));
        Files.delete(tmp.resolve("lost.onnx.data"));
        ModelFormatException e = assertThrows(ModelFormatException.class, () -> OnnxModelFile.read(ext));
        assertTrue(e.getMessage().contains("lost.onnx.data"), e.getMessage());
        assertTrue(e.getMessage().contains("conv.weight"), e.getMessage());
        assertEquals(ext, e.file());
        // The structure still reads, and the data-less tensor says why it has no floats.
        OnnxModelFile s = OnnxModelFile.readStructure(ext);
        assertFalse(s.initializer("fc.weight").hasData());
        IllegalStateException ise = assertThrows(IllegalStateException.class, () -> s.initializer("fc.weight").floats());
        assertTrue(ise.getMessage().contains("readStructure"), ise.getMessage());
    }

    @Test
    void shortExternalDataIsAnError() throws IOException {
        OnnxModelFile m = OnnxModelFile.read(OnnxTinyModels.write(tmp.resolve("tiny.onnx")));
        Path ext = tmp.resolve("short.onnx");
        m.write(ext, OnnxWriteOptions.external(64));
        Files.write(tmp.resolve("short.onnx.data"), new byte[10]);
        ModelFormatException e = assertThrows(ModelFormatException.class, () -> OnnxModelFile.read(ext));
        assertTrue(e.getMessage().contains("short.onnx.data") && e.getMessage().contains("exceeds"), e.getMessage());
    }

    @Test
    void truncatedOrCorruptFileIsAnIOExceptionNamingTheFile() throws IOException {
        byte[] good = OnnxTinyModels.model().toByteArray();
        for (int cut : new int[] {1, good.length / 3, good.length / 2, good.length - 1}) {
            Path f = tmp.resolve("cut" + cut + ".onnx");
            Files.write(f, Arrays.copyOf(good, cut));
            ModelFormatException e = assertThrows(ModelFormatException.class, () -> OnnxModelFile.read(f),
                    "truncated to " + cut + " of " + good.length + " bytes");
            assertTrue(e.getMessage().startsWith(f.toString()), e.getMessage());
        }
        Path junk = tmp.resolve("junk.onnx");
        Files.writeString(junk, "this is not a protobuf message\n");
        ModelFormatException e = assertThrows(ModelFormatException.class, () -> OnnxModelFile.read(junk));
        assertTrue(e.getMessage().startsWith(junk.toString()), e.getMessage());
        Path none = tmp.resolve("none.onnx");
        e = assertThrows(ModelFormatException.class, () -> OnnxModelFile.read(none));
        assertTrue(e.getMessage().contains("does not exist"), e.getMessage());
    }

    @Test
    void writeOptionsValidate() {
        assertThrows(IllegalArgumentException.class, () -> OnnxWriteOptions.external(0));
        assertThrows(IllegalArgumentException.class, () -> new OnnxWriteOptions(10, "../escape.bin"));
    }
}
