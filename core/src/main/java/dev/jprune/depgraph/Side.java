package dev.jprune.depgraph;

/** Which channels of a layer: its outputs ({@code prune_out_channels}) or its inputs ({@code prune_in_channels}). */
public enum Side {
    OUT, IN;

    /** {@code "out"} or {@code "in"}, as the CLI prints it. */
    public String label() {
        return this == OUT ? "out" : "in";
    }

    /** Parses {@code out} or {@code in}. */
    public static Side parse(String s) {
        return switch (s) {
            case "out" -> OUT;
            case "in" -> IN;
            default -> throw new IllegalArgumentException("side must be 'out' or 'in', got '" + s + "'");
        };
    }
}
