package dev.jprune.ir;

/** The element type a named tensor has in PyTorch/ONNX. jprune stores every tensor as float32. */
public enum DType {
    /** 32-bit float. */
    FLOAT32,
    /** 64-bit integer, held as floats with whole values (exact up to 2^24). */
    INT64
}
