package dev.jprune.zoo;

import dev.jprune.ir.Graph;
import dev.jprune.tensor.Shape;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The model zoo: torchvision classification architectures by their torchvision names ({@code resnet18},
 * {@code vgg16_bn}, ...), built with torchvision's module and parameter names. Built models hold zero weights; fill
 * them with {@link dev.jprune.weights.Parity}, {@link dev.jprune.weights.RandomInit} or a checkpoint.
 */
public final class Zoo {

    /** Builds one architecture for an input shape and class count. */
    @FunctionalInterface
    interface Factory {
        Graph build(String name, Shape input, int numClasses);
    }

    private record Entry(Factory factory, Shape defaultInput) {
    }

    private static final Shape IMAGENET = Shape.of(1, 3, 224, 224);
    private static final Map<String, Entry> MODELS = new LinkedHashMap<>();

    static {
        resnet("resnet18", ResNet.RESNET18);
        resnet("resnet34", ResNet.RESNET34);
        resnet("resnet50", ResNet.RESNET50);
        resnet("resnet101", ResNet.RESNET101);
        resnet("resnet152", ResNet.RESNET152);
        vgg("vgg11", Vgg.CFG_A);
        vgg("vgg13", Vgg.CFG_B);
        vgg("vgg16", Vgg.CFG_D);
        vgg("vgg19", Vgg.CFG_E);
        register("mobilenet_v2", (n, in, c) -> MobileNetV2.build(n, 1.0, in, c), IMAGENET);

        // Transformers: vision transformers (torchvision.models.vision_transformer)
        register("vit_b_16", (n, in, c) -> VisionTransformer.build(n, VisionTransformer.VIT_B_16, in, c), IMAGENET);
        register("vit_b_32", (n, in, c) -> VisionTransformer.build(n, VisionTransformer.VIT_B_32, in, c), IMAGENET);
        register("vit_l_16", (n, in, c) -> VisionTransformer.build(n, VisionTransformer.VIT_L_16, in, c), IMAGENET);
        register("vit_l_32", (n, in, c) -> VisionTransformer.build(n, VisionTransformer.VIT_L_32, in, c), IMAGENET);
        register("vit_h_14", (n, in, c) -> VisionTransformer.build(n, VisionTransformer.VIT_H_14, in, c), IMAGENET);
        // Transformers: Swin and Swin V2 (torchvision.models.swin_transformer)
        register("swin_t", (n, in, c) -> SwinTransformer.build(n, SwinTransformer.SWIN_T, in, c), IMAGENET);
        register("swin_s", (n, in, c) -> SwinTransformer.build(n, SwinTransformer.SWIN_S, in, c), IMAGENET);
        register("swin_b", (n, in, c) -> SwinTransformer.build(n, SwinTransformer.SWIN_B, in, c), IMAGENET);
        register("swin_v2_t", (n, in, c) -> SwinTransformer.build(n, SwinTransformer.SWIN_V2_T, in, c), IMAGENET);
        register("swin_v2_s", (n, in, c) -> SwinTransformer.build(n, SwinTransformer.SWIN_V2_S, in, c), IMAGENET);
        register("swin_v2_b", (n, in, c) -> SwinTransformer.build(n, SwinTransformer.SWIN_V2_B, in, c), IMAGENET);
        // Transformers: MaxViT (torchvision.models.maxvit)
        register("maxvit_t", (n, in, c) -> MaxVit.build(n, MaxVit.MAXVIT_T, in, c), IMAGENET);
    }

    private static void resnet(String name, ResNet.Config cfg) {
        register(name, (n, in, c) -> ResNet.build(n, cfg, in, c), IMAGENET);
    }

    private static void vgg(String name, int[] cfg) {
        register(name, (n, in, c) -> Vgg.build(n, cfg, false, in, c), IMAGENET);
        register(name + "_bn", (n, in, c) -> Vgg.build(n, cfg, true, in, c), IMAGENET);
    }

    private static void register(String name, Factory f, Shape defaultInput) {
        MODELS.put(name, new Entry(f, defaultInput));
    }

    private Zoo() {
    }

    /** Every model name, in a stable order. */
    public static List<String> names() {
        return Collections.unmodifiableList(new ArrayList<>(MODELS.keySet()));
    }

    /** Whether {@code name} is a zoo model. */
    public static boolean contains(String name) {
        return MODELS.containsKey(name);
    }

    /** The canonical example input: {@code (1, 3, 224, 224)}, {@code (1, 3, 299, 299)} for inception_v3. */
    public static Shape defaultInput(String name) {
        return entry(name).defaultInput();
    }

    /** Builds {@code name} for its canonical input and 1000 classes. */
    public static Graph build(String name) {
        return build(name, defaultInput(name), 1000);
    }

    /**
     * Builds {@code name} for input shape {@code (N, C, H, W)} and {@code numClasses} outputs. Throws
     * {@link IllegalArgumentException} for an unknown name (listing the known ones) or an input too small for the
     * architecture (naming the layer).
     */
    public static Graph build(String name, Shape input, int numClasses) {
        if (input.rank() != 4) {
            throw new IllegalArgumentException("model " + name + " takes an input (N, C, H, W), got " + input);
        }
        if (numClasses < 1) {
            throw new IllegalArgumentException("number of classes must be positive, got " + numClasses);
        }
        return entry(name).factory().build(name, input, numClasses);
    }

    private static Entry entry(String name) {
        Entry e = MODELS.get(name);
        if (e == null) {
            throw new IllegalArgumentException("unknown model '" + name + "'; known models: " + String.join(", ", MODELS.keySet()));
        }
        return e;
    }
}
