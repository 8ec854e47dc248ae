/**
 * The pieces behind {@link dev.jprune.io.onnx.OnnxExporter}: the {@link dev.jprune.io.onnx.internal.export.Emitter}
 * that exporters write ONNX nodes and initializers through, the registry mapping each op class to its exporter, the
 * exporter families (one small class per op family) and BatchNorm folding. Internal: not part of the public API and
 * free to change. Non-null by default.
 */
package dev.jprune.io.onnx.internal.export;
