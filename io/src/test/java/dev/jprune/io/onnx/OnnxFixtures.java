package dev.jprune.io.onnx;

import dev.jprune.testing.SharedData;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/** The torch.onnx.export fixtures in {@code ../shared/fixtures/torchvision-onnx}. */
final class OnnxFixtures {

    /** The fixtures the everyday tests read: a plain CNN, depthwise convolutions, a transformer. */
    static final List<String> SAMPLE = List.of("resnet18.eval.onnx", "resnet18.preserve.onnx",
            "mobilenet_v2.eval.onnx", "vit_b_16.preserve.onnx");

    private OnnxFixtures() {
    }

    /** The fixture folder, or skips (fails under CI) when {@code ../shared} is absent. */
    static Path folder() {
        return SharedData.file("fixtures/torchvision-onnx");
    }

    /** Every {@code .onnx} file of the folder, sorted by name. */
    static List<Path> all() throws IOException {
        try (Stream<Path> s = Files.list(folder())) {
            return s.filter(p -> p.getFileName().toString().endsWith(".onnx")).sorted().collect(Collectors.toList());
        }
    }
}
