package dev.jprune.io.onnx;

import dev.jprune.count.OpCounter;
import dev.jprune.depgraph.DependencyGraph;
import dev.jprune.depgraph.Group;
import dev.jprune.depgraph.Member;
import dev.jprune.depgraph.PruningInvariantTest;
import dev.jprune.depgraph.Side;
import dev.jprune.ir.axis.ChannelParams;
import dev.jprune.ir.axis.Indices;
import dev.jprune.exec.Executor;
import dev.jprune.io.onnx.OnnxImporter.FillMissing;
import dev.jprune.ir.Graph;
import dev.jprune.ir.Node;
import dev.jprune.ir.Parameter;
import dev.jprune.prune.BasePruner;
import dev.jprune.prune.importance.GroupMagnitudeImportance;
import dev.jprune.tensor.Shape;
import dev.jprune.tensor.Tensor;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Real {@code torch.onnx.export} models (opset 17, written by {@code real/make_real_exports.py} with Debian's torch
 * 1.13, weights inline): a U-Net (ConvTranspose, MaxPool, skip concatenations, BatchNorm kept), a net using
 * {@code x.chunk(2, dim=1)}, one using {@code torch.split} sizes, an ESPCN-like super-resolution net
 * (PixelShuffle → DepthToSpace CRD) and one with {@code F.interpolate} nearest and bilinear, GroupNorm,
 * InstanceNorm, LeakyReLU and PReLU. Each is imported; its forward on the saved input must match torch's saved
 * output and ONNX Runtime's within {@code 1e-4·max|ref| + 1e-6}; then it is pruned by 50 % (local, group L2
 * magnitude, the layers producing the outputs ignored, as the pruner does by default) and must still run with the
 * same output shape and fewer parameters and MACs; the pruned graph is exported with the import's origin and must run
 * in ONNX Runtime like jprune's pruned forward (same tolerance), keeping the file's node and initializer names where
 * the origin has them. Unpruned, import → export → import is lossless: the same parameter names and values and the
 * same forward within {@code 1e-6} (absolute). A model whose ops the importer does not translate yet is
 * skipped (an assumption naming the missing op types): {@code chunk} and {@code interp} need the shape ops
 * (Shape, Gather, Slice, Div) that torch emits for {@code chunk} and for GroupNorm's reshape back. In
 * {@code interp}, the first conv's group cannot be pruned: torch's GroupNorm reshapes its channels into
 * {@code (N, groups, -1)}, which no single axis follows; the rest of the model is.
 */
class RealExportsTest {

    @TempDir
    Path tmp;

    /** ONNX ops that jprune imports as one node and exports as one node of the same type. */
    private static final Set<String> SAME_FORM = Set.of("Conv", "ConvTranspose", "PRelu", "InstanceNormalization",
            "DepthToSpace", "LeakyRelu", "Relu");

    private static final Pattern DIMS = Pattern.compile("\"(input|output)\": \\[([0-9,\\s]*)\\]");

    private static Path resource(String file) throws URISyntaxException {
        return Path.of(RealExportsTest.class.getResource("real/" + file).toURI());
    }

    private static Map<String, Shape> shapes(Path json) throws Exception {
        Matcher m = DIMS.matcher(Files.readString(json));
        Map<String, Shape> out = new java.util.HashMap<>();
        while (m.find()) {
            out.put(m.group(1), Shape.of(Arrays.stream(m.group(2).split(",")).map(String::trim)
                    .mapToInt(Integer::parseInt).toArray()));
        }
        return out;
    }

    private static Tensor floats(Path bin, Shape shape) throws Exception {
        byte[] b = Files.readAllBytes(bin);
        assertEquals(shape.numelLong() * 4, b.length, bin + ": size");
        float[] f = new float[b.length / 4];
        ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(f);
        return Tensor.wrap(shape, f);
    }

    /** {@link OrtRun#assertClose} on a reference that is not all zero, printing the largest difference. */
    private static void assertClose(Tensor ref, Tensor got, String what) {
        assertTrue(ref.maxAbs() > 0, what + ": all-zero reference");
        System.out.printf("%s: max |diff| %.3g (tolerance %.3g)%n", what, OrtRun.assertClose(ref, got, what),
                1e-4 * ref.maxAbs() + 1e-6);
    }

    /** The export {@code name}.onnx, whose every op type the importer translates (asserted, not assumed). */
    private static Path importable(String name) throws Exception {
        Path file = resource(name + ".onnx");
        Set<String> missing = new TreeSet<>();
        for (OnnxNode n : OnnxModelFile.readStructure(file).nodes()) {
            if (!OnnxImporter.supportedOps().contains(n.opType())) {
                missing.add(n.opType());
            }
        }
        assertTrue(missing.isEmpty(), name + " uses ONNX ops the importer does not translate: " + missing);
        return file;
    }

    /** An export with its saved input ({@code name}.input.bin) and the shapes of its json. */
    private record Real(Path file, Map<String, Shape> shapes, Tensor x) {
        Shape inputShape() {
            return shapes.get("input");
        }
    }

    /** The importable export {@code name}, its shapes and its saved input. */
    private static Real real(String name) throws Exception {
        Path file = importable(name);
        Map<String, Shape> s = shapes(resource(name + ".json"));
        return new Real(file, s, floats(resource(name + ".input.bin"), s.get("input")));
    }

    /** Exports {@code g} with its origin names into {@code tmp}/{@code file}. */
    private Path export(Graph g, OnnxOrigin origin, String file) throws IOException {
        Path out = tmp.resolve(file);
        OnnxExporter.export(g, origin, out, OnnxExportOptions.DEFAULTS);
        return out;
    }

    @ParameterizedTest
    @ValueSource(strings = {"unet", "chunk", "split", "superres", "interp"})
    void importMatchesTorchAndOnnxRuntimeThenPrunes(String name) throws Exception {
        Real r = real(name);
        Path file = r.file();
        Tensor x = r.x();
        Tensor ref = floats(resource(name + ".output.bin"), r.shapes().get("output"));
        OnnxImport imported = OnnxImporter.read(file, FillMissing.NONE, r.inputShape());
        Graph g = imported.graph();
        Tensor y = Executor.run(g, x)[0];
        assertEquals(ref.shape(), y.shape(), name + ": output shape");
        assertClose(ref, y, name + " vs torch " + "1.13");
        assertClose(OrtRun.runOne(file, "input", x), y, name + " vs ONNX Runtime");

        OpCounter.Count before = OpCounter.count(g);
        BasePruner pruner = BasePruner.builder(g).importance(GroupMagnitudeImportance.builder().p(2).build())
                .pruningRatio(0.5).build();
        pruner.step();
        OpCounter.Count after = OpCounter.count(g);
        Tensor pruned = Executor.run(g, x)[0];
        assertArrayEquals(ref.shape().dims(), pruned.shape().dims(), name + ": pruned output shape");
        assertTrue(after.params() < before.params(), name + ": params " + before.params() + " -> " + after.params());
        assertTrue(after.convLinearMacs() < before.convLinearMacs(), name + ": MACs " + before.convLinearMacs()
                + " -> " + after.convLinearMacs());
        for (float v : pruned.data()) {
            assertTrue(Float.isFinite(v), name + ": pruned output holds " + v);
        }
        System.out.printf("%s: params %d -> %d, MACs %d -> %d%n", name, before.params(), after.params(),
                before.convLinearMacs(), after.convLinearMacs());

        Path out = export(g, imported.origin(), name + ".pruned.onnx");
        assertClose(pruned, OrtRun.runOne(out, "input", x), name + " pruned, exported, in ONNX Runtime");
        assertKeepsOriginNames(file, out, g, imported.origin(), name);
    }

    /**
     * The export of {@code g} ({@code out}) keeps the ONNX names of the original file ({@code original}): every
     * node of the original whose op has a one-node form of the same type ({@link #SAME_FORM}: Conv, ConvTranspose,
     * PRelu, InstanceNormalization, DepthToSpace, LeakyRelu, Relu) is in the export under its name with that type,
     * and every parameter the origin maps to an initializer of the original is written under that initializer's
     * name.
     */
    private static void assertKeepsOriginNames(Path original, Path out, Graph g, OnnxOrigin origin, String name)
            throws Exception {
        OnnxModelFile src = OnnxModelFile.readStructure(original);
        OnnxModelFile dst = OnnxModelFile.readStructure(out);
        Map<String, String> exportedOps = new java.util.HashMap<>();
        for (OnnxNode n : dst.nodes()) {
            exportedOps.put(n.name(), n.opType());
        }
        int sameForm = 0;
        for (OnnxNode n : src.nodes()) {
            if (SAME_FORM.contains(n.opType())) {
                sameForm++;
                assertEquals(n.opType(), exportedOps.get(n.name()), name + ": " + n.opType() + " node " + n.name()
                        + " is not in the export under its name; export has " + new TreeSet<>(exportedOps.keySet()));
            }
        }
        assertTrue(sameForm > 0, name + ": no node of " + SAME_FORM + " in the original");
        Set<String> originalInits = new HashSet<>();
        for (OnnxTensor t : src.initializers()) {
            originalInits.add(t.name());
        }
        Set<String> exportedInits = new HashSet<>();
        for (OnnxTensor t : dst.initializers()) {
            exportedInits.add(t.name());
        }
        int kept = 0;
        for (Parameter p : g.stateDict().values()) {
            String init = origin.initializer(p.name());
            if (originalInits.contains(init)) {
                assertTrue(exportedInits.contains(init), name + ": parameter " + p.name() + " was initializer "
                        + init + " of the original but is not in the export; export has "
                        + new TreeSet<>(exportedInits));
                kept++;
            }
        }
        assertTrue(kept > 0, name + ": no parameter kept its initializer name");
        System.out.printf("%s: %d node names and %d initializer names kept%n", name, sameForm, kept);
    }

    /**
     * Import → export (with the origin) → import, unpruned: the same parameter names and values, the same forward
     * within {@code 1e-6} (absolute), and the re-imported forward still matches torch's saved output.
     */
    @ParameterizedTest
    @ValueSource(strings = {"unet", "chunk", "split", "superres", "interp"})
    void reExportIsLossless(String name) throws Exception {
        Real r = real(name);
        Map<String, Shape> s = r.shapes();
        Tensor x = r.x();
        OnnxImport imported = OnnxImporter.read(r.file(), FillMissing.NONE, r.inputShape());
        Graph g = imported.graph();
        Path out = export(g, imported.origin(), name + ".re.onnx");
        Graph back = OnnxImporter.importModel(out, FillMissing.NONE, s.get("input"));
        assertEquals(new TreeSet<>(g.stateDict().keySet()), new TreeSet<>(back.stateDict().keySet()),
                name + ": parameter names after the round trip");
        for (Parameter p : g.stateDict().values()) {
            Parameter q = back.stateDict().get(p.name());
            assertNotNull(q, name + ": " + p.name());
            assertArrayEquals(p.value().data(), q.value().data(), 0f, name + ": " + p.name());
        }
        Tensor y = Executor.run(g, x)[0];
        Tensor z = Executor.run(back, x)[0];
        assertEquals(y.shape(), z.shape(), name + ": output shape");
        float worst = PruningInvariantTest.maxDiff(y, z);
        assertTrue(worst <= 1e-6f, name + ": re-imported forward differs by " + worst + " > 1e-6");
        assertClose(floats(resource(name + ".output.bin"), s.get("output")), z,
                name + " re-imported vs torch");
        assertClose(y, OrtRun.runOne(out, "input", x), name + " re-exported, in ONNX Runtime");
        System.out.printf("%s: re-import max |diff| %.3g (tolerance 1e-6)%n", name, worst);
    }

    /**
     * The pruning invariant on the imported models (as {@code PruningInvariantTest} checks the zoo): three seeded
     * channels of every group (output layers ignored; groups normalised across their channels left out) are
     * zeroed, then every group is pruned; the output must not change beyond {@code 1e-5·max|ref| + 1e-6}.
     */
    @ParameterizedTest
    @ValueSource(strings = {"unet", "chunk", "split", "superres", "interp"})
    void zeroingEqualsPruning(String name) throws Exception {
        Real r = real(name);
        Graph g = OnnxImporter.importModel(r.file(), FillMissing.NONE, r.inputShape());
        Tensor x = r.x();
        DependencyGraph dg = new DependencyGraph(g);
        SplittableRandom rnd = new SplittableRandom(20261125L + name.hashCode());
        List<String> roots = new ArrayList<>();
        List<int[]> chosen = new ArrayList<>();
        List<String> normalised = new ArrayList<>();
        for (Group group : dg.allGroups(DependencyGraph.outputLayers(g))) {
            int[] channels = PruningInvariantTest.distinct(rnd, group.rootIndices().size());
            boolean acrossChannels = false;
            for (Member m : group.members()) {
                ChannelParams cp = m.node().op().channelParams(m.node(), m.port(), m.axis());
                acrossChannels |= cp != null && (cp.kind() == ChannelParams.Kind.GROUP_NORM
                        || cp.kind() == ChannelParams.Kind.LAYER_NORM);
            }
            if (acrossChannels) {
                normalised.add(group.root().name());
            } else if (dg.pruningGroup(group.root(), Side.OUT, Indices.of(channels)).problems().isEmpty()) {
                roots.add(group.root().name());
                chosen.add(channels);
            }
        }
        // interp's conv1 feeds a GroupNorm (torch's Reshape/InstanceNormalization/Reshape/Mul/Add, imported as one
        // module): prunable, but zeroing and removing differ there by construction
        assertEquals(name.equals("interp") ? List.of("conv1") : List.of(), normalised, name + ": normalised groups");
        assertTrue(roots.size() + normalised.size() >= 2 && !roots.isEmpty(), name + ": groups " + roots);
        Tensor original = Executor.run(g, x)[0];
        for (int i = 0; i < roots.size(); i++) {
            dg.pruningGroup(g.requireNode(roots.get(i)), Side.OUT, Indices.of(chosen.get(i))).zeroOutChannels();
        }
        Tensor ref = Executor.run(g, x)[0];
        assertTrue(PruningInvariantTest.maxDiff(original, ref) > 0, name + ": zeroing changed nothing");
        long params = OpCounter.count(g).params();
        for (int i = 0; i < roots.size(); i++) {
            new DependencyGraph(g).pruningGroup(g.requireNode(roots.get(i)), Side.OUT, Indices.of(chosen.get(i)))
                    .prune();
        }
        Tensor out = Executor.run(g, x)[0];
        assertEquals(ref.shape(), out.shape(), name + ": output shape");
        float tol = 1e-5f * ref.maxAbs() + 1e-6f;
        float diff = PruningInvariantTest.maxDiff(ref, out);
        assertTrue(diff <= tol, name + ": pruned output differs from the zeroed one by " + diff + " > " + tol);
        assertTrue(OpCounter.count(g).params() < params, name + ": no parameter removed");
        System.out.printf("%s: %d groups %s, zeroed vs pruned max diff %.3g (tolerance %.3g)%n", name, roots.size(),
                roots, diff, tol);
    }
}
