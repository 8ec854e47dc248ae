package dev.jprune.io.onnx.internal.convert;

import dev.jprune.io.onnx.internal.convert.ConstOps.Bin;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** Import-time folding arithmetic; every expected value is worked out by hand in the comment beside it. */
class ConstOpsTest {

    private static Const l(int[] dims, long... v) {
        return Const.ofLongs(dims, v);
    }

    private static Const f(int[] dims, float... v) {
        return Const.ofFloats(dims, v);
    }

    private static int[] d(int... dims) {
        return dims;
    }

    @Test
    void integerDivisionTruncatesTowardZeroAndModFollowsTheDivisorOrTheDividend() {
        Const a = l(d(4), -7, 7, -7, 7);
        Const b = l(d(4), 2, 2, -2, -2);
        assertArrayEquals(new long[] {-3, 3, 3, -3}, ConstOps.binary(Bin.DIV, a, b).longs());
        // Python's % (fmod=0): sign of the divisor; C's fmod (fmod=1): sign of the dividend.
        assertArrayEquals(new long[] {1, 1, -1, -1}, ConstOps.binary(Bin.MOD, a, b).longs());
        assertArrayEquals(new long[] {-1, 1, -1, 1}, ConstOps.binary(Bin.FMOD, a, b).longs());
        assertArrayEquals(new float[] {-1.5f}, ConstOps.binary(Bin.MOD, f(d(), 2.5f), f(d(), -4f)).floats());
        assertThrows(IllegalArgumentException.class, () -> ConstOps.binary(Bin.DIV, a, l(d(), 0)));
    }

    @Test
    void binaryOpsBroadcastLikeNumpy() {
        // (2, 1) + (3,) → (2, 3): rows 10 and 20 plus columns 1, 2, 3
        Const s = ConstOps.binary(Bin.ADD, l(d(2, 1), 10, 20), l(d(3), 1, 2, 3));
        assertArrayEquals(new int[] {2, 3}, s.dims());
        assertArrayEquals(new long[] {11, 12, 13, 21, 22, 23}, s.longs());
        Const eq = ConstOps.binary(Bin.EQUAL, l(d(3), 1, 2, 3), l(d(), 2));
        assertArrayEquals(new long[] {0, 1, 0}, eq.longs());
        assertArrayEquals(new long[] {1, 0, 1}, ConstOps.not(eq).longs());
        assertArrayEquals(new float[] {1.5f, 3f}, ConstOps.binary(Bin.MUL, f(d(2), 0.5f, 1f), l(d(), 3)).floats(), 0f);
        assertThrows(IllegalArgumentException.class, () -> ConstOps.binary(Bin.ADD, l(d(2), 1, 2), l(d(3), 1, 2, 3)));
    }

    @Test
    void whereExpandAndConstantOfShapeBroadcast() {
        // torch's expand shape trick: where(shape == -1, ones, shape)
        Const shape = l(d(3), 1, -1, -1);
        Const w = ConstOps.where(ConstOps.binary(Bin.EQUAL, shape, l(d(), -1)), l(d(3), 1, 1, 1), shape);
        assertArrayEquals(new long[] {1, 1, 1}, w.longs());
        Const e = ConstLayout.expand(f(d(1, 2), 5f, 6f), new int[] {3, 1});
        assertArrayEquals(new int[] {3, 2}, e.dims());
        assertArrayEquals(new float[] {5, 6, 5, 6, 5, 6}, e.floats());
    }

    @Test
    void gatherTakesNegativeIndicesAndKeepsTheIndexShape() {
        Const data = l(d(2, 3), 0, 1, 2, 3, 4, 5);
        Const g = ConstLayout.gather(data, l(d(), -1), 1); // column 2: a scalar index removes the axis
        assertArrayEquals(new int[] {2}, g.dims());
        assertArrayEquals(new long[] {2, 5}, g.longs());
        Const rows = ConstLayout.gather(data, l(d(2), 1, 0), 0);
        assertArrayEquals(new long[] {3, 4, 5, 0, 1, 2}, rows.longs());
        assertThrows(IllegalArgumentException.class, () -> ConstLayout.gather(data, l(d(), 3), 1));
    }

    @Test
    void sliceClampsAndTakesNegativeSteps() {
        Const x = l(d(6), 0, 1, 2, 3, 4, 5);
        // x[-1::-2] with ONNX's INT64_MIN-like end: 5, 3, 1
        assertArrayEquals(new long[] {5, 3, 1}, ConstLayout.slice(x, new long[] {-1}, new long[] {Long.MIN_VALUE},
                new int[] {0}, new long[] {-2}).longs());
        // x[1:100:2]: 1, 3, 5
        assertArrayEquals(new long[] {1, 3, 5}, ConstLayout.slice(x, new long[] {1}, new long[] {100}, new int[] {0},
                new long[] {2}).longs());
        // 2-D: rows 1:, columns ::-1 of [[0,1,2],[3,4,5]] → [[5,4,3]]
        Const m = l(d(2, 3), 0, 1, 2, 3, 4, 5);
        Const s = ConstLayout.slice(m, new long[] {1, -1}, new long[] {2, Long.MIN_VALUE}, new int[] {0, 1},
                new long[] {1, -1});
        assertArrayEquals(new int[] {1, 3}, s.dims());
        assertArrayEquals(new long[] {5, 4, 3}, s.longs());
    }

    @Test
    void concatTransposeRangeScatterAndCast() {
        Const c = ConstLayout.concat(List.of(l(d(1), 7), l(d(2), 8, 9)), 0);
        assertArrayEquals(new long[] {7, 8, 9}, c.longs());
        Const t = ConstLayout.transpose(l(d(2, 3), 0, 1, 2, 3, 4, 5), new int[] {1, 0});
        assertArrayEquals(new int[] {3, 2}, t.dims());
        assertArrayEquals(new long[] {0, 3, 1, 4, 2, 5}, t.longs());
        assertArrayEquals(new long[] {0, 3, 6}, ConstOps.range(l(d(), 0), l(d(), 7), l(d(), 3)).longs());
        assertArrayEquals(new long[] {5, 3}, ConstOps.range(l(d(), 5), l(d(), 1), l(d(), -2)).longs());
        // Swin's mask: scatter rows 0 and 2 of a 3x2 zero tensor with [1,1] and [2,2]
        Const sc = ConstLayout.scatterND(l(d(3, 2), 0, 0, 0, 0, 0, 0), l(d(2, 1), 0, 2), l(d(2, 2), 1, 1, 2, 2));
        assertArrayEquals(new long[] {1, 1, 0, 0, 2, 2}, sc.longs());
        assertArrayEquals(new long[] {1, -2, 0}, ConstOps.cast(f(d(3), 1.9f, -2.7f, 0f), dev.jprune.io.onnx.OnnxDataType.INT64).longs());
        assertArrayEquals(new long[] {1, 1, 0}, ConstOps.cast(f(d(3), 1.9f, -2.7f, 0f), dev.jprune.io.onnx.OnnxDataType.BOOL).longs());
        assertArrayEquals(new float[] {3f}, ConstOps.cast(l(d(1), 3), dev.jprune.io.onnx.OnnxDataType.FLOAT).floats());
    }
}
