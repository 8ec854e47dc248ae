package dev.jprune.cli;

import dev.jprune.ir.Graph;

import java.nio.file.Path;

/**
 * {@code jprune prune --out FILE.onnx}: writes the pruned model as ONNX. The exporter has not landed yet, so
 * {@link #checkAvailable} refuses {@code --out} (exit 4) before any work; once it lands, {@link #AVAILABLE} becomes
 * true and {@link #write} makes the one export call (atomically, never onto the input file, which
 * {@link PruneSettings} already refuses).
 */
final class OnnxOut {

    /** Whether ONNX export exists in this build. */
    static final boolean AVAILABLE = false;

    private OnnxOut() {
    }

    /** Exit 4 when ONNX export is not available; called before anything is loaded or written. */
    static void checkAvailable(Path target) {
        if (!AVAILABLE) {
            throw new CliException(CliException.UNSUPPORTED, "--out " + target
                    + ": ONNX export is not available yet (it arrives with the ONNX issue); --report and --save-history"
                    + " keep the result");
        }
    }

    /**
     * Writes the pruned graph {@code g} of the loaded model {@code m} (for an ONNX model, {@code m.onnx()} is the
     * file it came from) to {@code target}; a failure to write is exit 1 naming the file.
     */
    static void write(Graph g, ModelLoader.Loaded m, Path target) {
        checkAvailable(target);
        // the export call goes here, e.g. OnnxExporter.builder(g).input(m.input()).origin(...).build().write(target)
        throw new CliException(CliException.OTHER, "--out " + target + ": no exporter");
    }
}
