package dev.jprune.zoo;

import dev.jprune.ir.Graph;
import dev.jprune.tensor.Shape;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Zoo structure that needs no reference data: names, shapes, errors. */
class ZooTest {

    @Test
    void resnet18HasTorchvisionStateDictNames() {
        Graph g = Zoo.build("resnet18");
        List<String> keys = List.copyOf(g.stateDict().keySet());
        assertEquals("conv1.weight", keys.get(0));
        assertTrue(keys.contains("layer2.0.downsample.0.weight"));
        assertTrue(keys.contains("layer4.1.bn2.running_var"));
        assertEquals("fc.bias", keys.get(keys.size() - 1));
        // torchvision's resnet18 state_dict has 122 entries (102 tensors + 20 num_batches_tracked)
        assertEquals(122, keys.size());
        assertNotNull(g.node("layer1.0.relu#1"));
        assertNotNull(g.node("layer1.0.add"));
    }

    @Test
    void mobilenetV2Names() {
        Graph g = Zoo.build("mobilenet_v2");
        assertNotNull(g.node("features.0.0"));
        assertNotNull(g.node("features.1.conv.0.0"));
        assertNotNull(g.node("features.1.conv.1"));
        assertNotNull(g.node("features.2.conv.1.0"));
        assertNotNull(g.node("features.3.add"));
        assertNotNull(g.node("features.18.2"));
        assertNotNull(g.node("classifier.1"));
        assertTrue(!g.node("adaptive_avg_pool2d").isModuleCall());
    }

    @Test
    void otherInputSizesAndClassCounts() {
        Graph g = Zoo.build("resnet18", Shape.of(2, 3, 64, 64), 10);
        assertEquals(Shape.of(2, 10), g.outputs().get(0).shape());
        Graph v = Zoo.build("vgg16_bn", Shape.of(1, 1, 32, 32), 7);
        assertEquals(Shape.of(1, 7), v.outputs().get(0).shape());
    }

    @Test
    void badRequestsAreNamed() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Zoo.build("resnet19"));
        assertTrue(e.getMessage().contains("resnet19") && e.getMessage().contains("resnet18"), e.getMessage());
        // five 2x2 max pools cannot fit a 16x16 input: the error names the layer that fails
        e = assertThrows(IllegalArgumentException.class, () -> Zoo.build("vgg16_bn", Shape.of(1, 3, 16, 16), 10));
        assertTrue(e.getMessage().contains("layer features."), e.getMessage());
    }

    @Test
    void theZooHasEveryTorchvisionClassifier() {
        // torchvision 0.14's classification builders (torchvision.models.list_models(module=torchvision.models))
        List<String> expected = List.of("alexnet", "convnext_base", "convnext_large", "convnext_small", "convnext_tiny",
                "densenet121", "densenet161", "densenet169", "densenet201", "efficientnet_b0", "efficientnet_b1",
                "efficientnet_b2", "efficientnet_b3", "efficientnet_b4", "efficientnet_b5", "efficientnet_b6",
                "efficientnet_b7", "efficientnet_v2_l", "efficientnet_v2_m", "efficientnet_v2_s", "googlenet",
                "inception_v3", "maxvit_t", "mnasnet0_5", "mnasnet0_75", "mnasnet1_0", "mnasnet1_3", "mobilenet_v2",
                "mobilenet_v3_large", "mobilenet_v3_small", "regnet_x_16gf", "regnet_x_1_6gf", "regnet_x_32gf",
                "regnet_x_3_2gf", "regnet_x_400mf", "regnet_x_800mf", "regnet_x_8gf", "regnet_y_128gf", "regnet_y_16gf",
                "regnet_y_1_6gf", "regnet_y_32gf", "regnet_y_3_2gf", "regnet_y_400mf", "regnet_y_800mf", "regnet_y_8gf",
                "resnet101", "resnet152", "resnet18", "resnet34", "resnet50", "resnext101_32x8d", "resnext101_64x4d",
                "resnext50_32x4d", "shufflenet_v2_x0_5", "shufflenet_v2_x1_0", "shufflenet_v2_x1_5",
                "shufflenet_v2_x2_0", "squeezenet1_0", "squeezenet1_1", "swin_b", "swin_s", "swin_t", "swin_v2_b",
                "swin_v2_s", "swin_v2_t", "vgg11", "vgg11_bn", "vgg13", "vgg13_bn", "vgg16", "vgg16_bn", "vgg19",
                "vgg19_bn", "vit_b_16", "vit_b_32", "vit_h_14", "vit_l_16", "vit_l_32", "wide_resnet101_2",
                "wide_resnet50_2");
        assertEquals(80, expected.size());
        assertEquals(expected, Zoo.torchvisionNames().stream().sorted().toList());
    }

    @Test
    void namesAreTheTorchvisionClassifiersThenTheCifarNetworks() {
        List<String> expected = new java.util.ArrayList<>(Zoo.torchvisionNames());
        expected.addAll(List.of("resnet20", "resnet56", "cifar_vgg19"));
        assertEquals(expected, Zoo.names());
        assertEquals(83, Zoo.names().size());
        for (String m : List.of("resnet20", "resnet56", "cifar_vgg19")) {
            assertEquals(10, Zoo.defaultClasses(m), m);
        }
    }
}
