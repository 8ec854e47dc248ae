package dev.jprune.prune.importance;

import dev.jprune.depgraph.DependencyGraph;
import dev.jprune.depgraph.Group;
import dev.jprune.depgraph.ScenarioVitTest;
import dev.jprune.depgraph.Side;
import dev.jprune.ir.Graph;
import dev.jprune.ops.Attention;
import dev.jprune.tensor.Tensor;
import org.junit.jupiter.api.Test;

import static dev.jprune.prune.importance.Close.assertClose;

/**
 * What the group criteria score in the residual-stream group of an encoder block whose attention is PyTorch's
 * {@code nn.MultiheadAttention} ({@link Attention.Width#TIED}, {@link ScenarioVitTest}'s block: embedding 16, 2 heads
 * of 8). Embedding position 3 takes in-head position 3 of both heads, positions {3, 11}: by default the attention's
 * input projection (its query, key and value rows, one item) and {@code out_proj} (rows and columns) are scored
 * with the other layers; Torch-Pruning-compatible criteria leave both out, as Torch-Pruning 1.6.1 does.
 */
class AttentionImportanceTest {

    private static final int[] POSITIONS = {3, 11};
    private static final int[] ROWS = {3, 11, 19, 27, 35, 43};

    /** Σ over {@code rows} of Σ_j |W[r, j]|^p. */
    private static double rows(Graph g, String param, int[] rows, double p) {
        Tensor w = g.stateDict().get(param).value();
        int cols = w.numel() / w.shape().dim(0);
        double s = 0;
        for (int r : rows) {
            for (int j = 0; j < cols; j++) {
                s += Math.pow(Math.abs(w.data()[r * cols + j]), p);
            }
        }
        return s;
    }

    /** Σ over {@code cols} of Σ_i |W[i, c]|^p. */
    private static double columns(Graph g, String param, int[] cols, double p) {
        Tensor w = g.stateDict().get(param).value();
        int n = w.shape().dim(1);
        double s = 0;
        for (int i = 0; i < w.shape().dim(0); i++) {
            for (int c : cols) {
                s += Math.pow(Math.abs(w.data()[i * n + c]), p);
            }
        }
        return s;
    }

    /** The six items Torch-Pruning scores: embed rows, ln_1, ln_2, mlp.0 columns, mlp.3 rows, head columns. */
    private static double others(Graph g, double p) {
        return rows(g, "embed.weight", POSITIONS, p) + rows(g, "ln_1.weight", POSITIONS, p)
                + rows(g, "ln_2.weight", POSITIONS, p) + columns(g, "mlp.0.weight", POSITIONS, p)
                + rows(g, "mlp.3.weight", POSITIONS, p) + columns(g, "head.weight", POSITIONS, p);
    }

    /** The three items of the attention: in_proj's rows, out_proj's columns and its rows. */
    private static double attention(Graph g, double p) {
        return rows(g, "self_attention.in_proj_weight", ROWS, p)
                + columns(g, "self_attention.out_proj.weight", POSITIONS, p)
                + rows(g, "self_attention.out_proj.weight", POSITIONS, p);
    }

    private static Group group(Graph g) {
        return new DependencyGraph(g).pruningGroup("embed", Side.OUT, 3);
    }

    @Test
    void torchPruningCompatibleMagnitudeLeavesTheAttentionOut() {
        Graph g = ScenarioVitTest.vit(Attention.Width.TIED);
        for (double p : new double[] {1, 2}) {
            GroupMagnitudeImportance.Builder b = GroupMagnitudeImportance.builder().p(p).normalizer(Normalizer.NONE)
                    .tpCompat(true);
            assertClose(new double[] {others(g, p)}, b.reduction(Reduction.SUM).build().score(group(g)),
                    "p " + p + " sum");
            assertClose(new double[] {others(g, p) / 6}, b.reduction(Reduction.MEAN).build().score(group(g)),
                    "p " + p + " mean over the 6 layers Torch-Pruning scores");
        }
    }

    @Test
    void byDefaultTheAttentionsProjectionsAreScoredToo() {
        Graph g = ScenarioVitTest.vit(Attention.Width.TIED);
        GroupMagnitudeImportance.Builder b = GroupMagnitudeImportance.builder().normalizer(Normalizer.NONE);
        assertClose(new double[] {others(g, 2) + attention(g, 2)}, b.reduction(Reduction.SUM).build().score(group(g)),
                "sum");
        assertClose(new double[] {(others(g, 2) + attention(g, 2)) / 9},
                b.reduction(Reduction.MEAN).build().score(group(g)), "mean over 9 items");
    }

    @Test
    void taylorFollowsTheSameRule() {
        Graph g = ScenarioVitTest.vit(Attention.Width.TIED);
        // with every gradient 1, Taylor's |w ⊙ g| is |w|: the magnitude with p = 1
        for (var param : g.stateDict().values()) {
            Tensor one = Tensor.zeros(param.value().shape());
            java.util.Arrays.fill(one.data(), 1f);
            param.setGrad(one);
        }
        TaylorImportance.Builder b = TaylorImportance.builder().normalizer(Normalizer.NONE).reduction(Reduction.SUM);
        assertClose(new double[] {others(g, 1)}, b.tpCompat(true).build().score(group(g)), "tpCompat");
        assertClose(new double[] {others(g, 1) + attention(g, 1)}, b.tpCompat(false).build().score(group(g)),
                "default");
    }
}
