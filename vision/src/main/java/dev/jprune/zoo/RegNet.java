package dev.jprune.zoo;

import dev.jprune.ir.Graph;
import dev.jprune.ir.GraphBuilder;
import dev.jprune.ir.Value;
import dev.jprune.ops.AdaptiveAvgPool2d;
import dev.jprune.ops.Add;
import dev.jprune.ops.Conv2d;
import dev.jprune.ops.Flatten;
import dev.jprune.ops.Linear;
import dev.jprune.ops.Mul;
import dev.jprune.ops.ReLU;
import dev.jprune.ops.Sigmoid;
import dev.jprune.tensor.Shape;

import java.util.ArrayList;
import java.util.List;

/**
 * torchvision's RegNet X and Y ({@code torchvision.models.regnet}, Radosavovic et al., "Designing Network Design
 * Spaces"): {@code stem} (3×3 stride-2 convolution, BatchNorm, ReLU), {@code trunk_output.block1..4} of residual
 * bottleneck blocks {@code blockS-I} ({@code proj} shortcut when the shape changes; {@code f.a} 1×1, {@code f.b}
 * grouped 3×3 carrying the stride, for Y a squeeze-excitation {@code f.se}, {@code f.c} 1×1 without activation; the sum
 * then {@code activation}), {@code avgpool}, {@code fc}. Stage widths, depths and group widths follow from the design
 * parameters {@code (depth, w_0, w_a, w_m, group_width)} exactly as torchvision's {@code BlockParams} computes them,
 * in float32 like torch.
 */
public final class RegNet {

    private RegNet() {
    }

    /**
     * The design parameters of one RegNet ({@code BlockParams.from_init_params}): {@code depth} blocks,
     * initial width {@code w0}, slope {@code wa}, width multiplier {@code wm}, {@code groupWidth} channels per group of
     * the 3×3 convolutions, squeeze-excitation ratio {@code seRatio} (0 for the X models). The bottleneck multiplier
     * is 1 for every torchvision RegNet.
     */
    record Config(int depth, int w0, double wa, double wm, int groupWidth, double seRatio) {
    }

    static final Config Y_400MF = new Config(16, 48, 27.89, 2.09, 8, 0.25);
    static final Config Y_800MF = new Config(14, 56, 38.84, 2.4, 16, 0.25);
    static final Config Y_1_6GF = new Config(27, 48, 20.71, 2.65, 24, 0.25);
    static final Config Y_3_2GF = new Config(21, 80, 42.63, 2.66, 24, 0.25);
    static final Config Y_8GF = new Config(17, 192, 76.82, 2.19, 56, 0.25);
    static final Config Y_16GF = new Config(18, 200, 106.23, 2.48, 112, 0.25);
    static final Config Y_32GF = new Config(20, 232, 115.89, 2.53, 232, 0.25);
    static final Config Y_128GF = new Config(27, 456, 160.83, 2.52, 264, 0.25);
    static final Config X_400MF = new Config(22, 24, 24.48, 2.54, 16, 0);
    static final Config X_800MF = new Config(16, 56, 35.73, 2.28, 16, 0);
    static final Config X_1_6GF = new Config(18, 80, 34.01, 2.25, 24, 0);
    static final Config X_3_2GF = new Config(25, 88, 26.31, 2.25, 48, 0);
    static final Config X_8GF = new Config(23, 80, 49.56, 2.88, 120, 0);
    static final Config X_16GF = new Config(22, 216, 55.59, 2.1, 128, 0);
    static final Config X_32GF = new Config(23, 320, 69.86, 2.0, 168, 0);

    /** One stage: {@code depth} blocks of {@code width} output channels and {@code groupWidth} channels per group. */
    record Stage(int width, int depth, int groupWidth) {
    }

    /**
     * torchvision's {@code BlockParams.from_init_params} with bottleneck multiplier 1: per-block widths
     * {@code w_0 · w_m^round(log((i·w_a + w_0) / w_0) / log(w_m))} quantised to multiples of 8 (float32 arithmetic,
     * as torch computes it), consecutive equal widths forming a stage, and the widths made divisible by the group
     * width ({@code _adjust_widths_groups_compatibilty}).
     */
    static List<Stage> stages(Config cfg) {
        if (cfg.wa() < 0 || cfg.w0() <= 0 || cfg.wm() <= 1 || cfg.w0() % 8 != 0) {
            throw new IllegalArgumentException("invalid RegNet settings " + cfg);
        }
        float wa = (float) cfg.wa();
        float wm = (float) cfg.wm();
        float logWm = (float) Math.log(cfg.wm());
        int[] blockWidths = new int[cfg.depth()];
        for (int i = 0; i < cfg.depth(); i++) {
            float cont = (float) i * wa + (float) cfg.w0();
            float capacity = (float) Math.rint((float) Math.log(cont / (float) cfg.w0()) / logWm);
            float width = (float) cfg.w0() * (float) Math.pow(wm, capacity);
            blockWidths[i] = (int) Math.rint(width / 8f) * 8;
        }
        List<Stage> stages = new ArrayList<>();
        int start = 0;
        for (int i = 1; i <= cfg.depth(); i++) {
            if (i == cfg.depth() || blockWidths[i] != blockWidths[start]) {
                int width = blockWidths[start];
                int group = Math.min(cfg.groupWidth(), width);
                stages.add(new Stage(MobileNetV2.makeDivisible(width, group), i - start, group));
                start = i;
            }
        }
        return stages;
    }

    /** Builds the network for input {@code (N, C, H, W)} and {@code numClasses} outputs. */
    static Graph build(String name, Config cfg, Shape input, int numClasses) {
        GraphBuilder b = new GraphBuilder(name);
        Value x = b.input("input", input);
        int stemWidth = 32;
        x = Layers.convBnAct(b, "stem", x, input.dim(1), stemWidth, 3, 2, 1, ReLU::new);
        int width = stemWidth;
        try (GraphBuilder.Scope t = b.scope("trunk_output")) {
            List<Stage> stages = stages(cfg);
            for (int s = 0; s < stages.size(); s++) {
                Stage st = stages.get(s);
                String stage = "block" + (s + 1);
                try (GraphBuilder.Scope sc = b.scope(stage)) {
                    for (int i = 0; i < st.depth(); i++) {
                        try (GraphBuilder.Scope blk = b.scope(stage + "-" + i)) {
                            x = block(b, x, i == 0 ? width : st.width(), st.width(), i == 0 ? 2 : 1, st.groupWidth(),
                                    cfg.seRatio());
                        }
                    }
                }
                width = st.width();
            }
        }
        x = b.module("avgpool", new AdaptiveAvgPool2d(1, 1), x);
        x = b.call("flatten", new Flatten(1, -1), x);
        x = b.module("fc", Linear.of(width, numClasses, true), x);
        return b.build(x);
    }

    /** {@code ResBottleneckBlock}: {@code proj(x) + f(x)} (or {@code x + f(x)}), then ReLU. */
    private static Value block(GraphBuilder b, Value x, int in, int out, int stride, int groupWidth, double seRatio) {
        Value shortcut = x;
        if (in != out || stride != 1) {
            shortcut = Layers.convBnAct(b, "proj", x, in, out, 1, stride, 1, null);
        }
        Value y;
        try (GraphBuilder.Scope f = b.scope("f")) {
            int wb = out;
            int groups = wb / groupWidth;
            y = Layers.convBnAct(b, "a", x, in, wb, 1, 1, 1, ReLU::new);
            y = Layers.convBnAct(b, "b", y, wb, wb, 3, stride, groups, ReLU::new);
            if (seRatio > 0) {
                y = squeezeExcitation(b, y, wb, (int) Math.rint(seRatio * in));
            }
            y = Layers.convBnAct(b, "c", y, wb, out, 1, 1, 1, null);
        }
        Value sum = b.call("add", new Add(), shortcut, y);
        return b.module("activation", new ReLU(), sum);
    }

    /**
     * torchvision's {@code ops.SqueezeExcitation} under {@code se}: {@code avgpool}, {@code fc1} (1×1 conv with bias),
     * {@code activation} (ReLU), {@code fc2}, {@code scale_activation} (sigmoid), then {@code scale * input}.
     */
    private static Value squeezeExcitation(GraphBuilder b, Value x, int channels, int squeeze) {
        try (GraphBuilder.Scope s = b.scope("se")) {
            Value scale = b.module("avgpool", new AdaptiveAvgPool2d(1, 1), x);
            scale = b.module("fc1", Conv2d.of(channels, squeeze, 1, 1, 0, true), scale);
            scale = b.module("activation", new ReLU(), scale);
            scale = b.module("fc2", Conv2d.of(squeeze, channels, 1, 1, 0, true), scale);
            scale = b.module("scale_activation", new Sigmoid(), scale);
            return b.call("mul", new Mul(), scale, x);
        }
    }
}
