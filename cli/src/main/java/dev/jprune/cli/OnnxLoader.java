package dev.jprune.cli;

import dev.jprune.io.ModelFormatException;
import dev.jprune.io.onnx.OnnxDim;
import dev.jprune.io.onnx.OnnxImport;
import dev.jprune.io.onnx.OnnxImporter;
import dev.jprune.io.onnx.OnnxImporter.FillMissing;
import dev.jprune.io.onnx.OnnxModelFile;
import dev.jprune.io.onnx.OnnxValueInfo;
import dev.jprune.io.onnx.UnsupportedOnnxOpException;
import dev.jprune.ir.Graph;
import dev.jprune.tensor.Shape;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Loads an {@code .onnx} {@code MODEL} for the CLI (CLI.md, "Models, weights, inputs"): the example input is
 * {@code --input} (required when the file's input has dynamic dimensions, and checked against its static ones) or
 * else the file's static input shape; external data comes from beside the file, or with {@code --fill-missing parity}
 * parity values by initializer name where it is absent. Layer names are the importer's: a Conv, Gemm or
 * BatchNormalization whose weight initializer is {@code X.weight} is the layer {@code X}, any other node keeps its
 * ONNX node name. The file is only read, never written.
 *
 * <p>Failures: a missing, malformed or truncated file, or missing external data without {@code --fill-missing},
 * exit 3 naming the file; an op jprune cannot translate exits 4 naming its type, node and opset; a bad
 * {@code --input} exits 2.
 */
final class OnnxLoader {

    private OnnxLoader() {
    }

    static ModelLoader.Loaded load(Path file, String inputSpec, String fillMissing) {
        FillMissing fill = fillMode(fillMissing);
        if (!Files.isRegularFile(file)) {
            throw new CliException(CliException.BAD_INPUT, "model file " + file + " does not exist");
        }
        OnnxModelFile m;
        try {
            m = OnnxModelFile.readStructure(file);
        } catch (IOException e) {
            throw new CliException(CliException.BAD_INPUT, message(e, file), e);
        }
        List<OnnxValueInfo> inputs = m.inputs();
        if (inputs.size() != 1) {
            throw new CliException(CliException.UNSUPPORTED, file + " has " + inputs.size() + " graph inputs "
                    + inputs + "; jprune's commands take models with one input");
        }
        Shape input = inputShape(file, inputs.get(0), inputSpec);
        OnnxImport imported;
        try {
            imported = OnnxImporter.read(m, fill, input);
        } catch (UnsupportedOnnxOpException e) {
            throw new CliException(CliException.UNSUPPORTED, e.getMessage(), e);
        } catch (IOException e) {
            throw new CliException(CliException.BAD_INPUT, message(e, file)
                    + (fill == FillMissing.NONE && isMissingData(e) ? " (--fill-missing parity fills absent external"
                    + " data with parity values)" : ""), e);
        } catch (IllegalArgumentException e) {
            throw CliException.usage("--input " + input + " does not fit " + file + ": " + e.getMessage());
        }
        return new ModelLoader.Loaded(imported.graph(), input, fill == FillMissing.PARITY ? "from the file, parity"
                + " where external data is missing" : "from the file", m, imported.origin());
    }

    private static FillMissing fillMode(String fillMissing) {
        if (fillMissing == null) {
            return FillMissing.NONE;
        }
        if (!fillMissing.equals("parity")) {
            throw CliException.usage("--fill-missing must be parity, got '" + fillMissing + "'");
        }
        return FillMissing.PARITY;
    }

    /**
     * The example input: {@code --input} checked against the file's static dimensions, or the file's shape when all
     * its dimensions are static.
     */
    private static Shape inputShape(Path file, OnnxValueInfo in, String inputSpec) {
        List<OnnxDim> dims = in.shape();
        if (inputSpec == null) {
            if (dims == null || dims.stream().anyMatch(OnnxDim::isDynamic)) {
                throw CliException.usage(file + ": input '" + in.name() + "' has dynamic dimensions "
                        + (dims == null ? "(no shape)" : dims.toString()) + "; give --input N,C,H,W");
            }
            int[] d = new int[dims.size()];
            for (int i = 0; i < d.length; i++) {
                d[i] = Math.toIntExact(dims.get(i).size());
            }
            return Shape.of(d);
        }
        Shape s = ModelLoader.parseInput(inputSpec);
        if (dims != null) {
            boolean fits = dims.size() == s.rank();
            for (int i = 0; fits && i < s.rank(); i++) {
                fits = dims.get(i).isDynamic() || dims.get(i).size() == s.dim(i);
            }
            if (!fits) {
                throw CliException.usage("--input " + inputSpec + " does not fit " + file + ": input '" + in.name()
                        + "' is " + dims);
            }
        }
        return s;
    }

    private static boolean isMissingData(IOException e) {
        String msg = String.valueOf(e.getMessage());
        return msg.contains("does not exist") || msg.contains("missing") || msg.contains("NoSuchFile");
    }

    /** The exception's message, naming the file when it does not already. */
    private static String message(IOException e, Path file) {
        String msg = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        if (e instanceof ModelFormatException || msg.contains(file.toString())) {
            return msg;
        }
        return file + ": " + msg;
    }
}
