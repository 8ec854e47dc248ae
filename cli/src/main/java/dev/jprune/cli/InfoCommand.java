package dev.jprune.cli;

import dev.jprune.count.OpCounter;
import dev.jprune.exec.Executor;
import dev.jprune.internal.Json;
import dev.jprune.tensor.Tensor;
import dev.jprune.weights.Parity;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * {@code jprune info MODEL [--input N,C,H,W] [--weights none|parity|FILE] [--fill-missing parity] [--seed S]
 * [--json]}: MODEL is a zoo name or an {@code .onnx} file.
 */
final class InfoCommand {

    static final String USAGE = "jprune info MODEL [--input N,C,H,W] [--weights none|parity|FILE]"
            + " [--fill-missing parity] [--seed S] [--json]";

    private InfoCommand() {
    }

    static int run(List<String> argv, PrintStream out) {
        Args a = new Args("info", argv, Set.of("input", "weights", "seed", "fill-missing"), Set.of("json", "verbose"));
        if (a.positionals().size() != 1) {
            throw CliException.usage("usage: " + USAGE);
        }
        String model = a.positionals().get(0);
        ModelLoader.Loaded m = ModelLoader.load(model, a.get("input", null), a.get("weights", null), a.getLong("seed", 0),
                a.get("fill-missing", null));
        OpCounter.Count count = OpCounter.count(m.graph());
        long t0 = System.nanoTime();
        Tensor y = Executor.run(m.graph(), Parity.input(m.input()))[0];
        double ms = (System.nanoTime() - t0) / 1e6;
        int[] shape = y.shape().dims();
        float[] head = new float[Math.min(8, y.numel())];
        System.arraycopy(y.data(), 0, head, 0, head.length);

        out.printf("model         %s (%d layers)%n", model, m.graph().nodes().size());
        out.printf("input         %s, weights %s%n", m.input(), m.weights());
        out.printf("params        %,d (%s)%n", count.params(), Report.human(count.params()));
        out.printf("macs          %,d (%s)%n", count.ops(), Report.human(count.ops()));
        out.printf("output shape  %s%n", y.shape());
        out.printf("output head   %s%n", Report.floats(head));
        out.printf("forward       %.1f ms (parity input)%n", ms);
        if (a.flag("json")) {
            Map<String, Object> j = new LinkedHashMap<>();
            j.put("model", model);
            j.put("input", m.input().dims());
            j.put("params", count.params());
            j.put("macs", count.ops());
            j.put("output_shape", shape);
            List<Object> h = new ArrayList<>();
            for (float f : head) {
                h.add(f);
            }
            j.put("output_head", h);
            out.println(Json.write(j));
        }
        return 0;
    }
}
