package dev.jprune.zoo;

import dev.jprune.count.OpCounter;
import dev.jprune.depgraph.PruningInvariantTest;
import dev.jprune.exec.Executor;
import dev.jprune.internal.Json;
import dev.jprune.ir.Graph;
import dev.jprune.ir.Node;
import dev.jprune.ir.Parameter;
import dev.jprune.prune.BasePruner;
import dev.jprune.prune.importance.GroupMagnitudeImportance;
import dev.jprune.tensor.Shape;
import dev.jprune.tensor.Tensor;
import dev.jprune.train.CrossEntropyLoss;
import dev.jprune.train.Sgd;
import dev.jprune.train.TrainStep;
import dev.jprune.weights.Parity;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The zoo's CIFAR networks ({@code resnet20}, {@code resnet56}, {@code cifar_vgg19}) against
 * {@code cifar/cifar_golden.json}, made by {@code cifar/make_cifar_golden.py} from independent PyTorch definitions
 * with Torch-Pruning's module names. Per golden case: the {@code state_dict} keys and shapes in order (buffers
 * included, as {@link Graph#stateDict()} lists them), the parameter count, the convolution/linear MACs per example
 * ({@link OpCounter.Count#convLinearMacs()}), and with parity weights the first 8 eval-mode logits within
 * {@code |a − b| ≤ 1e-4 · max|ref| + 1e-6} and their sum within {@code 1e-4 · max|y| · n + 1e-6} (as in
 * {@link ZooReferenceTest}). Also the default input and class count, the errors, a 50 % local L2 prune that keeps
 * the output shape, and a training smoke test.
 */
class CifarZooTest {

    private static Map<String, Object> golden;

    @SuppressWarnings("unchecked")
    static synchronized Map<String, Object> golden() {
        if (golden == null) {
            try (InputStream in = CifarZooTest.class.getResourceAsStream("cifar/cifar_golden.json")) {
                assertNotNull(in, "cifar/cifar_golden.json is on the test class path");
                golden = (Map<String, Object>) Json.parse(new String(in.readAllBytes(), StandardCharsets.UTF_8));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return golden;
    }

    @SuppressWarnings("unchecked")
    static List<Map<String, Object>> cases() {
        return (List<Map<String, Object>>) golden().get("cases");
    }

    /** The case index with a readable name, for the parameterized tests. */
    static List<String> caseNames() {
        List<String> out = new ArrayList<>();
        for (Map<String, Object> c : cases()) {
            out.add(c.get("model") + " " + Arrays.toString(ints(c.get("input"))) + " " + c.get("classes"));
        }
        return out;
    }

    private static Map<String, Object> caseNamed(String name) {
        return cases().get(caseNames().indexOf(name));
    }

    private static int[] ints(Object list) {
        List<?> l = (List<?>) list;
        int[] out = new int[l.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = ((Number) l.get(i)).intValue();
        }
        return out;
    }

    private static Graph buildCase(Map<String, Object> c) {
        return Zoo.build((String) c.get("model"), Shape.of(ints(c.get("input"))), ((Number) c.get("classes")).intValue());
    }

    @Test
    void goldenHasTheFiveCases() {
        assertEquals(List.of("resnet20 [1, 3, 32, 32] 10", "resnet20 [1, 1, 32, 32] 10", "resnet56 [1, 3, 32, 32] 100",
                "cifar_vgg19 [1, 3, 32, 32] 10", "cifar_vgg19 [1, 3, 64, 64] 10"), caseNames());
    }

    @ParameterizedTest
    @MethodSource("caseNames")
    void stateDictParamsAndMacsMatchPyTorch(String name) {
        Map<String, Object> c = caseNamed(name);
        Graph g = buildCase(c);
        List<?> expected = (List<?>) c.get("state_dict");
        List<Parameter> actual = List.copyOf(g.stateDict().values());
        List<String> exp = new ArrayList<>();
        for (Object o : expected) {
            List<?> e = (List<?>) o;
            exp.add(e.get(0) + " " + Arrays.toString(ints(e.get(1))));
        }
        List<String> act = new ArrayList<>();
        for (Parameter p : actual) {
            act.add(p.name() + " " + Arrays.toString(p.shape().dims()));
        }
        assertEquals(exp, act, name + ": state_dict keys and shapes in order");
        OpCounter.Count count = OpCounter.count(g);
        assertEquals(((Number) c.get("params")).longValue(), count.params(), name + ": parameters");
        assertEquals(((Number) c.get("params")).longValue(), g.parameterCount(), name + ": Graph.parameterCount");
        assertEquals(((Number) c.get("conv_linear_macs")).longValue(), count.convLinearMacs(), name + ": conv/linear MACs");
    }

    @ParameterizedTest
    @MethodSource("caseNames")
    void parityLogitsMatchPyTorch(String name) {
        Map<String, Object> c = caseNamed(name);
        Shape input = Shape.of(ints(c.get("input")));
        Graph g = buildCase(c);
        Parity.fill(g);
        double paramSum = 0;
        for (Parameter p : g.stateDict().values()) {
            if (p.trainable()) {
                for (float v : p.value().data()) {
                    paramSum += v;
                }
            }
        }
        double refParamSum = ((Number) c.get("parity_param_sum")).doubleValue();
        // the same float32 values summed in double in another order: agreement to 1e-9 relative
        assertEquals(refParamSum, paramSum, 1e-9 * Math.abs(refParamSum) + 1e-9, name + ": sum of parity parameters");

        Tensor y = Executor.run(g, Parity.input(input))[0];
        assertEquals(Shape.of(ints(c.get("out_shape"))), y.shape(), name + ": output shape");
        ZooReferenceTest.assertLogits(name, doubles(c.get("out_head")), ((Number) c.get("out_sum")).doubleValue(), y, "");
    }

    private static double[] doubles(Object list) {
        List<?> l = (List<?>) list;
        double[] out = new double[l.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = ((Number) l.get(i)).doubleValue();
        }
        return out;
    }

    /**
     * The parameter counts of Torch-Pruning's CIFAR-10 models (3 channels, 10 classes), known figures that the
     * golden script confirms: resnet20 272,474 and resnet56 855,770.
     */
    @Test
    void knownParameterCounts() {
        assertEquals(272_474L, Zoo.build("resnet20").parameterCount());
        assertEquals(855_770L, Zoo.build("resnet56").parameterCount());
        @SuppressWarnings("unchecked")
        Map<String, Object> py = (Map<String, Object>) golden().get("params_3ch_10cls");
        for (String m : List.of("resnet20", "resnet56", "cifar_vgg19")) {
            assertEquals(((Number) py.get(m)).longValue(), Zoo.build(m).parameterCount(), m + " vs the PyTorch script");
        }
    }

    @Test
    void defaultInputAndClasses() {
        for (String m : List.of("resnet20", "resnet56", "cifar_vgg19")) {
            assertEquals(Shape.of(1, 3, 32, 32), Zoo.defaultInput(m), m);
            assertEquals(10, Zoo.defaultClasses(m), m);
            assertTrue(Zoo.contains(m), m);
            assertEquals(Shape.of(1, 10), Zoo.build(m).outputs().get(0).shape(), m);
            assertFalse(Zoo.torchvisionNames().contains(m), m + " is no torchvision classifier");
        }
        assertEquals(1000, Zoo.defaultClasses("resnet18"));
        assertEquals(Shape.of(4, 100), Zoo.build("resnet56", Shape.of(4, 3, 32, 32), 100).outputs().get(0).shape());
    }

    @Test
    void moduleNamesAndShapes() {
        Graph r = Zoo.build("resnet20");
        assertNull(r.node("layer1.0.downsample.0"), "layer1 keeps 16 channels at stride 1: no downsample");
        assertTrue(r.node("layer2.0.downsample.0").isModuleCall());
        assertTrue(r.node("layer3.0.downsample.1").isModuleCall());
        assertNull(r.node("layer2.1.downsample.0"));
        assertNotNull(r.node("layer3.2.conv2"));
        assertNull(r.node("layer3.3.conv1"), "resnet20 has 3 blocks per stage");
        assertNotNull(Zoo.build("resnet56").node("layer3.8.bn2"));
        assertNull(Zoo.build("resnet56").node("layer3.9.conv1"), "resnet56 has 9 blocks per stage");
        assertEquals(Shape.of(1, 64, 8, 8), r.node("layer3.2.add").output(0).shape());
        assertEquals(Shape.of(1, 64, 1, 1), r.node("avgpool").output(0).shape());

        Graph v = Zoo.build("cifar_vgg19");
        assertNotNull(v.node("block0.0"));
        assertNotNull(v.node("block2.10"), "block2: four conv+bn with three inner ReLUs = indices 0..10");
        assertNull(v.node("block2.11"), "the block's last ReLU is outside it");
        assertNotNull(v.node("pool2"));
        assertNull(v.node("pool3"), "pool3 is used only for 64×64 inputs");
        assertEquals(Shape.of(1, 512, 4, 4), v.node("block4.10").output(0).shape());
        Graph v64 = Zoo.build("cifar_vgg19", Shape.of(1, 3, 64, 64), 10);
        assertNotNull(v64.node("pool3"));
        assertEquals(Shape.of(1, 512, 4, 4), v64.node("block4.10").output(0).shape());
        assertEquals(Shape.of(1, 512, 1, 1), v64.node("pool4").output(0).shape());
    }

    @Test
    void errorsNameTheProblem() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Zoo.build("resnet20", Shape.of(1, 3, 28, 28), 10));
        assertTrue(e.getMessage().contains("32×32") && e.getMessage().contains("28×28")
                && e.getMessage().contains("resnet20"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Zoo.build("resnet56", Shape.of(1, 3, 32, 64), 10));
        assertTrue(e.getMessage().contains("32×64"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> CifarResNet.build("resnet21", 21, Shape.of(1, 3, 32, 32), 10));
        assertTrue(e.getMessage().contains("6n + 2") && e.getMessage().contains("21"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> CifarResNet.build("resnet2", 2, Shape.of(1, 3, 32, 32), 10));
        e = assertThrows(IllegalArgumentException.class, () -> Zoo.build("resnet20", Shape.of(3, 32, 32), 10));
        assertTrue(e.getMessage().contains("(N, C, H, W)"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Zoo.build("resnet20", Shape.of(1, 3, 32, 32), 0));
        assertTrue(e.getMessage().contains("classes"), e.getMessage());
    }

    /** 50 % local L2 group pruning (Torch-Pruning-compatible importance) with {@code fc} / {@code classifier} ignored. */
    @ParameterizedTest
    @ValueSource(strings = {"resnet20", "resnet56"})
    void localL2PruneKeepsOutputShape(String model) {
        Shape in = Zoo.defaultInput(model);
        Graph g = Zoo.build(model, in, 10);
        Parity.fill(g);
        OpCounter.Count before = OpCounter.count(g);
        BasePruner.builder(g).importance(GroupMagnitudeImportance.builder().p(2).tpCompat(true).build())
                .pruningRatio(0.5).ignoredLayers(List.of("fc")).build().step();
        OpCounter.Count after = OpCounter.count(g);
        System.out.printf("%s pruned 50%% local L2: params %d -> %d, conv/linear MACs %d -> %d%n", model,
                before.params(), after.params(), before.convLinearMacs(), after.convLinearMacs());
        // halving every width keeps about a quarter of the convolution weights; fc keeps its 10 outputs
        assertTrue(after.params() < before.params() * 0.35, model + " params " + after.params() + " of " + before.params());
        assertTrue(after.convLinearMacs() < before.convLinearMacs() * 0.35, model + " MACs");
        Node fc = g.node("fc");
        assertEquals(10, fc.parameter("weight").shape().dim(0), "fc keeps its outputs");
        assertEquals(32, fc.parameter("weight").shape().dim(1), "fc sees half of layer3's 64 channels");
        Tensor y = Executor.run(g, Parity.input(in))[0];
        assertEquals(Shape.of(1, 10), y.shape());
        for (float v : y.data()) {
            assertTrue(Float.isFinite(v), model + " pruned output is finite");
        }
    }

    /** Zeroing a group's channels and removing them give the same output (three seeded channels per group). */
    @Test
    void pruningInvariantOnResnet20() {
        PruningInvariantTest.check("resnet20", Shape.of(1, 3, 32, 32));
    }

    /**
     * Train mode: 5 plain SGD steps (lr 0.05) on a fixed batch of 8 parity images with labels 0..7 must lower the
     * cross-entropy, every loss is finite, every trainable parameter gets a gradient, and BatchNorm's running mean
     * moves (train-mode statistics are used and recorded).
     */
    @ParameterizedTest
    @ValueSource(strings = {"resnet20", "cifar_vgg19"})
    void trainingReducesLoss(String model) {
        Shape in = Shape.of(8, 3, 32, 32);
        Graph g = Zoo.build(model, in, 10);
        Parity.fill(g);
        String bn = model.equals("resnet20") ? "bn1" : "block0.1";
        float mean0 = g.node(bn).parameter("running_mean").value().data()[0];
        Sgd sgd = Sgd.builder().lr(0.05).build(g);
        Tensor x = Parity.input(in);
        Tensor target = Tensor.of(Shape.of(8), 0, 1, 2, 3, 4, 5, 6, 7);
        double[] losses = new double[5];
        for (int step = 0; step < losses.length; step++) {
            losses[step] = TrainStep.run(g, sgd, CrossEntropyLoss.of(), x, target, step);
            assertTrue(Double.isFinite(losses[step]), model + ": loss at step " + step + " is " + losses[step]);
        }
        System.out.printf("%s training losses %s%n", model, Arrays.toString(losses));
        assertTrue(losses[4] < losses[0], model + ": loss did not decrease: " + Arrays.toString(losses));
        for (Parameter p : g.stateDict().values()) {
            if (p.trainable()) {
                assertNotNull(p.grad(), p.name() + " has no gradient");
            }
        }
        assertNotEquals(mean0, g.node(bn).parameter("running_mean").value().data()[0], "running mean updated");
    }
}
