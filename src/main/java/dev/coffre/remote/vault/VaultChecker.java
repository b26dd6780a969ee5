package dev.coffre.remote.vault;

import dev.coffre.crypto.BlockCipher;
import dev.coffre.remote.BlockRef;
import dev.coffre.remote.IntegrityException;
import dev.coffre.remote.InodeRecord;
import dev.coffre.remote.MetaOp;
import dev.coffre.remote.NodeType;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Reads and authenticates every object of a vault: all metadata, every segment of every block that the
 * metadata references. Also lists block objects that nothing references (left by interrupted writes).
 */
public final class VaultChecker {
    private static final int SEGMENTS_PER_READ = 16;

    public record Report(long files, long blocks, long bytes, List<String> failures, List<String> unreferenced) {
        public boolean healthy() {
            return failures.isEmpty();
        }
    }

    private record Name(long parent, String name) {
    }

    /** Told after each block how many bytes of content are checked, of how many. */
    @FunctionalInterface
    public interface Listener {
        Listener NONE = (checkedBytes, totalBytes) -> { };

        void checked(long checkedBytes, long totalBytes);
    }

    private VaultChecker() {
    }

    public static Report check(VaultRemote vault, Listener progress) throws IOException {
        Map<Long, InodeRecord> inodes = new HashMap<>();
        Map<Long, Name> names = new HashMap<>();
        Set<String> trashed = new HashSet<>();
        List<String> failures = new ArrayList<>();
        try {
            vault.load(op -> {
                switch (op.op()) {
                    case MetaOp.INODE -> inodes.put(op.inode().ino(), op.inode());
                    case MetaOp.FORGET -> inodes.remove(op.ino());
                    case MetaOp.LINK -> names.put(op.ino(), new Name(op.parent(), op.name()));
                    case MetaOp.UNLINK -> names.values().remove(new Name(op.parent(), op.name()));
                    case MetaOp.TRASH -> op.blocks().forEach(b -> trashed.add(b.id()));
                    case MetaOp.PURGE -> op.blocks().forEach(b -> trashed.remove(b.id()));
                    default -> { }
                }
            });
        } catch (IntegrityException e) {
            failures.add("metadata: " + e.getMessage());
            return new Report(0, 0, 0, failures, List.of());
        }
        Set<String> referenced = new HashSet<>(trashed); // waiting for their grace period: not garbage yet
        long totalBytes = contentBytes(inodes.values());
        long checkedBytes = 0;
        long files = 0;
        long blocks = 0;
        long bytes = 0;
        for (InodeRecord inode : inodes.values()) {
            if (inode.type() != NodeType.FILE || inode.blocks() == null) {
                continue;
            }
            files++;
            List<BlockRef> refs = inode.blocks();
            for (int index = 0; index < refs.size(); index++) {
                BlockRef ref = refs.get(index);
                if (ref == null) {
                    continue;
                }
                referenced.add(ref.id());
                blocks++;
                String failure = checkBlock(vault, inode.ino(), index, ref);
                if (failure != null) {
                    failures.add(path(inode.ino(), names) + ": " + failure);
                } else {
                    bytes += ref.length();
                }
                checkedBytes += ref.length();
                progress.checked(checkedBytes, totalBytes);
            }
        }
        List<String> unreferenced = new ArrayList<>();
        for (String key : vault.store().list(VaultRemote.BLOCKS)) {
            String id = key.substring(key.lastIndexOf('/') + 1);
            if (!referenced.contains(id)) {
                unreferenced.add(key);
            }
        }
        return new Report(files, blocks, bytes, failures, unreferenced);
    }

    private static long contentBytes(Iterable<InodeRecord> inodes) {
        long total = 0;
        for (InodeRecord inode : inodes) {
            if (inode.type() == NodeType.FILE && inode.blocks() != null) {
                for (BlockRef ref : inode.blocks()) {
                    total += ref == null ? 0 : ref.length();
                }
            }
        }
        return total;
    }

    private static String checkBlock(VaultRemote vault, long ino, int index, BlockRef ref) throws IOException {
        int segments = BlockCipher.segmentCount(ref.length());
        for (int first = 0; first < segments; first += SEGMENTS_PER_READ) {
            try {
                vault.readSegments(ino, index, ref, first, Math.min(SEGMENTS_PER_READ, segments - first));
            } catch (IntegrityException e) {
                return e.getMessage();
            }
        }
        return null;
    }

    private static String path(long ino, Map<Long, Name> names) {
        StringBuilder path = new StringBuilder();
        long current = ino;
        for (int depth = 0; depth < 4096 && current != 1; depth++) {
            Name name = names.get(current);
            if (name == null) {
                return "(inode " + ino + ")";
            }
            path.insert(0, "/" + name.name());
            current = name.parent();
        }
        return path.length() == 0 ? "/" : path.toString();
    }
}
