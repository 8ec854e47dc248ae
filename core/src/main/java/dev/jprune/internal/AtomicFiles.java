package dev.jprune.internal;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

/**
 * Atomic file output: a temporary file in the target's folder is written, then moved over the target, so a reader
 * never sees half a file and a failed write leaves nothing behind. The temporary file is created like any other
 * file (the umask applies), not with {@code Files.createTempFile}'s owner-only mode.
 */
public final class AtomicFiles {

    private AtomicFiles() {
    }

    /** A writer of the file's content. */
    @FunctionalInterface
    public interface Content {
        void writeTo(OutputStream out) throws IOException;
    }

    /** A writer of the file's content through a channel (for large binary files). */
    @FunctionalInterface
    public interface ChannelContent {
        void writeTo(FileChannel channel) throws IOException;
    }

    /** Writes {@code text} as UTF-8 to {@code file} atomically. */
    public static void writeString(Path file, String text) throws IOException {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        write(file, out -> out.write(bytes));
    }

    /** Writes what {@code content} produces to {@code file} atomically (streamed, buffered). */
    public static void write(Path file, Content content) throws IOException {
        writeChannel(file, ch -> {
            OutputStream o = new BufferedOutputStream(Channels.newOutputStream(ch), 1 << 16);
            content.writeTo(o);
            o.flush();
        });
    }

    /**
     * Writes what {@code content} puts into the channel to {@code file} atomically; the data is forced to the device
     * before the move.
     */
    public static void writeChannel(Path file, ChannelContent content) throws IOException {
        Path abs = file.toAbsolutePath();
        Path tmp = abs.resolveSibling("." + abs.getFileName() + "." + ProcessHandle.current().pid() + "."
                + Long.toHexString(System.nanoTime()) + ".tmp");
        boolean created = false;
        try {
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                created = true;
                content.writeTo(ch);
                ch.force(true);
            }
            try {
                Files.move(tmp, abs, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, abs, StandardCopyOption.REPLACE_EXISTING);
            }
        } finally {
            if (created) {
                Files.deleteIfExists(tmp);
            }
        }
    }
}
