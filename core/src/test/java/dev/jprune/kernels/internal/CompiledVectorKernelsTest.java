package dev.jprune.kernels.internal;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The other vector tests load every width into one JVM, where the JIT can no longer treat the vector
 * shape as a constant and the Vector API runs its Java fallback. This test starts a fresh JVM that uses
 * only the default width ({@link CompiledVectorCheck}), so the SIMD code the JIT generates is what gets
 * compared with the scalar kernels, and checks from {@code -XX:+PrintCompilation} that the GEMM
 * micro-kernel really was compiled by C2 (tier 4).
 */
class CompiledVectorKernelsTest {

    private static final Pattern C2_MICRO_KERNEL = Pattern.compile(
            "^\\s*\\d+\\s+\\d+\\s+[%sbn! ]*4\\s+dev\\.jprune\\.kernels\\.internal\\.VectorKernels::kernel\\b", Pattern.MULTILINE);

    @Test
    void jitCompiledVectorKernelsMatchScalar() throws IOException, InterruptedException {
        Assumptions.assumeTrue(KernelLoader.vectorAvailable(),
                "jdk.incubator.vector is not present: skipping (run the JVM with --add-modules jdk.incubator.vector)");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> command = List.of(java, "--add-modules", "jdk.incubator.vector", "-Xmx1g",
                "-XX:+PrintCompilation", "-Djprune.threads=2",
                "-cp", System.getProperty("java.class.path"), CompiledVectorCheck.class.getName());
        // The JIT log goes to stdout (a file), the verdict to stderr, so the two never interleave.
        Path log = Files.createTempFile("jprune-jit", ".log");
        try {
            Process process = new ProcessBuilder(command).redirectOutput(log.toFile()).start();
            byte[] errBytes = process.getErrorStream().readAllBytes();
            assertTrue(process.waitFor(120, TimeUnit.SECONDS), "the check JVM did not finish");
            String err = new String(errBytes, StandardCharsets.UTF_8);
            String out = Files.readString(log);
            check(process.exitValue(), err, out);
        } finally {
            Files.deleteIfExists(log);
        }
    }

    private static void check(int exit, String err, String out) {
        String verdict = err.lines().filter(l -> l.startsWith("OK") || l.startsWith("FAIL")).findFirst()
                .orElse("no verdict (exit " + exit + "); stderr: " + err);
        assertEquals(0, exit, verdict);
        assertTrue(verdict.startsWith("OK vector-"), verdict);
        assertTrue(C2_MICRO_KERNEL.matcher(out).find(), "the GEMM micro-kernel was never compiled by C2; " + verdict);
    }
}
