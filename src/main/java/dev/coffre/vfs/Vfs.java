package dev.coffre.vfs;

import dev.coffre.cache.SegmentCache;
import dev.coffre.io.ContentCommitter;
import dev.coffre.io.OpenFile;
import dev.coffre.io.Prefetcher;
import dev.coffre.io.ReadAhead;
import dev.coffre.io.StagingArea;
import dev.coffre.io.WriteBack;
import dev.coffre.remote.BlockRef;
import dev.coffre.remote.IntegrityException;
import dev.coffre.remote.MetaOp;
import dev.coffre.remote.NodeType;
import dev.coffre.remote.Remote;
import dev.coffre.store.ObjectStore;

import java.io.IOException;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The filesystem: POSIX operations by path (as libfuse's high-level API calls them) and by handle.
 *
 * <p>Every metadata change follows one path: check under the tree lock, {@link Remote#commit} the
 * operations, then apply the same operations to the in-memory {@link Tree}. A failed commit changes
 * nothing. File content goes through {@link OpenFile}, one per open inode.
 *
 * <p>Locking: {@code treeLock} guards the tree; the {@code openFiles} monitor guards open-file entries and
 * their handle counts. Lock order: OpenFile lock, then tree lock, then the openFiles monitor. Code holding
 * the tree lock never takes an OpenFile lock.
 */
public final class Vfs implements ContentCommitter, WriteBack.Host, AutoCloseable {
    private static final Logger LOG = Logger.getLogger(Vfs.class.getName());
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final int XATTR_CREATE = 1;
    private static final int XATTR_REPLACE = 2;
    private static final int XATTR_VALUE_MAX = 64 * 1024;
    private static final int O_ACCMODE = 3;
    private static final int O_RDONLY = 0;

    // Immutable.
    private final Remote remote;
    private final SegmentCache cache;
    private final StagingArea staging;
    private final WriteBack writeBack;
    private final Clock clock;

    /** Background fetches of sequential readers. */
    private final Prefetcher prefetcher = new Prefetcher();

    private final ReentrantReadWriteLock treeLock = new ReentrantReadWriteLock();
    private final Tree tree = new Tree();

    private volatile ChangesElsewhere.Listener changesElsewhere = ChangesElsewhere.Listener.NONE;

    private final AtomicLong handleIds = new AtomicLong();
    private final Map<Long, FileHandle> handles = new ConcurrentHashMap<>();
    // Guarded by its own monitor.
    private final Map<Long, OpenEntry> openFiles = new HashMap<>();

    private static final class OpenEntry {
        final OpenFile file;
        int handles;

        OpenEntry(OpenFile file) {
            this.file = file;
        }
    }

    public Vfs(Remote remote, SegmentCache cache, StagingArea staging, WriteBack writeBack, Clock clock) {
        this.remote = remote;
        this.cache = cache;
        this.staging = staging;
        this.writeBack = writeBack;
        this.clock = clock;
    }

    /**
     * Loads the tree from the remote, replays changes an earlier run logged but did not upload (they are
     * served from staging meanwhile), finishes deleting files a crash left deleted-but-open, and starts
     * the write-back.
     */
    public void load() throws IOException {
        treeLock.writeLock().lock();
        try {
            List<IntegrityException> failures = new ArrayList<>();
            remote.load(op -> {
                try {
                    tree.apply(op);
                    writeBack.loadedCommitted(op);
                } catch (IntegrityException e) {
                    failures.add(e);
                }
            });
            if (!failures.isEmpty()) {
                throw failures.get(0);
            }
            for (var entry : writeBack.pendingAtStart()) {
                for (MetaOp op : entry.ops()) {
                    tree.apply(op);
                }
            }
            tree.root();
            List<MetaOp> forget = new ArrayList<>();
            for (Inode orphan : tree.orphans()) {
                forget.add(MetaOp.forget(orphan.ino));
            }
            if (!forget.isEmpty()) {
                commit(forget);
            }
        } finally {
            treeLock.writeLock().unlock();
        }
        writeBack.start(this);
    }

    /** The metadata operation that creates the root directory of a new vault. */
    public static MetaOp rootDirectory(int uid, int gid, long nowNanos) {
        return MetaOp.inode(new dev.coffre.remote.InodeRecord(Tree.ROOT, NodeType.DIRECTORY, 0755, uid, gid, 0, 0,
                nowNanos, nowNanos, nowNanos, null, null, null));
    }

    // ---- attributes and lookups ----

    public Attributes getattr(String path) throws IOException {
        treeLock.readLock().lock();
        try {
            return withOpenState(tree.resolve(path).attributes());
        } finally {
            treeLock.readLock().unlock();
        }
    }

    public Attributes getattr(long fh) throws IOException {
        FileHandle handle = handle(fh);
        treeLock.readLock().lock();
        try {
            Inode inode = tree.get(handle.ino());
            if (inode == null) {
                throw new FsException(FsError.BAD_HANDLE, "file handle " + fh + " has no inode");
            }
            return withOpenState(inode.attributes());
        } finally {
            treeLock.readLock().unlock();
        }
    }

    /** A directory entry with the attributes readdir reports. */
    public record DirEntry(String name, Attributes attributes) {
    }

    public List<DirEntry> readdir(String path) throws IOException {
        treeLock.readLock().lock();
        try {
            Inode dir = tree.resolve(path);
            if (!dir.isDirectory()) {
                throw new FsException(FsError.NOT_DIRECTORY, "not a directory: " + path);
            }
            List<DirEntry> entries = new ArrayList<>(dir.children.size() + 2);
            entries.add(new DirEntry(".", dir.attributes()));
            entries.add(new DirEntry("..", tree.get(dir.parent).attributes()));
            for (Map.Entry<String, Long> child : dir.children.entrySet()) {
                Inode inode = tree.get(child.getValue());
                if (inode != null) {
                    entries.add(new DirEntry(child.getKey(), withOpenState(inode.attributes())));
                }
            }
            return entries;
        } finally {
            treeLock.readLock().unlock();
        }
    }

    public String readlink(String path) throws IOException {
        treeLock.readLock().lock();
        try {
            Inode inode = tree.resolve(path);
            if (inode.type != NodeType.SYMLINK) {
                throw new FsException(FsError.INVALID, "not a symbolic link: " + path);
            }
            return inode.target;
        } finally {
            treeLock.readLock().unlock();
        }
    }

    public record FsStats(long totalBytes, long freeBytes, long files, int nameMax) {
    }

    public FsStats statfs() throws IOException {
        ObjectStore.SpaceInfo space = remote.space();
        treeLock.readLock().lock();
        try {
            return new FsStats(space.totalBytes(), space.freeBytes(), tree.size(), Tree.NAME_MAX);
        } finally {
            treeLock.readLock().unlock();
        }
    }

    // ---- creating and removing names ----

    public void mkdir(String path, int mode, int uid, int gid) throws IOException {
        createNode(path, NodeType.DIRECTORY, mode, uid, gid, 0, null);
    }

    public void mknod(String path, int fullMode, long rdev, int uid, int gid) throws IOException {
        if (NodeType.ofModeBits(fullMode) != NodeType.FILE) {
            require(Remote.Feature.SPECIAL_FILES, FsError.NOT_PERMITTED, "special files");
        }
        createNode(path, NodeType.ofModeBits(fullMode), fullMode & 07777, uid, gid, rdev, null);
    }

    public void symlink(String target, String path, int uid, int gid) throws IOException {
        require(Remote.Feature.SYMLINKS, FsError.NOT_PERMITTED, "symbolic links");
        createNode(path, NodeType.SYMLINK, 0777, uid, gid, 0, target);
    }

    /** Creates a regular file and opens it; returns the handle. */
    public long create(String path, int mode, int uid, int gid, int flags) throws IOException {
        long ino = createNode(path, NodeType.FILE, mode, uid, gid, 0, null);
        return openInode(ino, flags);
    }

    private long createNode(String path, NodeType type, int mode, int uid, int gid, long rdev, String target)
            throws IOException {
        treeLock.writeLock().lock();
        try {
            Tree.Entry entry = tree.resolveParent(path);
            if (entry.inode() != null) {
                throw new FsException(FsError.EXISTS, "already exists: " + path);
            }
            Inode dir = entry.dir();
            long now = now();
            int groupId = gid;
            int permissions = mode & 07777;
            if ((dir.mode & 02000) != 0) {
                // Set-group-ID directory: new entries take its group, new directories keep the bit.
                groupId = dir.gid;
                if (type == NodeType.DIRECTORY) {
                    permissions |= 02000;
                }
            }
            long ino = newInodeNumber();
            long size = target == null ? 0 : target.getBytes(java.nio.charset.StandardCharsets.UTF_8).length;
            commit(List.of(
                    MetaOp.inode(new dev.coffre.remote.InodeRecord(ino, type, permissions, uid, groupId, rdev, size,
                            now, now, now, target, type == NodeType.FILE ? List.of() : null, null)),
                    MetaOp.link(dir.ino, entry.name(), ino),
                    touched(dir, now)));
            return ino;
        } finally {
            treeLock.writeLock().unlock();
        }
    }

    public void link(String existingPath, String newPath) throws IOException {
        require(Remote.Feature.HARD_LINKS, FsError.NOT_PERMITTED, "hard links");
        treeLock.writeLock().lock();
        try {
            Inode inode = tree.resolve(existingPath);
            if (inode.isDirectory()) {
                throw new FsException(FsError.NOT_PERMITTED, "hard links to directories are not allowed");
            }
            Tree.Entry entry = tree.resolveParent(newPath);
            if (entry.inode() != null) {
                throw new FsException(FsError.EXISTS, "already exists: " + newPath);
            }
            long now = now();
            commit(List.of(MetaOp.link(entry.dir().ino, entry.name(), inode.ino), changed(inode, now),
                    touched(entry.dir(), now)));
        } finally {
            treeLock.writeLock().unlock();
        }
    }

    public void unlink(String path) throws IOException {
        treeLock.writeLock().lock();
        try {
            Tree.Entry entry = existingEntry(path);
            if (entry.inode().isDirectory()) {
                throw new FsException(FsError.IS_DIRECTORY, "is a directory: " + path);
            }
            if (tree.unhide(entry.dir().ino, entry.name())) {
                return; // libfuse dropping the name it gave a deleted open file: nothing was committed for it.
            }
            long now = now();
            List<MetaOp> ops = new ArrayList<>();
            ops.add(MetaOp.unlink(entry.dir().ino, entry.name()));
            ops.add(touched(entry.dir(), now));
            dropName(entry.inode(), now, ops);
            commit(ops);
        } finally {
            treeLock.writeLock().unlock();
        }
    }

    public void rmdir(String path) throws IOException {
        treeLock.writeLock().lock();
        try {
            Tree.Entry entry = existingEntry(path);
            Inode dir = entry.inode();
            if (!dir.isDirectory()) {
                throw new FsException(FsError.NOT_DIRECTORY, "not a directory: " + path);
            }
            if (!dir.children.isEmpty()) {
                throw new FsException(FsError.NOT_EMPTY, "directory not empty: " + path);
            }
            commit(List.of(MetaOp.unlink(entry.dir().ino, entry.name()), MetaOp.forget(dir.ino),
                    touched(entry.dir(), now())));
        } finally {
            treeLock.writeLock().unlock();
        }
    }

    /** rename(2) semantics, including atomic replacement of the target. */
    public void rename(String from, String to) throws IOException {
        treeLock.writeLock().lock();
        try {
            Tree.Entry source = existingEntry(from);
            Tree.Entry target = tree.resolveParent(to);
            Inode moving = source.inode();
            Inode replaced = target.inode();
            if (replaced != null && replaced.ino == moving.ino) {
                return; // Same file (same name or two hard links): POSIX says do nothing.
            }
            if (moving.isDirectory() && tree.isAncestorOrSelf(moving, target.dir())) {
                throw new FsException(FsError.INVALID, "cannot move a directory into itself: " + from + " -> " + to);
            }
            if (replaced != null) {
                if (moving.isDirectory() && !replaced.isDirectory()) {
                    throw new FsException(FsError.NOT_DIRECTORY, "cannot replace a file with a directory: " + to);
                }
                if (!moving.isDirectory() && replaced.isDirectory()) {
                    throw new FsException(FsError.IS_DIRECTORY, "cannot replace a directory with a file: " + to);
                }
                if (replaced.isDirectory() && !replaced.children.isEmpty()) {
                    throw new FsException(FsError.NOT_EMPTY, "directory not empty: " + to);
                }
            }
            long now = now();
            List<MetaOp> ops = new ArrayList<>();
            ops.add(MetaOp.unlink(source.dir().ino, source.name()));
            if (replaced == null && !moving.isDirectory() && Tree.isHiddenName(target.name())) {
                // libfuse 2 deletes an open file by renaming it to .fuse_hiddenXXXX and unlinking that name at
                // the last close. For everyone else (and in the vault) it is deleted now; the hidden name
                // stays local so that operations on the open file keep working.
                ops.add(touched(source.dir(), now));
                dropName(moving, now, ops);
                commit(ops);
                tree.hide(target.dir().ino, target.name(), moving.ino);
                return;
            }
            ops.add(MetaOp.link(target.dir().ino, target.name(), moving.ino));
            ops.add(changed(moving, now));
            ops.add(touched(source.dir(), now));
            if (target.dir().ino != source.dir().ino) {
                ops.add(touched(target.dir(), now));
            }
            if (replaced != null) {
                if (replaced.isDirectory()) {
                    ops.add(MetaOp.forget(replaced.ino));
                } else {
                    dropName(replaced, now, ops);
                }
            }
            commit(ops);
        } finally {
            treeLock.writeLock().unlock();
        }
    }

    /**
     * Adds the operations for one name less pointing at {@code inode}: a new ctime, or, for its last name
     * while no handle keeps it open, forgetting it (the write-back then deletes its block objects).
     */
    private void dropName(Inode inode, long now, List<MetaOp> ops) {
        if (inode.links > 1) {
            ops.add(changed(inode, now));
            return;
        }
        synchronized (openFiles) {
            if (openFiles.containsKey(inode.ino)) {
                return; // Still open: forgotten when the last handle closes.
            }
        }
        ops.add(MetaOp.forget(inode.ino));
    }

    // ---- attributes ----

    public void chmod(String path, int mode) throws IOException {
        if (!remote.supports(Remote.Feature.PERMISSIONS)) {
            if ((getattr(path).mode() & 07777) != (mode & 07777)) { // setting the mode it has is no change
                throw new FsException(FsError.NOT_PERMITTED, remote.describe() + " stores no permissions");
            }
            return;
        }
        updateInode(path, inode -> inode.mode = mode & 07777);
    }

    /** uid or gid of -1 leaves that id unchanged. */
    public void chown(String path, int uid, int gid) throws IOException {
        if (!remote.supports(Remote.Feature.PERMISSIONS)) {
            Attributes now = getattr(path);
            if ((uid != -1 && uid != now.uid()) || (gid != -1 && gid != now.gid())) {
                throw new FsException(FsError.NOT_PERMITTED, remote.describe() + " stores no owners");
            }
            return; // the owner it has: no change
        }
        updateInode(path, inode -> {
            if (uid != -1) {
                inode.uid = uid;
            }
            if (gid != -1) {
                inode.gid = gid;
            }
        });
    }

    /** Sets times in nanoseconds; null leaves a time unchanged. */
    public void utimens(String path, Long atime, Long mtime) throws IOException {
        long ino = updateInode(path, inode -> {
            if (atime != null) {
                inode.atime = atime;
            }
            if (mtime != null) {
                inode.mtime = mtime;
            }
        });
        if (mtime != null) {
            OpenFile open = openFile(ino);
            if (open != null) {
                open.clearPendingMtime();
            }
        }
    }

    public void setxattr(String path, String name, byte[] value, int flags) throws IOException {
        require(Remote.Feature.XATTRS, FsError.NOT_SUPPORTED, "extended attributes");
        checkXattrName(name);
        if (value.length > XATTR_VALUE_MAX) {
            throw new FsException(FsError.TOO_BIG, "extended attribute value larger than 64 KiB");
        }
        updateInode(path, inode -> {
            boolean exists = inode.xattrs.containsKey(name);
            if ((flags & XATTR_CREATE) != 0 && exists) {
                throw new FsException(FsError.EXISTS, "attribute exists: " + name);
            }
            if ((flags & XATTR_REPLACE) != 0 && !exists) {
                throw new FsException(FsError.NO_ATTRIBUTE, "no such attribute: " + name);
            }
            inode.xattrs.put(name, value.clone());
        });
    }

    public byte[] getxattr(String path, String name) throws IOException {
        treeLock.readLock().lock();
        try {
            byte[] value = tree.resolve(path).xattrs.get(name);
            if (value == null) {
                throw new FsException(FsError.NO_ATTRIBUTE, "no such attribute: " + name);
            }
            return value;
        } finally {
            treeLock.readLock().unlock();
        }
    }

    public List<String> listxattr(String path) throws IOException {
        treeLock.readLock().lock();
        try {
            return new ArrayList<>(tree.resolve(path).xattrs.keySet());
        } finally {
            treeLock.readLock().unlock();
        }
    }

    public void removexattr(String path, String name) throws IOException {
        updateInode(path, inode -> {
            if (inode.xattrs.remove(name) == null) {
                throw new FsException(FsError.NO_ATTRIBUTE, "no such attribute: " + name);
            }
        });
    }

    private static void checkXattrName(String name) throws FsException {
        if (name.isEmpty() || name.getBytes(java.nio.charset.StandardCharsets.UTF_8).length > Tree.NAME_MAX) {
            throw new FsException(FsError.RANGE, "invalid extended attribute name");
        }
        if (name.startsWith("system.")) {
            // POSIX ACLs would need kernel support that libfuse 2 does not give: refuse rather than pretend.
            throw new FsException(FsError.NOT_SUPPORTED, "system.* attributes (ACLs) are not supported");
        }
    }

    @FunctionalInterface
    private interface InodeChange {
        void apply(Inode inode) throws FsException;
    }

    /**
     * Changes an inode's attributes: the change runs on a scratch copy of the record, is committed, and only
     * then reaches the tree. Returns the inode number.
     */
    private long updateInode(String path, InodeChange change) throws IOException {
        treeLock.writeLock().lock();
        try {
            Inode inode = tree.resolve(path);
            Inode scratch = new Inode(inode.ino, inode.type);
            scratch.update(inode.toRecord());
            change.apply(scratch);
            scratch.ctime = now();
            commit(List.of(MetaOp.inode(scratch.toRecord())));
            return inode.ino;
        } finally {
            treeLock.writeLock().unlock();
        }
    }

    // ---- content ----

    public long open(String path, int flags) throws IOException {
        long ino;
        treeLock.readLock().lock();
        try {
            Inode inode = tree.resolve(path);
            if (inode.isDirectory()) {
                throw new FsException(FsError.IS_DIRECTORY, "is a directory: " + path);
            }
            if (inode.type != NodeType.FILE) {
                throw new FsException(FsError.NOT_SUPPORTED, "only regular files can be opened here: " + path);
            }
            ino = inode.ino;
        } finally {
            treeLock.readLock().unlock();
        }
        return openInode(ino, flags);
    }

    private long openInode(long ino, int flags) throws IOException {
        OpenFile file;
        // Tree lock first, then the openFiles monitor (the order dropName uses): while the read lock is
        // held no commit can change the content that a new OpenFile starts from.
        treeLock.readLock().lock();
        try {
            Inode inode = tree.get(ino);
            if (inode == null) {
                throw new FsException(FsError.NOT_FOUND, "file was deleted");
            }
            synchronized (openFiles) {
                OpenEntry entry = openFiles.computeIfAbsent(ino, key -> new OpenEntry(
                        new OpenFile(ino, inode.size, inode.blocks, remote, cache, this, staging, writeBack)));
                entry.handles++;
                file = entry.file;
            }
        } finally {
            treeLock.readLock().unlock();
        }
        long id = handleIds.incrementAndGet();
        handles.put(id, new FileHandle(id, ino, file, (flags & O_ACCMODE) != O_RDONLY, new ReadAhead()));
        return id;
    }

    public int read(long fh, long offset, byte[] dst, int length) throws IOException {
        FileHandle handle = handle(fh);
        long ahead = handle.readAhead().onRead(offset, length);
        if (ahead > 0) {
            // Registered before the read, so that the read itself waits for these larger fetches.
            long[] range = handle.readAhead().claim(offset, offset + length + ahead);
            if (range[0] < range[1]) {
                handle.file().prefetch(range[0], range[1] - range[0], prefetcher);
            }
        }
        return handle.file().read(offset, dst, 0, length);
    }

    public void write(long fh, long offset, byte[] src, int length) throws IOException {
        write(fh, offset, java.nio.ByteBuffer.wrap(src, 0, length));
    }

    /** Writes what remains of {@code src}, which is not kept (it may be a view of the kernel's request). */
    public void write(long fh, long offset, java.nio.ByteBuffer src) throws IOException {
        FileHandle handle = handle(fh);
        if (!handle.writable()) {
            throw new FsException(FsError.BAD_HANDLE, "file not open for writing");
        }
        writeBack.awaitStagingSpace();
        handle.file().write(offset, src, now());
    }

    public void truncate(String path, long size) throws IOException {
        long fh = open(path, 2);
        try {
            ftruncate(fh, size);
        } finally {
            release(fh);
        }
    }

    public void ftruncate(long fh, long size) throws IOException {
        if (size < 0) {
            throw new FsException(FsError.INVALID, "negative size");
        }
        handle(fh).file().truncate(size, now());
    }

    /**
     * close(2) of one descriptor: returns once the content is durable on local disk; the upload follows.
     * Fails while uploads fail for a reason that retrying will not fix, so that the writer hears of it.
     */
    public void flush(long fh) throws IOException {
        handle(fh).file().flush();
        // Not stats(): that walks the whole queue, and close is called for every file.
        java.util.Optional<String> failure = writeBack.permanentFailure();
        if (failure.isPresent()) {
            throw new FsException(FsError.IO, "saved locally, but uploads fail: " + failure.get());
        }
    }

    /** fsync(2): returns once the content and all metadata before it are committed to the remote. */
    public void fsync(long fh) throws IOException {
        handle(fh).file().flush();
        writeBack.sync();
    }

    /** Returns once every change made so far is committed to the remote (fsync of a directory, coffre sync). */
    public void syncAll() throws IOException {
        List<OpenFile> open;
        synchronized (openFiles) {
            open = openFiles.values().stream().map(e -> e.file).toList();
        }
        for (OpenFile file : open) {
            file.flush();
        }
        writeBack.sync();
    }

    public void release(long fh) throws IOException {
        FileHandle handle = handles.remove(fh);
        if (handle == null) {
            throw new FsException(FsError.BAD_HANDLE, "unknown file handle " + fh);
        }
        try {
            handle.file().flush();
        } finally {
            boolean last;
            synchronized (openFiles) {
                OpenEntry entry = openFiles.get(handle.ino());
                last = --entry.handles == 0;
                if (last) {
                    openFiles.remove(handle.ino());
                }
            }
            if (last) {
                handle.file().close();
                forgetIfOrphan(handle.ino());
            }
        }
    }

    /** A file deleted while open dies with its last handle. */
    private void forgetIfOrphan(long ino) throws IOException {
        treeLock.writeLock().lock();
        try {
            Inode inode = tree.get(ino);
            if (inode == null || inode.links > 0) {
                return;
            }
            commit(List.of(MetaOp.forget(ino)));
        } finally {
            treeLock.writeLock().unlock();
        }
    }

    @Override
    public boolean commitContent(long ino, long size, List<BlockRef> blocks, Long mtime) throws IOException {
        treeLock.writeLock().lock();
        try {
            Inode inode = tree.get(ino);
            if (inode == null || inode.links == 0) {
                return false;
            }
            Inode scratch = new Inode(inode.ino, inode.type);
            scratch.update(inode.toRecord());
            scratch.size = size;
            scratch.blocks = blocks;
            if (mtime != null) {
                // The time of the last write, as getattr reported it while the file was open (withOpenState): the
                // kernel may keep those attributes long after this commit, and a ctime that moved on close would
                // differ from them.
                scratch.mtime = mtime;
                scratch.ctime = Math.max(mtime, inode.ctime);
            }
            commit(List.of(MetaOp.inode(scratch.toRecord())), true);
            return true;
        } finally {
            treeLock.writeLock().unlock();
        }
    }

    // ---- helpers ----

    private FileHandle handle(long fh) throws FsException {
        FileHandle handle = handles.get(fh);
        if (handle == null) {
            throw new FsException(FsError.BAD_HANDLE, "unknown file handle " + fh);
        }
        return handle;
    }

    private OpenFile openFile(long ino) {
        synchronized (openFiles) {
            OpenEntry entry = openFiles.get(ino);
            return entry == null ? null : entry.file;
        }
    }

    /** Size and mtime of a file with unflushed writes are those of its open state. */
    private Attributes withOpenState(Attributes attributes) {
        if (attributes.type() != NodeType.FILE) {
            return attributes;
        }
        OpenFile open = openFile(attributes.ino());
        if (open == null) {
            return attributes;
        }
        Long pending = open.pendingMtime();
        long mtime = pending == null ? attributes.mtime() : pending;
        return new Attributes(attributes.ino(), attributes.type(), attributes.mode(), attributes.nlink(),
                attributes.uid(), attributes.gid(), attributes.rdev(), open.size(), attributes.atime(), mtime,
                pending == null ? attributes.ctime() : Math.max(pending, attributes.ctime()));
    }

    private Tree.Entry existingEntry(String path) throws FsException {
        Tree.Entry entry = tree.resolveParent(path);
        if (entry.inode() == null) {
            throw new FsException(FsError.NOT_FOUND, "no such file: " + path);
        }
        return entry;
    }

    /** The operation that records a directory's new mtime and ctime. */
    private static MetaOp touched(Inode dir, long now) {
        Inode scratch = new Inode(dir.ino, dir.type);
        scratch.update(dir.toRecord());
        scratch.mtime = now;
        scratch.ctime = now;
        return MetaOp.inode(scratch.toRecord());
    }

    /** The operation that records an inode's new ctime. */
    private static MetaOp changed(Inode inode, long now) {
        Inode scratch = new Inode(inode.ino, inode.type);
        scratch.update(inode.toRecord());
        scratch.ctime = now;
        return MetaOp.inode(scratch.toRecord());
    }

    /** Logs for the write-back, then applies to the tree; callers hold the tree write lock. */
    private void commit(List<MetaOp> ops) throws IOException {
        commit(ops, false);
    }

    private void commit(List<MetaOp> ops, boolean durable) throws IOException {
        writeBack.append(ops, durable);
        for (MetaOp op : ops) {
            tree.apply(op);
        }
    }

    /** Refuses an operation the remote cannot store. */
    private void require(Remote.Feature feature, FsError error, String what) throws FsException {
        if (!remote.supports(feature)) {
            throw new FsException(error, remote.describe() + " cannot store " + what);
        }
    }

    private long newInodeNumber() {
        // Random numbers need no coordination between clients; 1 is the root.
        long ino;
        do {
            ino = RANDOM.nextLong() & Long.MAX_VALUE;
        } while (ino <= Tree.ROOT || tree.get(ino) != null);
        return ino;
    }

    private long now() {
        Instant now = clock.instant();
        return now.getEpochSecond() * 1_000_000_000L + now.getNano();
    }

    public long nowNanos() {
        return now();
    }

    // ---- the write-back's view ----

    @Override
    public void uploaded(Map<String, BlockRef> uploaded) {
        treeLock.writeLock().lock();
        try {
            tree.replaceBlocks(uploaded);
        } finally {
            treeLock.writeLock().unlock();
        }
    }

    @Override
    public Set<String> stagedInUse() {
        List<OpenFile> open;
        synchronized (openFiles) {
            open = openFiles.values().stream().map(e -> e.file).toList();
        }
        Set<String> ids = new HashSet<>();
        for (OpenFile file : open) {
            ids.addAll(file.stagedInUse());
        }
        treeLock.readLock().lock();
        try {
            ids.addAll(tree.stagedBlocks());
        } finally {
            treeLock.readLock().unlock();
        }
        return ids;
    }

    @Override
    public void remoteChanged(List<MetaOp> remoteOps, java.util.function.Supplier<List<MetaOp>> pending) {
        ChangesElsewhere changes = ChangesElsewhere.of(remoteOps);
        treeLock.writeLock().lock();
        try {
            for (MetaOp op : remoteOps) {
                applyLeniently(op);
            }
            // This mount's changes land after theirs: keep them on top, as the remote will have them. Read
            // under the lock, so that nothing logged since is left out (and undone by an older op).
            for (MetaOp op : pending.get()) {
                applyLeniently(op);
            }
        } finally {
            treeLock.writeLock().unlock();
        }
        if (!changes.isEmpty()) {
            changesElsewhere.changed(changes);
        }
    }

    /** Who is told of changes this file system did not make (the kernel's caches); one listener. */
    public void onChangesElsewhere(ChangesElsewhere.Listener listener) {
        changesElsewhere = listener;
    }

    /** Another client's change may not fit this tree (a name into a directory deleted here): skip it, loudly. */
    private void applyLeniently(MetaOp op) {
        try {
            tree.apply(op);
        } catch (IntegrityException e) {
            LOG.warning("skipped a change that does not fit the tree any more: " + e.getMessage());
        }
    }

    public WriteBack.Stats writeBackStats() {
        return writeBack.stats();
    }

    /**
     * Flushes every open file (unmount while handles are still open), then stops the write-back: with
     * {@code drain} after uploading everything, without (forced unmount) leaving it for the next mount.
     */
    public void close(boolean drain) {
        List<OpenFile> open;
        synchronized (openFiles) {
            open = openFiles.values().stream().map(e -> e.file).toList();
        }
        for (OpenFile file : open) {
            try {
                file.flush();
            } catch (IOException e) {
                LOG.log(Level.SEVERE, "could not save a file that was still open at unmount", e);
            }
            file.close();
        }
        writeBack.close(drain);
        prefetcher.close();
    }

    @Override
    public void close() {
        close(true);
    }
}
