package dev.jprune.kernels.internal;

import dev.jprune.kernels.Kernels;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;

/**
 * Chooses and caches the kernel implementation. The vector kernels are reached only by reflection,
 * so this class (and everything that calls it) loads and runs without {@code jdk.incubator.vector}.
 *
 * <p>The system property {@code jprune.kernels} forces a choice: {@code scalar}, or {@code vector}
 * (which fails if the module is absent). Without it, {@link #best()} takes the vector kernels when the
 * module is in the boot layer and otherwise prints one hint line to standard error and takes the scalar
 * ones.
 */
public final class KernelLoader {

    /** The system property that forces {@code scalar} or {@code vector} kernels. */
    public static final String PROPERTY = "jprune.kernels";

    private static final String VECTOR_MODULE = "jdk.incubator.vector";
    private static final String VECTOR_CLASS = "dev.jprune.kernels.internal.VectorKernels";

    private KernelLoader() {
    }

    /** Lazily built scalar instance. */
    private static final class ScalarHolder {
        static final Kernels INSTANCE = new ScalarKernels();
    }

    /** Lazily chosen best instance. */
    private static final class BestHolder {
        static final Kernels INSTANCE = chooseBest();
    }

    /** The scalar reference kernels; always available, one shared instance. */
    public static Kernels scalar() {
        return ScalarHolder.INSTANCE;
    }

    /**
     * The fastest kernels available, chosen once: vector kernels at the platform's preferred width when
     * {@code jdk.incubator.vector} is present, otherwise scalar (with a one-line hint on standard error).
     *
     * @throws IllegalArgumentException if {@code jprune.kernels} holds an unknown value
     * @throws IllegalStateException    if {@code jprune.kernels=vector} but the module is absent
     */
    public static Kernels best() {
        return BestHolder.INSTANCE;
    }

    /** Whether {@code jdk.incubator.vector} is in the boot layer (the JVM ran with {@code --add-modules}). */
    public static boolean vectorAvailable() {
        return ModuleLayer.boot().findModule(VECTOR_MODULE).isPresent();
    }

    /**
     * A new vector-kernel instance working on {@code bits}-wide vectors (128, 256 or 512), or
     * {@code null} when {@code jdk.incubator.vector} is absent. Widths wider than the hardware's still
     * give correct results, only slowly; this exists so tests can check every width. Using a second width
     * in the same JVM slows every vector kernel down (the JIT can then no longer treat the vector shape as
     * a constant), so production code should use {@link #best()} only.
     *
     * @throws IllegalArgumentException if {@code bits} is not 128, 256 or 512
     */
    public static Kernels vector(int bits) {
        if (bits != 128 && bits != 256 && bits != 512) {
            throw new IllegalArgumentException("vector width must be 128, 256 or 512 bits, got " + bits);
        }
        if (!vectorAvailable()) {
            return null;
        }
        return invokeFactory("forBits", new Class<?>[] {int.class}, bits);
    }

    private static Kernels chooseBest() {
        String forced = System.getProperty(PROPERTY);
        if (forced != null) {
            switch (forced.trim()) {
                case "scalar":
                    return scalar();
                case "vector":
                    if (!vectorAvailable()) {
                        throw new IllegalStateException(PROPERTY + "=vector but module " + VECTOR_MODULE
                                + " is not present; run the JVM with --add-modules " + VECTOR_MODULE);
                    }
                    return invokeFactory("preferred", new Class<?>[0]);
                default:
                    throw new IllegalArgumentException("system property " + PROPERTY
                            + " must be 'scalar' or 'vector', got '" + forced + "'");
            }
        }
        if (!vectorAvailable()) {
            System.err.println("jprune: " + VECTOR_MODULE + " not present, using scalar kernels; run the JVM with --add-modules "
                    + VECTOR_MODULE + " for SIMD");
            return scalar();
        }
        return invokeFactory("preferred", new Class<?>[0]);
    }

    private static Kernels invokeFactory(String name, Class<?>[] types, Object... args) {
        try {
            Class<?> type = Class.forName(VECTOR_CLASS);
            Method factory = type.getDeclaredMethod(name, types);
            return (Kernels) factory.invoke(null, args);
        } catch (InvocationTargetException e) {
            Throwable cause = e.getCause();
            if (cause instanceof RuntimeException) {
                throw (RuntimeException) cause;
            }
            if (cause instanceof Error) {
                throw (Error) cause;
            }
            throw new IllegalStateException("cannot create vector kernels", cause);
        } catch (ReflectiveOperationException | LinkageError e) {
            throw new IllegalStateException("cannot load vector kernels " + VECTOR_CLASS, e);
        }
    }
}
