package dev.jprune.io.weights;

import java.nio.file.Path;
import java.util.List;
import java.util.Set;

/**
 * What a load did: the file and its format, the keys loaded (in model order), the keys left alone because the file
 * lacks them ({@code missing}, only ever non-empty for a non-strict load), the file's keys the model does not have
 * ({@code unexpected}, likewise), and the element types that were converted to float32.
 *
 * @param file       the weights file
 * @param format     {@code "PyTorch zip checkpoint"} (with {@code " (state_dict entry)"} or {@code " (model entry)"}
 *                   when the state dict was wrapped) or {@code "safetensors"}
 * @param prefix     the key prefix removed from every key of the file ({@code "module."}), or {@code ""}
 * @param loaded     keys whose values were replaced
 * @param missing    model keys absent from the file
 * @param unexpected file keys absent from the model
 * @param converted  non-float32 floating-point types read into float32 parameters
 */
public record LoadReport(Path file, String format, String prefix, List<String> loaded, List<String> missing,
                         List<String> unexpected, Set<ElementType> converted) {

    public LoadReport {
        loaded = List.copyOf(loaded);
        missing = List.copyOf(missing);
        unexpected = List.copyOf(unexpected);
        converted = Set.copyOf(converted);
    }

    /** One line: {@code "loaded 62 tensors from w.pth (PyTorch zip checkpoint, float16 converted to float32)"}. */
    public String summary() {
        StringBuilder sb = new StringBuilder("loaded ").append(loaded.size()).append(" tensors from ").append(file)
                .append(" (").append(format);
        if (!prefix.isEmpty()) {
            sb.append(", prefix '").append(prefix).append("' removed");
        }
        if (!converted.isEmpty()) {
            sb.append(", ").append(converted.stream().sorted().map(ElementType::torchName)
                    .reduce((a, b) -> a + "/" + b).orElse("")).append(" converted to float32");
        }
        sb.append(')');
        if (!missing.isEmpty()) {
            sb.append("; ").append(missing.size()).append(" missing (left unchanged): ").append(head(missing));
        }
        if (!unexpected.isEmpty()) {
            sb.append("; ").append(unexpected.size()).append(" unexpected (ignored): ").append(head(unexpected));
        }
        return sb.toString();
    }

    private static String head(List<String> keys) {
        int n = StateDictMismatchException.LISTED;
        return String.join(", ", keys.subList(0, Math.min(n, keys.size())))
                + (keys.size() > n ? ", ... and " + (keys.size() - n) + " more" : "");
    }
}
