package dev.coffre.io;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.coffre.remote.MetaOp;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.logging.Logger;
import java.util.zip.CRC32;

/**
 * The local journal of metadata changes not yet committed to the remote, in order. Each entry is one
 * batch of operations, framed as length, CRC-32 and JSON, so a torn tail after a power cut is recognised
 * and dropped (it was never acknowledged as durable). {@code committed} holds the sequence number of the
 * last entry the remote has; the log is emptied whenever everything is committed.
 * Thread-safe (all methods synchronized).
 */
public final class PendingLog implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(PendingLog.class.getName());
    private static final ObjectMapper JSON = new ObjectMapper()
            .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);

    /** One appended batch; {@code appendedAtMillis} is local time, for the write-back delay. */
    public record Entry(long seq, List<MetaOp> ops, long appendedAtMillis) {
    }

    private record Stored(long seq, List<MetaOp> ops) {
    }

    private final Path logFile;
    private final Path committedFile;
    private final FileChannel channel;
    private final List<Entry> pending = new ArrayList<>();
    private long lastSeq;
    private long committed;

    public PendingLog(Path folder) throws IOException {
        Files.createDirectories(folder);
        this.logFile = folder.resolve("pending.log");
        this.committedFile = folder.resolve("committed");
        if (Files.exists(committedFile)) {
            committed = Long.parseLong(Files.readString(committedFile, StandardCharsets.US_ASCII).trim());
        }
        lastSeq = committed;
        this.channel = FileChannel.open(logFile, StandardOpenOption.CREATE, StandardOpenOption.READ,
                StandardOpenOption.WRITE);
        recover();
    }

    /** Reads entries left by an earlier run that the remote does not have yet. */
    private void recover() throws IOException {
        long position = 0;
        long size = channel.size();
        ByteBuffer header = ByteBuffer.allocate(8);
        while (position + 8 <= size) {
            header.clear();
            channel.read(header, position);
            int length = header.getInt(0);
            long crc = header.getInt(4) & 0xffffffffL;
            if (length <= 0 || position + 8 + length > size) {
                break;
            }
            ByteBuffer payload = ByteBuffer.allocate(length);
            channel.read(payload, position + 8);
            if (crc(payload.array()) != crc) {
                break;
            }
            Stored stored = JSON.readValue(payload.array(), Stored.class);
            if (stored.seq() > committed) {
                pending.add(new Entry(stored.seq(), stored.ops(), 0)); // due at once: they waited long enough
            }
            lastSeq = Math.max(lastSeq, stored.seq());
            position += 8 + length;
        }
        if (position < size) {
            LOG.warning("dropping a torn entry at the end of " + logFile + " (written when the machine stopped)");
        }
        channel.truncate(position);
        channel.position(position);
        if (!pending.isEmpty()) {
            LOG.info(pending.size() + " changes from an earlier run are not uploaded yet; resuming them");
        }
    }

    /** Entries recovered at start (and any appended since) that are not committed. */
    public synchronized List<Entry> pending() {
        return List.copyOf(pending);
    }

    /** How many entries are not committed yet. */
    public synchronized int pendingCount() {
        return pending.size();
    }

    /** Appends a batch; with {@code durable}, it (and all before it) is on disk when this returns. */
    public synchronized long append(List<MetaOp> ops, boolean durable) throws IOException {
        long seq = ++lastSeq;
        byte[] payload = JSON.writeValueAsBytes(new Stored(seq, ops));
        ByteBuffer frame = ByteBuffer.allocate(8 + payload.length);
        frame.putInt(payload.length).putInt((int) crc(payload)).put(payload).flip();
        while (frame.hasRemaining()) {
            channel.write(frame);
        }
        if (durable) {
            channel.force(false);
        }
        pending.add(new Entry(seq, ops, System.currentTimeMillis()));
        return seq;
    }

    public synchronized void force() throws IOException {
        channel.force(false);
    }

    public synchronized long lastSeq() {
        return lastSeq;
    }

    public synchronized long committedSeq() {
        return committed;
    }

    /** The remote has every entry up to {@code seq}. */
    public synchronized void markCommitted(long seq) throws IOException {
        Path temp = committedFile.resolveSibling("committed.tmp");
        Files.writeString(temp, Long.toString(seq), StandardCharsets.US_ASCII);
        try (FileChannel file = FileChannel.open(temp, StandardOpenOption.WRITE)) {
            file.force(true);
        }
        Files.move(temp, committedFile, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        committed = seq;
        pending.removeIf(entry -> entry.seq() <= seq);
        if (pending.isEmpty()) {
            channel.truncate(0);
            channel.position(0);
        }
    }

    @Override
    public synchronized void close() throws IOException {
        channel.close();
    }

    private static long crc(byte[] bytes) {
        CRC32 crc = new CRC32();
        crc.update(bytes);
        return crc.getValue();
    }
}
