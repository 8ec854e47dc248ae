package dev.jprune.ops;

import dev.jprune.ir.Op;
import dev.jprune.tensor.Shape;

/** Small checks shared by the ops' shape inference; every failure names the op and what was expected. */
public final class Shapes {

    private Shapes() {
    }

    /** Throws unless there are exactly {@code n} inputs. */
    public static void requireCount(Op op, Shape[] inputs, int n) {
        if (inputs.length != n) {
            throw new IllegalArgumentException(op.type() + " takes " + n + " input(s), got " + inputs.length);
        }
    }

    /** Throws unless there are at least {@code n} inputs. */
    public static void requireAtLeast(Op op, Shape[] inputs, int n) {
        if (inputs.length < n) {
            throw new IllegalArgumentException(op.type() + " takes at least " + n + " input(s), got " + inputs.length);
        }
    }

    /** Throws unless {@code shape} has rank {@code rank}; {@code layout} names the dimensions, e.g. "(N, C, H, W)". */
    public static void requireRank(Op op, Shape shape, int rank, String layout) {
        if (shape.rank() != rank) {
            throw new IllegalArgumentException(op.type() + " expects a " + rank + "-D input " + layout + ", got " + shape);
        }
    }

    /**
     * NumPy/PyTorch broadcasting of two shapes: dimensions aligned from the right, each pair equal or one of them 1.
     */
    public static Shape broadcast(Op op, Shape a, Shape b) {
        int rank = Math.max(a.rank(), b.rank());
        int[] out = new int[rank];
        for (int i = 0; i < rank; i++) {
            int da = i < rank - a.rank() ? 1 : a.dim(i - (rank - a.rank()));
            int db = i < rank - b.rank() ? 1 : b.dim(i - (rank - b.rank()));
            if (da != db && da != 1 && db != 1) {
                throw new IllegalArgumentException(op.type() + " cannot broadcast " + a + " with " + b);
            }
            out[i] = da == 1 ? db : da;
        }
        return new Shape(out);
    }
}
