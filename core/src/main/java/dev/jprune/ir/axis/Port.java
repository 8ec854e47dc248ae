package dev.jprune.ir.axis;

/** One input or output of a node, by position. */
public record Port(boolean input, int index) {

    public Port {
        if (index < 0) {
            throw new IllegalArgumentException("port index must be non-negative, got " + index);
        }
    }

    /** Input {@code i}. */
    public static Port in(int i) {
        return new Port(true, i);
    }

    /** Output {@code i}. */
    public static Port out(int i) {
        return new Port(false, i);
    }

    @Override
    public String toString() {
        return (input ? "in" : "out") + index;
    }
}
