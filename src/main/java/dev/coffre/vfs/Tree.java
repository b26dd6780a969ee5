package dev.coffre.vfs;

import dev.coffre.io.StagingArea;
import dev.coffre.remote.BlockRef;
import dev.coffre.remote.IntegrityException;
import dev.coffre.remote.MetaOp;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Set;
import java.util.List;
import java.util.Map;

/**
 * The inode table and directory entries, built by applying {@link MetaOp}s: the same code replays the
 * journal at mount and applies each new commit. Not thread-safe; guarded by the {@link Vfs} tree lock.
 */
final class Tree {
    static final long ROOT = 1;
    static final int NAME_MAX = 255;

    private static final java.util.regex.Pattern HIDDEN_NAME = java.util.regex.Pattern.compile("\\.fuse_hidden[0-9a-f]{16}");

    private final Map<Long, Inode> inodes = new HashMap<>();
    /**
     * Names under which libfuse keeps files that were deleted while open (directory ino to name to ino).
     * Local to this mount: never committed, never listed, gone with the last handle.
     */
    private final Map<Long, Map<String, Long>> hidden = new HashMap<>();
    /**
     * Inodes whose content still has staged blocks (not uploaded yet): the write-back asks about those after
     * every commit, and with many small files written a walk of every inode each time grew with the vault.
     */
    private final Set<Long> withStagedBlocks = new HashSet<>();

    void apply(MetaOp op) throws IntegrityException {
        switch (op.op()) {
            case MetaOp.INODE -> {
                Inode inode = inodes.computeIfAbsent(op.inode().ino(), ino -> new Inode(ino, op.inode().type()));
                if (inode.type != op.inode().type()) {
                    throw new IntegrityException("metadata changes the type of inode " + inode.ino);
                }
                inode.update(op.inode());
                trackStaged(inode);
                if (inode.ino == ROOT) {
                    inode.parent = ROOT;
                }
            }
            case MetaOp.FORGET -> {
                inodes.remove(op.ino());
                withStagedBlocks.remove(op.ino());
                hidden.values().forEach(names -> names.values().remove(op.ino()));
            }
            case MetaOp.LINK -> {
                Inode dir = directory(op.parent());
                Inode child = existing(op.ino());
                Long previous = dir.children.put(op.name(), child.ino);
                if (previous != null) {
                    dropLink(dir, previous);
                }
                child.links++;
                if (child.isDirectory()) {
                    child.parent = dir.ino;
                    dir.subdirectories++;
                }
            }
            case MetaOp.UNLINK -> {
                Inode dir = directory(op.parent());
                Long removed = dir.children.remove(op.name());
                if (removed != null) {
                    dropLink(dir, removed);
                }
            }
            case MetaOp.TRASH, MetaOp.PURGE -> { } // Garbage bookkeeping: no part of the tree.
            default -> throw new IntegrityException("unknown metadata operation " + op.op());
        }
    }

    private void dropLink(Inode dir, long ino) {
        Inode gone = inodes.get(ino);
        if (gone != null) {
            gone.links--;
            if (gone.isDirectory()) {
                dir.subdirectories--;
            }
        }
    }

    /** Inodes that no name reaches (left by a crash while a deleted file was still open). */
    List<Inode> orphans() {
        return inodes.values().stream().filter(inode -> inode.ino != ROOT && inode.links <= 0).toList();
    }

    /** The whole tree as operations that rebuild it: every inode first, then every entry. */
    List<MetaOp> asOps() {
        List<MetaOp> ops = new ArrayList<>();
        for (Inode inode : inodes.values()) {
            ops.add(MetaOp.inode(inode.toRecord()));
        }
        for (Inode inode : inodes.values()) {
            if (inode.isDirectory()) {
                inode.children.forEach((name, child) -> ops.add(MetaOp.link(inode.ino, name, child)));
            }
        }
        return ops;
    }

    /** Swaps staged block refs for the uploaded blocks they became (a ref with an empty id: zeros). */
    void replaceBlocks(Map<String, BlockRef> uploaded) {
        for (long ino : List.copyOf(withStagedBlocks)) {
            Inode inode = inodes.get(ino);
            List<BlockRef> blocks = inode.blocks;
            for (int i = 0; i < blocks.size(); i++) {
                BlockRef ref = blocks.get(i);
                if (StagingArea.isStaged(ref) && uploaded.containsKey(StagingArea.stagedId(ref))) {
                    if (!(blocks instanceof ArrayList)) {
                        blocks = new ArrayList<>(blocks);
                        inode.blocks = blocks;
                    }
                    BlockRef done = uploaded.get(StagingArea.stagedId(ref));
                    blocks.set(i, done.id().isEmpty() ? null : done);
                }
            }
            trackStaged(inode);
        }
    }

    /** Staged ids that some inode references. */
    Set<String> stagedBlocks() {
        Set<String> ids = new HashSet<>();
        for (long ino : withStagedBlocks) {
            for (BlockRef ref : inodes.get(ino).blocks) {
                if (StagingArea.isStaged(ref)) {
                    ids.add(StagingArea.stagedId(ref));
                }
            }
        }
        return ids;
    }

    private void trackStaged(Inode inode) {
        if (inode.blocks.stream().anyMatch(StagingArea::isStaged)) {
            withStagedBlocks.add(inode.ino);
        } else {
            withStagedBlocks.remove(inode.ino);
        }
    }

    Inode get(long ino) {
        return inodes.get(ino);
    }

    Inode root() throws FsException {
        Inode root = inodes.get(ROOT);
        if (root == null) {
            throw new FsException(FsError.IO, "the vault has no root directory");
        }
        return root;
    }

    int size() {
        return inodes.size();
    }

    /** Looks a path up from the root. */
    Inode resolve(String path) throws FsException {
        Inode node = root();
        for (String name : split(path)) {
            if (!node.isDirectory()) {
                throw new FsException(FsError.NOT_DIRECTORY, "not a directory on the way to " + path);
            }
            Long child = child(node, name);
            if (child == null) {
                throw new FsException(FsError.NOT_FOUND, "no such file: " + path);
            }
            node = existingOrIo(child);
        }
        return node;
    }

    /** The directory that holds (or would hold) the last name of {@code path}. */
    Entry resolveParent(String path) throws FsException {
        List<String> names = split(path);
        if (names.isEmpty()) {
            throw new FsException(FsError.BUSY, "the root directory cannot be replaced or removed");
        }
        String name = names.get(names.size() - 1);
        checkName(name);
        Inode dir = resolve(path.substring(0, path.lastIndexOf('/') + 1));
        if (!dir.isDirectory()) {
            throw new FsException(FsError.NOT_DIRECTORY, "not a directory: " + path);
        }
        Long child = child(dir, name);
        return new Entry(dir, name, child == null ? null : existingOrIo(child));
    }

    /** A directory, a name in it, and the inode the name points at (null when absent). */
    record Entry(Inode dir, String name, Inode inode) {
    }

    private Long child(Inode dir, String name) {
        Long child = dir.children.get(name);
        if (child == null && isHiddenName(name)) {
            child = hidden.getOrDefault(dir.ino, Map.of()).get(name);
        }
        return child;
    }

    static boolean isHiddenName(String name) {
        return HIDDEN_NAME.matcher(name).matches();
    }

    void hide(long dir, String name, long ino) {
        hidden.computeIfAbsent(dir, d -> new HashMap<>()).put(name, ino);
    }

    /** Removes a hidden name; returns false when {@code name} is not one. */
    boolean unhide(long dir, String name) {
        Map<String, Long> names = hidden.get(dir);
        return names != null && names.remove(name) != null;
    }

    /** True when {@code ancestor} is {@code dir} or one of the directories above it. */
    boolean isAncestorOrSelf(Inode ancestor, Inode dir) {
        Inode node = dir;
        while (true) {
            if (node.ino == ancestor.ino) {
                return true;
            }
            if (node.ino == ROOT) {
                return false;
            }
            node = inodes.get(node.parent);
            if (node == null) {
                return false;
            }
        }
    }

    static void checkName(String name) throws FsException {
        if (name.getBytes(StandardCharsets.UTF_8).length > NAME_MAX) {
            throw new FsException(FsError.NAME_TOO_LONG, "file name longer than " + NAME_MAX + " bytes");
        }
        if (name.equals(".") || name.equals("..")) {
            throw new FsException(FsError.INVALID, "invalid file name: " + name);
        }
    }

    private static List<String> split(String path) {
        List<String> names = new ArrayList<>();
        for (String part : path.split("/")) {
            if (!part.isEmpty()) {
                names.add(part);
            }
        }
        return names;
    }

    private Inode directory(Long ino) throws IntegrityException {
        Inode dir = existing(ino);
        if (!dir.isDirectory()) {
            throw new IntegrityException("metadata links a name into inode " + ino + ", which is not a directory");
        }
        return dir;
    }

    private Inode existing(Long ino) throws IntegrityException {
        Inode inode = ino == null ? null : inodes.get(ino);
        if (inode == null) {
            throw new IntegrityException("metadata refers to unknown inode " + ino);
        }
        return inode;
    }

    private Inode existingOrIo(long ino) throws FsException {
        Inode inode = inodes.get(ino);
        if (inode == null) {
            throw new FsException(FsError.IO, "directory entry points at missing inode " + ino);
        }
        return inode;
    }
}
