package dev.jprune.zoo;

import dev.jprune.count.OpCounter;
import dev.jprune.depgraph.DependencyGraph;
import dev.jprune.depgraph.Group;
import dev.jprune.depgraph.Member;
import dev.jprune.depgraph.PruningInvariantTest;
import dev.jprune.depgraph.Side;
import dev.jprune.exec.Executor;
import dev.jprune.ir.Graph;
import dev.jprune.ir.Node;
import dev.jprune.ir.Value;
import dev.jprune.ir.axis.Indices;
import dev.jprune.ops.LayerNorm;
import dev.jprune.ops.ScaledDotProductAttention;
import dev.jprune.tensor.Shape;
import dev.jprune.tensor.Tensor;
import dev.jprune.weights.Parity;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import static dev.jprune.depgraph.PruningInvariantTest.PER_GROUP;
import static dev.jprune.depgraph.PruningInvariantTest.distinct;
import static dev.jprune.depgraph.PruningInvariantTest.maxDiff;
import static dev.jprune.depgraph.PruningInvariantTest.names;
import static dev.jprune.depgraph.PruningInvariantTest.randomInput;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The pruning invariant of {@code PruningInvariantTest} for transformers, where three things differ from CNNs.
 *
 * <p>First, not every group can keep the function exactly, by the mathematics of the ops rather than by a gap in
 * the dependency graph: a {@link LayerNorm} over the pruned axis normalises with the mean and variance of the
 * remaining features, so zeroed features that still counted in the statistics change them when removed (every
 * residual stream of a transformer passes through LayerNorms); and a {@link ScaledDotProductAttention} with the
 * default scale {@code 1/√D} rescales when query/key dimensions go (as PyTorch's {@code nn.MultiheadAttention} does
 * after Torch-Pruning shrinks its head dimension). Those groups are pruned too, but only checked to run with the
 * expected shapes; every other group (MLP hidden features, attention value and in-head dimensions, convolutions,
 * squeeze-excitation) must keep the zeroed model's output within {@code 1e-5 · max|ref| + 1e-6}.
 *
 * <p>Second, the weights are the parity weights ({@link Parity}: every bias, norm scale and running statistic
 * distinct and away from 0 and 1, so a wrongly sliced one shows) rather than {@code RandomInit}'s with perturbed
 * affine parameters: with those, MaxViT's eval-mode BatchNorms and attention softmaxes amplify rounding so much
 * that one ulp on one input element moves its output by 0.5 % — no exact comparison could be made — while with
 * parity weights the rounding noise stays near {@code 5e-6} of the output.
 *
 * <p>Third, a group's members depend on the chosen channels (query, key or value dimensions of a fused projection
 * reach different ops) and the pruned axis of a linear layer is its last, so members are taken from the group of
 * the chosen channels and counts from the root's own axis; removals widened to whole in-head positions are allowed.
 */
final class TransformerInvariant {

    private static final long SEED = 20261124;
    private static final int CLASSES = 10;

    private TransformerInvariant() {
    }

    private record Plan(String root, int[] channels, List<String> members, String inexact) {
    }

    /** What the check did: exact and inexact groups, counts before and after, the output difference and time. */
    record Result(int exact, int inexact, long macsBefore, long macsAfter, long paramsBefore, long paramsAfter,
                  float diff, float tol, long millis) {
    }

    /** Runs the check on {@code model} built for {@code input} with 10 classes; prints and returns the result. */
    static Result check(String model, Shape input) {
        long start = System.nanoTime();
        long seed = SEED + model.hashCode();
        String at = model + " (seed " + seed + ")";
        Graph g = Zoo.build(model, input, CLASSES);
        Parity.fill(g);
        Tensor x = randomInput(input, seed);

        List<Plan> plans = plan(g, seed, at);
        OpCounter.Count before = OpCounter.count(g);
        Tensor original = Executor.run(g, x)[0];
        DependencyGraph dg = new DependencyGraph(g);
        for (Plan p : plans) {
            if (p.inexact() == null) {
                dg.pruningGroup(g.requireNode(p.root()), Side.OUT, Indices.of(p.channels())).zeroOutChannels();
            }
        }
        Tensor ref = Executor.run(g, x)[0];
        assertTrue(maxDiff(original, ref) > 0, at + ": zeroing the exact groups did not change the output");

        for (Plan p : plans) {
            if (p.inexact() == null) {
                prune(g, p, at);
            }
        }
        Tensor out = Executor.run(g, x)[0];
        assertEquals(ref.shape(), out.shape(), at + ": output shape");
        float tol = 1e-5f * ref.maxAbs() + 1e-6f;
        float diff = maxDiff(ref, out);
        assertTrue(diff <= tol, at + ": pruned output differs from the zeroed output by " + diff + " > " + tol);

        for (Plan p : plans) {
            if (p.inexact() != null) {
                prune(g, p, at);
            }
        }
        Tensor last = Executor.run(g, x)[0];
        assertEquals(ref.shape(), last.shape(), at + ": output shape after pruning every group");
        for (float v : last.data()) {
            assertTrue(Float.isFinite(v), at + ": non-finite output after pruning every group");
        }
        OpCounter.Count after = OpCounter.count(g);
        assertTrue(after.convLinearMacs() < before.convLinearMacs(),
                at + ": MACs " + before.convLinearMacs() + " -> " + after.convLinearMacs());
        assertTrue(after.params() < before.params(), at + ": params " + before.params() + " -> " + after.params());
        long exact = plans.stream().filter(p -> p.inexact() == null).count();
        Result r = new Result((int) exact, plans.size() - (int) exact, before.convLinearMacs(), after.convLinearMacs(),
                before.params(), after.params(), diff, tol, (System.nanoTime() - start) / 1_000_000);
        System.out.printf("%s %s: %d exact groups, %d through LayerNorm statistics or the 1/sqrt(d) scale;"
                        + " MACs %d -> %d, params %d -> %d, max diff %.3g (tol %.3g), %d ms%n", model, input, r.exact(),
                r.inexact(), r.macsBefore(), r.macsAfter(), r.paramsBefore(), r.paramsAfter(), r.diff(), r.tol(),
                r.millis());
        return r;
    }

    /** Rebuilds the plan's group on the current graph, checks its members and prunes it. */
    private static void prune(Graph g, Plan p, String at) {
        Node root = g.requireNode(p.root());
        int axis = root.op().rootAxis(root);
        int size = root.output(0).shape().dim(axis);
        Group group = new DependencyGraph(g).pruningGroup(root, Side.OUT, Indices.of(p.channels()));
        assertEquals(p.members(), names(group), at + ": group of " + p.root() + " changed after other prunes");
        assertEquals(List.of(), group.problems(), at + ": group of " + p.root());
        int removed = group.member(p.root(), Side.OUT).indices().size(); // widened to whole in-head positions
        assertTrue(removed >= PER_GROUP, at + ": group of " + p.root() + " removes " + removed);
        group.prune();
        assertEquals(size - removed, root.output(0).shape().dim(axis), at + ": " + p.root());
    }

    /**
     * Every group of {@link DependencyGraph#allGroups} (the output layers ignored) with
     * {@link PruningInvariantTest#PER_GROUP} random channels; groups own disjoint members.
     */
    private static List<Plan> plan(Graph g, long seed, String at) {
        DependencyGraph dg = new DependencyGraph(g);
        List<Group> groups = dg.allGroups(DependencyGraph.outputLayers(g));
        assertFalse(groups.isEmpty(), at + ": no groups");
        SplittableRandom rnd = new SplittableRandom(seed);
        Map<String, String> owner = new HashMap<>();
        List<Plan> plans = new ArrayList<>();
        for (Group whole : groups) {
            String root = whole.root().name();
            for (String m : names(whole)) {
                String other = owner.putIfAbsent(m, root);
                assertNull(other, at + ": member " + m + " is in the groups of " + other + " and " + root);
            }
            int n = whole.rootIndices().size();
            assertTrue(n > PER_GROUP, at + ": group of " + root + " has only " + n + " channels");
            int[] channels = distinct(rnd, n);
            Group chosen = dg.pruningGroup(whole.root(), Side.OUT, Indices.of(channels));
            plans.add(new Plan(root, channels, names(chosen), inexact(chosen)));
        }
        return plans;
    }

    /** Why the group cannot keep the zeroed model's function exactly, or {@code null} when it can. */
    private static String inexact(Group group) {
        for (Member m : group.members()) {
            Node n = m.node();
            Value v = m.port().input() ? n.input(m.port().index()) : n.output(m.port().index());
            int rank = v.shape().rank();
            if (n.op() instanceof LayerNorm ln && m.axis() >= rank - ln.normalizedShape().rank()) {
                return "LayerNorm " + n.name();
            }
            if (m.axis() != rank - 1) {
                continue;
            }
            // query or key dimensions reaching an attention with the default scale, at its input or its producer
            List<Node> attentions = new ArrayList<>(v.consumers());
            attentions.add(n);
            for (Node c : attentions) {
                if (c.op() instanceof ScaledDotProductAttention sdpa && sdpa.scale() == null
                        && (c.input(0) == v || c.input(1) == v)) {
                    return "1/sqrt(d) of " + c.name();
                }
            }
        }
        return null;
    }
}
