package dev.jprune.io.onnx.internal.convert;

import dev.jprune.io.onnx.OnnxNode;
import dev.jprune.ops.BatchNorm2d;
import dev.jprune.ops.Conv2d;
import dev.jprune.ops.Linear;
import dev.jprune.ir.Value;

import java.io.IOException;
import java.util.Arrays;

import static dev.jprune.io.onnx.internal.convert.ImportContext.floatAttr;
import static dev.jprune.io.onnx.internal.convert.ImportContext.intAttr;

/** Parameter-owning layers: Conv (2-D), BatchNormalization (inference), Gemm (a Linear layer). */
final class Convolution {

    private Convolution() {
    }

    /** Conv: 2-D, groups, pads (asymmetric ones and auto_pad through an explicit Pad), strides, dilations, bias. */
    static void conv(ImportContext cx, OnnxNode n, String name) throws IOException {
        Value x = cx.dynamic(n, 0);
        Const w = cx.constant(n, 1, "the weight");
        if (w.dims().length != 4 || x.shape().rank() != 4) {
            throw cx.unsupported(n, "only 2-D convolution is supported (weight dims " + Arrays.toString(w.dims())
                    + ", input " + x.shape() + ")");
        }
        int[] wd = w.dims();
        int groups = (int) intAttr(n, "group", 1);
        int[] stride = cx.ints(n, "strides", 2, 1);
        int[] dil = cx.ints(n, "dilations", 2, 1);
        int[] pad = new int[2];
        x = cx.padded(n, name, x, new int[] {wd[2], wd[3]}, stride, dil, 0.0, pad);
        boolean bias = cx.hasInput(n, 2);
        Conv2d op = new Conv2d(wd[1] * groups, wd[0], wd[2], wd[3], stride[0], stride[1], pad[0], pad[1], dil[0],
                dil[1], groups, bias);
        String m = cx.moduleName(n.inputs().get(1), name);
        cx.param(m, "weight", w, n.inputs().get(1));
        if (bias) {
            cx.param(m, "bias", n, 2, "the bias");
        }
        cx.output(n, cx.module(m, op, x));
    }

    /** BatchNormalization in inference mode. */
    static void batchNorm(ImportContext cx, OnnxNode n, String name) throws IOException {
        if (intAttr(n, "training_mode", 0) != 0) {
            throw cx.unsupported(n, "training_mode=1");
        }
        Value x = cx.dynamic(n, 0);
        Const scale = cx.constant(n, 1, "scale");
        String m = cx.moduleName(n.inputs().get(1), name);
        BatchNorm2d op = new BatchNorm2d(scale.dims()[0], ImportContext.decimal(floatAttr(n, "epsilon", 1e-5f)),
                ImportContext.decimalComplement(floatAttr(n, "momentum", 0.9f)), true);
        cx.param(m, "weight", scale, n.inputs().get(1));
        cx.param(m, "bias", n, 2, "B");
        cx.param(m, "running_mean", n, 3, "input_mean");
        cx.param(m, "running_var", n, 4, "input_var");
        cx.output(n, cx.module(m, op, x));
    }

    /**
     * Gemm with {@code transA=0, transB=1, alpha=beta=1}: a Linear layer, named after its weight ({@code X.weight} →
     * {@code X}), else after its torch scope ({@code /classifier/classifier.5/Gemm} → {@code classifier.5}), else the
     * node.
     */
    static void gemm(ImportContext cx, OnnxNode n, String name) throws IOException {
        if (intAttr(n, "transA", 0) != 0 || intAttr(n, "transB", 0) != 1 || floatAttr(n, "alpha", 1f) != 1f
                || floatAttr(n, "beta", 1f) != 1f) {
            throw cx.unsupported(n, "only transA=0, transB=1, alpha=beta=1 (a Linear layer) is supported, got "
                    + n.attributes().values());
        }
        Value x = cx.dynamic(n, 0);
        Const w = cx.constant(n, 1, "B");
        boolean bias = cx.hasInput(n, 2);
        String weight = n.inputs().get(1);
        String scope = n.name().startsWith("/") ? Transformer.torchPath(n.name()) : "";
        // an anonymous weight (onnx::Gemm_7) takes its module's name from the torch scope, as a MatMul's does
        String m = cx.moduleName(weight.endsWith(".weight") || scope.isEmpty() ? weight
                : ImportContext.sanitize(scope) + ".weight", name);
        cx.param(m, "weight", w, n.inputs().get(1));
        if (bias) {
            Const c = cx.constant(n, 2, "C");
            if (c.dims().length != 1 || c.dims()[0] != w.dims()[0]) {
                throw cx.unsupported(n, "C of dims " + Arrays.toString(c.dims()) + "; expected [" + w.dims()[0] + "]");
            }
            cx.param(m, "bias", c, n.inputs().get(2));
        }
        cx.output(n, cx.module(m, Linear.of(w.dims()[1], w.dims()[0], bias), x));
    }
}
