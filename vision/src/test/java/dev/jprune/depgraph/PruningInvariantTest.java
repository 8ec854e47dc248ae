package dev.jprune.depgraph;

import dev.jprune.count.OpCounter;
import dev.jprune.exec.Executor;
import dev.jprune.ir.Graph;
import dev.jprune.ir.Node;
import dev.jprune.ir.Parameter;
import dev.jprune.ir.Value;
import dev.jprune.ir.axis.ChannelParams;
import dev.jprune.ir.axis.Indices;
import dev.jprune.tensor.Shape;
import dev.jprune.tensor.Tensor;
import dev.jprune.weights.RandomInit;
import dev.jprune.zoo.Zoo;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The pruning invariant on every zoo model: zeroing a group's channels ({@link Group#zeroOutChannels()}, soft
 * pruning) and removing them ({@link Group#prune()}) give the same output. Three seeded random channels of every
 * group of {@link DependencyGraph#allGroups} are zeroed (with whatever more the group's rules require: a grouped
 * convolution takes the same positions in every group), the zeroed model's output is the reference, then every
 * group is pruned, each rebuilt from the current graph; the pruned model's output must equal the reference within
 * {@code 1e-5 · max|ref| + 1e-6}, its shape must not change, and MACs and parameters must drop. Biases, BatchNorm
 * scales and running statistics are perturbed away from their initial 0/1 so that a wrongly sliced one shows.
 * Groups with a member that normalises across their channels (LayerNorm, GroupNorm) are left out: zeroed channels
 * still count in its statistics, so for them zeroing and removing differ by construction.
 */
public class PruningInvariantTest {

    private static final Shape INPUT = Shape.of(1, 3, 64, 64);
    private static final int CLASSES = 10;
    private static final long SEED = 20261124;
    /** How many random channels each group's plan chooses (before a group widens them). */
    public static final int PER_GROUP = 3;
    private static final List<String> EVERYDAY = List.of("resnet18", "vgg11_bn", "mobilenet_v2");

    /**
     * One group to prune: its root, the chosen channels, the root's channel count, and the members' names and the
     * number of root channels of the group those channels make (a grouped convolution widens a choice to the same
     * positions in every group; after a channel shuffle which members a choice reaches depends on the channels).
     */
    private record Plan(String root, int[] channels, int rootChannels, List<String> members, int removed) {
    }

    /** The models checked here; other zoo models call {@link #check(String, Shape)} from their own tests. */
    private static final List<String> MODELS = List.of("resnet18", "resnet34", "resnet50", "resnet101", "resnet152",
            "vgg11", "vgg11_bn", "vgg13", "vgg13_bn", "vgg16", "vgg16_bn", "vgg19", "vgg19_bn", "mobilenet_v2");

    static Stream<String> slowModels() {
        return MODELS.stream().filter(n -> !EVERYDAY.contains(n));
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"resnet18", "vgg11_bn", "mobilenet_v2"})
    void zeroingEqualsPruning(String model) {
        check(model);
    }

    @Tag("slow")
    @ParameterizedTest(name = "{0}")
    @MethodSource("slowModels")
    void zeroingEqualsPruningOnTheRestOfTheZoo(String model) {
        check(model);
    }

    private static void check(String model) {
        check(model, INPUT);
    }

    /**
     * Asserts the invariant on zoo model {@code model} built for {@code input} with 10 classes (a sample of three
     * channels per group, pruned one group at a time).
     */
    public static void check(String model, Shape input) {
        long seed = SEED + model.hashCode();
        String at = model + " (seed " + seed + ")";
        Graph g = Zoo.build(model, input, CLASSES);
        RandomInit.fill(g, seed);
        perturbAffineAndStatistics(g, seed);
        Tensor x = randomInput(input, seed);

        List<Plan> plans = plan(g, seed, at);
        OpCounter.Count before = OpCounter.count(g);
        Tensor original = Executor.run(g, x)[0];

        DependencyGraph dg = new DependencyGraph(g);
        for (Plan p : plans) {
            dg.pruningGroup(g.requireNode(p.root()), Side.OUT, Indices.of(p.channels())).zeroOutChannels();
        }
        Tensor ref = Executor.run(g, x)[0];
        assertTrue(maxDiff(original, ref) > 0, at + ": zeroing the groups did not change the output");

        for (Plan p : plans) {
            Node root = g.requireNode(p.root());
            Group group = new DependencyGraph(g).pruningGroup(root, Side.OUT, Indices.of(p.channels()));
            // groups own disjoint channels: pruning the others left this group's members and indices as they were
            assertEquals(p.members(), names(group), at + ": group of " + p.root() + " changed after other prunes");
            assertEquals(List.of(), group.problems(), at + ": group of " + p.root());
            assertEquals(p.removed(), group.members().get(0).indices().size(), at + ": group of " + p.root());
            group.prune();
            int axis = root.op().rootAxis(root);
            assertEquals(p.rootChannels() - p.removed(), root.output(0).shape().dim(axis), at + ": " + p.root());
        }

        Tensor out = Executor.run(g, x)[0];
        assertEquals(ref.shape(), out.shape(), at + ": output shape");
        float tol = 1e-5f * ref.maxAbs() + 1e-6f;
        float diff = maxDiff(ref, out);
        assertTrue(diff <= tol, at + ": pruned output differs from the zeroed output by " + diff + " > " + tol
                + " (max|ref| " + ref.maxAbs() + ", " + plans.size() + " groups)");

        OpCounter.Count after = OpCounter.count(g);
        assertTrue(after.ops() < before.ops(), at + ": ops " + before.ops() + " -> " + after.ops());
        assertTrue(after.convLinearMacs() < before.convLinearMacs(),
                at + ": MACs " + before.convLinearMacs() + " -> " + after.convLinearMacs());
        assertTrue(after.params() < before.params(), at + ": params " + before.params() + " -> " + after.params());
        System.out.printf("%s: %d groups, MACs %d -> %d, params %d -> %d, max diff %.3g (tol %.3g)%n", model,
                plans.size(), before.convLinearMacs(), after.convLinearMacs(), before.params(), after.params(), diff,
                tol);
    }

    /**
     * Every group of {@link DependencyGraph#allGroups} (layers producing graph outputs ignored) with
     * {@link #PER_GROUP} distinct random channels; asserts that no channel of a member belongs to two groups.
     */
    private static List<Plan> plan(Graph g, long seed, String at) {
        List<String> ignored = new ArrayList<>();
        for (Node n : g.nodes()) {
            for (Value v : n.outputs()) {
                if (g.outputs().contains(v)) {
                    ignored.add(n.name());
                }
            }
        }
        DependencyGraph dg = new DependencyGraph(g);
        List<Group> groups = dg.allGroups(ignored);
        assertFalse(groups.isEmpty(), at + ": no groups");
        SplittableRandom rnd = new SplittableRandom(seed);
        Map<String, String> owner = new HashMap<>();
        List<Plan> plans = new ArrayList<>();
        List<String> skipped = new ArrayList<>();
        for (Group group : groups) {
            String root = group.root().name();
            List<String> members = names(group);
            // a member may belong to several groups (a concatenation's output, one slab per input) but each of its
            // channels to one only
            for (Member m : group.members()) {
                for (int i : m.indices().indices()) {
                    String channel = m.layer() + " " + m.side().label() + " channel " + i;
                    String other = owner.putIfAbsent(channel, root);
                    assertNull(other, at + ": " + channel + " is in the groups of " + other + " and " + root);
                }
            }
            int n = group.rootIndices().size();
            assertTrue(n > PER_GROUP, at + ": group of " + root + " has only " + n + " channels");
            int[] channels = distinct(rnd, n);
            if (normalisesAcrossChannels(group)) {
                skipped.add(root);
                continue;
            }
            Group chosen = dg.pruningGroup(group.root(), Side.OUT, Indices.of(channels));
            int removed = chosen.members().get(0).indices().size();
            assertTrue(removed >= PER_GROUP && removed < n, at + ": group of " + root + " removes " + removed + " of "
                    + n + " channels for " + Arrays.toString(channels));
            plans.add(new Plan(root, channels, n, names(chosen), removed));
        }
        if (!skipped.isEmpty()) {
            System.out.printf("%s: %d groups normalised across their channels left out: %s%n", at, skipped.size(),
                    skipped);
        }
        assertFalse(plans.isEmpty(), at + ": every group is normalised across its channels");
        return plans;
    }

    /**
     * Whether a member normalises across the group's channels (LayerNorm over them, LayerNorm2d, GroupNorm): their
     * mean and variance count the zeroed channels, so removing them changes the output and the invariant does not
     * apply (Torch-Pruning's {@code prune_layernorm} changes the function the same way). The draw of channels is kept
     * so that the other groups' channels do not depend on which groups are left out.
     */
    private static boolean normalisesAcrossChannels(Group group) {
        for (Member m : group.members()) {
            ChannelParams cp = m.node().op().channelParams(m.node(), m.port(), m.axis());
            if (cp != null && (cp.kind() == ChannelParams.Kind.LAYER_NORM || cp.kind() == ChannelParams.Kind.GROUP_NORM)) {
                return true;
            }
        }
        return false;
    }

    /** The members of {@code group} as {@code "layer side"}. */
    public static List<String> names(Group group) {
        return group.members().stream().map(m -> m.layer() + " " + m.side().label()).toList();
    }

    /** {@link #PER_GROUP} distinct channels of {@code n}, drawn from {@code rnd}, ascending. */
    public static int[] distinct(SplittableRandom rnd, int n) {
        int[] chosen = new int[PER_GROUP];
        for (int k = 0; k < PER_GROUP; k++) {
            int c;
            boolean seen;
            do {
                c = rnd.nextInt(n);
                seen = false;
                for (int j = 0; j < k; j++) {
                    seen |= chosen[j] == c;
                }
            } while (seen);
            chosen[k] = c;
        }
        Arrays.sort(chosen);
        return chosen;
    }

    /** Biases and BatchNorm scales and statistics away from RandomInit's zeros and ones. */
    private static void perturbAffineAndStatistics(Graph g, long seed) {
        SplittableRandom rnd = new SplittableRandom(seed ^ 0x5DEECE66DL);
        for (Parameter p : g.stateDict().values()) {
            Tensor v = p.value();
            if (v.rank() != 1) {
                continue;
            }
            String leaf = p.leafName();
            float[] d = v.data().clone();
            for (int i = 0; i < d.length; i++) {
                double u = rnd.nextDouble();
                switch (leaf) {
                    case "bias", "running_mean" -> d[i] = (float) (0.2 * u - 0.1);
                    case "weight", "running_var" -> d[i] = (float) (0.5 + u);
                    default -> {
                    }
                }
            }
            p.setValue(Tensor.wrap(v.shape(), d));
        }
    }

    /** A seeded input of {@code input}'s shape, uniform in [-1, 1). */
    public static Tensor randomInput(Shape input, long seed) {
        SplittableRandom rnd = new SplittableRandom(seed + 1);
        float[] d = new float[input.numel()];
        for (int i = 0; i < d.length; i++) {
            d[i] = (float) (rnd.nextDouble() * 2 - 1);
        }
        return Tensor.wrap(input, d);
    }

    /** The largest element-wise difference of two tensors of the same shape. */
    public static float maxDiff(Tensor a, Tensor b) {
        assertEquals(a.shape(), b.shape());
        float m = 0;
        for (int i = 0; i < a.numel(); i++) {
            m = Math.max(m, Math.abs(a.data()[i] - b.data()[i]));
        }
        return m;
    }
}
