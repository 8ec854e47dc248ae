package dev.jprune.cli;

import dev.jprune.cli.CliRun.Result;
import dev.jprune.internal.Json;
import dev.jprune.testing.Reference;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static dev.jprune.cli.CliRun.run;
import static dev.jprune.cli.CliRun.expectError;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code jprune info} through the CLI entry point: the JSON contract of CLI.md and the error paths. */
class InfoCommandTest {

    @Test
    void jsonMatchesTorchPruningReference() {
        Result r = run("info", "resnet18", "--weights", "parity", "--json");
        assertEquals(0, r.code(), r.err());
        Map<?, ?> j = (Map<?, ?>) Json.parse(r.lastLine());
        assertEquals(List.of("model", "input", "params", "macs", "output_shape", "output_head"), List.copyOf(j.keySet()));
        Map<String, Object> ref = Reference.find("resnet18", "global_l2").orElseThrow();
        assertEquals("resnet18", j.get("model"));
        assertEquals(List.of(1L, 3L, 224L, 224L), j.get("input"));
        CliRun.assertInfoMatches(j, ref, List.of(1L, 1000L));
    }

    @Test
    void inputOptionChangesShapeAndCounts() {
        Result r = run("info", "resnet18", "--input", "2,3,64,64", "--json");
        assertEquals(0, r.code(), r.err());
        Map<?, ?> j = (Map<?, ?>) Json.parse(r.lastLine());
        assertEquals(List.of(2L, 1000L), j.get("output_shape"));
        assertEquals(11689512L, j.get("params"));
        // MACs are per example: a 64x64 input has well under a tenth of the 224x224 count
        assertTrue(((Number) j.get("macs")).longValue() < 182_217_776L, String.valueOf(j.get("macs")));
        assertTrue(r.out().contains("params        11,689,512"), r.out());
    }

    @Test
    void seededWeightsAreReproducible() {
        String a = run("info", "resnet18", "--input", "1,3,32,32", "--seed", "7", "--json").lastLine();
        String b = run("info", "resnet18", "--input", "1,3,32,32", "--seed", "7", "--json").lastLine();
        String c = run("info", "resnet18", "--input", "1,3,32,32", "--seed", "8", "--json").lastLine();
        assertEquals(a, b);
        assertTrue(!a.equals(c), "different seeds gave identical outputs");
    }

    @Test
    void errorsExitWithContractCodesAndOneLine() {
        expectError(run("info"), 2, "usage");
        expectError(run("info", "resnet19"), 2, "unknown model 'resnet19'");
        expectError(run("info", "resnet18", "--input", "1,3,224"), 2, "--input expects N,C,H,W");
        expectError(run("info", "resnet18", "--input", "1,3,0,4"), 2, "positive");
        expectError(run("info", "resnet18", "--bogus"), 2, "unknown option --bogus");
        expectError(run("info", "resnet18", "--seed", "x"), 2, "--seed expects an integer");
        expectError(run("info", "missing-model.onnx"), 3, "does not exist");
        expectError(run("info", "resnet18", "--weights", "/nonexistent/w.pth"), 3, "does not exist");
        expectError(run("frobnicate"), 2, "unknown command 'frobnicate'");
        expectError(run("info", "vgg16_bn", "--input", "1,3,16,16"), 2, "does not fit vgg16_bn");
    }

    @Test
    void malformedWeightFilesAreExit3NamingTheFile(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
            throws java.io.IOException {
        java.nio.file.Path garbage = java.nio.file.Files.write(dir.resolve("garbage.pth"), new byte[] {1, 2, 3, 4, 5});
        expectError(run("info", "resnet20", "--weights", garbage.toString()), 3, "garbage.pth");
        java.nio.file.Path legacy = java.nio.file.Files.write(dir.resolve("legacy.pth"), new byte[] {(byte) 0x80, 2, 3});
        expectError(run("info", "resnet20", "--weights", legacy.toString()), 3, "legacy format");
        // a safetensors header that claims more bytes than the file has
        byte[] st = new byte[12];
        st[0] = (byte) 0xFF;
        st[1] = (byte) 0xFF;
        st[8] = '{';
        java.nio.file.Path truncated = java.nio.file.Files.write(dir.resolve("truncated.safetensors"), st);
        expectError(run("info", "resnet20", "--weights", truncated.toString()), 3, "truncated.safetensors");
        java.nio.file.Path empty = java.nio.file.Files.write(dir.resolve("empty.safetensors"), new byte[0]);
        expectError(run("info", "resnet20", "--weights", empty.toString()), 3, "empty.safetensors");
    }

    @Test
    void helpListsCommands() {
        Result r = run("--help");
        assertEquals(0, r.code());
        assertTrue(r.out().contains("jprune info MODEL"), r.out());
    }
}
