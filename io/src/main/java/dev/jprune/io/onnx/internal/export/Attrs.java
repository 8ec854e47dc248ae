package dev.jprune.io.onnx.internal.export;

import com.google.protobuf.ByteString;
import dev.jprune.io.onnx.internal.proto.Onnx.AttributeProto;
import dev.jprune.io.onnx.internal.proto.Onnx.AttributeProto.AttributeType;
import dev.jprune.io.onnx.internal.proto.Onnx.TensorProto;

/** Builds ONNX node attributes. */
public final class Attrs {

    private Attrs() {
    }

    /** An INT attribute. */
    public static AttributeProto i(String name, long v) {
        return AttributeProto.newBuilder().setName(name).setType(AttributeType.INT).setI(v).build();
    }

    /** A FLOAT attribute. */
    public static AttributeProto f(String name, double v) {
        return AttributeProto.newBuilder().setName(name).setType(AttributeType.FLOAT).setF((float) v).build();
    }

    /** An INTS attribute. */
    public static AttributeProto ints(String name, long... v) {
        AttributeProto.Builder b = AttributeProto.newBuilder().setName(name).setType(AttributeType.INTS);
        for (long x : v) {
            b.addInts(x);
        }
        return b.build();
    }

    /** An INTS attribute from ints. */
    public static AttributeProto ints(String name, int... v) {
        long[] l = new long[v.length];
        for (int k = 0; k < v.length; k++) {
            l[k] = v[k];
        }
        return ints(name, l);
    }

    /** A STRING attribute. */
    public static AttributeProto s(String name, String v) {
        return AttributeProto.newBuilder().setName(name).setType(AttributeType.STRING)
                .setS(ByteString.copyFromUtf8(v)).build();
    }

    /** A TENSOR attribute. */
    public static AttributeProto t(String name, TensorProto v) {
        return AttributeProto.newBuilder().setName(name).setType(AttributeType.TENSOR).setT(v).build();
    }
}
