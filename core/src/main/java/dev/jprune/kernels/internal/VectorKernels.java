package dev.jprune.kernels.internal;

import dev.jprune.kernels.Conv2dSpec;
import dev.jprune.kernels.Kernels;
import dev.jprune.kernels.Parallel;

import java.util.Arrays;
import java.util.function.IntConsumer;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Kernels built on {@code jdk.incubator.vector}. One of the few classes allowed to import that module;
 * it is reached only by reflection from {@link KernelLoader}.
 *
 * <p>The vector width is fixed by a small final subclass per width (128, 256, 512 bits) that returns a
 * constant species, so once only one subclass is loaded — the normal case — the JIT sees a constant
 * species in every loop here.
 *
 * <p><b>GEMM</b> follows the BLIS layout: {@code op(B)} is packed into column panels {@code NR = 2}
 * vectors wide and {@code op(A)} into row panels {@code MR} rows tall (zero-padded, so the micro-kernel
 * always computes a full {@code MR × NR} block and handles transposition only in packing). C is cut
 * into fixed {@code MC × NC} tiles run in parallel; inside a tile the K dimension is walked in blocks of
 * {@code KC}, and each micro-kernel call accumulates one K block in registers with fused multiply-adds
 * (K ascending) and then adds the block into C. Tile and block sizes depend only on the vector width,
 * never on the thread count, so the result of every element is fixed.
 *
 * GEMMs with at most {@link #SKINNY_ROWS} rows skip packing and run row-times-matrix loops instead.
 *
 * <p><b>Convolution</b> picks one of four algorithms per geometry ({@link #convPath}): a depthwise
 * convolution (one input channel per group, any channel multiplier) runs a direct loop vectorised along
 * output rows; a 1×1, stride-1, unpadded convolution multiplies the input directly (it already is the B
 * matrix); a convolution with horizontal stride 1 whose output rows fill the column blocks runs as an
 * implicit GEMM whose micro-kernel reads B straight from a padded copy of the input; anything else is
 * im2col + GEMM. All work per (image, group); the parallel level (images and groups, or GEMM tiles and
 * output rows inside one) is chosen from the pool size, which is safe because each output element's
 * arithmetic is the same on either level.
 *
 * <p><b>Convolution gradients.</b> The input gradient of a depthwise convolution is a direct loop per input
 * plane; of a 1×1 stride-1 convolution, one GEMM {@code Wᵀ · dY} per (image, group); with stride 1 it is the
 * forward convolution of {@code dY} with flipped, transposed weights (taking the forward's fast paths);
 * otherwise {@code Wᵀ · dY} then col2im. The weight gradient of a depthwise convolution is a direct dot-product
 * loop parallel over output channels; any other is an implicit GEMM {@code col · dYᵀ} whose micro-kernel reads
 * {@code col} straight from the (padded) input, parallel over fixed tiles of kernel taps with the images
 * summed in order inside each tile, so no sum depends on the thread count.
 *
 * <p>Scratch arrays (packed panels, im2col and padded inputs, flipped weights, gradient accumulators) are
 * kept per thread and reused.
 */
abstract class VectorKernels implements Kernels {

    /** Rows of the micro-kernel's block of C. */
    static final int MR = 8;
    /** Depth of one K block. */
    static final int KC = 256;
    /** Rows of C per parallel tile (a multiple of {@link #MR}). */
    static final int MC = 16 * MR;
    /** Column panels per parallel tile; NC = NC_PANELS · NR. */
    static final int NC_PANELS = 8;
    /** Below this many multiply-adds a GEMM runs on the calling thread only. */
    static final long PARALLEL_MACS = 1L << 18;
    /** Output rows per parallel block of the implicit-GEMM convolution. */
    static final int CONV_ROWS = 4;
    /** Convolution algorithm: direct depthwise loop. */
    static final String PATH_DEPTHWISE = "depthwise";
    /** Convolution algorithm: 1×1 stride-1 unpadded, the input is the B matrix. */
    static final String PATH_POINTWISE = "pointwise";
    /** Convolution algorithm: implicit GEMM reading B from a padded copy of the input. */
    static final String PATH_IMPLICIT = "implicit";
    /** Convolution algorithm: im2col then GEMM. */
    static final String PATH_IM2COL = "im2col";
    /** GEMMs with at most this many rows skip packing ({@link #gemmSkinny}). */
    static final int SKINNY_ROWS = 4;
    /** Output columns per parallel block of a skinny GEMM. */
    static final int SKINNY_COLS = 512;
    /** Column panels packed per parallel block. */
    static final int PACK_PANELS = 16;
    /** Tap panels ({@link #MR} taps each) per parallel tile of the weight gradient. */
    static final int GRAD_PANELS = 4;
    /** Planes zero-padded per parallel block of the weight gradient. */
    static final int PAD_PLANES = 16;
    /** Output channels per parallel block of the bias gradient. */
    static final int BIAS_CHANNELS = 16;

    /** Packing buffers of the calling thread, reused across calls. */
    private static final ThreadLocal<Buffers> BUFFERS = ThreadLocal.withInitial(Buffers::new);

    /** The constant species of this width. */
    abstract VectorSpecies<Float> species();

    /** The vector kernels for one width: 128, 256 or 512 bits. */
    static Kernels forBits(int bits) {
        switch (bits) {
            case 128:
                return new V128();
            case 256:
                return new V256();
            case 512:
                return new V512();
            default:
                throw new IllegalArgumentException("vector width must be 128, 256 or 512 bits, got " + bits);
        }
    }

    /** The vector kernels at the platform's preferred width, or scalar when that is under 128 bits. */
    static Kernels preferred() {
        int bits = FloatVector.SPECIES_PREFERRED.vectorBitSize();
        return bits >= 512 ? new V512() : bits >= 256 ? new V256() : bits >= 128 ? new V128() : KernelLoader.scalar();
    }

    @Override
    public String name() {
        return "vector-" + species().vectorBitSize();
    }

    @Override
    public String toString() {
        return name();
    }

    // ------------------------------------------------------------------------------------------ GEMM

    @Override
    public void gemm(boolean transA, boolean transB, int m, int n, int k,
                     float[] a, int aOff, int lda,
                     float[] b, int bOff, int ldb,
                     float beta, float[] c, int cOff, int ldc) {
        Checks.gemm(transA, transB, m, n, k, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc);
        if (m == 0 || n == 0) {
            return;
        }
        if (k == 0) {
            if (beta == 0f) {
                for (int i = 0; i < m; i++) {
                    Arrays.fill(c, cOff + i * ldc, cOff + i * ldc + n, 0f);
                }
            }
            return;
        }
        if (m <= SKINNY_ROWS) {
            gemmSkinny(transA, transB, m, n, k, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc);
            return;
        }
        Buffers buf = BUFFERS.get();
        float[] packB = buf.packB(panels(n, nr()) * nr() * k);
        packB(transB, n, k, b, bOff, ldb, packB, 0, parallel(m, n, k));
        multiplyPackedB(transA, m, n, k, a, aOff, lda, packB, beta, c, cOff, ldc, buf);
    }

    /**
     * GEMM with very few rows (a matrix-vector product, or a linear layer on a small batch), where packing
     * would cost more than the arithmetic and most of an {@code MR}-row panel would be padding. Each output
     * element is one fused multiply-add chain over K, ascending, whichever lane or tail computes it
     * ({@code op(B)} rows are contiguous), or a dot product of fixed lane order ({@code op(B)} transposed).
     * Parallel over fixed blocks of {@link #SKINNY_COLS} columns.
     */
    private void gemmSkinny(boolean transA, boolean transB, int m, int n, int k, float[] a, int aOff, int lda,
                            float[] b, int bOff, int ldb, float beta, float[] c, int cOff, int ldc) {
        VectorSpecies<Float> s = species();
        int l = s.length();
        run(panels(n, SKINNY_COLS), parallel(m, n, k), block -> {
            int j0 = block * SKINNY_COLS;
            int j1 = Math.min(n, j0 + SKINNY_COLS);
            float[] row = transB && transA ? new float[k] : null;
            for (int i = 0; i < m; i++) {
                int ci = cOff + i * ldc;
                if (!transB) {
                    int aRow = transA ? aOff + i : aOff + i * lda;
                    int aStep = transA ? lda : 1;
                    int j = j0;
                    for (; j + 4 * l <= j1; j += 4 * l) {
                        FloatVector acc0 = FloatVector.zero(s);
                        FloatVector acc1 = acc0;
                        FloatVector acc2 = acc0;
                        FloatVector acc3 = acc0;
                        for (int p = 0; p < k; p++) {
                            FloatVector av = FloatVector.broadcast(s, a[aRow + p * aStep]);
                            int bj = bOff + p * ldb + j;
                            acc0 = FloatVector.fromArray(s, b, bj).fma(av, acc0);
                            acc1 = FloatVector.fromArray(s, b, bj + l).fma(av, acc1);
                            acc2 = FloatVector.fromArray(s, b, bj + 2 * l).fma(av, acc2);
                            acc3 = FloatVector.fromArray(s, b, bj + 3 * l).fma(av, acc3);
                        }
                        if (beta != 0f) {
                            acc0 = acc0.add(FloatVector.fromArray(s, c, ci + j));
                            acc1 = acc1.add(FloatVector.fromArray(s, c, ci + j + l));
                            acc2 = acc2.add(FloatVector.fromArray(s, c, ci + j + 2 * l));
                            acc3 = acc3.add(FloatVector.fromArray(s, c, ci + j + 3 * l));
                        }
                        acc0.intoArray(c, ci + j);
                        acc1.intoArray(c, ci + j + l);
                        acc2.intoArray(c, ci + j + 2 * l);
                        acc3.intoArray(c, ci + j + 3 * l);
                    }
                    for (; j + l <= j1; j += l) {
                        FloatVector acc = FloatVector.zero(s);
                        for (int p = 0; p < k; p++) {
                            acc = FloatVector.fromArray(s, b, bOff + p * ldb + j).fma(FloatVector.broadcast(s, a[aRow + p * aStep]), acc);
                        }
                        if (beta != 0f) {
                            acc = acc.add(FloatVector.fromArray(s, c, ci + j));
                        }
                        acc.intoArray(c, ci + j);
                    }
                    for (; j < j1; j++) {
                        float acc = 0f;
                        for (int p = 0; p < k; p++) {
                            acc = Math.fma(a[aRow + p * aStep], b[bOff + p * ldb + j], acc);
                        }
                        c[ci + j] = beta != 0f ? acc + c[ci + j] : acc;
                    }
                } else {
                    float[] ar = a;
                    int arOff = aOff + i * lda;
                    if (transA) {
                        for (int p = 0; p < k; p++) {
                            row[p] = a[aOff + p * lda + i];
                        }
                        ar = row;
                        arOff = 0;
                    }
                    for (int j = j0; j < j1; j++) {
                        float acc = dot(s, ar, arOff, b, bOff + j * ldb, k);
                        c[ci + j] = beta != 0f ? acc + c[ci + j] : acc;
                    }
                }
            }
        });
    }

    /**
     * {@code Σ x[xOff + p] · y[yOff + p]} for {@code p < k}: two vector accumulators over pairs of vectors,
     * one more vector into the first, combined and reduced lane by lane in ascending order, then the
     * scalar tail — a fixed order for a given {@code k}.
     */
    private static float dot(VectorSpecies<Float> s, float[] x, int xOff, float[] y, int yOff, int k) {
        int l = s.length();
        int p = 0;
        float total = 0f;
        if (k >= l) {
            FloatVector acc0 = FloatVector.zero(s);
            FloatVector acc1 = acc0;
            for (; p + 2 * l <= k; p += 2 * l) {
                acc0 = FloatVector.fromArray(s, x, xOff + p).fma(FloatVector.fromArray(s, y, yOff + p), acc0);
                acc1 = FloatVector.fromArray(s, x, xOff + p + l).fma(FloatVector.fromArray(s, y, yOff + p + l), acc1);
            }
            if (p + l <= k) {
                acc0 = FloatVector.fromArray(s, x, xOff + p).fma(FloatVector.fromArray(s, y, yOff + p), acc0);
                p += l;
            }
            FloatVector sum = acc0.add(acc1);
            for (int lane = 0; lane < l; lane++) {
                total += sum.lane(lane);
            }
        }
        for (; p < k; p++) {
            total = Math.fma(x[xOff + p], y[yOff + p], total);
        }
        return total;
    }

    /** Columns of a B panel: two vectors. */
    private int nr() {
        return 2 * species().length();
    }

    private static int panels(int size, int panel) {
        return (size + panel - 1) / panel;
    }

    private static boolean parallel(int m, int n, int k) {
        return (long) m * n * k >= PARALLEL_MACS;
    }

    /** Runs blocks on the pool or, for small problems, inline; the split (hence the result) is the same. */
    private static void run(int blocks, boolean parallel, IntConsumer body) {
        if (parallel) {
            Parallel.forRange(blocks, body);
        } else {
            for (int i = 0; i < blocks; i++) {
                body.accept(i);
            }
        }
    }

    /**
     * Packs {@code op(B)} ({@code (k, n)}) into column panels: panel {@code jp} holds columns
     * {@code jp·NR ..} as {@code k} rows of {@code NR} floats at {@code packOff + jp·NR·k}, zero-padded on the right.
     */
    private void packB(boolean transB, int n, int k, float[] b, int bOff, int ldb, float[] pack, int packOff,
                       boolean parallel) {
        int nr = nr();
        int nPanels = panels(n, nr);
        run(panels(nPanels, PACK_PANELS), parallel, block -> {
            int end = Math.min(nPanels, (block + 1) * PACK_PANELS);
            for (int jp = block * PACK_PANELS; jp < end; jp++) {
                int j = jp * nr;
                int cols = Math.min(nr, n - j);
                int base = packOff + jp * nr * k;
                if (!transB) {
                    for (int p = 0; p < k; p++) {
                        int dst = base + p * nr;
                        System.arraycopy(b, bOff + p * ldb + j, pack, dst, cols);
                        if (cols < nr) {
                            Arrays.fill(pack, dst + cols, dst + nr, 0f);
                        }
                    }
                } else {
                    for (int jj = 0; jj < cols; jj++) {
                        int src = bOff + (j + jj) * ldb;
                        for (int p = 0; p < k; p++) {
                            pack[base + p * nr + jj] = b[src + p];
                        }
                    }
                    for (int jj = cols; jj < nr; jj++) {
                        for (int p = 0; p < k; p++) {
                            pack[base + p * nr + jj] = 0f;
                        }
                    }
                }
            }
        });
    }

    /**
     * Packs {@code op(A)} ({@code (m, k)}) into row panels: panel {@code ip} holds rows {@code ip·MR ..}
     * as {@code k} columns of {@code MR} floats at {@code ip·MR·k}, zero-padded at the bottom.
     */
    private static void packA(boolean transA, int m, int k, float[] a, int aOff, int lda, float[] pack, boolean parallel) {
        int mPanels = panels(m, MR);
        run(panels(mPanels, PACK_PANELS), parallel, block -> {
            int end = Math.min(mPanels, (block + 1) * PACK_PANELS);
            for (int ip = block * PACK_PANELS; ip < end; ip++) {
                int i = ip * MR;
                int rows = Math.min(MR, m - i);
                int base = ip * MR * k;
                if (transA) {
                    for (int p = 0; p < k; p++) {
                        int dst = base + p * MR;
                        System.arraycopy(a, aOff + p * lda + i, pack, dst, rows);
                        if (rows < MR) {
                            Arrays.fill(pack, dst + rows, dst + MR, 0f);
                        }
                    }
                } else {
                    for (int r = 0; r < rows; r++) {
                        int src = aOff + (i + r) * lda;
                        for (int p = 0; p < k; p++) {
                            pack[base + p * MR + r] = a[src + p];
                        }
                    }
                    for (int r = rows; r < MR; r++) {
                        for (int p = 0; p < k; p++) {
                            pack[base + p * MR + r] = 0f;
                        }
                    }
                }
            }
        });
    }

    /** Packs {@code op(A)} and multiplies it by the already packed B into C, tile by tile. */
    private void multiplyPackedB(boolean transA, int m, int n, int k, float[] a, int aOff, int lda, float[] packB,
                                 float beta, float[] c, int cOff, int ldc, Buffers buf) {
        boolean parallel = parallel(m, n, k);
        float[] packA = buf.packA(panels(m, MR) * MR * k);
        packA(transA, m, k, a, aOff, lda, packA, parallel);
        int nr = nr();
        int nc = NC_PANELS * nr;
        int mTiles = panels(m, MC);
        int nTiles = panels(n, nc);
        run(mTiles * nTiles, parallel, t -> tile(t / nTiles, t % nTiles, m, n, k, packA, packB, beta, c, cOff, ldc));
    }

    /** Computes tile {@code (ti, tj)} of C: rows {@code ti·MC ..}, columns {@code tj·NC ..}. */
    private void tile(int ti, int tj, int m, int n, int k, float[] packA, float[] packB,
                      float beta, float[] c, int cOff, int ldc) {
        int nr = nr();
        int i0 = ti * MC;
        int i1 = Math.min(m, i0 + MC);
        int j0 = tj * NC_PANELS * nr;
        int j1 = Math.min(n, j0 + NC_PANELS * nr);
        float[] edge = null;
        for (int k0 = 0; k0 < k; k0 += KC) {
            int kc = Math.min(KC, k - k0);
            boolean add = k0 > 0 || beta != 0f;
            for (int i = i0; i < i1; i += MR) {
                int aBase = i * k + k0 * MR;
                for (int j = j0; j < j1; j += nr) {
                    int bBase = j * k + k0 * nr;
                    if (i + MR <= m && j + nr <= n) {
                        kernel(packA, aBase, packB, bBase, kc, c, cOff + i * ldc + j, ldc, add);
                    } else {
                        if (edge == null) {
                            edge = new float[MR * nr];
                        }
                        kernel(packA, aBase, packB, bBase, kc, edge, 0, nr, false);
                        int rows = Math.min(MR, m - i);
                        int cols = Math.min(nr, n - j);
                        for (int r = 0; r < rows; r++) {
                            int ci = cOff + (i + r) * ldc + j;
                            int ei = r * nr;
                            for (int jj = 0; jj < cols; jj++) {
                                c[ci + jj] = add ? c[ci + jj] + edge[ei + jj] : edge[ei + jj];
                            }
                        }
                    }
                }
            }
        }
    }

    /**
     * The micro-kernel: an {@code MR × 2} vector block of {@code A·B} over {@code kc} steps of K, kept in
     * registers, then stored to (or, when {@code add}, added to) C at {@code ci} with row stride
     * {@code ldc}. Packed A is read at {@code ai + p·MR}, packed B at {@code bi + p·NR}.
     */
    private void kernel(float[] ap, int ai, float[] bp, int bi, int kc, float[] c, int ci, int ldc, boolean add) {
        VectorSpecies<Float> s = species();
        int l = s.length();
        int nr = 2 * l;
        FloatVector c00 = FloatVector.zero(s);
        FloatVector c01 = c00;
        FloatVector c10 = c00;
        FloatVector c11 = c00;
        FloatVector c20 = c00;
        FloatVector c21 = c00;
        FloatVector c30 = c00;
        FloatVector c31 = c00;
        FloatVector c40 = c00;
        FloatVector c41 = c00;
        FloatVector c50 = c00;
        FloatVector c51 = c00;
        FloatVector c60 = c00;
        FloatVector c61 = c00;
        FloatVector c70 = c00;
        FloatVector c71 = c00;
        for (int p = 0; p < kc; p++) {
            int bj = bi + p * nr;
            int aj = ai + p * MR;
            FloatVector b0 = FloatVector.fromArray(s, bp, bj);
            FloatVector b1 = FloatVector.fromArray(s, bp, bj + l);
            FloatVector av = FloatVector.broadcast(s, ap[aj]);
            c00 = av.fma(b0, c00);
            c01 = av.fma(b1, c01);
            av = FloatVector.broadcast(s, ap[aj + 1]);
            c10 = av.fma(b0, c10);
            c11 = av.fma(b1, c11);
            av = FloatVector.broadcast(s, ap[aj + 2]);
            c20 = av.fma(b0, c20);
            c21 = av.fma(b1, c21);
            av = FloatVector.broadcast(s, ap[aj + 3]);
            c30 = av.fma(b0, c30);
            c31 = av.fma(b1, c31);
            av = FloatVector.broadcast(s, ap[aj + 4]);
            c40 = av.fma(b0, c40);
            c41 = av.fma(b1, c41);
            av = FloatVector.broadcast(s, ap[aj + 5]);
            c50 = av.fma(b0, c50);
            c51 = av.fma(b1, c51);
            av = FloatVector.broadcast(s, ap[aj + 6]);
            c60 = av.fma(b0, c60);
            c61 = av.fma(b1, c61);
            av = FloatVector.broadcast(s, ap[aj + 7]);
            c70 = av.fma(b0, c70);
            c71 = av.fma(b1, c71);
        }
        int r1 = ci + ldc;
        int r2 = r1 + ldc;
        int r3 = r2 + ldc;
        int r4 = r3 + ldc;
        int r5 = r4 + ldc;
        int r6 = r5 + ldc;
        int r7 = r6 + ldc;
        if (add) {
            c00 = c00.add(FloatVector.fromArray(s, c, ci));
            c01 = c01.add(FloatVector.fromArray(s, c, ci + l));
            c10 = c10.add(FloatVector.fromArray(s, c, r1));
            c11 = c11.add(FloatVector.fromArray(s, c, r1 + l));
            c20 = c20.add(FloatVector.fromArray(s, c, r2));
            c21 = c21.add(FloatVector.fromArray(s, c, r2 + l));
            c30 = c30.add(FloatVector.fromArray(s, c, r3));
            c31 = c31.add(FloatVector.fromArray(s, c, r3 + l));
            c40 = c40.add(FloatVector.fromArray(s, c, r4));
            c41 = c41.add(FloatVector.fromArray(s, c, r4 + l));
            c50 = c50.add(FloatVector.fromArray(s, c, r5));
            c51 = c51.add(FloatVector.fromArray(s, c, r5 + l));
            c60 = c60.add(FloatVector.fromArray(s, c, r6));
            c61 = c61.add(FloatVector.fromArray(s, c, r6 + l));
            c70 = c70.add(FloatVector.fromArray(s, c, r7));
            c71 = c71.add(FloatVector.fromArray(s, c, r7 + l));
        }
        c00.intoArray(c, ci);
        c01.intoArray(c, ci + l);
        c10.intoArray(c, r1);
        c11.intoArray(c, r1 + l);
        c20.intoArray(c, r2);
        c21.intoArray(c, r2 + l);
        c30.intoArray(c, r3);
        c31.intoArray(c, r3 + l);
        c40.intoArray(c, r4);
        c41.intoArray(c, r4 + l);
        c50.intoArray(c, r5);
        c51.intoArray(c, r5 + l);
        c60.intoArray(c, r6);
        c61.intoArray(c, r6 + l);
        c70.intoArray(c, r7);
        c71.intoArray(c, r7 + l);
    }

    /**
     * The micro-kernel of the implicit-GEMM convolution: as {@link #kernel}, but row {@code p} of B is the
     * {@code NR} consecutive floats of {@code src} at {@code base + offs[p0 + p]} (a shifted window of the
     * padded input), so no im2col matrix is built.
     */
    private void kernelGather(float[] ap, int ai, float[] src, int base, int[] offs, int p0, int kc,
                              float[] c, int ci, int ldc, boolean add) {
        VectorSpecies<Float> s = species();
        int l = s.length();
        FloatVector c00 = FloatVector.zero(s);
        FloatVector c01 = c00;
        FloatVector c10 = c00;
        FloatVector c11 = c00;
        FloatVector c20 = c00;
        FloatVector c21 = c00;
        FloatVector c30 = c00;
        FloatVector c31 = c00;
        FloatVector c40 = c00;
        FloatVector c41 = c00;
        FloatVector c50 = c00;
        FloatVector c51 = c00;
        FloatVector c60 = c00;
        FloatVector c61 = c00;
        FloatVector c70 = c00;
        FloatVector c71 = c00;
        for (int p = 0; p < kc; p++) {
            int bj = base + offs[p0 + p];
            int aj = ai + p * MR;
            FloatVector b0 = FloatVector.fromArray(s, src, bj);
            FloatVector b1 = FloatVector.fromArray(s, src, bj + l);
            FloatVector av = FloatVector.broadcast(s, ap[aj]);
            c00 = av.fma(b0, c00);
            c01 = av.fma(b1, c01);
            av = FloatVector.broadcast(s, ap[aj + 1]);
            c10 = av.fma(b0, c10);
            c11 = av.fma(b1, c11);
            av = FloatVector.broadcast(s, ap[aj + 2]);
            c20 = av.fma(b0, c20);
            c21 = av.fma(b1, c21);
            av = FloatVector.broadcast(s, ap[aj + 3]);
            c30 = av.fma(b0, c30);
            c31 = av.fma(b1, c31);
            av = FloatVector.broadcast(s, ap[aj + 4]);
            c40 = av.fma(b0, c40);
            c41 = av.fma(b1, c41);
            av = FloatVector.broadcast(s, ap[aj + 5]);
            c50 = av.fma(b0, c50);
            c51 = av.fma(b1, c51);
            av = FloatVector.broadcast(s, ap[aj + 6]);
            c60 = av.fma(b0, c60);
            c61 = av.fma(b1, c61);
            av = FloatVector.broadcast(s, ap[aj + 7]);
            c70 = av.fma(b0, c70);
            c71 = av.fma(b1, c71);
        }
        int r1 = ci + ldc;
        int r2 = r1 + ldc;
        int r3 = r2 + ldc;
        int r4 = r3 + ldc;
        int r5 = r4 + ldc;
        int r6 = r5 + ldc;
        int r7 = r6 + ldc;
        if (add) {
            c00 = c00.add(FloatVector.fromArray(s, c, ci));
            c01 = c01.add(FloatVector.fromArray(s, c, ci + l));
            c10 = c10.add(FloatVector.fromArray(s, c, r1));
            c11 = c11.add(FloatVector.fromArray(s, c, r1 + l));
            c20 = c20.add(FloatVector.fromArray(s, c, r2));
            c21 = c21.add(FloatVector.fromArray(s, c, r2 + l));
            c30 = c30.add(FloatVector.fromArray(s, c, r3));
            c31 = c31.add(FloatVector.fromArray(s, c, r3 + l));
            c40 = c40.add(FloatVector.fromArray(s, c, r4));
            c41 = c41.add(FloatVector.fromArray(s, c, r4 + l));
            c50 = c50.add(FloatVector.fromArray(s, c, r5));
            c51 = c51.add(FloatVector.fromArray(s, c, r5 + l));
            c60 = c60.add(FloatVector.fromArray(s, c, r6));
            c61 = c61.add(FloatVector.fromArray(s, c, r6 + l));
            c70 = c70.add(FloatVector.fromArray(s, c, r7));
            c71 = c71.add(FloatVector.fromArray(s, c, r7 + l));
        }
        c00.intoArray(c, ci);
        c01.intoArray(c, ci + l);
        c10.intoArray(c, r1);
        c11.intoArray(c, r1 + l);
        c20.intoArray(c, r2);
        c21.intoArray(c, r2 + l);
        c30.intoArray(c, r3);
        c31.intoArray(c, r3 + l);
        c40.intoArray(c, r4);
        c41.intoArray(c, r4 + l);
        c50.intoArray(c, r5);
        c51.intoArray(c, r5 + l);
        c60.intoArray(c, r6);
        c61.intoArray(c, r6 + l);
        c70.intoArray(c, r7);
        c71.intoArray(c, r7 + l);
    }

    // ----------------------------------------------------------------------------------- convolution

    @Override
    public void conv2d(Conv2dSpec s, float[] input, float[] weight, float[] bias, float[] output) {
        Checks.conv2d(s, input, weight, bias, output);
        if (convPath(s).equals(PATH_DEPTHWISE)) {
            depthwise(s, input, weight, bias, output);
            return;
        }
        int groups = s.groups();
        int tasks = s.batch() * groups;
        int threads = Parallel.threads();
        // Either level gives identical results; choose the one that keeps every thread busy.
        boolean outer = tasks >= 4 * threads || (tasks >= threads && tasks % threads == 0);
        if (outer) {
            Parallel.forRange(tasks, t -> convTask(s, t / groups, t % groups, input, weight, bias, output));
        } else {
            for (int t = 0; t < tasks; t++) {
                convTask(s, t / groups, t % groups, input, weight, bias, output);
            }
        }
    }

    /** One (image, group) of a convolution: im2col (unless 1×1) and GEMM, then the bias. */
    private void convTask(Conv2dSpec s, int img, int g, float[] input, float[] weight, float[] bias, float[] output) {
        int cinG = s.inChannels() / s.groups();
        int coutG = s.outChannels() / s.groups();
        int hw = s.height() * s.width();
        int ohw = s.outH() * s.outW();
        int kdim = cinG * s.kernelH() * s.kernelW();
        int inOff = (img * s.inChannels() + g * cinG) * hw;
        int outOff = (img * s.outChannels() + g * coutG) * ohw;
        int wOff = g * coutG * kdim;
        String path = convPath(s);
        if (path.equals(PATH_POINTWISE)) {
            gemm(false, false, coutG, ohw, kdim, weight, wOff, kdim, input, inOff, hw, 0f, output, outOff, ohw);
        } else if (path.equals(PATH_IMPLICIT)) {
            implicitConv(s, input, inOff, cinG, coutG, weight, wOff, output, outOff);
        } else {
            float[] col = BUFFERS.get().col(kdim * ohw);
            ConvLowering.im2col(s, input, inOff, cinG, col);
            gemm(false, false, coutG, ohw, kdim, weight, wOff, kdim, col, 0, ohw, 0f, output, outOff, ohw);
        }
        if (bias != null) {
            for (int oc = 0; oc < coutG; oc++) {
                addScalar(output, outOff + oc * ohw, ohw, bias[g * coutG + oc]);
            }
        }
    }

    /**
     * Which algorithm {@link #conv2d} uses for {@code s}: {@link #PATH_DEPTHWISE}, {@link #PATH_POINTWISE},
     * {@link #PATH_IMPLICIT} or {@link #PATH_IM2COL}. Exposed so tests can check that they cover each.
     */
    String convPath(Conv2dSpec s) {
        if (s.inChannels() == s.groups()) {
            return PATH_DEPTHWISE;
        }
        if (s.kernelH() == 1 && s.kernelW() == 1 && s.strideH() == 1 && s.strideW() == 1 && s.padH() == 0 && s.padW() == 0) {
            return PATH_POINTWISE;
        }
        return implicitFits(s) ? PATH_IMPLICIT : PATH_IM2COL;
    }

    /**
     * Whether the implicit-GEMM path suits this convolution: horizontal stride 1 (so each B row is a
     * contiguous window of the input) and output rows that fill at least 85% of the NR-wide column blocks
     * (each block covers part of one output row, so narrow outputs would waste most of a block).
     */
    private boolean implicitFits(Conv2dSpec s) {
        int nr = nr();
        int ow = s.outW();
        int blocks = panels(ow, nr);
        return s.strideW() == 1 && ow * 100 >= 85 * blocks * nr;
    }

    /**
     * Convolution of one (image, group) as an implicit GEMM: C {@code (coutG, OH·OW)} = packed weights
     * {@code (coutG, K)} times a B whose row {@code p = (ic·KH + ky)·KW + kx} and column block
     * {@code (y, x0 .. x0 + NR)} is the window of the zero-padded input starting at channel {@code ic}, row
     * {@code y·strideH + ky·dilationH}, column {@code x0 + kx·dilationW}. The input is copied once into a
     * padded buffer (with NR floats of slack, since the last block of a row may read past it; those lanes
     * are discarded), then the micro-kernel reads B straight from it. K is walked in KC blocks, ascending,
     * exactly as in {@link #gemm}. Parallel over fixed blocks of output rows.
     */
    private void implicitConv(Conv2dSpec s, float[] input, int inOff, int cinG, int coutG,
                              float[] weight, int wOff, float[] output, int outOff) {
        int nr = nr();
        int h = s.height();
        int w = s.width();
        int ph = s.padH();
        int pw = s.padW();
        int hp = h + 2 * ph;
        int wp = w + 2 * pw;
        int kh = s.kernelH();
        int kw = s.kernelW();
        int oh = s.outH();
        int ow = s.outW();
        int ohw = oh * ow;
        int kdim = cinG * kh * kw;
        Buffers buf = BUFFERS.get();
        float[] pad = buf.col(cinG * hp * wp + nr);
        for (int ic = 0; ic < cinG; ic++) {
            padPlane(input, inOff + ic * h * w, h, w, ph, pw, pad, ic * hp * wp);
        }
        Arrays.fill(pad, cinG * hp * wp, cinG * hp * wp + nr, 0f);
        int[] offs = buf.offsets(kdim);
        for (int ic = 0, p = 0; ic < cinG; ic++) {
            for (int ky = 0; ky < kh; ky++) {
                for (int kx = 0; kx < kw; kx++, p++) {
                    offs[p] = ic * hp * wp + ky * s.dilationH() * wp + kx * s.dilationW();
                }
            }
        }
        float[] packA = buf.packA(panels(coutG, MR) * MR * kdim);
        packA(false, coutG, kdim, weight, wOff, kdim, packA, false);
        int mPanels = panels(coutG, MR);
        int xBlocks = panels(ow, nr);
        int sh = s.strideH();
        Parallel.forRange(panels(oh, CONV_ROWS), block -> {
            float[] edge = new float[MR * nr];
            int yEnd = Math.min(oh, (block + 1) * CONV_ROWS);
            for (int y = block * CONV_ROWS; y < yEnd; y++) {
                for (int xb = 0; xb < xBlocks; xb++) {
                    int x0 = xb * nr;
                    int cols = Math.min(nr, ow - x0);
                    int base = y * sh * wp + x0;
                    int cBase = outOff + y * ow + x0;
                    for (int k0 = 0; k0 < kdim; k0 += KC) {
                        int kc = Math.min(KC, kdim - k0);
                        boolean add = k0 > 0;
                        for (int ip = 0; ip < mPanels; ip++) {
                            int i = ip * MR;
                            int aBase = i * kdim + k0 * MR;
                            if (cols == nr && i + MR <= coutG) {
                                kernelGather(packA, aBase, pad, base, offs, k0, kc, output, cBase + i * ohw, ohw, add);
                            } else {
                                kernelGather(packA, aBase, pad, base, offs, k0, kc, edge, 0, nr, false);
                                int rows = Math.min(MR, coutG - i);
                                for (int r = 0; r < rows; r++) {
                                    int ci = cBase + (i + r) * ohw;
                                    int ei = r * nr;
                                    for (int j = 0; j < cols; j++) {
                                        output[ci + j] = add ? output[ci + j] + edge[ei + j] : edge[ei + j];
                                    }
                                }
                            }
                        }
                    }
                }
            }
        });
    }

    /**
     * Depthwise convolution (one input channel per group, {@code Cout / Cin} output channels each): a
     * direct loop per output plane, summing the kernel taps row by row in ascending order, vectorised
     * along the output row when the horizontal stride is 1.
     */
    private void depthwise(Conv2dSpec s, float[] input, float[] weight, float[] bias, float[] output) {
        int cout = s.outChannels();
        int mult = cout / s.inChannels();
        int h = s.height();
        int w = s.width();
        int kh = s.kernelH();
        int kw = s.kernelW();
        int oh = s.outH();
        int ow = s.outW();
        int sh = s.strideH();
        int sw = s.strideW();
        VectorSpecies<Float> sp = species();
        int planes = s.batch() * cout;
        Parallel.forRange(planes, t -> {
            int img = t / cout;
            int oc = t % cout;
            int in = (img * s.inChannels() + oc / mult) * h * w;
            int out = t * oh * ow;
            int wo = oc * kh * kw;
            Arrays.fill(output, out, out + oh * ow, 0f);
            for (int y = 0; y < oh; y++) {
                int orow = out + y * ow;
                for (int ky = 0; ky < kh; ky++) {
                    int iy = y * sh - s.padH() + ky * s.dilationH();
                    if (iy < 0 || iy >= h) {
                        continue;
                    }
                    for (int kx = 0; kx < kw; kx++) {
                        float wt = weight[wo + ky * kw + kx];
                        int dx = kx * s.dilationW() - s.padW();
                        int xlo = ConvLowering.firstInside(dx, sw);
                        int xhi = Math.min(ow, ConvLowering.lastInside(dx, sw, w) + 1);
                        int src = in + iy * w + dx;
                        if (sw == 1) {
                            axpy(sp, wt, input, src, output, orow, xlo, xhi);
                        } else {
                            for (int x = xlo; x < xhi; x++) {
                                output[orow + x] += wt * input[src + x * sw];
                            }
                        }
                    }
                }
            }
            if (bias != null) {
                addScalar(output, out, oh * ow, bias[oc]);
            }
        });
    }

    /** {@code y[yOff + x] += alpha · x[xOff + x]} for {@code x} in {@code [lo, hi)}, fused multiply-add. */
    private static void axpy(VectorSpecies<Float> s, float alpha, float[] x, int xOff, float[] y, int yOff, int lo, int hi) {
        int l = s.length();
        int i = lo;
        if (hi - lo >= l) {
            FloatVector av = FloatVector.broadcast(s, alpha);
            for (; i <= hi - l; i += l) {
                FloatVector.fromArray(s, x, xOff + i).fma(av, FloatVector.fromArray(s, y, yOff + i)).intoArray(y, yOff + i);
            }
        }
        for (; i < hi; i++) {
            y[yOff + i] = Math.fma(alpha, x[xOff + i], y[yOff + i]);
        }
    }

    /** {@code x[off + i] += v} for {@code i < n}. */
    private void addScalar(float[] x, int off, int n, float v) {
        VectorSpecies<Float> s = species();
        int l = s.length();
        int i = 0;
        FloatVector bv = FloatVector.broadcast(s, v);
        for (int bound = s.loopBound(n); i < bound; i += l) {
            FloatVector.fromArray(s, x, off + i).add(bv).intoArray(x, off + i);
        }
        for (; i < n; i++) {
            x[off + i] += v;
        }
    }

    // -------------------------------------------------------------------------- convolution gradients

    /**
     * Picks by geometry: depthwise runs a direct loop per input plane; 1×1 stride-1 unpadded is one GEMM
     * {@code Wᵀ · dY} per (image, group); stride 1 with padding at most the dilated kernel extent is a
     * forward convolution of {@code dY} with the flipped, transposed weights (so it takes the forward's
     * fastest path); anything else is {@code Wᵀ · dY} into a per-thread column buffer, then col2im. The
     * last three are parallel over (image, group) or inside each GEMM, as {@link #conv2d}.
     */
    @Override
    public void conv2dBackwardInput(Conv2dSpec s, float[] gradOutput, float[] weight, float[] gradInput) {
        Checks.conv2dGradient("conv2dBackwardInput", s, gradInput, weight, gradOutput, null);
        if (s.inChannels() == s.groups()) {
            depthwiseBackwardInput(s, gradOutput, weight, gradInput);
        } else if (isPointwise(s)) {
            perImageAndGroup(s, (img, g) -> {
                int cinG = s.inChannels() / s.groups();
                int coutG = s.outChannels() / s.groups();
                int hw = s.height() * s.width();
                gemm(true, false, cinG, hw, coutG, weight, g * coutG * cinG, cinG,
                        gradOutput, (img * s.outChannels() + g * coutG) * hw, hw,
                        0f, gradInput, (img * s.inChannels() + g * cinG) * hw, hw);
            });
        } else if (flippedFits(s)) {
            flippedBackwardInput(s, gradOutput, weight, gradInput);
        } else {
            perImageAndGroup(s, (img, g) -> loweredBackwardInput(s, img, g, gradOutput, weight, gradInput));
        }
    }

    /** A task of one (image, group). */
    private interface ConvTask {
        void run(int img, int group);
    }

    /** Runs {@code task} for every (image, group), parallel over them or (inline) inside each, as {@link #conv2d}. */
    private static void perImageAndGroup(Conv2dSpec s, ConvTask task) {
        int groups = s.groups();
        int tasks = s.batch() * groups;
        int threads = Parallel.threads();
        // Either level gives identical results; choose the one that keeps every thread busy.
        if (tasks >= 4 * threads || (tasks >= threads && tasks % threads == 0)) {
            Parallel.forRange(tasks, t -> task.run(t / groups, t % groups));
        } else {
            for (int t = 0; t < tasks; t++) {
                task.run(t / groups, t % groups);
            }
        }
    }

    private static boolean isPointwise(Conv2dSpec s) {
        return s.kernelH() == 1 && s.kernelW() == 1 && s.strideH() == 1 && s.strideW() == 1
                && s.padH() == 0 && s.padW() == 0;
    }

    /** Whether the input gradient is a forward convolution: stride 1, padding within the dilated kernel. */
    private static boolean flippedFits(Conv2dSpec s) {
        return s.strideH() == 1 && s.strideW() == 1
                && s.padH() <= s.dilationH() * (s.kernelH() - 1) && s.padW() <= s.dilationW() * (s.kernelW() - 1);
    }

    /**
     * With stride 1, {@code dX[ic, iy, ix] = Σ W[oc, ic, ky, kx] · dY[oc, iy + padH − ky·dilH, ix + padW − kx·dilW]},
     * which is the forward convolution of {@code dY} (channels {@code Cout}) with weights
     * {@code W'[ic, oc, ky, kx] = W[oc, ic, KH−1−ky, KW−1−kx]} (per group) and padding
     * {@code dil·(K − 1) − pad}; its output size is exactly {@code (H, W)}.
     */
    private void flippedBackwardInput(Conv2dSpec s, float[] gradOutput, float[] weight, float[] gradInput) {
        int groups = s.groups();
        int cin = s.inChannels();
        int cinG = cin / groups;
        int coutG = s.outChannels() / groups;
        int kh = s.kernelH();
        int kw = s.kernelW();
        int taps = kh * kw;
        Conv2dSpec t = new Conv2dSpec(s.batch(), s.outChannels(), s.outH(), s.outW(), cin, kh, kw, 1, 1,
                s.dilationH() * (kh - 1) - s.padH(), s.dilationW() * (kw - 1) - s.padW(),
                s.dilationH(), s.dilationW(), groups);
        float[] flipped = BUFFERS.get().flipped(cin * coutG * taps);
        for (int ic = 0; ic < cin; ic++) {
            int g = ic / cinG;
            int icl = ic % cinG;
            for (int ocl = 0; ocl < coutG; ocl++) {
                int src = ((g * coutG + ocl) * cinG + icl) * taps + taps - 1;
                int dst = (ic * coutG + ocl) * taps;
                for (int k = 0; k < taps; k++) {
                    flipped[dst + k] = weight[src - k];
                }
            }
        }
        conv2d(t, gradOutput, flipped, null, gradInput);
    }

    /** One (image, group): {@code col = Wᵀ · dY} (a GEMM), then the planes are zeroed and col2im adds col onto them. */
    private void loweredBackwardInput(Conv2dSpec s, int img, int g, float[] gradOutput, float[] weight, float[] gradInput) {
        int cinG = s.inChannels() / s.groups();
        int coutG = s.outChannels() / s.groups();
        int hw = s.height() * s.width();
        int ohw = s.outH() * s.outW();
        int kdim = cinG * s.kernelH() * s.kernelW();
        float[] col = BUFFERS.get().col(kdim * ohw);
        gemm(true, false, kdim, ohw, coutG, weight, g * coutG * kdim, kdim,
                gradOutput, (img * s.outChannels() + g * coutG) * ohw, ohw, 0f, col, 0, ohw);
        int inOff = (img * s.inChannels() + g * cinG) * hw;
        Arrays.fill(gradInput, inOff, inOff + cinG * hw, 0f);
        ConvLowering.col2imAdd(s, col, cinG, gradInput, inOff);
    }

    /**
     * Depthwise input gradient: each input plane is zeroed, then every output plane of its channel
     * multiplier adds each kernel tap's weight times its output-gradient rows, shifted onto the input rows the
     * tap reads (vectorised along the row when the horizontal stride is 1). Parallel over input planes.
     */
    private void depthwiseBackwardInput(Conv2dSpec s, float[] gradOutput, float[] weight, float[] gradInput) {
        int cin = s.inChannels();
        int cout = s.outChannels();
        int mult = cout / cin;
        int h = s.height();
        int w = s.width();
        int kh = s.kernelH();
        int kw = s.kernelW();
        int oh = s.outH();
        int ow = s.outW();
        int sh = s.strideH();
        int sw = s.strideW();
        VectorSpecies<Float> sp = species();
        Parallel.forRange(s.batch() * cin, t -> {
            int img = t / cin;
            int ic = t % cin;
            int in = t * h * w;
            Arrays.fill(gradInput, in, in + h * w, 0f);
            for (int m = 0; m < mult; m++) {
                int oc = ic * mult + m;
                int out = (img * cout + oc) * oh * ow;
                int wo = oc * kh * kw;
                for (int y = 0; y < oh; y++) {
                    int orow = out + y * ow;
                    for (int ky = 0; ky < kh; ky++) {
                        int iy = y * sh - s.padH() + ky * s.dilationH();
                        if (iy < 0 || iy >= h) {
                            continue;
                        }
                        for (int kx = 0; kx < kw; kx++) {
                            float wt = weight[wo + ky * kw + kx];
                            int dx = kx * s.dilationW() - s.padW();
                            int xlo = ConvLowering.firstInside(dx, sw);
                            int xhi = Math.min(ow, ConvLowering.lastInside(dx, sw, w) + 1);
                            int dst = in + iy * w + dx;
                            if (sw == 1) {
                                axpy(sp, wt, gradOutput, orow, gradInput, dst, xlo, xhi);
                            } else {
                                for (int x = xlo; x < xhi; x++) {
                                    gradInput[dst + x * sw] = Math.fma(wt, gradOutput[orow + x], gradInput[dst + x * sw]);
                                }
                            }
                        }
                    }
                }
            }
        });
    }

    /**
     * Depthwise goes through a direct loop; every other geometry through {@link #implicitBackwardWeight}. The
     * bias gradient, when asked for, sums each channel's output gradient image by image.
     */
    @Override
    public void conv2dBackwardWeight(Conv2dSpec s, float[] input, float[] gradOutput, float[] gradWeight,
                                     float[] gradBias) {
        Checks.conv2dGradient("conv2dBackwardWeight", s, input, gradWeight, gradOutput, gradBias);
        if (s.inChannels() == s.groups()) {
            depthwiseBackwardWeight(s, input, gradOutput, gradWeight);
        } else {
            implicitBackwardWeight(s, input, gradOutput, gradWeight);
        }
        if (gradBias != null) {
            int ohw = s.outH() * s.outW();
            int cout = s.outChannels();
            Parallel.forRange(panels(cout, BIAS_CHANNELS), block -> {
                for (int c = block * BIAS_CHANNELS; c < Math.min(cout, (block + 1) * BIAS_CHANNELS); c++) {
                    float acc = 0f;
                    for (int img = 0; img < s.batch(); img++) {
                        acc += sum(gradOutput, (img * cout + c) * ohw, ohw);
                    }
                    gradBias[c] += acc;
                }
            });
        }
    }

    /**
     * Depthwise weight gradient: per output channel and tap, one dot product of the output-gradient rows
     * with the input rows the tap reads, over images and rows in order (two vector accumulators along the row
     * when the horizontal stride is 1, lanes summed in ascending order at the end, then the scalar tails).
     * Parallel over output channels.
     */
    private void depthwiseBackwardWeight(Conv2dSpec s, float[] input, float[] gradOutput, float[] gradWeight) {
        int cin = s.inChannels();
        int cout = s.outChannels();
        int mult = cout / cin;
        int h = s.height();
        int w = s.width();
        int kh = s.kernelH();
        int kw = s.kernelW();
        int oh = s.outH();
        int ow = s.outW();
        int sh = s.strideH();
        int sw = s.strideW();
        VectorSpecies<Float> sp = species();
        int l = sp.length();
        Parallel.forRange(cout, oc -> {
            int ic = oc / mult;
            for (int ky = 0; ky < kh; ky++) {
                for (int kx = 0; kx < kw; kx++) {
                    int dx = kx * s.dilationW() - s.padW();
                    int xlo = ConvLowering.firstInside(dx, sw);
                    int xhi = Math.min(ow, ConvLowering.lastInside(dx, sw, w) + 1);
                    FloatVector acc0 = FloatVector.zero(sp);
                    FloatVector acc1 = acc0;
                    float tail = 0f;
                    for (int img = 0; img < s.batch(); img++) {
                        int in = (img * cin + ic) * h * w;
                        int out = (img * cout + oc) * oh * ow;
                        for (int y = 0; y < oh; y++) {
                            int iy = y * sh - s.padH() + ky * s.dilationH();
                            if (iy < 0 || iy >= h) {
                                continue;
                            }
                            int src = in + iy * w + dx;
                            int orow = out + y * ow;
                            int x = xlo;
                            if (sw == 1) {
                                for (; x + 2 * l <= xhi; x += 2 * l) {
                                    acc0 = FloatVector.fromArray(sp, gradOutput, orow + x)
                                            .fma(FloatVector.fromArray(sp, input, src + x), acc0);
                                    acc1 = FloatVector.fromArray(sp, gradOutput, orow + x + l)
                                            .fma(FloatVector.fromArray(sp, input, src + x + l), acc1);
                                }
                                for (; x + l <= xhi; x += l) {
                                    acc0 = FloatVector.fromArray(sp, gradOutput, orow + x)
                                            .fma(FloatVector.fromArray(sp, input, src + x), acc0);
                                }
                            }
                            for (; x < xhi; x++) {
                                tail = Math.fma(gradOutput[orow + x], input[src + x * sw], tail);
                            }
                        }
                    }
                    FloatVector both = acc0.add(acc1);
                    float total = 0f;
                    for (int lane = 0; lane < l; lane++) {
                        total += both.lane(lane);
                    }
                    gradWeight[(oc * kh + ky) * kw + kx] += total + tail;
                }
            }
        });
    }

    /**
     * Weight gradient of one convolution as an implicit GEMM per group:
     * {@code dWᵀ (Cin/groups·KH·KW, Cout/groups) = Σ_images col · dYᵀ}. {@code dY} of every (image, group)
     * is packed transposed into {@code NR}-wide column panels (it is the small operand); the
     * {@code col} operand is never built: the micro-kernel ({@link #kernelGradWeight}) broadcasts its
     * elements straight from the input (or a zero-padded copy of it) through tap offsets and position offsets.
     * Parallel over fixed (group, block of {@link #GRAD_PANELS} tap panels) tiles; inside a tile, images run
     * in order and each image's positions in {@code KC} blocks, each block summed in registers and then
     * added into a zeroed {@code dWᵀ} scratch, which is finally added (transposed) into {@code gradWeight}.
     * The order of every sum is fixed by the geometry alone.
     */
    private void implicitBackwardWeight(Conv2dSpec s, float[] input, float[] gradOutput, float[] gradWeight) {
        int nr = nr();
        int batch = s.batch();
        int groups = s.groups();
        int cin = s.inChannels();
        int cinG = cin / groups;
        int coutG = s.outChannels() / groups;
        int h = s.height();
        int w = s.width();
        int ph = s.padH();
        int pw = s.padW();
        int hp = h + 2 * ph;
        int wp = w + 2 * pw;
        int kh = s.kernelH();
        int kw = s.kernelW();
        int oh = s.outH();
        int ow = s.outW();
        int ohw = oh * ow;
        int kdim = cinG * kh * kw;
        Buffers buf = BUFFERS.get();
        float[] src = input;
        if (ph != 0 || pw != 0) {
            float[] pad = buf.gradSource(batch * cin * hp * wp);
            Parallel.forRange(panels(batch * cin, PAD_PLANES), block -> {
                for (int plane = block * PAD_PLANES; plane < Math.min(batch * cin, (block + 1) * PAD_PLANES); plane++) {
                    padPlane(input, plane * h * w, h, w, ph, pw, pad, plane * hp * wp);
                }
            });
            src = pad;
        }
        int cPanels = panels(coutG, nr);
        int ldc = cPanels * nr;
        int packLen = ldc * ohw;
        float[] pack = buf.gradPack(batch * groups * packLen);
        Parallel.forRange(batch * groups, t -> packB(true, coutG, ohw, gradOutput, t * coutG * ohw, ohw, pack, t * packLen, false));
        int mPanels = panels(kdim, MR);
        int kdimPad = mPanels * MR;
        float[] acc = buf.gradAcc(groups * kdimPad * ldc);
        Arrays.fill(acc, 0, groups * kdimPad * ldc, 0f);
        int[] offs = buf.offsets(kdimPad);
        Arrays.fill(offs, 0, kdimPad, 0);
        for (int ic = 0, p = 0; ic < cinG; ic++) {
            for (int ky = 0; ky < kh; ky++) {
                for (int kx = 0; kx < kw; kx++, p++) {
                    offs[p] = ic * hp * wp + ky * s.dilationH() * wp + kx * s.dilationW();
                }
            }
        }
        int[] pos = buf.positions(ohw);
        for (int y = 0, q = 0; y < oh; y++) {
            for (int x = 0; x < ow; x++, q++) {
                pos[q] = y * s.strideH() * wp + x * s.strideW();
            }
        }
        float[] source = src;
        int tapBlocks = panels(mPanels, GRAD_PANELS);
        Parallel.forRange(groups * tapBlocks, t -> {
            int g = t / tapBlocks;
            int ip0 = (t % tapBlocks) * GRAD_PANELS;
            int ip1 = Math.min(mPanels, ip0 + GRAD_PANELS);
            for (int img = 0; img < batch; img++) {
                int srcBase = (img * cin + g * cinG) * hp * wp;
                int bBase = (img * groups + g) * packLen;
                for (int q0 = 0; q0 < ohw; q0 += KC) {
                    int kc = Math.min(KC, ohw - q0);
                    for (int ip = ip0; ip < ip1; ip++) {
                        for (int jp = 0; jp < cPanels; jp++) {
                            kernelGradWeight(source, srcBase, offs, ip * MR, pos, q0, kc,
                                    pack, bBase + jp * nr * ohw + q0 * nr, acc, (g * kdimPad + ip * MR) * ldc + jp * nr, ldc);
                        }
                    }
                }
            }
        });
        Parallel.forRange(groups, g -> {
            for (int oc = 0; oc < coutG; oc++) {
                int dst = (g * coutG + oc) * kdim;
                int from = g * kdimPad * ldc + oc;
                for (int p = 0; p < kdim; p++) {
                    gradWeight[dst + p] += acc[from + p * ldc];
                }
            }
        });
    }

    /** Copies an {@code (h, w)} plane into an {@code (h + 2·ph, w + 2·pw)} one with a zero border. */
    private static void padPlane(float[] x, int xOff, int h, int w, int ph, int pw, float[] pad, int dst) {
        int wp = w + 2 * pw;
        Arrays.fill(pad, dst, dst + ph * wp, 0f);
        dst += ph * wp;
        for (int y = 0; y < h; y++, dst += wp) {
            Arrays.fill(pad, dst, dst + pw, 0f);
            System.arraycopy(x, xOff + y * w, pad, dst + pw, w);
            Arrays.fill(pad, dst + pw + w, dst + wp, 0f);
        }
        Arrays.fill(pad, dst, dst + ph * wp, 0f);
    }

    /**
     * The micro-kernel of the weight gradient: an {@code MR × 2} vector block of {@code col · dYᵀ} over
     * {@code kc} positions, added to {@code c} at {@code ci} (row stride {@code ldc}). Row {@code r} of A
     * at position {@code q} is {@code src[srcBase + offs[p0 + r] + pos[q0 + q]]}; B is a packed panel read
     * at {@code bi + q·NR}.
     */
    private void kernelGradWeight(float[] src, int srcBase, int[] offs, int p0, int[] pos, int q0, int kc,
                                  float[] bp, int bi, float[] c, int ci, int ldc) {
        VectorSpecies<Float> s = species();
        int l = s.length();
        int nr = 2 * l;
        int a0 = srcBase + offs[p0];
        int a1 = srcBase + offs[p0 + 1];
        int a2 = srcBase + offs[p0 + 2];
        int a3 = srcBase + offs[p0 + 3];
        int a4 = srcBase + offs[p0 + 4];
        int a5 = srcBase + offs[p0 + 5];
        int a6 = srcBase + offs[p0 + 6];
        int a7 = srcBase + offs[p0 + 7];
        FloatVector c00 = FloatVector.zero(s);
        FloatVector c01 = c00;
        FloatVector c10 = c00;
        FloatVector c11 = c00;
        FloatVector c20 = c00;
        FloatVector c21 = c00;
        FloatVector c30 = c00;
        FloatVector c31 = c00;
        FloatVector c40 = c00;
        FloatVector c41 = c00;
        FloatVector c50 = c00;
        FloatVector c51 = c00;
        FloatVector c60 = c00;
        FloatVector c61 = c00;
        FloatVector c70 = c00;
        FloatVector c71 = c00;
        for (int q = 0; q < kc; q++) {
            int qp = pos[q0 + q];
            int bj = bi + q * nr;
            FloatVector b0 = FloatVector.fromArray(s, bp, bj);
            FloatVector b1 = FloatVector.fromArray(s, bp, bj + l);
            FloatVector av = FloatVector.broadcast(s, src[a0 + qp]);
            c00 = av.fma(b0, c00);
            c01 = av.fma(b1, c01);
            av = FloatVector.broadcast(s, src[a1 + qp]);
            c10 = av.fma(b0, c10);
            c11 = av.fma(b1, c11);
            av = FloatVector.broadcast(s, src[a2 + qp]);
            c20 = av.fma(b0, c20);
            c21 = av.fma(b1, c21);
            av = FloatVector.broadcast(s, src[a3 + qp]);
            c30 = av.fma(b0, c30);
            c31 = av.fma(b1, c31);
            av = FloatVector.broadcast(s, src[a4 + qp]);
            c40 = av.fma(b0, c40);
            c41 = av.fma(b1, c41);
            av = FloatVector.broadcast(s, src[a5 + qp]);
            c50 = av.fma(b0, c50);
            c51 = av.fma(b1, c51);
            av = FloatVector.broadcast(s, src[a6 + qp]);
            c60 = av.fma(b0, c60);
            c61 = av.fma(b1, c61);
            av = FloatVector.broadcast(s, src[a7 + qp]);
            c70 = av.fma(b0, c70);
            c71 = av.fma(b1, c71);
        }
        int r1 = ci + ldc;
        int r2 = r1 + ldc;
        int r3 = r2 + ldc;
        int r4 = r3 + ldc;
        int r5 = r4 + ldc;
        int r6 = r5 + ldc;
        int r7 = r6 + ldc;
        c00.add(FloatVector.fromArray(s, c, ci)).intoArray(c, ci);
        c01.add(FloatVector.fromArray(s, c, ci + l)).intoArray(c, ci + l);
        c10.add(FloatVector.fromArray(s, c, r1)).intoArray(c, r1);
        c11.add(FloatVector.fromArray(s, c, r1 + l)).intoArray(c, r1 + l);
        c20.add(FloatVector.fromArray(s, c, r2)).intoArray(c, r2);
        c21.add(FloatVector.fromArray(s, c, r2 + l)).intoArray(c, r2 + l);
        c30.add(FloatVector.fromArray(s, c, r3)).intoArray(c, r3);
        c31.add(FloatVector.fromArray(s, c, r3 + l)).intoArray(c, r3 + l);
        c40.add(FloatVector.fromArray(s, c, r4)).intoArray(c, r4);
        c41.add(FloatVector.fromArray(s, c, r4 + l)).intoArray(c, r4 + l);
        c50.add(FloatVector.fromArray(s, c, r5)).intoArray(c, r5);
        c51.add(FloatVector.fromArray(s, c, r5 + l)).intoArray(c, r5 + l);
        c60.add(FloatVector.fromArray(s, c, r6)).intoArray(c, r6);
        c61.add(FloatVector.fromArray(s, c, r6 + l)).intoArray(c, r6 + l);
        c70.add(FloatVector.fromArray(s, c, r7)).intoArray(c, r7);
        c71.add(FloatVector.fromArray(s, c, r7 + l)).intoArray(c, r7 + l);
    }

    // ------------------------------------------------------------------------------------ element-wise

    @Override
    public void add(float[] a, int aOff, float[] b, int bOff, float[] out, int outOff, int n) {
        Checks.range("add a", a, aOff, n);
        Checks.range("add b", b, bOff, n);
        Checks.range("add out", out, outOff, n);
        VectorSpecies<Float> s = species();
        int i = 0;
        for (int bound = s.loopBound(n); i < bound; i += s.length()) {
            FloatVector.fromArray(s, a, aOff + i).add(FloatVector.fromArray(s, b, bOff + i)).intoArray(out, outOff + i);
        }
        for (; i < n; i++) {
            out[outOff + i] = a[aOff + i] + b[bOff + i];
        }
    }

    @Override
    public void mul(float[] a, int aOff, float[] b, int bOff, float[] out, int outOff, int n) {
        Checks.range("mul a", a, aOff, n);
        Checks.range("mul b", b, bOff, n);
        Checks.range("mul out", out, outOff, n);
        VectorSpecies<Float> s = species();
        int i = 0;
        for (int bound = s.loopBound(n); i < bound; i += s.length()) {
            FloatVector.fromArray(s, a, aOff + i).mul(FloatVector.fromArray(s, b, bOff + i)).intoArray(out, outOff + i);
        }
        for (; i < n; i++) {
            out[outOff + i] = a[aOff + i] * b[bOff + i];
        }
    }

    @Override
    public void scaleShift(float[] x, int xOff, float scale, float shift, float[] out, int outOff, int n) {
        Checks.range("scaleShift x", x, xOff, n);
        Checks.range("scaleShift out", out, outOff, n);
        VectorSpecies<Float> s = species();
        FloatVector sv = FloatVector.broadcast(s, scale);
        FloatVector tv = FloatVector.broadcast(s, shift);
        int i = 0;
        for (int bound = s.loopBound(n); i < bound; i += s.length()) {
            FloatVector.fromArray(s, x, xOff + i).fma(sv, tv).intoArray(out, outOff + i);
        }
        for (; i < n; i++) {
            out[outOff + i] = Math.fma(x[xOff + i], scale, shift);
        }
    }

    @Override
    public void clamp(float[] x, int xOff, float lo, float hi, float[] out, int outOff, int n) {
        Checks.range("clamp x", x, xOff, n);
        Checks.range("clamp out", out, outOff, n);
        VectorSpecies<Float> s = species();
        FloatVector lv = FloatVector.broadcast(s, lo);
        FloatVector hv = FloatVector.broadcast(s, hi);
        int i = 0;
        for (int bound = s.loopBound(n); i < bound; i += s.length()) {
            FloatVector.fromArray(s, x, xOff + i).max(lv).min(hv).intoArray(out, outOff + i);
        }
        for (; i < n; i++) {
            out[outOff + i] = Math.min(Math.max(x[xOff + i], lo), hi);
        }
    }

    @Override
    public void reluBackward(float[] y, int yOff, float[] dy, int dyOff, float[] out, int outOff, int n) {
        Checks.range("reluBackward y", y, yOff, n);
        Checks.range("reluBackward dy", dy, dyOff, n);
        Checks.range("reluBackward out", out, outOff, n);
        VectorSpecies<Float> s = species();
        FloatVector zero = FloatVector.zero(s);
        int i = 0;
        for (int bound = s.loopBound(n); i < bound; i += s.length()) {
            VectorMask<Float> positive = FloatVector.fromArray(s, y, yOff + i).compare(VectorOperators.GT, 0f);
            zero.blend(FloatVector.fromArray(s, dy, dyOff + i), positive).intoArray(out, outOff + i);
        }
        for (; i < n; i++) {
            out[outOff + i] = y[yOff + i] > 0f ? dy[dyOff + i] : 0f;
        }
    }

    /**
     * Sums in a fixed order: four vector accumulators over blocks of four vectors, then one over the
     * remaining whole vectors, combined as {@code (a0 + a1) + (a2 + a3)}, then the lanes in ascending
     * order, then the scalar tail.
     */
    @Override
    public float sum(float[] x, int off, int n) {
        Checks.range("sum x", x, off, n);
        VectorSpecies<Float> s = species();
        int l = s.length();
        int i = 0;
        float total = 0f;
        if (n >= l) {
            FloatVector a0 = FloatVector.zero(s);
            FloatVector a1 = a0;
            FloatVector a2 = a0;
            FloatVector a3 = a0;
            for (int bound = n - 4 * l; i <= bound; i += 4 * l) {
                a0 = a0.add(FloatVector.fromArray(s, x, off + i));
                a1 = a1.add(FloatVector.fromArray(s, x, off + i + l));
                a2 = a2.add(FloatVector.fromArray(s, x, off + i + 2 * l));
                a3 = a3.add(FloatVector.fromArray(s, x, off + i + 3 * l));
            }
            for (int bound = s.loopBound(n); i < bound; i += l) {
                a0 = a0.add(FloatVector.fromArray(s, x, off + i));
            }
            float[] lanes = new float[l];
            a0.add(a1).add(a2.add(a3)).intoArray(lanes, 0);
            for (int j = 0; j < l; j++) {
                total += lanes[j];
            }
        }
        for (; i < n; i++) {
            total += x[off + i];
        }
        return total;
    }

    // ------------------------------------------------------------------------------------- buffers

    /**
     * Per-thread scratch arrays, grown on demand and reused across calls. Requests above
     * {@link #MAX_CACHED} floats get a fresh array that is not kept, so one huge call does not pin its
     * memory for the life of the thread.
     */
    private static final class Buffers {
        static final int MAX_CACHED = 1 << 24;
        private float[] packA = new float[0];
        private float[] packB = new float[0];
        private float[] col = new float[0];
        private int[] offsets = new int[0];
        private int[] positions = new int[0];
        private float[] flipped = new float[0];
        private float[] gradSource = new float[0];
        private float[] gradPack = new float[0];
        private float[] gradAcc = new float[0];

        /** {@code current} when it holds {@code size} floats, else a new array. */
        private static float[] grow(float[] current, int size) {
            return current.length >= size ? current : new float[size];
        }

        int[] positions(int size) {
            if (positions.length < size) {
                positions = new int[size];
            }
            return positions;
        }

        float[] flipped(int size) {
            float[] a = grow(flipped, size);
            if (a.length <= MAX_CACHED) {
                flipped = a;
            }
            return a;
        }

        float[] gradSource(int size) {
            float[] a = grow(gradSource, size);
            if (a.length <= MAX_CACHED) {
                gradSource = a;
            }
            return a;
        }

        float[] gradPack(int size) {
            float[] a = grow(gradPack, size);
            if (a.length <= MAX_CACHED) {
                gradPack = a;
            }
            return a;
        }

        float[] gradAcc(int size) {
            float[] a = grow(gradAcc, size);
            if (a.length <= MAX_CACHED) {
                gradAcc = a;
            }
            return a;
        }

        int[] offsets(int size) {
            if (offsets.length < size) {
                offsets = new int[size];
            }
            return offsets;
        }

        float[] packA(int size) {
            if (packA.length < size) {
                if (size > MAX_CACHED) {
                    return new float[size];
                }
                packA = new float[size];
            }
            return packA;
        }

        float[] packB(int size) {
            if (packB.length < size) {
                if (size > MAX_CACHED) {
                    return new float[size];
                }
                packB = new float[size];
            }
            return packB;
        }

        float[] col(int size) {
            if (col.length < size) {
                if (size > MAX_CACHED) {
                    return new float[size];
                }
                col = new float[size];
            }
            return col;
        }
    }

    // ------------------------------------------------------------------------------------ widths

    /** 128-bit vectors (4 floats). */
    static final class V128 extends VectorKernels {
        private static final VectorSpecies<Float> SPECIES = FloatVector.SPECIES_128;

        @Override
        VectorSpecies<Float> species() {
            return SPECIES;
        }
    }

    /** 256-bit vectors (8 floats). */
    static final class V256 extends VectorKernels {
        private static final VectorSpecies<Float> SPECIES = FloatVector.SPECIES_256;

        @Override
        VectorSpecies<Float> species() {
            return SPECIES;
        }
    }

    /** 512-bit vectors (16 floats). */
    static final class V512 extends VectorKernels {
        private static final VectorSpecies<Float> SPECIES = FloatVector.SPECIES_512;

        @Override
        VectorSpecies<Float> species() {
            return SPECIES;
        }
    }
}
