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
 * Every op in {@code dev.jprune.ops} declares its axis rules ({@link Op#linkAxes}): the interface's default throws,
 * so a model using an op without rules could not be pruned at all.
 */
class OpsAxisRulesCoverageTest {

    /** Classes of the package that are helpers, not ops. */
    private static final Set<String> HELPERS = Set.of("Attention", "Shapes");

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
    void everyOpDeclaresItsAxisRules() throws Exception {
        Set<String> ops = ops();
        assertTrue(ops.size() >= 48, "only " + ops.size() + " ops found: " + ops);
        List<String> missing = new ArrayList<>();
        for (String op : ops) {
            if (!overridesLinkAxes(op)) {
                missing.add(op);
            }
        }
        assertEquals(List.of(), missing, "ops that do not override Op.linkAxes");
    }
}
