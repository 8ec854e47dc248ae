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

    private record Entry(Factory factory, Shape defaultInput, int defaultClasses) {
    }

    private static final Shape IMAGENET = Shape.of(1, 3, 224, 224);
    private static final Shape CIFAR = Shape.of(1, 3, 32, 32);
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

        // Classic CNNs: AlexNet, SqueezeNet, GoogLeNet, Inception v3, DenseNet, ResNeXt, Wide ResNet
        register("alexnet", AlexNet::build, IMAGENET);
        register("squeezenet1_0", (n, in, c) -> SqueezeNet.build(n, "1_0", in, c), IMAGENET);
        register("squeezenet1_1", (n, in, c) -> SqueezeNet.build(n, "1_1", in, c), IMAGENET);
        register("googlenet", (n, in, c) -> GoogLeNet.build(n, in, c, false), IMAGENET);
        register("inception_v3", (n, in, c) -> InceptionV3.build(n, in, c, false), Shape.of(1, 3, 299, 299));
        register("densenet121", (n, in, c) -> DenseNet.build(n, DenseNet.DENSENET121, in, c), IMAGENET);
        register("densenet161", (n, in, c) -> DenseNet.build(n, DenseNet.DENSENET161, in, c), IMAGENET);
        register("densenet169", (n, in, c) -> DenseNet.build(n, DenseNet.DENSENET169, in, c), IMAGENET);
        register("densenet201", (n, in, c) -> DenseNet.build(n, DenseNet.DENSENET201, in, c), IMAGENET);
        resnet("resnext50_32x4d", ResNet.RESNEXT50_32X4D);
        resnet("resnext101_32x8d", ResNet.RESNEXT101_32X8D);
        resnet("resnext101_64x4d", ResNet.RESNEXT101_64X4D);
        resnet("wide_resnet50_2", ResNet.WIDE_RESNET50_2);
        resnet("wide_resnet101_2", ResNet.WIDE_RESNET101_2);

        // MobileNetV3, MNASNet, EfficientNet B0-B7 and V2 (squeeze-excitation families)
        register("mobilenet_v3_large", MobileNetV3::large, IMAGENET);
        register("mobilenet_v3_small", MobileNetV3::small, IMAGENET);
        register("mnasnet0_5", (n, in, c) -> Mnasnet.build(n, 0.5, in, c), IMAGENET);
        register("mnasnet0_75", (n, in, c) -> Mnasnet.build(n, 0.75, in, c), IMAGENET);
        register("mnasnet1_0", (n, in, c) -> Mnasnet.build(n, 1.0, in, c), IMAGENET);
        register("mnasnet1_3", (n, in, c) -> Mnasnet.build(n, 1.3, in, c), IMAGENET);
        efficientNet("efficientnet_b0", EfficientNet.b(1.0, 1.0, 0.2, false));
        efficientNet("efficientnet_b1", EfficientNet.b(1.0, 1.1, 0.2, false));
        efficientNet("efficientnet_b2", EfficientNet.b(1.1, 1.2, 0.3, false));
        efficientNet("efficientnet_b3", EfficientNet.b(1.2, 1.4, 0.3, false));
        efficientNet("efficientnet_b4", EfficientNet.b(1.4, 1.8, 0.4, false));
        efficientNet("efficientnet_b5", EfficientNet.b(1.6, 2.2, 0.4, true));
        efficientNet("efficientnet_b6", EfficientNet.b(1.8, 2.6, 0.5, true));
        efficientNet("efficientnet_b7", EfficientNet.b(2.0, 3.1, 0.5, true));
        efficientNet("efficientnet_v2_s", EfficientNet.v2("s", 0.2));
        efficientNet("efficientnet_v2_m", EfficientNet.v2("m", 0.3));
        efficientNet("efficientnet_v2_l", EfficientNet.v2("l", 0.4));

        // RegNet X and Y, ConvNeXt, ShuffleNetV2
        regnet("regnet_y_400mf", RegNet.Y_400MF);
        regnet("regnet_y_800mf", RegNet.Y_800MF);
        regnet("regnet_y_1_6gf", RegNet.Y_1_6GF);
        regnet("regnet_y_3_2gf", RegNet.Y_3_2GF);
        regnet("regnet_y_8gf", RegNet.Y_8GF);
        regnet("regnet_y_16gf", RegNet.Y_16GF);
        regnet("regnet_y_32gf", RegNet.Y_32GF);
        regnet("regnet_y_128gf", RegNet.Y_128GF);
        regnet("regnet_x_400mf", RegNet.X_400MF);
        regnet("regnet_x_800mf", RegNet.X_800MF);
        regnet("regnet_x_1_6gf", RegNet.X_1_6GF);
        regnet("regnet_x_3_2gf", RegNet.X_3_2GF);
        regnet("regnet_x_8gf", RegNet.X_8GF);
        regnet("regnet_x_16gf", RegNet.X_16GF);
        regnet("regnet_x_32gf", RegNet.X_32GF);
        register("convnext_tiny", (n, in, c) -> ConvNeXt.build(n, ConvNeXt.TINY, in, c), IMAGENET);
        register("convnext_small", (n, in, c) -> ConvNeXt.build(n, ConvNeXt.SMALL, in, c), IMAGENET);
        register("convnext_base", (n, in, c) -> ConvNeXt.build(n, ConvNeXt.BASE, in, c), IMAGENET);
        register("convnext_large", (n, in, c) -> ConvNeXt.build(n, ConvNeXt.LARGE, in, c), IMAGENET);
        register("shufflenet_v2_x0_5", (n, in, c) -> ShuffleNetV2.build(n, ShuffleNetV2.X0_5, in, c), IMAGENET);
        register("shufflenet_v2_x1_0", (n, in, c) -> ShuffleNetV2.build(n, ShuffleNetV2.X1_0, in, c), IMAGENET);
        register("shufflenet_v2_x1_5", (n, in, c) -> ShuffleNetV2.build(n, ShuffleNetV2.X1_5, in, c), IMAGENET);
        register("shufflenet_v2_x2_0", (n, in, c) -> ShuffleNetV2.build(n, ShuffleNetV2.X2_0, in, c), IMAGENET);

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

        // CIFAR-size networks of Torch-Pruning's CIFAR benchmarks (32×32 inputs, 10 classes by default)
        register("resnet20", (n, in, c) -> CifarResNet.build(n, 20, in, c), CIFAR, 10);
        register("resnet56", (n, in, c) -> CifarResNet.build(n, 56, in, c), CIFAR, 10);
        register("cifar_vgg19", (n, in, c) -> CifarVgg.build(n, CifarVgg.CFG_E, in, c), CIFAR, 10);
    }

    private static void efficientNet(String name, EfficientNet.Variant variant) {
        register(name, (n, in, c) -> EfficientNet.build(n, variant, in, c), IMAGENET);
    }

    private static void regnet(String name, RegNet.Config cfg) {
        register(name, (n, in, c) -> RegNet.build(n, cfg, in, c), IMAGENET);
    }

    private static void resnet(String name, ResNet.Config cfg) {
        register(name, (n, in, c) -> ResNet.build(n, cfg, in, c), IMAGENET);
    }

    private static void vgg(String name, int[] cfg) {
        register(name, (n, in, c) -> Vgg.build(n, cfg, false, in, c), IMAGENET);
        register(name + "_bn", (n, in, c) -> Vgg.build(n, cfg, true, in, c), IMAGENET);
    }

    private static void register(String name, Factory f, Shape defaultInput) {
        register(name, f, defaultInput, 1000);
    }

    private static void register(String name, Factory f, Shape defaultInput, int defaultClasses) {
        MODELS.put(name, new Entry(f, defaultInput, defaultClasses));
    }

    private Zoo() {
    }

    /** Every model name, in a stable order: the 80 torchvision classifiers, then the CIFAR networks. */
    public static List<String> names() {
        return Collections.unmodifiableList(new ArrayList<>(MODELS.keySet()));
    }

    /** The torchvision classifiers only (the models Torch-Pruning's torchvision reference covers). */
    public static List<String> torchvisionNames() {
        return MODELS.entrySet().stream().filter(e -> e.getValue().defaultClasses() == 1000).map(Map.Entry::getKey).toList();
    }

    /** Whether {@code name} is a zoo model. */
    public static boolean contains(String name) {
        return MODELS.containsKey(name);
    }

    /**
     * The canonical example input: {@code (1, 3, 224, 224)}, {@code (1, 3, 299, 299)} for inception_v3,
     * {@code (1, 3, 32, 32)} for the CIFAR networks.
     */
    public static Shape defaultInput(String name) {
        return entry(name).defaultInput();
    }

    /** The canonical class count: 1000 for the ImageNet models, 10 for the CIFAR ones. */
    public static int defaultClasses(String name) {
        return entry(name).defaultClasses();
    }

    /** Builds {@code name} for its canonical input and class count. */
    public static Graph build(String name) {
        return build(name, defaultInput(name), defaultClasses(name));
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
