package dev.jprune.cli;

import dev.jprune.depgraph.DependencyGraph;
import dev.jprune.depgraph.Group;
import dev.jprune.depgraph.HeadMode;
import dev.jprune.depgraph.Member;
import dev.jprune.depgraph.Side;
import dev.jprune.internal.Json;
import dev.jprune.ir.Graph;
import dev.jprune.ir.Node;
import dev.jprune.ir.axis.Indices;
import dev.jprune.ir.axis.UnsupportedAxisException;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * {@code jprune groups} ({@link #USAGE}):
 * the pruning groups of a model (Torch-Pruning's {@code DG.get_all_groups}) or the group rooted at one layer's
 * output channels ({@code DG.get_pruning_group}), printed like {@code group.details()}.
 */
final class GroupsCommand {

    static final String USAGE = "jprune groups MODEL [--root LAYER] [--indices I,J,...] [--ignore L1,L2]"
            + " [--no-default-ignore] [--heads dims|whole] [--input N,C,H,W] [--weights none|parity|FILE]"
            + " [--fill-missing parity] [--seed S]"
            + " [--json]";

    /** Index lists longer than this are printed as their first three, an ellipsis and the last. */
    private static final int SHOW_ALL = 8;

    private GroupsCommand() {
    }

    static int run(List<String> argv, PrintStream out) {
        Args a = new Args("groups", argv, Set.of("root", "indices", "ignore", "heads", "input", "weights", "seed",
                "fill-missing"),
                Set.of("no-default-ignore", "json", "verbose"));
        if (a.positionals().size() != 1) {
            throw CliException.usage("usage: " + USAGE);
        }
        String root = a.get("root", null);
        if (root == null && a.get("indices", null) != null) {
            throw CliException.usage("--indices needs --root LAYER (the layer whose output channels they number)");
        }
        if (root != null && (!a.all("ignore").isEmpty() || a.flag("no-default-ignore"))) {
            throw CliException.usage("--ignore and --no-default-ignore apply to all groups, not to --root " + root);
        }
        HeadMode heads;
        try {
            heads = HeadMode.parse(a.get("heads", "dims"));
        } catch (IllegalArgumentException e) {
            throw CliException.usage("--heads must be dims or whole, got '" + a.get("heads", null) + "'");
        }
        String model = a.positionals().get(0);
        ModelLoader.Loaded m = ModelLoader.load(model, a.get("input", null), a.get("weights", null), a.getLong("seed", 0),
                a.get("fill-missing", null));
        DependencyGraph dg = new DependencyGraph(m.graph(), heads);

        List<Group> groups;
        String summary;
        if (root != null) {
            groups = List.of(rootGroup(dg, root, a.get("indices", null)));
            summary = "1 group";
        } else {
            Map<String, String> ignored = ignored(m.graph(), a.all("ignore"), !a.flag("no-default-ignore"));
            List<String> unsupported = new ArrayList<>();
            try {
                groups = dg.allGroups(ignored.keySet(), DependencyGraph.DEFAULT_ROOT_TYPES, unsupported);
            } catch (UnsupportedAxisException e) {
                throw new CliException(CliException.UNSUPPORTED, e.getMessage(), e);
            }
            List<String> skipped = skippedRoots(dg, groups, ignored, unsupported);
            summary = groups.size() + (groups.size() == 1 ? " group" : " groups") + " rooted at "
                    + String.join("/", new TreeSet<>(DependencyGraph.DEFAULT_ROOT_TYPES)) + " layers"
                    + "; skipped roots: " + (skipped.isEmpty() ? "none" : String.join(", ", skipped));
        }

        for (int i = 0; i < groups.size(); i++) {
            printGroup(out, groups.get(i), root == null ? "group " + (i + 1) + "/" + groups.size() + ": " : "group: ");
        }
        out.println(summary);
        if (a.flag("json")) {
            out.println(Json.write(toJson(groups)));
        }
        return 0;
    }

    /** The group of {@code layer}'s output channels {@code spec} (all of them when {@code null}). */
    private static Group rootGroup(DependencyGraph dg, String layer, String spec) {
        Graph g = dg.graph();
        Node node = g.node(layer);
        if (node == null) {
            throw CliException.usage("layer '" + layer + "' is not in " + g.name() + suggest(g, layer));
        }
        int axis = node.op().rootAxis(node);
        if (axis < 0) {
            throw CliException.usage(layer + " (" + node.op().type()
                    + ") has no output channels to root a group; roots are layers with channels such as Conv2d, Linear, BatchNorm2d");
        }
        int size = node.output(0).shape().dim(axis);
        Indices indices = spec == null ? Indices.range(size) : Indices.of(parseIndices(spec));
        if (indices.max() >= size) {
            throw CliException.usage("--indices: index " + indices.max() + " is outside the " + size
                    + " output channels of " + layer + " (0.." + (size - 1) + ")");
        }
        try {
            return dg.pruningGroup(node, Side.OUT, indices);
        } catch (UnsupportedAxisException e) {
            throw new CliException(CliException.UNSUPPORTED, e.getMessage(), e);
        } catch (IllegalArgumentException e) {
            throw CliException.usage(e.getMessage());
        }
    }

    /** Parses {@code I,J,...}: non-negative integers, at least one. */
    static int[] parseIndices(String spec) {
        String[] parts = spec.split(",", -1);
        int[] out = new int[parts.length];
        for (int i = 0; i < parts.length; i++) {
            try {
                out[i] = Integer.parseInt(parts[i].trim());
            } catch (NumberFormatException e) {
                throw CliException.usage("--indices expects comma-separated channel indices like 2,6,9, got '" + spec + "'");
            }
            if (out[i] < 0) {
                throw CliException.usage("--indices must be non-negative, got " + out[i] + " in '" + spec + "'");
            }
        }
        return out;
    }

    /**
     * The layers to ignore, each with why: the ones named by {@code --ignore} (comma-separated, repeatable; a node
     * or module name) and, by default, the classifier — the layer that produces each graph output, found by walking
     * back through parameter-free ops — as {@code prune} ignores it.
     */
    static Map<String, String> ignored(Graph g, List<String> options, boolean withDefault) {
        Map<String, String> out = new LinkedHashMap<>();
        if (withDefault) {
            for (String name : defaultIgnored(g)) {
                out.put(name, "ignored by default: produces a graph output");
            }
        }
        for (String option : options) {
            for (String part : option.split(",", -1)) {
                String name = part.trim();
                if (name.isEmpty()) {
                    throw CliException.usage("--ignore expects layer names separated by commas, got '" + option + "'");
                }
                if (g.node(name) == null && g.nodes().stream().noneMatch(n -> n.moduleName().equals(name))) {
                    throw CliException.usage("--ignore: layer '" + name + "' is not in " + g.name() + suggest(g, name));
                }
                out.putIfAbsent(name, "ignored");
            }
        }
        return out;
    }

    /** The layers whose outputs are the graph's outputs (the classifier), skipping parameter-free ops after them. */
    static List<String> defaultIgnored(Graph g) {
        return List.copyOf(DependencyGraph.outputLayers(g));
    }

    /**
     * Every layer of a root type that roots no group and is not an out-member of one, as {@code "name (why)"}:
     * ignored, its channels cannot be followed, its group reaches a graph input or output, or its group contains
     * the output of an ignored layer.
     */
    private static List<String> skippedRoots(DependencyGraph dg, List<Group> groups, Map<String, String> ignored,
                                             List<String> unsupported) {
        Set<Node> covered = Collections.newSetFromMap(new IdentityHashMap<>());
        for (Group g : groups) {
            for (Member m : g.members()) {
                if (m.side() == Side.OUT) {
                    covered.add(m.node());
                }
            }
        }
        List<String> out = new ArrayList<>();
        for (Node n : dg.graph().nodes()) {
            if (!DependencyGraph.DEFAULT_ROOT_TYPES.contains(n.op().type()) || covered.contains(n)) {
                continue;
            }
            String why = ignored.containsKey(n.name()) ? ignored.get(n.name()) : ignored.get(n.moduleName());
            if (why == null) {
                why = reason(dg, n, ignored, unsupported);
            }
            out.add(n.name() + " (" + why + ")");
        }
        return out;
    }

    private static String reason(DependencyGraph dg, Node n, Map<String, String> ignored, List<String> unsupported) {
        if (n.op().rootAxis(n) < 0) {
            return "no channels";
        }
        for (String s : unsupported) {
            if (s.startsWith(n.name() + ": ")) {
                return s.substring(n.name().length() + 2);
            }
        }
        Group g;
        try {
            g = dg.pruningGroup(n, Side.OUT, Indices.range(n.output(0).shape().dim(n.op().rootAxis(n))));
        } catch (UnsupportedAxisException e) {
            return e.getMessage();
        }
        if (g.touchesGraphBoundary()) {
            return "its group reaches a graph input or output";
        }
        for (Member m : g.members()) {
            if (m.side() == Side.OUT && m.node().op().separatesInAndOut()
                    && (ignored.containsKey(m.node().name()) || ignored.containsKey(m.node().moduleName()))) {
                return "its group contains ignored " + m.layer();
            }
        }
        return "not a root";
    }

    private static void printGroup(PrintStream out, Group g, String prefix) {
        List<Member> members = g.members();
        out.printf("%s%s %s channels %s, %d %s%s%n", prefix, g.root().name(), g.side().label(),
                abbreviate(g.rootIndices().indices()), members.size(), members.size() == 1 ? "member" : "members",
                g.touchesGraphBoundary() ? " (reaches a graph input or output: cannot be pruned)" : "");
        int layerWidth = 0;
        int opWidth = 0;
        for (Member m : members) {
            layerWidth = Math.max(layerWidth, m.layer().length());
            opWidth = Math.max(opWidth, m.node().op().type().length());
        }
        int indexWidth = Integer.toString(members.size() - 1).length() + 2;
        for (int i = 0; i < members.size(); i++) {
            Member m = members.get(i);
            int[] idx = m.indices().indices();
            int[] roots = m.indices().roots();
            String line = String.format("  %-" + indexWidth + "s %-3s  %-" + layerWidth + "s  %-" + opWidth + "s  %s",
                    "[" + i + "]", m.side().label(), m.layer(), m.node().op().type(), abbreviate(idx));
            if (!Arrays.equals(idx, roots)) {
                line += "  roots " + abbreviate(roots);
            }
            out.println(line.stripTrailing());
        }
    }

    /** {@code [2, 6, 9]}, or {@code [0, 1, 2, ... 63] (64)} for a long list. */
    static String abbreviate(int[] v) {
        if (v.length <= SHOW_ALL) {
            return Arrays.toString(v);
        }
        return "[" + v[0] + ", " + v[1] + ", " + v[2] + ", ... " + v[v.length - 1] + "] (" + v.length + ")";
    }

    /** CLI.md's shape: {@code [{"root", "members": [{"layer", "op", "axis", "indices"}]}]}. */
    private static List<Object> toJson(List<Group> groups) {
        List<Object> out = new ArrayList<>();
        for (Group g : groups) {
            List<Object> members = new ArrayList<>();
            for (Member m : g.members()) {
                Map<String, Object> j = new LinkedHashMap<>();
                j.put("layer", m.layer());
                j.put("op", m.node().op().type());
                j.put("axis", m.side().label());
                j.put("indices", m.indices().indices());
                members.add(j);
            }
            Map<String, Object> j = new LinkedHashMap<>();
            j.put("root", g.root().name());
            j.put("members", members);
            out.add(j);
        }
        return out;
    }

    /** {@code "; did you mean a, b?"} for up to three names close to {@code name}, or {@code ""}. */
    static String suggest(Graph g, String name) {
        Set<String> names = new LinkedHashSet<>();
        for (Node n : g.nodes()) {
            names.add(n.name());
            names.add(n.moduleName());
        }
        int limit = Math.max(2, name.length() / 3);
        List<String> close = names.stream()
                .filter(s -> !s.isEmpty() && distance(s, name) <= limit)
                .sorted((x, y) -> Integer.compare(distance(x, name), distance(y, name)))
                .limit(3)
                .toList();
        return close.isEmpty() ? "" : "; did you mean " + String.join(", ", close) + "?";
    }

    /** Levenshtein distance. */
    static int distance(String a, String b) {
        int[] prev = new int[b.length() + 1];
        int[] cur = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            prev[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            cur[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int sub = prev[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
                cur[j] = Math.min(sub, Math.min(prev[j], cur[j - 1]) + 1);
            }
            int[] t = prev;
            prev = cur;
            cur = t;
        }
        return prev[b.length()];
    }
}
