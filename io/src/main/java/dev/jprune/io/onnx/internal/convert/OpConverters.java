package dev.jprune.io.onnx.internal.convert;

import dev.jprune.ir.Op;
import dev.jprune.ops.AdaptiveAvgPool2d;
import dev.jprune.ops.AdaptiveMaxPool2d;
import dev.jprune.ops.Exp;
import dev.jprune.ops.Log;
import dev.jprune.ops.Hardswish;
import dev.jprune.ops.ReLU;
import dev.jprune.ops.Sigmoid;

import java.util.Collections;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Supplier;

/** The ONNX op types the importer translates, each with its {@link OpConverter}. */
public final class OpConverters {

    private static final Map<String, OpConverter> BY_TYPE;

    static {
        Map<String, OpConverter> m = new TreeMap<>();
        m.put("Conv", Convolution::conv);
        m.put("BatchNormalization", Convolution::batchNorm);
        m.put("Gemm", Convolution::gemm);
        m.put("Relu", unary(ReLU::new));
        m.put("Sigmoid", unary(Sigmoid::new));
        m.put("HardSwish", unary(Hardswish::new));
        m.put("HardSigmoid", Activations::hardSigmoid);
        m.put("Clip", Activations::clip);
        m.put("MaxPool", Pooling::maxPool);
        m.put("AveragePool", Pooling::avgPool);
        m.put("GlobalAveragePool", unary(() -> AdaptiveAvgPool2d.of(1)));
        m.put("GlobalMaxPool", unary(() -> AdaptiveMaxPool2d.of(1)));
        m.put("Exp", unary(Exp::new));
        m.put("Log", unary(Log::new));
        m.put("Flatten", ShapeOps::flatten);
        m.put("Reshape", Fusions::reshape);
        m.put("Pad", ShapeOps::pad);
        m.put("Dropout", Passthrough::dropout);
        m.put("Identity", Passthrough::identity);
        m.put("Constant", Passthrough::constant);
        // shape sub-graphs and transformer ops
        m.put("Add", TensorOps::add);
        m.put("Sub", TensorOps::sub);
        m.put("Mul", TensorOps::mul);
        m.put("Div", Fusions::div);
        m.put("Pow", TensorOps::pow);
        m.put("Sqrt", TensorOps::sqrt);
        m.put("Concat", TensorOps::concat);
        m.put("Gather", TensorOps::gather);
        m.put("Unsqueeze", TensorOps::unsqueeze);
        m.put("Squeeze", TensorOps::squeeze);
        m.put("Slice", TensorOps::slice);
        m.put("Transpose", TensorOps::transpose);
        m.put("Expand", TensorOps::expand);
        m.put("Shape", Folding::shape);
        m.put("Size", Folding::size);
        m.put("Cast", Folding::cast);
        m.put("ConstantOfShape", Folding::constantOfShape);
        m.put("Range", Folding::range);
        m.put("Equal", Folding.foldBinary(ConstOps.Bin.EQUAL));
        m.put("Less", Folding.foldBinary(ConstOps.Bin.LESS));
        m.put("Greater", Folding.foldBinary(ConstOps.Bin.GREATER));
        m.put("And", Folding.foldBinary(ConstOps.Bin.AND));
        m.put("Or", Folding.foldBinary(ConstOps.Bin.OR));
        m.put("Not", Folding::not);
        m.put("Where", Folding::where);
        m.put("Mod", Folding::mod);
        m.put("ScatterND", Folding::scatterND);
        m.put("ReduceProd", Folding::reduceProd);
        m.put("Min", Folding.variadic(ConstOps.Bin.MIN));
        m.put("Max", Folding.variadic(ConstOps.Bin.MAX));
        m.put("MatMul", Transformer::matMul);
        m.put("LayerNormalization", Transformer::layerNorm);
        m.put("Softmax", Transformer::softmax);
        m.put("Gelu", Transformer::gelu);
        m.put("Erf", Transformer::erf);
        m.put("Tanh", Transformer::tanh);
        m.put("Einsum", Transformer::einsum);
        m.put("ReduceMean", Fusions::reduceMean);

        // more CNN ops
        m.put("ConvTranspose", Transposed::convTranspose);
        m.put("Resize", Resizing::resize);
        m.put("Upsample", Resizing::upsample);
        m.put("Split", ChannelOps::split);
        m.put("LeakyRelu", ChannelOps::leakyRelu);
        m.put("PRelu", ChannelOps::prelu);
        m.put("InstanceNormalization", ChannelOps::instanceNorm);
        m.put("GroupNormalization", ChannelOps::groupNorm);
        m.put("DepthToSpace", ChannelOps::depthToSpace);
        m.put("SpaceToDepth", ChannelOps::spaceToDepth);

        BY_TYPE = Collections.unmodifiableMap(m);
    }

    private OpConverters() {
    }

    /** A one-input, one-output node computed by a fresh {@code op.get()} (an op without attributes or parameters). */
    private static OpConverter unary(Supplier<Op> op) {
        return (cx, n, name) -> cx.unary(n, name, op.get());
    }

    /** The converter of ONNX op type {@code opType} (default domain), or {@code null}. */
    public static OpConverter of(String opType) {
        return BY_TYPE.get(opType);
    }

    /** Every supported op type, sorted. */
    public static Set<String> supported() {
        return BY_TYPE.keySet();
    }
}
