package dev.jprune.bench.libtorch;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.training.GradientCollector;
import dev.jprune.kernels.Conv2dSpec;
import dev.jprune.kernels.Kernels;

import java.util.Locale;
import java.util.SplittableRandom;

/**
 * A diagnostic: jprune's convolution gradient kernels against libtorch's autograd on single convolutions, one line
 * per case with {@code max|a − b| / max|ref|} for the input and the weight gradient. Arguments: cases as
 * {@code N,C,H,W,K,stride,pad} (output channels = C), by default ResNet-18's 3×3 layers.
 */
public final class ConvGradCheck {

    private ConvGradCheck() {
    }

    /** Runs the cases given as arguments, or ResNet-18's. */
    public static void main(String[] args) {
        String[] cases = args.length > 0 ? args
                : new String[] {"2,64,56,56,3,1,1", "2,128,28,28,3,1,1", "2,256,14,14,3,1,1", "2,64,32,32,3,1,1"};
        VsLibtorch.offline();
        Engine engine = Engine.getEngine("PyTorch");
        try (NDManager m = NDManager.newBaseManager(engine.defaultDevice(), engine.getEngineName())) {
            for (String c : cases) {
                String[] f = c.split(",");
                int n = Integer.parseInt(f[0]);
                int ch = Integer.parseInt(f[1]);
                int h = Integer.parseInt(f[2]);
                int w = Integer.parseInt(f[3]);
                int k = Integer.parseInt(f[4]);
                int stride = Integer.parseInt(f[5]);
                int pad = Integer.parseInt(f[6]);
                check(m, new Conv2dSpec(n, ch, h, w, ch, k, k, stride, stride, pad, pad, 1, 1, 1), c);
            }
        }
    }

    private static float[] random(SplittableRandom r, int size) {
        float[] a = new float[size];
        for (int i = 0; i < size; i++) {
            a[i] = (float) (r.nextDouble() * 2 - 1);
        }
        return a;
    }

    private static void check(NDManager root, Conv2dSpec s, String label) {
        int oh = (s.height() + 2 * s.padH() - s.kernelH()) / s.strideH() + 1;
        int ow = (s.width() + 2 * s.padW() - s.kernelW()) / s.strideW() + 1;
        SplittableRandom r = new SplittableRandom(7);
        float[] x = random(r, s.batch() * s.inChannels() * s.height() * s.width());
        float[] wt = random(r, s.outChannels() * s.inChannels() * s.kernelH() * s.kernelW());
        float[] dy = random(r, s.batch() * s.outChannels() * oh * ow);
        float[] dx = new float[x.length];
        float[] dw = new float[wt.length];
        Kernels.get().conv2dBackwardInput(s, dy, wt, dx);
        Kernels.get().conv2dBackwardWeight(s, x, dy, dw, null);
        try (NDManager m = root.newSubManager()) {
            NDArray xt = m.create(x, new Shape(s.batch(), s.inChannels(), s.height(), s.width()));
            NDArray w = m.create(wt, new Shape(s.outChannels(), s.inChannels(), s.kernelH(), s.kernelW()));
            NDArray g = m.create(dy, new Shape(s.batch(), s.outChannels(), oh, ow));
            xt.setRequiresGradient(true);
            w.setRequiresGradient(true);
            try (GradientCollector gc = Engine.getEngine("PyTorch").newGradientCollector()) {
                NDArray y = Conv2d.conv2d(xt, w, null, new Shape(s.strideH(), s.strideW()), new Shape(s.padH(), s.padW()),
                        new Shape(1, 1), 1).singletonOrThrow();
                gc.backward(y.mul(g).sum());
            }
            System.out.println(String.format(Locale.ROOT, "conv %s dx_rel_err=%.3e dw_rel_err=%.3e", label,
                    Agreement.relativeError(dx, xt.getGradient().toFloatArray()),
                    Agreement.relativeError(dw, w.getGradient().toFloatArray())));
        }
    }
}
