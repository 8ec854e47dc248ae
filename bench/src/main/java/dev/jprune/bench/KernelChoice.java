package dev.jprune.bench;

import dev.jprune.kernels.Kernels;
import dev.jprune.kernels.internal.KernelLoader;

/** Maps a benchmark's {@code kernels} parameter to an implementation. */
final class KernelChoice {

    private KernelChoice() {
    }

    /**
     * {@code "scalar"} for the reference kernels, {@code "vector"} for the platform's best vector kernels.
     *
     * @throws IllegalStateException    if vector kernels are asked for but {@code jdk.incubator.vector} is absent
     * @throws IllegalArgumentException for any other name
     */
    static Kernels of(String name) {
        switch (name) {
            case "scalar":
                return Kernels.scalar();
            case "vector":
                if (!KernelLoader.vectorAvailable()) {
                    throw new IllegalStateException("vector kernels need --add-modules jdk.incubator.vector");
                }
                return Kernels.get();
            default:
                throw new IllegalArgumentException("kernels must be 'scalar' or 'vector', got '" + name + "'");
        }
    }
}
