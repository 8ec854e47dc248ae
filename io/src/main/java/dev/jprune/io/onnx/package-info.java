/**
 * The ONNX file layer: {@link dev.jprune.io.onnx.OnnxModelFile} reads a {@code .onnx} model (with external data
 * resolved relative to the model's folder) and lists its opset imports, graph inputs and outputs with their shapes,
 * initializers as {@link dev.jprune.io.onnx.OnnxTensor}s and nodes as {@link dev.jprune.io.onnx.OnnxNode}s with typed
 * {@link dev.jprune.io.onnx.OnnxAttribute}s; it writes a model back atomically, optionally moving large initializers
 * into an external data file ({@link dev.jprune.io.onnx.OnnxWriteOptions}). Everything read is kept, unknown
 * fields included, so a model read and written back is unchanged. Files that cannot be read raise
 * {@link dev.jprune.io.ModelFormatException} naming the file. {@link dev.jprune.io.onnx.OnnxImporter} turns a model into a jprune
 * {@link dev.jprune.ir.Graph} (CNN ops so far; others raise {@link dev.jprune.io.onnx.UnsupportedOnnxOpException}).
 * {@link dev.jprune.io.onnx.OnnxExporter} writes a graph back ({@link dev.jprune.io.onnx.OnnxExportOptions}; ops
 * without an ONNX form raise {@link dev.jprune.io.onnx.UnsupportedOnnxExportException}).
 * Everything is non-null unless stated.
 */
package dev.jprune.io.onnx;
