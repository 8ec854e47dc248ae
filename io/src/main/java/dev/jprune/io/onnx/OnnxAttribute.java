package dev.jprune.io.onnx;

import dev.jprune.io.onnx.internal.proto.Onnx.AttributeProto;
import dev.jprune.io.onnx.internal.proto.Onnx.AttributeProto.AttributeType;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * A node attribute with its type. Read it with the accessor of its type ({@link #asInt()}, {@link #asInts()},
 * {@link #asFloat()} ...); the others throw. Graph, sparse-tensor and type attributes are listed with their type
 * but have no typed accessor yet ({@link #proto()} holds them). Immutable; accessors return fresh arrays.
 */
public final class OnnxAttribute {

    /** The attribute types of ONNX ({@code AttributeProto.AttributeType}). */
    public enum Type {
        UNDEFINED, FLOAT, INT, STRING, TENSOR, GRAPH, FLOATS, INTS, STRINGS, TENSORS, GRAPHS, SPARSE_TENSOR,
        SPARSE_TENSORS, TYPE_PROTO, TYPE_PROTOS
    }

    private final AttributeProto proto;
    private final Type type;

    OnnxAttribute(AttributeProto proto) {
        this.proto = proto;
        this.type = typeOf(proto);
    }

    /** The attribute's name. */
    public String name() {
        return proto.getName();
    }

    /** The attribute's type (from its {@code type} field, or from the value field set when that is absent). */
    public Type type() {
        return type;
    }

    /** The value of a FLOAT attribute. */
    public float asFloat() {
        require(Type.FLOAT);
        return proto.getF();
    }

    /** The value of an INT attribute. */
    public long asInt() {
        require(Type.INT);
        return proto.getI();
    }

    /** The value of a STRING attribute, decoded as UTF-8. */
    public String asString() {
        require(Type.STRING);
        return proto.getS().toString(StandardCharsets.UTF_8);
    }

    /** The values of a FLOATS attribute. */
    public float[] asFloats() {
        require(Type.FLOATS);
        float[] out = new float[proto.getFloatsCount()];
        for (int i = 0; i < out.length; i++) {
            out[i] = proto.getFloats(i);
        }
        return out;
    }

    /** The values of an INTS attribute. */
    public long[] asInts() {
        require(Type.INTS);
        long[] out = new long[proto.getIntsCount()];
        for (int i = 0; i < out.length; i++) {
            out[i] = proto.getInts(i);
        }
        return out;
    }

    /** The values of a STRINGS attribute, decoded as UTF-8. */
    public List<String> asStrings() {
        require(Type.STRINGS);
        List<String> out = new ArrayList<>();
        for (int i = 0; i < proto.getStringsCount(); i++) {
            out.add(proto.getStrings(i).toString(StandardCharsets.UTF_8));
        }
        return List.copyOf(out);
    }

    /** The value of a TENSOR attribute (a Constant's value); external data in attributes is not resolved. */
    public OnnxTensor asTensor() {
        require(Type.TENSOR);
        return new OnnxTensor(proto.getT(), null);
    }

    /** The message this attribute reads (internal: the generated ONNX class, free to change). */
    public AttributeProto proto() {
        return proto;
    }

    private void require(Type expected) {
        if (type != expected) {
            throw new IllegalStateException("attribute '" + name() + "' is " + type + ", not " + expected);
        }
    }

    private static Type typeOf(AttributeProto a) {
        if (a.hasType() && a.getType() != AttributeType.UNDEFINED) {
            return Type.valueOf(a.getType().name());
        }
        // Files from before IR version 2 may leave the type out: infer it from the value field that is set.
        if (a.hasF()) {
            return Type.FLOAT;
        } else if (a.hasI()) {
            return Type.INT;
        } else if (a.hasS()) {
            return Type.STRING;
        } else if (a.hasT()) {
            return Type.TENSOR;
        } else if (a.hasG()) {
            return Type.GRAPH;
        } else if (a.getFloatsCount() > 0) {
            return Type.FLOATS;
        } else if (a.getIntsCount() > 0) {
            return Type.INTS;
        } else if (a.getStringsCount() > 0) {
            return Type.STRINGS;
        } else if (a.getTensorsCount() > 0) {
            return Type.TENSORS;
        } else if (a.getGraphsCount() > 0) {
            return Type.GRAPHS;
        }
        return Type.UNDEFINED;
    }

    @Override
    public String toString() {
        switch (type) {
            case FLOAT: return name() + "=" + asFloat();
            case INT: return name() + "=" + asInt();
            case STRING: return name() + "='" + asString() + "'";
            case FLOATS: return name() + "=" + java.util.Arrays.toString(asFloats());
            case INTS: return name() + "=" + java.util.Arrays.toString(asInts());
            case STRINGS: return name() + "=" + asStrings();
            default: return name() + ":" + type;
        }
    }
}
