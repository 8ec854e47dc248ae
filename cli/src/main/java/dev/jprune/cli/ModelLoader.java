package dev.jprune.cli;

import dev.jprune.io.onnx.OnnxModelFile;
import dev.jprune.io.onnx.OnnxOrigin;
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

/**
 * Resolves the {@code MODEL}, {@code --input}, {@code --weights} and {@code --fill-missing} arguments of CLI.md into
 * a graph: a zoo model ({@link Zoo}) or an {@code .onnx} file ({@link OnnxLoader}). The input file is only read.
 */
final class ModelLoader {

    private ModelLoader() {
    }

    /**
     * A loaded model and the input shape it was built for.
     *
     * @param weights what the weights are, for the output ({@code none}, {@code parity}, a file, or for ONNX
     *                {@code "from the file"} / {@code "parity for missing external data"})
     * @param onnx    the ONNX file as read, or {@code null} for a zoo model
     */
    record Loaded(Graph graph, Shape input, String weights, OnnxModelFile onnx, OnnxOrigin origin) {
    }

    /** Whether {@code model} names an ONNX file rather than a zoo model. */
    static boolean isOnnx(String model) {
        return !Zoo.contains(model) && (model.endsWith(".onnx") || Files.exists(Path.of(model)));
    }

    /**
     * Loads {@code model}.
     *
     * @param weights     {@code --weights} as given, or {@code null} (zoo default {@code none}; refused for ONNX)
     * @param fillMissing {@code --fill-missing} as given, or {@code null} (ONNX only)
     */
    static Loaded load(String model, String inputSpec, String weights, long seed, String fillMissing) {
        return load(model, inputSpec, weights, seed, fillMissing, 0);
    }

    /**
     * As {@link #load(String, String, String, long, String)}, building a zoo model with {@code classes} outputs
     * ({@code 0}: the zoo's default; ignored for ONNX files, whose class count is fixed).
     */
    static Loaded load(String model, String inputSpec, String weights, long seed, String fillMissing, int classes) {
        if (isOnnx(model)) {
            if (weights != null) {
                throw CliException.usage("--weights is for zoo models; the ONNX file " + model + " carries its own"
                        + " weights (--fill-missing parity fills absent external data)");
            }
            return OnnxLoader.load(Path.of(model), inputSpec, fillMissing);
        }
        if (fillMissing != null) {
            throw CliException.usage("--fill-missing applies to ONNX files, not to the zoo model '" + model + "'");
        }
        if (!Zoo.contains(model)) {
            throw CliException.usage("unknown model '" + model + "'; zoo models: " + String.join(", ", Zoo.names()));
        }
        String w = weights == null ? "none" : weights;
        Shape input = inputSpec == null ? Zoo.defaultInput(model) : parseInput(inputSpec);
        Graph g;
        try {
            g = Zoo.build(model, input, classes > 0 ? classes : Zoo.defaultClasses(model));
        } catch (IllegalArgumentException e) {
            throw CliException.usage("--input " + input + " does not fit " + model + ": " + e.getMessage());
        }
        switch (w) {
            case "none":
                RandomInit.fill(g, seed);
                break;
            case "parity":
                Parity.fill(g);
                break;
            default:
                loadWeights(g, w);
        }
        return new Loaded(g, input, w, null, null);
    }

    /** Whether {@code --weights} names a file (not {@code none} or {@code parity}). */
    static boolean isWeightsFile(String weights) {
        return weights != null && !weights.equals("none") && !weights.equals("parity");
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
