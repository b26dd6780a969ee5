package dev.coffre.remote.mega;

import java.io.IOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.logging.Logger;

/**
 * Verified chunk MACs kept on disk, so a remount can check random reads of a file read through before
 * without downloading it again. One file per node, named by its handle and a digest of handle, key and size
 * ({@link ChunkLedger#identityOf}): a changed file never matches an old entry. The content is the chunk
 * MACs, 16 bytes each, in file order. Files are 0600 in a 0700 folder, written to a temporary file and
 * renamed into place. An entry is trusted only if it still condenses to the meta-MAC in the node's key,
 * so a damaged or planted file is ignored (and re-learned), never believed. Thread-safe.
 */
final class ChunkMacStore {
    private static final Logger LOG = Logger.getLogger(ChunkMacStore.class.getName());

    private final Path folder;

    ChunkMacStore(Path folder) throws IOException {
        this.folder = folder;
        Files.createDirectories(folder.getParent());
        if (!Files.exists(folder)) {
            Files.createDirectory(folder, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        }
        Files.setPosixFilePermissions(folder, PosixFilePermissions.fromString("rwx------"));
    }

    /** The chunk MACs saved for this exact file, checked against its meta-MAC; null when there are none. */
    List<byte[]> load(MegaNode node) {
        Path file = fileOf(node);
        byte[] data;
        try {
            data = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            return null;
        } catch (IOException e) {
            LOG.warning("cannot read saved chunk MACs of MEGA file " + node.handle() + ": " + e.getMessage());
            return null;
        }
        long chunks = Chunks.count(node.size());
        if (data.length != chunks * FileMac.CHUNK_MAC_BYTES) {
            LOG.warning("saved chunk MACs of MEGA file " + node.handle() + " have the wrong length; ignored");
            return null;
        }
        List<byte[]> macs = new ArrayList<>();
        for (int at = 0; at < data.length; at += FileMac.CHUNK_MAC_BYTES) {
            macs.add(java.util.Arrays.copyOfRange(data, at, at + FileMac.CHUNK_MAC_BYTES));
        }
        if (!FileMac.check(node.fileKey(), macs, node.size()).ok()) {
            LOG.warning("saved chunk MACs of MEGA file " + node.handle() + " do not match its key; ignored");
            return null;
        }
        return macs;
    }

    /** Saves a file's verified chunk MACs (atomically: a reader sees the old file or the whole new one). */
    void save(MegaNode node, List<byte[]> macs) throws IOException {
        byte[] data = new byte[macs.size() * FileMac.CHUNK_MAC_BYTES];
        for (int i = 0; i < macs.size(); i++) {
            System.arraycopy(macs.get(i), 0, data, i * FileMac.CHUNK_MAC_BYTES, FileMac.CHUNK_MAC_BYTES);
        }
        Path target = fileOf(node);
        Path temp = Files.createTempFile(folder, ".macs-", ".tmp"); // created 0600
        try {
            Files.write(temp, data);
            try (var channel = java.nio.channels.FileChannel.open(temp, java.nio.file.StandardOpenOption.WRITE)) {
                channel.force(true);
            }
            try {
                Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(temp, target, StandardCopyOption.REPLACE_EXISTING);
            }
        } finally {
            Files.deleteIfExists(temp);
        }
    }

    /** Forgets a file's MACs (its content failed them). */
    void remove(MegaNode node) {
        try {
            Files.deleteIfExists(fileOf(node));
        } catch (IOException e) {
            LOG.warning("cannot remove saved chunk MACs of MEGA file " + node.handle() + ": " + e.getMessage());
        }
    }

    Path fileOf(MegaNode node) {
        return folder.resolve(node.handle() + "-" + HexFormat.of().formatHex(ChunkLedger.identityOf(node), 0, 16));
    }
}
