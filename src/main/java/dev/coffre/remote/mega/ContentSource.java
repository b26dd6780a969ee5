package dev.coffre.remote.mega;

import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Random access to the plaintext of a file being uploaded: the upload reads it in order, the
 * fingerprint samples it all over.
 */
public interface ContentSource {
    long size();

    /** Reads exactly {@code length} bytes at {@code position}. */
    void read(long position, byte[] buffer, int offset, int length) throws IOException;

    static ContentSource of(byte[] data) {
        return new ContentSource() {
            @Override
            public long size() {
                return data.length;
            }

            @Override
            public void read(long position, byte[] buffer, int offset, int length) {
                System.arraycopy(data, Math.toIntExact(position), buffer, offset, length);
            }
        };
    }

    /** A file read through a channel the caller closes (the file must not change while it is uploaded). */
    static ContentSource of(FileChannel channel) throws IOException {
        long size = channel.size();
        return new ContentSource() {
            @Override
            public long size() {
                return size;
            }

            @Override
            public void read(long position, byte[] buffer, int offset, int length) throws IOException {
                ByteBuffer target = ByteBuffer.wrap(buffer, offset, length);
                while (target.hasRemaining()) {
                    if (channel.read(target, position + target.position() - offset) < 0) {
                        throw new EOFException("file shrank while being uploaded");
                    }
                }
            }
        };
    }

    static FileChannel open(Path file) throws IOException {
        return FileChannel.open(file, StandardOpenOption.READ);
    }
}
