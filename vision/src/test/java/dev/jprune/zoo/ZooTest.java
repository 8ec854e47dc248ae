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
}
