package dev.jprune.cli;

import dev.jprune.io.weights.StateDicts;
import dev.jprune.ir.Graph;
import dev.jprune.tensor.Shape;
import dev.jprune.weights.Parity;
import dev.jprune.weights.RandomInit;
import dev.jprune.zoo.Zoo;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/** Resolves the {@code MODEL}, {@code --input} and {@code --weights} arguments of CLI.md into a graph. */
final class ModelLoader {

    private ModelLoader() {
    }

    /** A loaded model and the input shape it was built for. */
    record Loaded(Graph graph, Shape input, String weights) {
    }

    static Loaded load(String model, String inputSpec, String weights, long seed) {
        if (!Zoo.contains(model)) {
            if (model.endsWith(".onnx") || Files.exists(Path.of(model))) {
                if (!Files.isRegularFile(Path.of(model))) {
                    throw new CliException(CliException.BAD_INPUT, "model file " + model + " does not exist");
                }
                throw new CliException(CliException.UNSUPPORTED,
                        "ONNX models are not supported yet (" + model + "); use a zoo model: " + String.join(", ", Zoo.names()));
            }
            throw CliException.usage("unknown model '" + model + "'; zoo models: " + String.join(", ", Zoo.names()));
        }
        Shape input = inputSpec == null ? Zoo.defaultInput(model) : parseInput(inputSpec);
        Graph g;
        try {
            g = Zoo.build(model, input, 1000);
        } catch (IllegalArgumentException e) {
            throw CliException.usage("--input " + input + " does not fit " + model + ": " + e.getMessage());
        }
        switch (weights) {
            case "none":
                RandomInit.fill(g, seed);
                break;
            case "parity":
                Parity.fill(g);
                break;
            default:
                loadWeights(g, weights);
        }
        return new Loaded(g, input, weights);
    }

    /** Whether {@code --weights} names a file (not {@code none} or {@code parity}). */
    static boolean isWeightsFile(String weights) {
        return !weights.equals("none") && !weights.equals("parity");
    }

    /** Loads a {@code .pth} or {@code .safetensors} {@code state_dict} into {@code g} (strict); exit 3 on failure. */
    static void loadWeights(Graph g, String file) {
        try {
            StateDicts.load(g, Path.of(file));
        } catch (NoSuchFileException e) {
            throw new CliException(CliException.BAD_INPUT, "weights file " + file + " does not exist", e);
        } catch (IOException e) {
            // one line naming the file and the keys (missing, unexpected, mis-shaped) or the format problem
            throw new CliException(CliException.BAD_INPUT, "--weights " + e.getMessage(), e);
        }
    }

    /** Parses {@code N,C,H,W} (positive integers). */
    static Shape parseInput(String spec) {
        String[] parts = spec.split(",");
        if (parts.length != 4) {
            throw CliException.usage("--input expects N,C,H,W (four positive integers), got '" + spec + "'");
        }
        int[] dims = new int[4];
        for (int i = 0; i < 4; i++) {
            try {
                dims[i] = Integer.parseInt(parts[i].trim());
            } catch (NumberFormatException e) {
                throw CliException.usage("--input expects N,C,H,W (four positive integers), got '" + spec + "'");
            }
            if (dims[i] < 1) {
                throw CliException.usage("--input dimensions must be positive, got '" + spec + "'");
            }
        }
        return Shape.of(dims);
    }
}
