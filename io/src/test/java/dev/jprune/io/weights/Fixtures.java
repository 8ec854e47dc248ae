package dev.jprune.io.weights;

import dev.jprune.internal.Json;
import dev.jprune.ir.Graph;
import dev.jprune.ir.GraphBuilder;
import dev.jprune.ir.Parameter;
import dev.jprune.ir.Value;
import dev.jprune.ops.AdaptiveAvgPool2d;
import dev.jprune.ops.BatchNorm2d;
import dev.jprune.ops.Conv2d;
import dev.jprune.ops.Flatten;
import dev.jprune.ops.Linear;
import dev.jprune.ops.ReLU;
import dev.jprune.tensor.Shape;
import dev.jprune.tensor.Tensor;
import dev.jprune.weights.RandomInit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The checkpoint fixtures written by {@code make_checkpoints.py} (beside them in the test resources) and the tiny
 * CNN whose {@code state_dict} they hold, built with the same keys.
 */
final class Fixtures {

    static final Shape INPUT = Shape.of(2, 1, 8, 8);

    private Fixtures() {
    }

    /** A fixture file by name. */
    static Path file(String name) {
        URL url = Fixtures.class.getResource(name);
        if (url == null) {
            throw new IllegalStateException("test resource dev/jprune/io/weights/" + name + " is missing");
        }
        try {
            return Path.of(url.toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    /** {@code expected.json}: keys, shapes, values per float type, int64 buffers, input and output. */
    @SuppressWarnings("unchecked")
    static Map<String, Object> expected() {
        try {
            return (Map<String, Object>) Json.parse(Files.readString(file("expected.json")));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The tiny CNN of {@code make_checkpoints.py}, filled with seeded values that differ from the fixtures'. */
    static Graph tiny() {
        return tiny("fc", 6);
    }

    /** The tiny CNN with its classifier named {@code head} and {@code conv2} giving {@code width} channels. */
    static Graph tiny(String head, int width) {
        GraphBuilder b = new GraphBuilder("tiny");
        Value x = b.input("x", INPUT);
        x = b.module("conv1", Conv2d.of(1, 4, 3, 1, 1, true), x);
        x = b.call("relu", new ReLU(), b.module("bn1", BatchNorm2d.of(4), x));
        x = b.module("conv2", Conv2d.of(4, width, 3, 1, 1, false), x);
        x = b.call("relu", new ReLU(), b.module("bn2", BatchNorm2d.of(width), x));
        x = b.call("flatten", Flatten.of(), b.module("pool", AdaptiveAvgPool2d.of(1), x));
        Graph g = b.build(b.module(head, Linear.of(width, 5, true), x));
        RandomInit.fill(g, 99);
        return g;
    }

    /** A copy of every parameter's values, by key. */
    static Map<String, float[]> snapshot(Graph g) {
        Map<String, float[]> out = new HashMap<>();
        for (Parameter p : g.stateDict().values()) {
            out.put(p.name(), p.value().data().clone());
        }
        return out;
    }

    /** Floats from a JSON list of numbers, each rounded once to float (exact for float32 values). */
    static float[] floats(Object jsonList) {
        List<?> l = (List<?>) jsonList;
        float[] out = new float[l.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = ((Number) l.get(i)).floatValue();
        }
        return out;
    }

    /** The input tensor of {@code expected.json}. */
    static Tensor input(Map<String, Object> expected) {
        Map<?, ?> in = (Map<?, ?>) expected.get("input");
        return Tensor.wrap(INPUT, floats(in.get("values")));
    }
}
