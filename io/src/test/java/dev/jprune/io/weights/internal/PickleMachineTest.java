package dev.jprune.io.weights.internal;

import dev.jprune.io.ModelFormatException;
import dev.jprune.io.weights.ElementType;
import dev.jprune.io.weights.internal.PickleMachine.TensorRef;
import dev.jprune.io.weights.internal.PickleMachine.Tuple;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The data-only pickle interpreter on hand-assembled pickles: values it builds, and everything it refuses. */
class PickleMachineTest {

    private static final Path FILE = Path.of("test.pth");

    /** Assembles a pickle opcode by opcode. */
    private static final class Asm {
        private final ByteArrayOutputStream out = new ByteArrayOutputStream();

        Asm op(int... bytes) {
            for (int b : bytes) {
                out.write(b);
            }
            return this;
        }

        Asm str(String s) {
            byte[] b = s.getBytes(StandardCharsets.UTF_8);
            op('X', b.length, b.length >> 8, b.length >> 16, b.length >> 24);
            out.writeBytes(b);
            return this;
        }

        Asm global(String module, String name) {
            op('c');
            out.writeBytes((module + "\n" + name + "\n").getBytes(StandardCharsets.US_ASCII));
            return this;
        }

        byte[] bytes() {
            return out.toByteArray();
        }
    }

    private static Object run(Asm a) throws ModelFormatException {
        return PickleMachine.load(FILE, "archive/data.pkl", a.bytes());
    }

    private static String refused(Asm a) {
        ModelFormatException e = assertThrows(ModelFormatException.class, () -> run(a));
        return e.getMessage();
    }

    @Test
    void buildsDictsListsTuplesAndScalars() throws Exception {
        byte[] big = new BigInteger("2").pow(70).toByteArray();
        byte[] bigLe = new byte[big.length];
        for (int i = 0; i < big.length; i++) {
            bigLe[i] = big[big.length - 1 - i];
        }
        Asm a = new Asm().op(0x80, 2, '}', 'q', 0, '(')
                .str("a").op('K', 5)
                .str("b").op('(', 'N', 0x88, 'G').op(toInts(ByteBuffer.allocate(8).putDouble(1.5).array()))
                .op(0x8A, bigLe.length).op(toInts(bigLe)).op('t')
                .str("c").op(']', 'q', 1, '(', 'M', 0x2C, 0x01, 'J', 0xF9, 0xFF, 0xFF, 0xFF, 'e')
                .str("d").op('h', 1)
                .op('u', '.');
        Map<?, ?> m = (Map<?, ?>) run(a);
        assertEquals(List.of("a", "b", "c", "d"), List.copyOf(m.keySet()));
        assertEquals(5L, m.get("a"));
        Tuple b = (Tuple) m.get("b");
        assertEquals(Arrays.asList(null, true, 1.5, new BigInteger("2").pow(70)), b.items());
        assertEquals(List.of(300L, -7L), m.get("c"));
        assertTrue(m.get("c") == m.get("d"), "BINGET returns the memoised object itself");
    }

    @Test
    void buildsATensorView() throws Exception {
        Asm a = new Asm().op(0x80, 2).global("torch._utils", "_rebuild_tensor_v2").op('(')
                .op('(').str("storage").global("torch", "HalfStorage").str("7").str("cpu").op('K', 24, 't', 'Q')
                .op('K', 3).op('K', 2, 'K', 3, 0x86).op('K', 1, 'K', 2, 0x86).op(0x89)
                .global("collections", "OrderedDict").op(')', 'R', 't', 'R', '.');
        TensorRef t = (TensorRef) run(a);
        assertEquals(ElementType.F16, t.storage().type());
        assertEquals("7", t.storage().key());
        assertEquals(24, t.storage().numel());
        assertEquals(3, t.offset());
        assertArrayEquals(new long[] {2, 3}, t.size());
        assertArrayEquals(new long[] {1, 2}, t.stride());
    }

    @Test
    void refusesEveryOtherGlobalByName() {
        Asm system = new Asm().op(0x80, 2).global("os", "system").str("touch /tmp/x").op(0x85, 'R', '.');
        assertTrue(refused(system).startsWith("test.pth: archive/data.pkl at byte 2: refusing pickle global os.system"),
                refused(system));
        Asm eval = new Asm().op(0x80, 4).op(0x8C, 8).op(toInts("builtins".getBytes(StandardCharsets.US_ASCII)))
                .op(0x8C, 4).op(toInts("eval".getBytes(StandardCharsets.US_ASCII))).op(0x93, '.');
        assertTrue(refused(eval).contains("refusing pickle global builtins.eval"), refused(eval));
        Asm model = new Asm().op(0x80, 2).global("torchvision.models.resnet", "ResNet").op('.');
        assertTrue(refused(model).contains("save model.state_dict(), not a model"), refused(model));
        Asm lookalike = new Asm().op(0x80, 2).global("torch", "load").op('.');
        assertTrue(refused(lookalike).contains("refusing pickle global torch.load"), refused(lookalike));
    }

    @Test
    void refusesObjectBuildingOpcodes() {
        Asm newobj = new Asm().op(0x80, 2).global("collections", "OrderedDict").op(')', 0x81, '.');
        assertTrue(refused(newobj).contains("at byte 28: pickle opcode NEWOBJ (0x81) is not allowed"), refused(newobj));
        Asm inst = new Asm().op('(', 'i').op(toInts("os\nsystem\n".getBytes(StandardCharsets.US_ASCII))).op('.');
        assertTrue(refused(inst).contains("pickle opcode INST (0x69) is not allowed"), refused(inst));
        Asm callStorage = new Asm().op(0x80, 2).global("torch", "FloatStorage").op(')', 'R', '.');
        assertTrue(refused(callStorage).contains("may only appear in a persistent id"), refused(callStorage));
        Asm build = new Asm().op(0x80, 2, ']', '}', 'b', '.');
        assertTrue(refused(build).contains("BUILD of ArrayList"), refused(build));
        Asm pid = new Asm().op(0x80, 2).str("0").op('Q', '.');
        assertTrue(refused(pid).contains("persistent id"), refused(pid));
    }

    @Test
    void refusesMalformedPickles() {
        assertTrue(refused(new Asm().op(0x80, 2, '}')).contains("pickle ends before STOP (truncated)"));
        assertTrue(refused(new Asm().op(0x80, 2, 'h', 9, '.')).contains("memo entry 9 read before it was written"));
        assertTrue(refused(new Asm().op(0x80, 2, 'X', 0xFF, 0xFF, 0, 0, 'a')).contains("runs past the end"));
        assertTrue(refused(new Asm().op(0x80, 2, 's', '.')).contains("stack underflow"));
        assertTrue(refused(new Asm().op(0x80, 2, 'K', 1, 'K', 2, '.')).contains("1 objects left on the stack"));
        assertTrue(refused(new Asm().op(0x80, 9)).contains("unknown pickle protocol 9"));
        assertTrue(refused(new Asm().op(0x80, 2, ']', 'K', 1, 'u', '.')).contains("no MARK"));
    }

    private static int[] toInts(byte[] b) {
        int[] out = new int[b.length];
        for (int i = 0; i < b.length; i++) {
            out[i] = b[i] & 0xFF;
        }
        return out;
    }
}
