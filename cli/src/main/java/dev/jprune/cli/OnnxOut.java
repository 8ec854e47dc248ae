package dev.jprune.cli;

import dev.jprune.io.onnx.OnnxExportOptions;
import dev.jprune.io.onnx.OnnxExporter;
import dev.jprune.io.onnx.UnsupportedOnnxExportException;
import dev.jprune.ir.Graph;

import java.io.IOException;
import java.nio.file.Path;

/**
 * {@code jprune prune --out FILE.onnx}: writes the pruned model as ONNX with {@link OnnxExporter}, atomically (the
 * target appears complete or not at all; {@link PruneSettings} refuses a target that is the input file). An ONNX
 * model keeps its original node, initializer, input and output names (its {@link dev.jprune.io.onnx.OnnxOrigin});
 * a zoo model is written with its torchvision names. BatchNorm is kept unless {@code --fold-bn}; the opset is
 * {@code --opset}, else the input file's (13..21), else 17. Models over 2 GB get their weights in an external data
 * file beside the target.
 */
final class OnnxOut {

    private OnnxOut() {
    }

    /**
     * Writes the pruned graph {@code g} of the loaded model {@code m} to {@code target}: exit 4 when an op has no ONNX
     * form, exit 1 naming the file when it cannot be written.
     */
    static void write(Graph g, ModelLoader.Loaded m, Path target, boolean foldBn, int opset) {
        OnnxExportOptions options = OnnxExportOptions.DEFAULTS.withFoldBatchNorm(foldBn).withOpset(opset);
        try {
            OnnxExporter.export(g, m.origin(), target, options);
        } catch (UnsupportedOnnxExportException e) {
            throw new CliException(CliException.UNSUPPORTED, "--out " + target + ": " + e.getMessage(), e);
        } catch (IOException e) {
            throw new CliException(CliException.OTHER, "cannot write --out " + target + ": " + e.getMessage(), e);
        }
    }
}
