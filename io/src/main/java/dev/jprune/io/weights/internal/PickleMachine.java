package dev.jprune.io.weights.internal;

import dev.jprune.io.ModelFormatException;
import dev.jprune.io.weights.ElementType;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A pickle interpreter that only builds data: the opcodes {@code torch.save} uses for a {@code state_dict} (protocol
 * 2, plus the framing and short-string opcodes of protocol 4) and exactly these globals — {@code
 * collections.OrderedDict}, {@code torch._utils._rebuild_tensor_v2}, {@code torch._utils._rebuild_parameter} and the
 * typed storages {@code torch.*Storage} (met in persistent ids {@code ('storage', type, key, location, numel)}).
 * Any other global is refused by name when it is read, before anything could call it; nothing is ever executed.
 *
 * <p>Python values become: {@code None} → {@code null}, {@code bool} → {@link Boolean}, {@code int} → {@link Long}
 * (or {@link BigInteger}), {@code float} → {@link Double}, {@code str} → {@link String}, {@code bytes} →
 * {@code byte[]}, {@code tuple} → {@link Tuple}, {@code list} → {@link ArrayList}, {@code dict} and
 * {@code OrderedDict} → {@link LinkedHashMap}, a tensor → {@link TensorRef}.
 */
public final class PickleMachine {

    /** A Python tuple. */
    public record Tuple(List<Object> items) {
        /** The number of items. */
        public int size() {
            return items.size();
        }

        /** Item {@code i}. */
        public Object get(int i) {
            return items.get(i);
        }
    }

    /** A storage named by a persistent id: its element type ({@code null} if unsupported), zip record key, size. */
    public record StorageRef(ElementType type, String storageClass, String key, String location, long numel) {
    }

    /** A tensor view of a storage, from {@code _rebuild_tensor_v2}. Arrays are owned (not copied). */
    public record TensorRef(StorageRef storage, long offset, long[] size, long[] stride) {
    }

    private enum Callable { ORDERED_DICT, REBUILD_TENSOR, REBUILD_PARAMETER }

    /** A resolved global: one of the allowed callables, or a storage class. */
    private record Global(Callable callable, String storageClass, ElementType storageType) {
        String describe() {
            return callable != null ? callable.name() : "torch." + storageClass;
        }
    }

    private static final Object MARK = new Object() {
        @Override
        public String toString() {
            return "MARK";
        }
    };

    /** Storage classes PyTorch pickles that hold types jprune does not read (recognised to report them by key). */
    private static final List<String> OTHER_STORAGES = List.of("ComplexFloatStorage", "ComplexDoubleStorage",
            "ComplexHalfStorage", "QInt8Storage", "QUInt8Storage", "QInt32Storage", "QUInt4x2Storage",
            "QUInt2x4Storage", "UntypedStorage", "Float8_e4m3fnStorage", "Float8_e5m2Storage",
            "UInt16Storage", "UInt32Storage", "UInt64Storage");

    private final Path file;
    private final String part;
    private final byte[] code;
    private int pos;
    private int opStart;
    private final List<Object> stack = new ArrayList<>();
    private final Map<Long, Object> memo = new HashMap<>();

    private PickleMachine(Path file, String part, byte[] code) {
        this.file = file;
        this.part = part;
        this.code = code;
    }

    /**
     * Runs the pickle {@code code} (the record {@code part} of {@code file}, named in errors) and returns the object
     * it builds. Throws naming the file, the byte offset and the opcode or global that is not allowed, or what is
     * malformed.
     */
    public static Object load(Path file, String part, byte[] code) throws ModelFormatException {
        PickleMachine m = new PickleMachine(file, part, code);
        try {
            return m.run();
        } catch (StackOverflowError e) {
            throw new ModelFormatException(file, part + ": pickle nested too deeply");
        }
    }

    private ModelFormatException fail(String what) {
        return new ModelFormatException(file, part + " at byte " + opStart + ": " + what);
    }

    private Object run() throws ModelFormatException {
        while (true) {
            opStart = pos;
            int op = u8();
            switch (op) {
                case 0x80: // PROTO
                    int proto = u8();
                    if (proto > 5) {
                        throw fail("unknown pickle protocol " + proto);
                    }
                    break;
                case 0x95: // FRAME (protocol 4): a length hint only
                    take(8);
                    break;
                case '.': // STOP
                    Object result = pop();
                    if (!stack.isEmpty()) {
                        throw fail("pickle ends with " + stack.size() + " objects left on the stack");
                    }
                    return result;
                case '(': // MARK
                    stack.add(MARK);
                    break;
                case 'N':
                    stack.add(null);
                    break;
                case 0x88:
                    stack.add(Boolean.TRUE);
                    break;
                case 0x89:
                    stack.add(Boolean.FALSE);
                    break;
                case 'J': // BININT
                    stack.add((long) le(4));
                    break;
                case 'K': // BININT1
                    stack.add((long) u8());
                    break;
                case 'M': // BININT2
                    stack.add(le(2) & 0xFFFFL);
                    break;
                case 0x8A: // LONG1
                    stack.add(long1(u8()));
                    break;
                case 'G': // BINFLOAT, big-endian
                    long bits = 0;
                    for (int i = 0; i < 8; i++) {
                        bits = (bits << 8) | u8();
                    }
                    stack.add(Double.longBitsToDouble(bits));
                    break;
                case 'X': // BINUNICODE
                    stack.add(new String(take(length(le(4))), StandardCharsets.UTF_8));
                    break;
                case 0x8C: // SHORT_BINUNICODE
                    stack.add(new String(take(u8()), StandardCharsets.UTF_8));
                    break;
                case 'T': // BINSTRING (a Python 2 str)
                    stack.add(new String(take(length(le(4))), StandardCharsets.ISO_8859_1));
                    break;
                case 'U': // SHORT_BINSTRING
                    stack.add(new String(take(u8()), StandardCharsets.ISO_8859_1));
                    break;
                case 'B': // BINBYTES
                    stack.add(take(length(le(4))));
                    break;
                case 'C': // SHORT_BINBYTES
                    stack.add(take(u8()));
                    break;
                case ')':
                    stack.add(new Tuple(List.of()));
                    break;
                case 't':
                    stack.add(new Tuple(popToMark()));
                    break;
                case 0x85:
                case 0x86:
                case 0x87:
                    int n = op - 0x84;
                    Object[] items = new Object[n];
                    for (int i = n - 1; i >= 0; i--) {
                        items[i] = pop();
                    }
                    stack.add(new Tuple(Collections.unmodifiableList(Arrays.asList(items))));
                    break;
                case ']':
                    stack.add(new ArrayList<>());
                    break;
                case 'a': // APPEND
                    Object item = pop();
                    list(peek()).add(item);
                    break;
                case 'e': // APPENDS
                    List<Object> more = popToMark();
                    list(peek()).addAll(more);
                    break;
                case '}':
                    stack.add(new LinkedHashMap<>());
                    break;
                case 's': { // SETITEM
                    Object value = pop();
                    Object key = pop();
                    dict(peek()).put(key, value);
                    break;
                }
                case 'u': { // SETITEMS
                    List<Object> kv = popToMark();
                    if (kv.size() % 2 != 0) {
                        throw fail("SETITEMS with an odd number of items");
                    }
                    Map<Object, Object> d = dict(peek());
                    for (int i = 0; i < kv.size(); i += 2) {
                        d.put(kv.get(i), kv.get(i + 1));
                    }
                    break;
                }
                case 'c': { // GLOBAL
                    String module = line();
                    String name = line();
                    stack.add(resolve(module, name));
                    break;
                }
                case 0x93: { // STACK_GLOBAL
                    Object name = pop();
                    Object module = pop();
                    if (!(module instanceof String) || !(name instanceof String)) {
                        throw fail("STACK_GLOBAL needs two strings");
                    }
                    stack.add(resolve((String) module, (String) name));
                    break;
                }
                case 'R': { // REDUCE
                    Object args = pop();
                    Object callable = pop();
                    stack.add(reduce(callable, args));
                    break;
                }
                case 'b': { // BUILD: only attribute dicts on dicts (an OrderedDict's _metadata), which are dropped
                    Object state = pop();
                    Object target = peek();
                    if (!(target instanceof Map) || !(state == null || state instanceof Map)) {
                        throw fail("BUILD of " + typeName(target) + " with " + typeName(state) + " is not allowed");
                    }
                    break;
                }
                case 'Q': // BINPERSID
                    stack.add(persistent(pop()));
                    break;
                case 'q': // BINPUT
                    memo.put((long) u8(), peek());
                    break;
                case 'r': // LONG_BINPUT
                    memo.put(le(4) & 0xFFFFFFFFL, peek());
                    break;
                case 0x94: // MEMOIZE
                    memo.put((long) memo.size(), peek());
                    break;
                case 'h': // BINGET
                    stack.add(memoGet(u8()));
                    break;
                case 'j': // LONG_BINGET
                    stack.add(memoGet(le(4) & 0xFFFFFFFFL));
                    break;
                default:
                    throw fail("pickle opcode " + PickleOpcodes.name(op) + " is not allowed in a state_dict checkpoint");
            }
        }
    }

    private Global resolve(String module, String name) throws ModelFormatException {
        if (module.equals("collections") && name.equals("OrderedDict")) {
            return new Global(Callable.ORDERED_DICT, null, null);
        }
        if (module.equals("torch._utils") && name.equals("_rebuild_tensor_v2")) {
            return new Global(Callable.REBUILD_TENSOR, null, null);
        }
        if (module.equals("torch._utils") && name.equals("_rebuild_parameter")) {
            return new Global(Callable.REBUILD_PARAMETER, null, null);
        }
        if (module.equals("torch")) {
            ElementType t = ElementType.fromStorageClass(name);
            if (t != null || OTHER_STORAGES.contains(name)) {
                return new Global(null, name, t);
            }
        }
        throw fail("refusing pickle global " + module + "." + name + ": a state_dict checkpoint uses only "
                + "collections.OrderedDict, torch._utils._rebuild_tensor_v2, torch._utils._rebuild_parameter and "
                + "torch.*Storage (save model.state_dict(), not a model or other objects; nothing in the file was run)");
    }

    private Object reduce(Object callable, Object args) throws ModelFormatException {
        if (!(callable instanceof Global)) {
            throw fail("REDUCE calls " + typeName(callable) + ", not an allowed global");
        }
        Global g = (Global) callable;
        if (!(args instanceof Tuple)) {
            throw fail("REDUCE arguments are " + typeName(args) + ", not a tuple");
        }
        Tuple a = (Tuple) args;
        if (g.callable() == null) {
            throw fail("a storage class (" + g.describe() + ") may only appear in a persistent id");
        }
        switch (g.callable()) {
            case ORDERED_DICT:
                if (a.size() != 0) {
                    throw fail("OrderedDict called with arguments");
                }
                return new LinkedHashMap<>();
            case REBUILD_PARAMETER:
                if (a.size() != 3 || !(a.get(0) instanceof TensorRef)) {
                    throw fail("_rebuild_parameter takes (tensor, requires_grad, backward_hooks), got " + describe(a));
                }
                return a.get(0);
            case REBUILD_TENSOR:
                return rebuildTensor(a);
            default:
                throw new IllegalStateException(g.describe());
        }
    }

    /** {@code _rebuild_tensor_v2(storage, storage_offset, size, stride, requires_grad, backward_hooks[, metadata])}. */
    private TensorRef rebuildTensor(Tuple a) throws ModelFormatException {
        if ((a.size() != 6 && a.size() != 7) || !(a.get(0) instanceof StorageRef) || !(a.get(1) instanceof Long)
                || !(a.get(2) instanceof Tuple) || !(a.get(3) instanceof Tuple) || !(a.get(4) instanceof Boolean)
                || !(a.get(5) instanceof Map)) {
            throw fail("_rebuild_tensor_v2 takes (storage, offset, size, stride, requires_grad, backward_hooks), got "
                    + describe(a));
        }
        if (!((Map<?, ?>) a.get(5)).isEmpty()) {
            throw fail("a tensor with backward hooks");
        }
        long[] size = longs((Tuple) a.get(2), "size");
        long[] stride = longs((Tuple) a.get(3), "stride");
        if (size.length != stride.length) {
            throw fail("tensor size " + Arrays.toString(size) + " and stride " + Arrays.toString(stride)
                    + " differ in rank");
        }
        return new TensorRef((StorageRef) a.get(0), (Long) a.get(1), size, stride);
    }

    private long[] longs(Tuple t, String what) throws ModelFormatException {
        long[] out = new long[t.size()];
        for (int i = 0; i < out.length; i++) {
            if (!(t.get(i) instanceof Long)) {
                throw fail("tensor " + what + " holds " + typeName(t.get(i)));
            }
            out[i] = (Long) t.get(i);
        }
        return out;
    }

    /** {@code ('storage', torch.XStorage, key, location, numel)}. */
    private StorageRef persistent(Object pid) throws ModelFormatException {
        if (pid instanceof Tuple) {
            Tuple t = (Tuple) pid;
            if (t.size() == 5 && "storage".equals(t.get(0)) && t.get(1) instanceof Global
                    && ((Global) t.get(1)).callable() == null && t.get(2) instanceof String
                    && t.get(3) instanceof String && t.get(4) instanceof Long) {
                Global g = (Global) t.get(1);
                return new StorageRef(g.storageType(), g.storageClass(), (String) t.get(2), (String) t.get(3),
                        (Long) t.get(4));
            }
        }
        throw fail("persistent id " + describe(pid) + " is not ('storage', torch.<Type>Storage, key, location, numel)");
    }

    private Object memoGet(long key) throws ModelFormatException {
        if (!memo.containsKey(key)) {
            throw fail("memo entry " + key + " read before it was written");
        }
        return memo.get(key);
    }

    @SuppressWarnings("unchecked")
    private List<Object> list(Object o) throws ModelFormatException {
        if (!(o instanceof ArrayList)) {
            throw fail("APPEND to " + typeName(o));
        }
        return (List<Object>) o;
    }

    @SuppressWarnings("unchecked")
    private Map<Object, Object> dict(Object o) throws ModelFormatException {
        if (!(o instanceof LinkedHashMap)) {
            throw fail("SETITEM on " + typeName(o));
        }
        return (Map<Object, Object>) o;
    }

    private Object pop() throws ModelFormatException {
        if (stack.isEmpty()) {
            throw fail("pickle stack underflow");
        }
        Object o = stack.remove(stack.size() - 1);
        if (o == MARK) {
            throw fail("unexpected MARK");
        }
        return o;
    }

    private Object peek() throws ModelFormatException {
        if (stack.isEmpty() || stack.get(stack.size() - 1) == MARK) {
            throw fail("pickle stack underflow");
        }
        return stack.get(stack.size() - 1);
    }

    private List<Object> popToMark() throws ModelFormatException {
        int m = stack.lastIndexOf(MARK);
        if (m < 0) {
            throw fail("no MARK on the stack");
        }
        List<Object> items = new ArrayList<>(stack.subList(m + 1, stack.size()));
        stack.subList(m, stack.size()).clear();
        return Collections.unmodifiableList(items);
    }

    private int u8() throws ModelFormatException {
        if (pos >= code.length) {
            throw fail("pickle ends before STOP (truncated)");
        }
        return code[pos++] & 0xFF;
    }

    private int le(int bytes) throws ModelFormatException {
        int v = 0;
        for (int i = 0; i < bytes; i++) {
            v |= u8() << (8 * i);
        }
        return v;
    }

    private int length(int raw) throws ModelFormatException {
        long len = raw & 0xFFFFFFFFL;
        if (len > code.length - pos) {
            throw fail("a " + len + "-byte string runs past the end of the pickle (truncated)");
        }
        return (int) len;
    }

    private byte[] take(int n) throws ModelFormatException {
        if (n > code.length - pos) {
            throw fail("pickle ends inside an opcode (truncated)");
        }
        byte[] out = Arrays.copyOfRange(code, pos, pos + n);
        pos += n;
        return out;
    }

    private Object long1(int n) throws ModelFormatException {
        byte[] le = take(n);
        if (n == 0) {
            return 0L;
        }
        byte[] be = new byte[n];
        for (int i = 0; i < n; i++) {
            be[i] = le[n - 1 - i];
        }
        BigInteger v = new BigInteger(be);
        return v.bitLength() < 64 ? (Object) v.longValue() : v;
    }

    private String line() throws ModelFormatException {
        int start = pos;
        while (pos < code.length && code[pos] != '\n') {
            pos++;
        }
        if (pos >= code.length) {
            throw fail("GLOBAL name runs past the end of the pickle (truncated)");
        }
        String s = new String(code, start, pos - start, StandardCharsets.UTF_8);
        pos++;
        return s;
    }

    private static String typeName(Object o) {
        if (o == null) {
            return "None";
        }
        if (o instanceof Global) {
            return ((Global) o).describe();
        }
        if (o instanceof Tuple) {
            return "tuple";
        }
        if (o instanceof TensorRef) {
            return "tensor";
        }
        if (o instanceof StorageRef) {
            return "storage";
        }
        return o.getClass().getSimpleName();
    }

    private static String describe(Object o) {
        if (o instanceof Tuple) {
            StringBuilder sb = new StringBuilder("(");
            for (Object x : ((Tuple) o).items()) {
                if (sb.length() > 1) {
                    sb.append(", ");
                }
                sb.append(x instanceof String ? "'" + x + "'" : x instanceof Long ? x.toString() : typeName(x));
            }
            return sb.append(")").toString();
        }
        return typeName(o);
    }
}
