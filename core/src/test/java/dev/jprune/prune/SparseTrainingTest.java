package dev.jprune.prune;

import dev.jprune.ir.Graph;
import dev.jprune.tensor.Tensor;
import dev.jprune.train.Sgd;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Torch-Pruning's sparse-training loop with SGD: {@code regularize()} between backward and the optimiser step shrinks
 * the weak channels of each group faster than the strong ones; pruning then slices the optimiser's state too.
 */
class SparseTrainingTest {

    private static double rowNorm(Tensor w, int row) {
        int inner = w.numel() / w.dim(0);
        double s = 0;
        for (int j = 0; j < inner; j++) {
            double v = w.data()[row * inner + j];
            s += v * v;
        }
        return Math.sqrt(s);
    }

    @Test
    void groupNormRegularisationShrinksWeakChannelsFasterAndPruningKeepsSgdState() {
        Graph g = PrunerModels.residual(21);
        GroupNormPruner pruner = GroupNormPruner.builder(g).reg(0.01).importance(PrunerModels.rootL2()).build();
        Sgd sgd = Sgd.builder().lr(0.1).momentum(0.5).build(g);
        Tensor w0 = g.stateDict().get("stem.weight").value().copy();
        float[] before = PrunerModels.rootL2(new dev.jprune.depgraph.DependencyGraph(g).allGroups().get(0));
        int weak = 0;
        int strong = 0;
        for (int i = 1; i < before.length; i++) {
            weak = before[i] < before[weak] ? i : weak;
            strong = before[i] > before[strong] ? i : strong;
        }
        for (int it = 0; it < 20; it++) {
            // a zero loss gradient: only the regulariser moves the weights
            g.stateDict().values().forEach(p -> {
                if (p.trainable()) {
                    p.setGrad(Tensor.zeros(p.value().shape()));
                }
            });
            pruner.regularize();
            sgd.step();
        }
        Tensor w = g.stateDict().get("stem.weight").value();
        double weakKept = rowNorm(w, weak) / rowNorm(w0, weak);
        double strongKept = rowNorm(w, strong) / rowNorm(w0, strong);
        assertTrue(weakKept < 0.7 && strongKept > 0.9, "weak kept " + weakKept + ", strong kept " + strongKept);
        assertTrue(strongKept < 1, "every channel shrinks: " + strongKept);

        StepResult r = pruner.step(sgd);
        assertEquals(2, r.pruned().size());
        int[] removed = r.pruned().stream().filter(e -> e.layer().equals("stem")).findFirst().orElseThrow().indices();
        assertEquals(4, removed.length);
        assertTrue(java.util.Arrays.binarySearch(removed, weak) >= 0, "the weakest channel goes");
        Tensor buf = sgd.state(g.stateDict().get("stem.weight")).get("momentum_buffer");
        assertEquals(g.stateDict().get("stem.weight").value().shape(), buf.shape());
        pruner.updateRegularizer();
        g.stateDict().values().forEach(p -> {
            if (p.trainable()) {
                p.setGrad(Tensor.zeros(p.value().shape()));
            }
        });
        pruner.regularize();
        sgd.step();
        assertArrayEquals(new int[] {4, 3, 3, 3}, g.stateDict().get("stem.weight").value().shape().dims());
    }
}
