package dev.jprune.cli;

import dev.jprune.cli.CliRun.Result;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

import static dev.jprune.cli.CliRun.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code jprune groups} through the CLI entry point: CLI.md's JSON shape, ResNet-18's groups and the error paths. */
class GroupsCommandTest {

    /** The 16 members of Torch-Pruning's ResNet-18 {@code conv1} group, with the side each is pruned on. */
    private static final List<String> CONV1_GROUP = List.of("conv1 out", "bn1 out", "relu out", "maxpool out",
            "layer1.0.conv1 in", "layer1.0.conv2 out", "layer1.0.bn2 out", "layer1.0.add out", "layer1.0.relu#1 out",
            "layer1.1.conv1 in", "layer1.1.conv2 out", "layer1.1.bn2 out", "layer1.1.add out", "layer1.1.relu#1 out",
            "layer2.0.conv1 in", "layer2.0.downsample.0 in");

    /**
     * ResNet-18's roots: per block its first conv (8 groups of conv/bn/relu/next conv's input) and per residual
     * stream one group — the stem's 64 channels run through layer1 unchanged, so conv1 roots layer1's stream, and
     * layer2..4 each start a stream at their first block's conv2 (joined by the downsample conv). 8 + 4 = 12.
     */
    private static final List<String> RESNET18_ROOTS = List.of("conv1", "layer1.0.conv1", "layer1.1.conv1",
            "layer2.0.conv1", "layer2.0.conv2", "layer2.1.conv1", "layer3.0.conv1", "layer3.0.conv2",
            "layer3.1.conv1", "layer4.0.conv1", "layer4.0.conv2", "layer4.1.conv1");

    private static List<Map<?, ?>> members(Map<?, ?> group) {
        List<Map<?, ?>> out = new ArrayList<>();
        for (Object o : (List<?>) group.get("members")) {
            out.add((Map<?, ?>) o);
        }
        return out;
    }

    private static List<String> layerSides(Map<?, ?> group) {
        return members(group).stream().map(m -> m.get("layer") + " " + m.get("axis")).toList();
    }

    private static List<Long> range(int n) {
        List<Long> l = new ArrayList<>();
        for (long i = 0; i < n; i++) {
            l.add(i);
        }
        return l;
    }

    @Test
    void conv1GroupJsonHasTorchPruningsSixteenMembers() {
        Result r = run("groups", "resnet18", "--root", "conv1", "--indices", "2,6,9", "--json");
        assertEquals(0, r.code(), r.err());
        List<Map<?, ?>> groups = r.jsonList();
        assertEquals(1, groups.size());
        Map<?, ?> g = groups.get(0);
        assertEquals(List.of("root", "members"), List.copyOf(g.keySet()));
        assertEquals("conv1", g.get("root"));
        assertEquals(CONV1_GROUP, layerSides(g));
        Map<String, String> ops = Map.of("conv1", "Conv2d", "bn1", "BatchNorm2d", "relu", "ReLU", "maxpool", "MaxPool2d",
                "layer1.0.add", "Add", "layer2.0.downsample.0", "Conv2d");
        for (Map<?, ?> m : members(g)) {
            assertEquals(List.of("layer", "op", "axis", "indices"), List.copyOf(m.keySet()));
            assertEquals(List.of(2L, 6L, 9L), m.get("indices"), String.valueOf(m));
            if (ops.containsKey(m.get("layer"))) {
                assertEquals(ops.get(m.get("layer")), m.get("op"), String.valueOf(m));
            }
        }
    }

    @Test
    void indicesAreSortedAndDeduplicatedAndDefaultToAllChannels() {
        Result shuffled = run("groups", "resnet18", "--root", "conv1", "--indices", "9, 2,6,2", "--json");
        assertEquals(0, shuffled.code(), shuffled.err());
        assertEquals(List.of(2L, 6L, 9L), members(shuffled.jsonList().get(0)).get(7).get("indices"));

        Result all = run("groups", "resnet18", "--root", "conv1", "--json");
        assertEquals(0, all.code(), all.err());
        Map<?, ?> g = all.jsonList().get(0);
        assertEquals(CONV1_GROUP, layerSides(g));
        for (Map<?, ?> m : members(g)) {
            assertEquals(range(64), m.get("indices"), String.valueOf(m.get("layer")));
        }
    }

    @Test
    void batchNormRootListsItselfFirst() {
        Result r = run("groups", "resnet18", "--root", "layer1.0.bn1", "--indices", "0,5", "--json");
        assertEquals(0, r.code(), r.err());
        Map<?, ?> g = r.jsonList().get(0);
        assertEquals("layer1.0.bn1", g.get("root"));
        assertEquals(List.of("layer1.0.bn1 out", "layer1.0.conv1 out", "layer1.0.relu out", "layer1.0.conv2 in"),
                layerSides(g));
    }

    @Test
    void allGroupsOfResNet18LeaveOutTheClassifier() {
        Result r = run("groups", "resnet18", "--json");
        assertEquals(0, r.code(), r.err());
        List<Map<?, ?>> groups = r.jsonList();
        assertEquals(RESNET18_ROOTS, groups.stream().map(g -> g.get("root")).toList());
        assertEquals(CONV1_GROUP, layerSides(groups.get(0)));
        // every conv loses out-channels in exactly one group; fc only in-channels (in layer4's stream)
        Map<String, Integer> outs = new HashMap<>();
        for (Map<?, ?> g : groups) {
            for (Map<?, ?> m : members(g)) {
                if (m.get("axis").equals("out") && m.get("op").equals("Conv2d")) {
                    outs.merge((String) m.get("layer"), 1, Integer::sum);
                }
                assertFalse(m.get("layer").equals("fc") && m.get("axis").equals("out"), "fc out in " + g.get("root"));
            }
        }
        assertEquals(20, outs.size(), outs.toString());
        assertTrue(outs.values().stream().allMatch(c -> c == 1), outs.toString());
        assertEquals(List.of("layer4.0.conv2 out", "layer4.0.bn2 out", "layer4.0.downsample.0 out",
                "layer4.0.downsample.1 out", "layer4.0.add out", "layer4.0.relu#1 out", "layer4.1.conv1 in",
                "layer4.1.conv2 out", "layer4.1.bn2 out", "layer4.1.add out", "layer4.1.relu#1 out", "avgpool out",
                "flatten out", "fc in"), layerSides(groups.get(10)));
        assertEquals(range(512), members(groups.get(10)).get(13).get("indices"));
        assertTrue(r.out().contains("12 groups"), r.out());
        assertTrue(r.out().contains("fc (ignored by default: produces a graph output)"), r.out());
    }

    @Test
    void ignoreAddsLayersAndNoDefaultIgnoreDropsTheClassifier() {
        Result none = run("groups", "resnet18", "--no-default-ignore", "--json");
        assertEquals(0, none.code(), none.err());
        // fc would change the graph output, so it roots no group even when not ignored
        assertEquals(RESNET18_ROOTS, none.jsonList().stream().map(g -> g.get("root")).toList());
        assertTrue(none.out().contains("fc (its group reaches a graph input or output)"), none.out());

        Result stage = run("groups", "resnet18", "--ignore", "layer1.0.conv2", "--json");
        assertEquals(0, stage.code(), stage.err());
        List<Object> roots = new ArrayList<>(RESNET18_ROOTS);
        roots.remove("conv1");
        assertEquals(roots, stage.jsonList().stream().map(g -> g.get("root")).toList());
        assertTrue(stage.out().contains("conv1 (its group contains ignored layer1.0.conv2)"), stage.out());

        Result two = run("groups", "resnet18", "--ignore", "layer1.0.conv1,layer2.0.conv1", "--ignore", "layer3.1.conv1",
                "--json");
        assertEquals(0, two.code(), two.err());
        List<Object> left = new ArrayList<>(RESNET18_ROOTS);
        left.removeAll(List.of("layer1.0.conv1", "layer2.0.conv1", "layer3.1.conv1"));
        assertEquals(left, two.jsonList().stream().map(g -> g.get("root")).toList());
    }

    @Test
    void humanOutputListsMembersLikeGroupDetails() {
        Result r = run("groups", "resnet18", "--root", "conv1", "--indices", "2,6,9");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().startsWith("group: conv1 out channels [2, 6, 9], 16 members\n"), r.out());
        assertTrue(Pattern.compile("(?m)^  \\[4\\]\\s+in\\s+layer1\\.0\\.conv1\\s+Conv2d\\s+\\[2, 6, 9\\]$")
                .matcher(r.out()).find(), r.out());
        assertTrue(Pattern.compile("(?m)^  \\[15\\] in\\s+layer2\\.0\\.downsample\\.0\\s+Conv2d\\s+\\[2, 6, 9\\]$")
                .matcher(r.out()).find(), r.out());
        assertEquals(18, r.out().strip().split("\n").length, r.out());
        assertEquals("1 group", r.lastLine());

        Result all = run("groups", "resnet18");
        assertEquals(0, all.code(), all.err());
        assertTrue(all.out().contains("group 5/12: layer2.0.conv2 out channels [0, 1, 2, ... 127] (128), 13 members"),
                all.out());
        assertTrue(Pattern.compile("(?m)^  \\[1\\] out\\s+layer1\\.0\\.bn1\\s+BatchNorm2d\\s+\\[0, 1, 2, \\.\\.\\. 63\\] \\(64\\)$")
                .matcher(all.out()).find(), all.out());
        assertTrue(all.lastLine().startsWith("12 groups"), all.lastLine());
    }

    @Test
    void aGroupThatReachesTheOutputSaysSo() {
        Result r = run("groups", "resnet18", "--root", "fc", "--indices", "3");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().startsWith("group: fc out channels [3], 1 member (reaches a graph input or output"), r.out());
    }

    @Test
    void abbreviatesLongIndexLists() {
        assertEquals("[2, 6, 9]", GroupsCommand.abbreviate(new int[] {2, 6, 9}));
        assertEquals("[0, 1, 2, 3, 4, 5, 6, 7]", GroupsCommand.abbreviate(new int[] {0, 1, 2, 3, 4, 5, 6, 7}));
        assertEquals("[0, 1, 2, ... 63] (64)", GroupsCommand.abbreviate(range(64).stream().mapToInt(Long::intValue).toArray()));
    }

    @Test
    void errorsExitWithContractCodesAndOneLine() {
        expectError(run("groups"), 2, "usage");
        expectError(run("groups", "resnet19"), 2, "unknown model 'resnet19'");
        expectError(run("groups", "missing-model.onnx"), 3, "does not exist");
        expectError(run("groups", "resnet18", "--root", "conv"), 2, "layer 'conv' is not in resnet18; did you mean conv1");
        expectError(run("groups", "resnet18", "--root", "layer1.0.relu"), 2, "layer1.0.relu (ReLU) has no output channels");
        expectError(run("groups", "resnet18", "--root", "conv1", "--indices", "2,x"), 2, "--indices expects");
        expectError(run("groups", "resnet18", "--root", "conv1", "--indices", ""), 2, "--indices expects");
        expectError(run("groups", "resnet18", "--root", "conv1", "--indices", "2,-1"), 2, "non-negative");
        expectError(run("groups", "resnet18", "--root", "conv1", "--indices", "3,64"), 2,
                "index 64 is outside the 64 output channels of conv1");
        expectError(run("groups", "resnet18", "--root", "layer4.0.conv1", "--indices", "512"), 2,
                "outside the 512 output channels");
        expectError(run("groups", "resnet18", "--ignore", "fcc"), 2, "--ignore: layer 'fcc' is not in resnet18; did you mean fc");
        expectError(run("groups", "resnet18", "--heads", "some"), 2, "--heads must be dims or whole");
        expectError(run("groups", "resnet18", "--ignore", "layer1.0.conv1,"), 2, "--ignore expects layer names");
        expectError(run("groups", "resnet18", "--indices", "1"), 2, "--indices needs --root");
        expectError(run("groups", "resnet18", "--root", "conv1", "--ignore", "fc"), 2, "not to --root");
        expectError(run("groups", "resnet18", "--frobnicate"), 2, "unknown option --frobnicate for 'groups'");
    }

    @Test
    void helpListsGroups() {
        Result r = run("--help");
        assertEquals(0, r.code());
        assertTrue(r.out().contains("jprune groups MODEL [--root LAYER]"), r.out());
        expectError(run("grups"), 2, "commands: info, groups");
    }

    private static void expectError(Result r, int code, String fragment) {
        CliRun.expectError(r, code, fragment);
        assertTrue(r.out().isEmpty(), "nothing on stdout on failure: " + r.out());
    }
}
