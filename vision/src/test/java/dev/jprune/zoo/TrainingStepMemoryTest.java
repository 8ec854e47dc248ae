package dev.jprune.zoo;

import dev.jprune.exec.Executor;
import dev.jprune.exec.ForwardContext;
import dev.jprune.ir.Graph;
import dev.jprune.ir.Parameter;
import dev.jprune.tensor.Shape;
import dev.jprune.tensor.Tensor;
import dev.jprune.weights.Parity;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A ResNet-50 training step (forward in train mode, backward) at batch 32, 224×224, inside the test JVM's 6 GB heap
 * (surefire's {@code -Xmx6g}): the tape must release activations as backward passes them.
 */
class TrainingStepMemoryTest {

    @Tag("slow")
    @Test
    void resnet50Batch32FitsSixGigabytes() {
        long maxHeap = Runtime.getRuntime().maxMemory();
        assertTrue(maxHeap <= 6L * 1024 * 1024 * 1024 + (64L << 20), "the test must run with at most a 6 GB heap, has " + (maxHeap >> 20) + " MB");
        Shape in = Shape.of(32, 3, 224, 224);
        Graph g = Zoo.build("resnet50", in, 1000);
        Parity.fill(g);
        Executor.Forward f = Executor.forward(g, ForwardContext.train(0), Parity.input(in));
        Tensor y = f.output();
        Tensor dy = Tensor.full(y.shape(), 1f / y.numel());
        f.tape().backward(dy);
        for (Parameter p : g.stateDict().values()) {
            if (p.trainable()) {
                assertNotNull(p.grad(), p.name() + " has no gradient");
                for (float v : p.grad().data()) {
                    assertTrue(Float.isFinite(v), p.name() + " has a non-finite gradient");
                }
            }
        }
    }
}
