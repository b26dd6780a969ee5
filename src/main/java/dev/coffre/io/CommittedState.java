package dev.coffre.io;

import dev.coffre.remote.BlockRef;
import dev.coffre.remote.InodeRecord;
import dev.coffre.remote.MetaOp;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * The tree as the remote has it (which can lag behind the local tree by the pending log): what a snapshot
 * must contain, and which block objects a commit made unreferenced. Not thread-safe: only the write-back
 * thread uses it after loading.
 */
final class CommittedState {
    private final Map<Long, InodeRecord> inodes = new HashMap<>();
    private final Map<Long, Map<String, Long>> entries = new HashMap<>();
    /** Trashed block objects and when they became unreferenced (nanoseconds). */
    private final Map<String, Trashed> trash = new java.util.LinkedHashMap<>();

    record Trashed(BlockRef block, long atNanos) {
    }

    /** Applies one committed operation; returns the block objects it left unreferenced. */
    List<BlockRef> apply(MetaOp op) {
        switch (op.op()) {
            case MetaOp.INODE -> {
                InodeRecord previous = inodes.put(op.inode().ino(), op.inode());
                return dropped(previous, op.inode());
            }
            case MetaOp.FORGET -> {
                return dropped(inodes.remove(op.ino()), null);
            }
            case MetaOp.LINK -> entries.computeIfAbsent(op.parent(), p -> new HashMap<>()).put(op.name(), op.ino());
            case MetaOp.UNLINK -> entries.getOrDefault(op.parent(), new HashMap<>()).remove(op.name());
            case MetaOp.TRASH -> op.blocks().forEach(b -> trash.put(b.id(), new Trashed(b, op.at())));
            case MetaOp.PURGE -> op.blocks().forEach(b -> trash.remove(b.id()));
            default -> throw new IllegalArgumentException("unknown metadata operation " + op.op());
        }
        return List.of();
    }

    private static List<BlockRef> dropped(InodeRecord before, InodeRecord after) {
        if (before == null || before.blocks() == null) {
            return List.of();
        }
        Set<String> kept = new HashSet<>();
        if (after != null && after.blocks() != null) {
            after.blocks().stream().filter(Objects::nonNull).forEach(b -> kept.add(b.id()));
        }
        List<BlockRef> gone = new ArrayList<>();
        for (BlockRef block : before.blocks()) {
            if (block != null && !kept.contains(block.id())) {
                gone.add(block);
            }
        }
        return gone;
    }

    /** Blocks that {@code ops} would leave unreferenced, without applying them. */
    List<BlockRef> garbageOf(List<MetaOp> ops) {
        InodeFates fates = InodeFates.of(ops);
        List<BlockRef> garbage = new ArrayList<>();
        for (Map.Entry<Long, InodeRecord> entry : fates.last().entrySet()) {
            if (!fates.forgotten().contains(entry.getKey())) {
                garbage.addAll(dropped(inodes.get(entry.getKey()), entry.getValue()));
            }
        }
        for (long ino : fates.forgotten()) {
            garbage.addAll(dropped(inodes.get(ino), null));
        }
        return garbage;
    }

    /** Trashed blocks that became unreferenced before {@code beforeNanos}. */
    List<BlockRef> trashedBefore(long beforeNanos) {
        return trash.values().stream().filter(t -> t.atNanos() < beforeNanos).map(Trashed::block).toList();
    }

    InodeRecord inode(long ino) {
        return inodes.get(ino);
    }

    /** One directory entry naming {@code ino}, if any: (parent, name). */
    Map.Entry<Long, String> nameOf(long ino) {
        for (Map.Entry<Long, Map<String, Long>> dir : entries.entrySet()) {
            for (Map.Entry<String, Long> entry : dir.getValue().entrySet()) {
                if (entry.getValue() == ino) {
                    return Map.entry(dir.getKey(), entry.getKey());
                }
            }
        }
        return null;
    }

    boolean hasName(long parent, String name) {
        return entries.getOrDefault(parent, Map.of()).containsKey(name);
    }

    /** The whole committed tree as operations (for a snapshot): inodes, entries, then the trash. */
    List<MetaOp> asOps() {
        List<MetaOp> ops = new ArrayList<>();
        inodes.values().forEach(record -> ops.add(MetaOp.inode(record)));
        entries.forEach((parent, names) -> names.forEach((name, ino) -> ops.add(MetaOp.link(parent, name, ino))));
        trash.values().forEach(t -> ops.add(MetaOp.trash(List.of(t.block()), t.atNanos())));
        return ops;
    }
}
