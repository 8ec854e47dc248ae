/**
 * The ONNX protobuf messages ({@code ModelProto}, {@code GraphProto}, {@code NodeProto}, {@code TensorProto} ...)
 * as classes generated at build time from {@code io/src/main/proto/onnx.proto} into the outer class
 * {@code Onnx}. Internal: not part of the public API and free to change.
 */
package dev.jprune.io.onnx.internal.proto;
