package dev.jprune.io.onnx.internal.export;

import dev.jprune.ops.BatchNorm2d;
import dev.jprune.ops.GroupNorm;
import dev.jprune.ops.InstanceNorm2d;
import dev.jprune.ops.LayerNorm;
import dev.jprune.ops.LayerNorm2d;
import dev.jprune.ops.Normalize;
import dev.jprune.tensor.Shape;

import java.util.Arrays;

import static dev.jprune.io.onnx.internal.export.Emitter.ins;

/**
 * Normalisations. BatchNorm2d → {@code BatchNormalization} (inference: running statistics; a non-affine one gets
 * ones and zeros). LayerNorm → {@code LayerNormalization} from opset 17, below it ReduceMean/Sub/Mul/Sqrt/Div and
 * the affine Mul/Add. LayerNorm2d (channels first) and GroupNorm → the same elementary form over the channel axis or
 * over {@code (N, groups, rest)} between two Reshapes, with the weight and bias as {@code (C, 1, 1)} initializers.
 * InstanceNorm2d → {@code InstanceNormalization} (a non-affine one gets ones and zeros). Normalize →
 * {@code ReduceL2}, {@code Clip(min=eps)}, {@code Div}.
 */
final class NormExporters {

    private NormExporters() {
    }

    static void register(ExporterRegistry r) {
        r.register(BatchNorm2d.class, NormExporters::batchNorm);
        r.register(LayerNorm.class, NormExporters::layerNorm);
        r.register(LayerNorm2d.class, (op, e) -> {
            String n = Forms.standardize(e, e.in(0), new long[] {1}, op.eps());
            affine(e, n, Shape.of(op.channels(), 1, 1));
        });
        r.register(GroupNorm.class, NormExporters::groupNorm);
        r.register(InstanceNorm2d.class, (op, e) -> {
            int c = op.numFeatures();
            String scale = op.affine() ? e.param("weight") : e.floats(Shape.of(c), filled(c, 1f));
            String bias = op.affine() ? e.param("bias") : e.floats(Shape.of(c), new float[c]);
            e.applyTo(0, "InstanceNormalization", ins(e.in(0), scale, bias), Attrs.f("epsilon", op.eps()));
        });
        r.register(Normalize.class, (op, e) -> {
            String x = e.in(0);
            String norm = Forms.reduce(e, "ReduceL2", x, new long[] {e.inShape(0).normalizeAxis(op.dim())}, true);
            String clamped = e.apply("Clip", ins(norm, e.scalar(op.eps())));
            e.applyTo(0, "Div", ins(x, clamped));
        });
    }

    private static void batchNorm(BatchNorm2d op, Emitter e) {
        int c = op.numFeatures();
        String scale = op.affine() ? e.param("weight") : e.floats(Shape.of(c), filled(c, 1f));
        String bias = op.affine() ? e.param("bias") : e.floats(Shape.of(c), new float[c]);
        e.applyTo(0, "BatchNormalization", ins(e.in(0), scale, bias, e.param("running_mean"), e.param("running_var")),
                Attrs.f("epsilon", op.eps()), Attrs.f("momentum", 1 - op.momentum()));
    }

    private static void layerNorm(LayerNorm op, Emitter e) {
        Shape in = e.inShape(0);
        Shape ns = op.normalizedShape();
        int axis = in.rank() - ns.rank();
        if (e.opset() >= 17) {
            String scale = op.elementwiseAffine() ? e.param("weight") : e.floats(ns, filled(ns.numel(), 1f));
            String bias = op.elementwiseAffine() ? e.param("bias") : e.floats(ns, new float[ns.numel()]);
            e.applyTo(0, "LayerNormalization", ins(e.in(0), scale, bias), Attrs.i("axis", axis),
                    Attrs.f("epsilon", op.eps()));
            return;
        }
        String n = Forms.standardize(e, e.in(0), Forms.tail(axis, in.rank()), op.eps());
        if (op.elementwiseAffine()) {
            e.applyTo(0, "Add", ins(e.apply("Mul", ins(n, e.param("weight"))), e.param("bias")));
        } else {
            e.applyTo(0, "Identity", ins(n));
        }
    }

    /**
     * GroupNorm as torch.onnx.export writes {@code nn.GroupNorm} (and the importer reads back as one module): Reshape to
     * {@code (N, groups, rest)}, InstanceNormalization with unit scale and zero bias per group, Reshape back, then
     * the affine Mul/Add with {@code (C, 1, ...)} weights. (GroupNormalization itself changed meaning between opsets 18
     * and 21.)
     */
    private static void groupNorm(GroupNorm op, Emitter e) {
        Shape in = e.inShape(0);
        int n = in.dim(0);
        int g = op.numGroups();
        String grouped = e.apply("Reshape", ins(e.in(0), e.ints(n, g, in.numel() / Math.max(1, n * g))));
        String norm = e.apply("InstanceNormalization", ins(grouped, e.floats(Shape.of(g), filled(g, 1f)),
                e.floats(Shape.of(g), new float[g])), Attrs.f("epsilon", op.eps()));
        int[] perChannel = new int[in.rank() - 1];
        Arrays.fill(perChannel, 1);
        perChannel[0] = op.numChannels();
        if (op.affine()) {
            affine(e, e.apply("Reshape", ins(norm, e.ints(in.dims()))), Shape.of(perChannel));
        } else {
            e.applyTo(0, "Reshape", ins(norm, e.ints(in.dims())));
        }
    }

    /** {@code x · weight + bias} with both parameters viewed as {@code dims}, written to output 0. */
    private static void affine(Emitter e, String x, Shape dims) {
        e.applyTo(0, "Add", ins(e.apply("Mul", ins(x, e.param("weight", dims))), e.param("bias", dims)));
    }

    private static float[] filled(int n, float v) {
        float[] f = new float[n];
        Arrays.fill(f, v);
        return f;
    }
}
