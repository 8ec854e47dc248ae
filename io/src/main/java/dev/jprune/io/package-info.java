/**
 * Model file formats. {@link dev.jprune.io.ModelFormatException} is the checked exception every reader throws for
 * a file it cannot read; the weights formats (PyTorch {@code .pth} and safetensors) are in
 * {@link dev.jprune.io.weights}, ONNX files in {@link dev.jprune.io.onnx}. Everything is non-null unless stated.
 */
package dev.jprune.io;
