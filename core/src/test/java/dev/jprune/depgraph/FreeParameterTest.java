package dev.jprune.depgraph;

import dev.jprune.exec.Executor;
import dev.jprune.exec.ForwardContext;
import dev.jprune.ir.Graph;
import dev.jprune.ir.GraphBuilder;
import dev.jprune.ir.Parameter;
import dev.jprune.ir.Value;
import dev.jprune.ir.axis.UnsupportedAxisException;
import dev.jprune.ops.Conv2d;
import dev.jprune.ops.FreeParameter;
import dev.jprune.ops.Mul;
import dev.jprune.tensor.Shape;
import dev.jprune.tensor.Tensor;
import dev.jprune.weights.RandomInit;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A free parameter (ConvNeXt's layer scale) couples with the channels it multiplies and is sliced with them. */
class FreeParameterTest {

    private static Graph scaled(int prunableAxis) {
        GraphBuilder b = new GraphBuilder("scaled");
        Value x = b.input("x", Shape.of(1, 3, 6, 6));
        Value y = b.module("conv1", Conv2d.of(3, 6, 3, 1, 1, true), x);
        Value s = b.module("gamma", new FreeParameter("layer_scale", Shape.of(6, 1, 1), prunableAxis));
        Value z = b.call("mul", new Mul(), y, s);
        Graph g = b.build(b.module("conv2", Conv2d.of(6, 2, 1, 1, 0, false), z));
        RandomInit.fill(g, 3);
        return g;
    }

    @Test
    void theParameterIsAMemberOfTheGroupAndLosesTheSameChannels() {
        Graph g = scaled(-1);
        Tensor x = Tensor.full(Shape.of(1, 3, 6, 6), 0.5f);
        Group group = new DependencyGraph(g).pruningGroup("conv1", Side.OUT, 1, 4);
        List<String> names = group.members().stream().map(m -> m.layer() + " " + m.side().label()).toList();
        assertEquals(List.of("conv1 out", "gamma out", "mul out", "conv2 in"), names);
        float[] before = g.stateDict().get("gamma.layer_scale").value().data().clone();
        // zero the channels in conv1 so the pruned model must compute the same function
        Parameter w = g.stateDict().get("conv1.weight");
        Parameter bias = g.stateDict().get("conv1.bias");
        for (int c : new int[] {1, 4}) {
            java.util.Arrays.fill(w.value().data(), c * 27, (c + 1) * 27, 0f);
            bias.value().data()[c] = 0f;
        }
        Tensor ref = Executor.run(g, x)[0];
        group.prune();
        assertEquals(Shape.of(4, 1, 1), g.stateDict().get("gamma.layer_scale").value().shape());
        assertArrayEquals(new float[] {before[0], before[2], before[3], before[5]},
                g.stateDict().get("gamma.layer_scale").value().data());
        Tensor out = Executor.run(g, x)[0];
        float tol = 1e-5f * ref.maxAbs() + 1e-6f;
        for (int i = 0; i < ref.numel(); i++) {
            assertEquals(ref.data()[i], out.data()[i], tol);
        }
    }

    @Test
    void aDeclaredPruningAxisRejectsOthers() {
        Graph g = scaled(1);
        UnsupportedAxisException e = assertThrows(UnsupportedAxisException.class,
                () -> new DependencyGraph(g).pruningGroup("conv1", Side.OUT, 0));
        assertTrue(e.getMessage().contains("gamma"), e.getMessage());
    }

    @Test
    void itsGradientIsTheOutputsGradient() {
        Graph g = scaled(-1);
        var f = Executor.forward(g, ForwardContext.train(0), Tensor.full(Shape.of(1, 3, 6, 6), 0.5f));
        f.tape().backward(Tensor.full(f.output().shape(), 1f));
        Tensor grad = g.stateDict().get("gamma.layer_scale").grad();
        assertEquals(Shape.of(6, 1, 1), grad.shape());
        // sum(output) is linear in gamma: raising gamma_c by 1 raises it by exactly the gradient's entry c
        Tensor x = Tensor.full(Shape.of(1, 3, 6, 6), 0.5f);
        float[] gamma = g.stateDict().get("gamma.layer_scale").value().data();
        double base = sum(Executor.run(g, x)[0]);
        for (int c = 0; c < 6; c++) {
            gamma[c] += 1f;
            double raised = sum(Executor.run(g, x)[0]);
            gamma[c] -= 1f;
            assertEquals(raised - base, grad.data()[c], 1e-4 * (1 + Math.abs(grad.data()[c])), "channel " + c);
        }
    }

    private static double sum(Tensor t) {
        double s = 0;
        for (float v : t.data()) {
            s += v;
        }
        return s;
    }
}
