package dev.jprune.depgraph;

import dev.jprune.ir.Node;
import dev.jprune.ir.Op;
import dev.jprune.ir.axis.AxisLinks;
import dev.jprune.ir.axis.Indices;
import dev.jprune.ir.axis.Port;
import dev.jprune.ops.Concat;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every op in {@code dev.jprune.ops} must declare its axis rules ({@link Op#linkAxes}); the interface's default
 * throws, so a model using an op without rules cannot be pruned at all. The ops still without rules are listed on
 * standard output; the assertion covers the ops whose rules exist (the structural ops and those done before them).
 * After the remaining ops get their rules, {@link #REQUIRED} should become "every op".
 */
class StructuralOpsCoverageTest {

    /** Classes of the package that are helpers, not ops. */
    private static final Set<String> HELPERS = Set.of("Attention", "Shapes");

    /** The ops that must override {@code linkAxes}. */
    private static final Set<String> REQUIRED = Set.of(
            // structural ops
            "Concat", "Split", "Slice", "Reshape", "Squeeze", "Unsqueeze", "Permute", "Transpose", "Expand", "Pad",
            "Roll", "Constant", "AvgPool2d", "AdaptiveMaxPool2d",
            // layers, pooling and views with rules before them
            "Conv2d", "Linear", "BatchNorm2d", "MaxPool2d", "AdaptiveAvgPool2d", "Flatten", "Identity", "FreeParameter",
            // element-wise ops
            "ReLU", "ReLU6", "LeakyReLU", "GELU", "SiLU", "Sigmoid", "Tanh", "Hardsigmoid", "Hardswish", "Clamp", "Erf",
            "Exp", "Log", "Sqrt", "Add", "Sub", "Mul", "Div", "Dropout", "StochasticDepth");

    /** The simple names of every top-level class in the ops package, from the classes directory or the jar. */
    private static List<String> opsPackageClasses() throws IOException, URISyntaxException {
        Path location = Path.of(Concat.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        String pkg = "dev/jprune/ops/";
        List<String> names = new ArrayList<>();
        if (Files.isDirectory(location)) {
            try (Stream<Path> files = Files.list(location.resolve(pkg))) {
                files.map(p -> p.getFileName().toString()).forEach(names::add);
            }
        } else {
            try (JarFile jar = new JarFile(location.toFile())) {
                for (Enumeration<JarEntry> e = jar.entries(); e.hasMoreElements(); ) {
                    String n = e.nextElement().getName();
                    if (n.startsWith(pkg) && n.indexOf('/', pkg.length()) < 0) {
                        names.add(n.substring(pkg.length()));
                    }
                }
            }
        }
        return names.stream().filter(n -> n.endsWith(".class") && !n.contains("$") && !n.equals("package-info.class"))
                .map(n -> n.substring(0, n.length() - ".class".length())).sorted().toList();
    }

    /** The ops of the package (concrete classes implementing {@link Op}), by simple name. */
    private static Set<String> ops() throws Exception {
        Set<String> ops = new TreeSet<>();
        for (String name : opsPackageClasses()) {
            if (HELPERS.contains(name)) {
                continue;
            }
            Class<?> c = Class.forName("dev.jprune.ops." + name);
            if (Op.class.isAssignableFrom(c) && !c.isInterface() && !Modifier.isAbstract(c.getModifiers())) {
                ops.add(name);
            }
        }
        return ops;
    }

    private static boolean overridesLinkAxes(String op) throws Exception {
        Method m = Class.forName("dev.jprune.ops." + op)
                .getMethod("linkAxes", Node.class, Port.class, int.class, Indices.class, AxisLinks.class);
        return m.getDeclaringClass() != Op.class;
    }

    @Test
    void theScanFindsTheOpsAndSkipsTheHelpers() throws Exception {
        Set<String> ops = ops();
        assertTrue(ops.containsAll(Set.of("Concat", "Conv2d", "ReLU", "ScaledDotProductAttention")), ops.toString());
        assertTrue(opsPackageClasses().containsAll(HELPERS), "the helpers are in the package: " + opsPackageClasses());
        assertTrue(ops.stream().noneMatch(HELPERS::contains), ops.toString());
    }

    @Test
    void everyRequiredOpExistsAndDeclaresItsAxisRules() throws Exception {
        Set<String> ops = ops();
        List<String> unknown = REQUIRED.stream().filter(r -> !ops.contains(r)).sorted().toList();
        assertEquals(List.of(), unknown, "REQUIRED names classes that are not ops of dev.jprune.ops");
        List<String> missing = new ArrayList<>();
        List<String> pending = new ArrayList<>();
        for (String op : ops) {
            if (!overridesLinkAxes(op)) {
                (REQUIRED.contains(op) ? missing : pending).add(op);
            }
        }
        if (!pending.isEmpty()) {
            System.out.println("ops without axis rules yet (not yet required): " + pending);
        }
        assertEquals(List.of(), missing, "ops that must override Op.linkAxes but do not");
    }
}
