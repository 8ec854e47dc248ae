package dev.jprune.zoo;

import dev.jprune.depgraph.PruningInvariantTest;
import dev.jprune.exec.Executor;
import dev.jprune.ir.Graph;
import dev.jprune.tensor.Shape;
import dev.jprune.tensor.Tensor;
import dev.jprune.testing.Reference;
import dev.jprune.testing.Tolerance;
import dev.jprune.weights.Parity;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.zip.CRC32;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The classic torchvision CNNs of the zoo: AlexNet, SqueezeNet 1.0/1.1, GoogLeNet, Inception v3, DenseNet
 * 121/161/169/201, ResNeXt and Wide ResNet. Their {@code state_dict} keys equal torchvision's in order (count and
 * CRC-32 from {@code torchvision_classic.py} beside {@code torchvision_classic.txt}); with parity weights their first
 * 8 logits match Torch-Pruning's reference {@code base_out_head} within {@code 1e-4 · max|ref| + 1e-6} and their sum
 * matches {@code base_out_sum} as in {@link ZooReferenceTest}; other inputs and class counts build; and the pruning
 * invariant ({@link PruningInvariantTest#check}) holds for at least one model of each family. Parameter and MAC
 * counts are checked for every zoo model by {@link ZooReferenceTest#countsMatchTorchPruning}.
 */
class ClassicTest {

    private static final List<String> MODELS = List.of("alexnet", "squeezenet1_0", "squeezenet1_1", "googlenet",
            "inception_v3", "densenet121", "densenet161", "densenet169", "densenet201", "resnext50_32x4d",
            "resnext101_32x8d", "resnext101_64x4d", "wide_resnet50_2", "wide_resnet101_2");

    // ---- names ----------------------------------------------------------------------------------------------------

    @Test
    void stateDictKeysAreTorchvisionsInOrder() {
        for (String line : golden("keys")) {
            String[] f = line.split(" ");
            String model = f[1];
            List<String> keys = List.copyOf(Zoo.build(model).stateDict().keySet());
            assertEquals(Integer.parseInt(f[2]), keys.size(), model + ": number of state_dict entries");
            CRC32 crc = new CRC32();
            crc.update(String.join("\n", keys).getBytes(StandardCharsets.UTF_8));
            assertEquals(Long.parseLong(f[3]), crc.getValue(), model + ": CRC-32 of the state_dict keys in order");
        }
        assertEquals(MODELS.size(), golden("keys").size(), "every classic model has golden keys");
    }

    @Test
    void alexnetAndSqueezenetNames() {
        Graph a = Zoo.build("alexnet");
        List<String> keys = List.copyOf(a.stateDict().keySet());
        assertEquals("features.0.weight", keys.get(0));
        assertTrue(keys.contains("features.10.bias"));
        assertEquals("classifier.6.bias", keys.get(keys.size() - 1));
        assertNotNull(a.node("features.12"));
        assertTrue(!a.node("flatten").isModuleCall());

        Graph s = Zoo.build("squeezenet1_1");
        assertNotNull(s.node("features.3.squeeze"));
        assertNotNull(s.node("features.3.expand3x3_activation"));
        assertNotNull(s.node("features.3.cat"));
        assertNotNull(s.node("features.12.expand1x1"));
        assertNotNull(s.node("classifier.1"));
        assertEquals(Shape.of(1, 1000, 1, 1), s.node("classifier.3").output(0).shape());
        assertNotNull(Zoo.build("squeezenet1_0").node("features.12.expand3x3"));
    }

    @Test
    void inceptionNames() {
        Graph g = Zoo.build("googlenet");
        assertNotNull(g.node("conv1.conv"));
        assertNotNull(g.node("conv1.relu"));
        assertTrue(!g.node("conv1.relu").isModuleCall(), "BasicConv2d's ReLU is functional");
        assertNotNull(g.node("inception3a.branch2.1.bn"));
        assertNotNull(g.node("inception4e.branch4.0"));
        assertNotNull(g.node("inception5b.cat"));
        assertNull(g.node("aux1.conv.conv"), "no auxiliary classifier");
        assertEquals(1e-3, ((dev.jprune.ops.BatchNorm2d) g.node("conv2.bn").op()).eps());

        Graph v3 = Zoo.build("inception_v3");
        assertEquals(Shape.of(1, 3, 299, 299), Zoo.defaultInput("inception_v3"));
        assertNotNull(v3.node("Conv2d_1a_3x3.conv"));
        assertNotNull(v3.node("Mixed_5b.avg_pool2d"));
        assertNotNull(v3.node("Mixed_6a.max_pool2d"));
        assertNotNull(v3.node("Mixed_6b.branch7x7_2.conv"));
        assertNotNull(v3.node("Mixed_7b.cat#2"), "InceptionE: two inner concatenations, then the block's");
        assertEquals(Shape.of(1, 2048, 8, 8), v3.node("Mixed_7c.cat#2").output(0).shape());
        assertTrue(v3.stateDict().keySet().stream().noneMatch(k -> k.startsWith("AuxLogits")));
    }

    @Test
    void densenetAndResnextNames() {
        Graph d = Zoo.build("densenet121");
        List<String> keys = List.copyOf(d.stateDict().keySet());
        assertEquals("features.conv0.weight", keys.get(0));
        assertTrue(keys.contains("features.denseblock4.denselayer16.conv2.weight"));
        assertTrue(keys.contains("features.transition3.norm.num_batches_tracked"));
        assertEquals("classifier.bias", keys.get(keys.size() - 1));
        assertNotNull(d.node("features.denseblock1.denselayer1.cat"));
        assertNotNull(d.node("features.denseblock1.cat"));
        assertEquals(Shape.of(1, 1024, 7, 7), d.node("features.norm5").output(0).shape());

        Graph x = Zoo.build("resnext50_32x4d");
        assertEquals(32, ((dev.jprune.ops.Conv2d) x.node("layer1.0.conv2").op()).groups());
        assertEquals(128, ((dev.jprune.ops.Conv2d) x.node("layer1.0.conv2").op()).outChannels());
        Graph w = Zoo.build("wide_resnet50_2");
        assertEquals(1, ((dev.jprune.ops.Conv2d) w.node("layer4.2.conv2").op()).groups());
        assertEquals(1024, ((dev.jprune.ops.Conv2d) w.node("layer4.2.conv2").op()).outChannels());
        assertEquals(2048, ((dev.jprune.ops.Conv2d) w.node("layer4.2.conv3").op()).outChannels());
    }

    // ---- shapes ---------------------------------------------------------------------------------------------------

    @ParameterizedTest
    @CsvSource({"alexnet, 63", "squeezenet1_0, 64", "squeezenet1_1, 64", "googlenet, 64", "inception_v3, 75",
        "densenet121, 64", "densenet161, 64", "densenet169, 64", "densenet201, 64", "resnext50_32x4d, 64",
        "resnext101_32x8d, 64", "resnext101_64x4d, 64", "wide_resnet50_2, 64", "wide_resnet101_2, 64"})
    void otherInputSizesAndClassCounts(String model, int size) {
        Graph g = Zoo.build(model, Shape.of(2, 3, size, size + 13), 10);
        assertEquals(Shape.of(2, 10), g.outputs().get(0).shape(), model);
        Graph gray = Zoo.build(model, Shape.of(1, 1, size, size), 7);
        assertEquals(Shape.of(1, 7), gray.outputs().get(0).shape(), model);
    }

    @Test
    void inputsTooSmallAreNamed() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Zoo.build("inception_v3", Shape.of(1, 3, 64, 64), 10));
        assertTrue(e.getMessage().contains("layer "), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Zoo.build("alexnet", Shape.of(1, 3, 62, 62), 10));
        assertTrue(e.getMessage().contains("layer features."), e.getMessage());
    }

    @Test
    void smallForwardRuns() {
        Graph g = Zoo.build("squeezenet1_1", Shape.of(2, 3, 64, 64), 10);
        Parity.fill(g);
        Tensor y = Executor.run(g, Parity.input(Shape.of(2, 3, 64, 64)))[0];
        assertEquals(Shape.of(2, 10), y.shape());
        for (float v : y.data()) {
            assertTrue(Float.isFinite(v) && v >= 0, "squeezenet ends with ReLU and average pooling: " + v);
        }
    }

    // ---- forward against torchvision --------------------------------------------------------------------------

    /** One model of each family in the everyday run (GoogLeNet stands for Inception v3). */
    @ParameterizedTest
    @ValueSource(strings = {"alexnet", "squeezenet1_1", "googlenet", "densenet121", "resnext50_32x4d"})
    void parityForwardMatchesTorchvision(String model) {
        checkForward(model);
    }

    @Tag("slow")
    @ParameterizedTest
    @ValueSource(strings = {"squeezenet1_0", "inception_v3", "densenet161", "densenet169", "densenet201",
        "resnext101_32x8d", "resnext101_64x4d", "wide_resnet50_2", "wide_resnet101_2"})
    void parityForwardMatchesTorchvisionSlow(String model) {
        checkForward(model);
    }

    /** torchvision's {@code transform_input=True} (how its ImageNet weights were trained), not registered in the zoo. */
    @Test
    void transformInputMatchesTorchvision() {
        checkTransformInput("googlenet");
        assertThrows(IllegalArgumentException.class, () -> GoogLeNet.build("g", Shape.of(1, 1, 64, 64), 10, true));
    }

    @Tag("slow")
    @Test
    void transformInputMatchesTorchvisionInceptionV3() {
        checkTransformInput("inception_v3");
    }

    // ---- the pruning invariant --------------------------------------------------------------------------------

    /** SqueezeNet and GoogLeNet every day; the others (more weights or more groups) are slow. */
    @ParameterizedTest
    @CsvSource({"squeezenet1_1, 64", "googlenet, 64"})
    void zeroingEqualsPruning(String model, int size) {
        PruningInvariantTest.check(model, Shape.of(1, 3, size, size));
    }

    @Tag("slow")
    @ParameterizedTest
    @CsvSource({"alexnet, 64", "squeezenet1_0, 64", "inception_v3, 75", "densenet121, 64", "resnext50_32x4d, 64",
        "wide_resnet50_2, 64"})
    void zeroingEqualsPruningSlow(String model, int size) {
        PruningInvariantTest.check(model, Shape.of(1, 3, size, size));
    }

    // ---- helpers --------------------------------------------------------------------------------------------------

    private static void checkForward(String model) {
        Map<String, Object> ref = Reference.anyWithBase(model).orElseThrow();
        Shape input = ZooReferenceTest.inputOf(ref);
        assertEquals(Zoo.defaultInput(model), input, model + ": the reference's input is the default");
        Graph g = Zoo.build(model, input, 1000);
        Parity.fill(g);
        long t0 = System.nanoTime();
        Tensor y = Executor.run(g, Parity.input(input))[0];
        long ms = (System.nanoTime() - t0) / 1_000_000;
        assertEquals(Shape.of(1, 1000), y.shape());
        ZooReferenceTest.assertLogits(model, ref, y, "forward " + ms + " ms");
    }

    /** {@code model} with transform_input on against torchvision's logits; off gives other logits. */
    private static void checkTransformInput(String model) {
        String line = golden("transform_input").stream().filter(l -> l.split(" ")[1].equals(model)).findFirst()
                .orElseThrow(() -> new AssertionError("no transform_input golden line for " + model));
        String[] f = line.split(" ");
        Shape input = Shape.of(Arrays.stream(f[2].split(",")).mapToInt(Integer::parseInt).toArray());
        double[] expected = new double[8];
        for (int i = 0; i < 8; i++) {
            expected[i] = Double.parseDouble(f[3 + i]);
        }
        Graph g = model.equals("googlenet") ? GoogLeNet.build(model, input, 1000, true)
                : InceptionV3.build(model, input, 1000, true);
        Parity.fill(g);
        Tensor y = Executor.run(g, Parity.input(input))[0];
        Tolerance.assertClose(expected, Tolerance.toDouble(y.data(), 8), ZooReferenceTest.RTOL, ZooReferenceTest.ATOL,
                model + " with transform_input");
        Graph plain = Zoo.build(model, input, 1000);
        Parity.fill(plain);
        Tensor z = Executor.run(plain, Parity.input(input))[0];
        assertTrue(Math.abs(z.data()[0] - y.data()[0]) > 1e-3 * Math.abs(expected[0]),
                model + ": transform_input changes the output");
    }

    /** The lines of {@code torchvision_classic.txt} of one kind. */
    private static List<String> golden(String kind) {
        try (InputStream in = ClassicTest.class.getResourceAsStream("torchvision_classic.txt")) {
            assertNotNull(in, "torchvision_classic.txt is on the test class path");
            List<String> out = new ArrayList<>();
            for (String line : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
                if (line.startsWith(kind + " ")) {
                    out.add(line);
                }
            }
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
