package dev.jprune.io.weights.internal;

/** Names of the pickle opcodes {@link PickleMachine} refuses, for its error messages. */
final class PickleOpcodes {

    private PickleOpcodes() {
    }

    /** The opcode's name and hex value ({@code "NEWOBJ (0x81)"}), or the hex value of an unknown opcode. */
    static String name(int op) {
        String name;
        switch (op) {
            case 'i': name = "INST"; break;
            case 'o': name = "OBJ"; break;
            case 0x81: name = "NEWOBJ"; break;
            case 0x92: name = "NEWOBJ_EX"; break;
            case 'P': name = "PERSID"; break;
            case 'I': name = "INT"; break;
            case 'L': name = "LONG"; break;
            case 'S': name = "STRING"; break;
            case 'V': name = "UNICODE"; break;
            case 'p': name = "PUT"; break;
            case 'g': name = "GET"; break;
            case 0x8B: name = "LONG4"; break;
            case 0x8F: name = "EMPTY_SET"; break;
            case 0x90: name = "ADDITEMS"; break;
            case 0x91: name = "FROZENSET"; break;
            case 0x82: name = "EXT1"; break;
            case 0x83: name = "EXT2"; break;
            case 0x84: name = "EXT4"; break;
            case 0x96: name = "BYTEARRAY8"; break;
            case 0x97: name = "NEXT_BUFFER"; break;
            case 0x98: name = "READONLY_BUFFER"; break;
            case '0': name = "POP"; break;
            case '1': name = "POP_MARK"; break;
            case '2': name = "DUP"; break;
            default: name = null;
        }
        String hex = String.format("0x%02x", op);
        return name == null ? hex : name + " (" + hex + ")";
    }
}
