package dev.jprune.data;

import dev.jprune.io.ModelFormatException;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPInputStream;

/** Reading whole data files, gzip-compressed or not. */
final class DataFiles {

    private DataFiles() {
    }

    /**
     * The bytes of {@code file}, decompressed when it starts with the gzip magic bytes (1f 8b) whatever its name.
     *
     * @throws java.nio.file.NoSuchFileException if the file does not exist
     * @throws ModelFormatException if the gzip stream is corrupt or truncated
     */
    static byte[] readAll(Path file) throws IOException {
        try (InputStream raw = new BufferedInputStream(Files.newInputStream(file))) {
            raw.mark(2);
            int b0 = raw.read();
            int b1 = raw.read();
            raw.reset();
            if (b0 != 0x1f || b1 != 0x8b) {
                return raw.readAllBytes();
            }
            try (InputStream in = new GZIPInputStream(raw)) {
                return in.readAllBytes();
            } catch (IOException e) {
                throw new ModelFormatException(file, "corrupt or truncated gzip data (" + e.getMessage() + ")", e);
            }
        }
    }

    /** The big-endian 32-bit integer at {@code offset}. */
    static int readInt(byte[] data, int offset) {
        return (data[offset] & 0xff) << 24 | (data[offset + 1] & 0xff) << 16 | (data[offset + 2] & 0xff) << 8
                | (data[offset + 3] & 0xff);
    }
}
