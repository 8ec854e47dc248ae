package dev.jprune.internal;

/** Derived seeds: decorrelated generator seeds for numbered streams of one run. Internal: not part of the public API. */
public final class Seeds {

    private Seeds() {
    }

    /**
     * The seed of stream {@code index} of {@code seed}: SplitMix64's finaliser applied to
     * {@code seed + φ·(index + 1)}, φ the 64-bit golden ratio. Nearby seeds and indices give unrelated values.
     */
    public static long derive(long seed, long index) {
        long z = seed + 0x9E3779B97F4A7C15L * (index + 1);
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
