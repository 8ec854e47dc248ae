package dev.jprune.io.onnx.internal.convert;

import dev.jprune.ops.Add;
import dev.jprune.ops.AdaptiveAvgPool2d;
import dev.jprune.ops.Hardswish;
import dev.jprune.ops.Mul;
import dev.jprune.ops.ReLU;
import dev.jprune.ops.Sigmoid;

import java.util.Collections;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/** The ONNX op types the importer translates, each with its {@link OpConverter}. */
public final class OpConverters {

    private static final Map<String, OpConverter> BY_TYPE;

    static {
        Map<String, OpConverter> m = new TreeMap<>();
        m.put("Conv", Convolution::conv);
        m.put("BatchNormalization", Convolution::batchNorm);
        m.put("Gemm", Convolution::gemm);
        m.put("Relu", (cx, n, name) -> cx.unary(n, name, new ReLU()));
        m.put("Sigmoid", (cx, n, name) -> cx.unary(n, name, new Sigmoid()));
        m.put("HardSwish", (cx, n, name) -> cx.unary(n, name, new Hardswish()));
        m.put("HardSigmoid", Activations::hardSigmoid);
        m.put("Clip", Activations::clip);
        m.put("Add", (cx, n, name) -> cx.binary(n, name, new Add()));
        m.put("Mul", (cx, n, name) -> cx.binary(n, name, new Mul()));
        m.put("MaxPool", Pooling::maxPool);
        m.put("AveragePool", Pooling::avgPool);
        m.put("GlobalAveragePool", (cx, n, name) -> cx.unary(n, name, AdaptiveAvgPool2d.of(1)));
        m.put("ReduceMean", Pooling::reduceMean);
        m.put("Flatten", ShapeOps::flatten);
        m.put("Concat", ShapeOps::concat);
        m.put("Reshape", ShapeOps::reshape);
        m.put("Pad", ShapeOps::pad);
        m.put("Dropout", Passthrough::dropout);
        m.put("Identity", Passthrough::identity);
        m.put("Constant", Passthrough::constant);
        // shape sub-graphs and transformer ops

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

    /** The converter of ONNX op type {@code opType} (default domain), or {@code null}. */
    public static OpConverter of(String opType) {
        return BY_TYPE.get(opType);
    }

    /** Every supported op type, sorted. */
    public static Set<String> supported() {
        return BY_TYPE.keySet();
    }
}
