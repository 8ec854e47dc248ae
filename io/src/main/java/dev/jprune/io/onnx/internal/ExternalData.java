package dev.jprune.io.onnx.internal;

import dev.jprune.io.ModelFormatException;
import dev.jprune.io.onnx.internal.proto.Onnx.StringStringEntryProto;
import dev.jprune.io.onnx.internal.proto.Onnx.TensorProto;

import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Reads a tensor's external data ({@code data_location = EXTERNAL}): the {@code external_data} entries
 * {@code location} (a path relative to the model's folder, which it must not leave), {@code offset} (default 0) and
 * {@code length} (default: to the end of the file).
 */
public final class ExternalData {

    private ExternalData() {
    }

    /** The bytes of {@code tensor}'s external data, for the model {@code modelFile}. */
    public static byte[] read(Path modelFile, TensorProto tensor) throws IOException {
        String location = null;
        long offset = 0;
        long length = -1;
        for (StringStringEntryProto e : tensor.getExternalDataList()) {
            try {
                switch (e.getKey()) {
                    case "location": location = e.getValue(); break;
                    case "offset": offset = Long.parseLong(e.getValue()); break;
                    case "length": length = Long.parseLong(e.getValue()); break;
                    default: break; // "checksum" and unknown keys do not change where the data is
                }
            } catch (NumberFormatException ex) {
                throw new ModelFormatException(modelFile, "initializer '" + tensor.getName() + "': external_data "
                        + e.getKey() + " is not a number: '" + e.getValue() + "'");
            }
        }
        if (location == null || location.isEmpty()) {
            throw new ModelFormatException(modelFile, "initializer '" + tensor.getName()
                    + "' has external data without a location");
        }
        Path folder = modelFile.toAbsolutePath().getParent();
        Path data = folder.resolve(location).normalize();
        if (Path.of(location).isAbsolute() || !data.startsWith(folder.normalize())) {
            throw new ModelFormatException(modelFile, "initializer '" + tensor.getName() + "': external data location '"
                    + location + "' leaves the model's folder");
        }
        if (!Files.isRegularFile(data)) {
            throw new ModelFormatException(modelFile, "initializer '" + tensor.getName() + "': external data file "
                    + data + " does not exist");
        }
        try (FileChannel ch = FileChannel.open(data, StandardOpenOption.READ)) {
            long size = ch.size();
            if (length < 0) {
                length = size - offset;
            }
            if (offset < 0 || length < 0 || offset + length > size) {
                throw new ModelFormatException(modelFile, "initializer '" + tensor.getName() + "': external data "
                        + "offset " + offset + " + length " + length + " exceeds " + data + " (" + size + " bytes)");
            }
            if (length > Integer.MAX_VALUE - 8) {
                throw new ModelFormatException(modelFile, "initializer '" + tensor.getName() + "': " + length
                        + " bytes of external data in one tensor is more than a Java array holds");
            }
            ByteBuffer buf = ByteBuffer.allocate((int) length);
            while (buf.hasRemaining()) {
                if (ch.read(buf, offset + buf.position()) < 0) {
                    throw new EOFException(data + " ended early");
                }
            }
            return buf.array();
        }
    }
}
