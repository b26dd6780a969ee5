package dev.coffre.fuse;

import dev.coffre.vfs.Attributes;
import dev.coffre.vfs.Vfs;
import jnr.ffi.Pointer;
import jnr.ffi.Struct;
import ru.serce.jnrfuse.ErrorCodes;
import ru.serce.jnrfuse.FuseFillDir;
import ru.serce.jnrfuse.FuseStubFS;
import ru.serce.jnrfuse.struct.FileStat;
import ru.serce.jnrfuse.struct.FuseFileInfo;
import ru.serce.jnrfuse.struct.Statvfs;
import ru.serce.jnrfuse.struct.Timespec;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * The jnr-fuse front end. Every callback has the same shape: guard, translate arguments, delegate to
 * {@link Vfs} in a line or two, translate the result. Every exception is caught (jffi would swallow it
 * and hand the kernel garbage) and mapped by {@link Errnos}.
 */
public final class CoffreFs extends FuseStubFS {
    private static final long UTIME_NOW = (1L << 30) - 1;
    private static final long UTIME_OMIT = (1L << 30) - 2;
    private static final int BLOCK_SIZE_HINT = 128 * 1024;
    private static final ThreadLocal<byte[]> BUFFERS = ThreadLocal.withInitial(() -> new byte[BLOCK_SIZE_HINT]);

    private final Vfs vfs;
    private final FuseObserver observer;
    private final CompletableFuture<Void> ready = new CompletableFuture<>();

    /** Bits of the flags word of libfuse 2's struct fuse_operations (first bitfield member is bit 0). */
    private static final int FLAG_NULLPATH_OK = 1;
    private static final int FLAG_UTIME_OMIT_OK = 1 << 2;

    public CoffreFs(Vfs vfs) {
        this(vfs, FuseObserver.NONE);
    }

    public CoffreFs(Vfs vfs, FuseObserver observer) {
        this.vfs = vfs;
        this.observer = observer;
        // nullpath_ok: should a user pass -o hard_remove, operations on a file deleted while open arrive
        // without a path (we only need the handle) instead of failing with ENOENT. utime_omit_ok: pass UTIME_NOW and
        // UTIME_OMIT through to utimens. jnr-fuse declares these bits but offers no setter.
        Struct.getMemory(fuseOperations).putByte(flagsOffset(), (byte) (FLAG_NULLPATH_OK | FLAG_UTIME_OMIT_OK));
    }

    /** Offset of the flags word; jnr-ffi's offset() sits in a non-public class, hence reflection. */
    private long flagsOffset() {
        try {
            Object member = fuseOperations.getClass().getField("flag_nullpath_ok").get(fuseOperations);
            java.lang.reflect.Method offset = member.getClass().getMethod("offset");
            offset.setAccessible(true);
            return (Long) offset.invoke(member);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("cannot locate the flags of struct fuse_operations", e);
        }
    }

    /**
     * Seconds the kernel may keep a name ({@code entry_timeout}) and, for most inodes, its attributes: changes
     * made elsewhere are dropped from its caches as they arrive.
     */
    public static final int KERNEL_CACHE_SECONDS = AttributeCaching.SECONDS;

    /** Completes when the kernel has started talking to this filesystem. */
    public CompletableFuture<Void> ready() {
        return ready;
    }

    /**
     * Mounts on {@code mountPoint} and serves requests on {@code threads} Java threads (see {@link FuseLoop})
     * until the file system is unmounted.
     */
    public void serve(java.nio.file.Path mountPoint, String[] fuseOptions, int threads) {
        this.mountPoint = mountPoint;
        mounted.set(true);
        List<String> args = new java.util.ArrayList<>(List.of("coffre", "-f", mountPoint.toAbsolutePath().toString()));
        args.addAll(List.of(fuseOptions));
        new FuseLoop().run(Struct.getMemory(fuseOperations), Struct.size(fuseOperations), args, threads,
                vfs::onChangesElsewhere);
    }

    /** Records that the kernel has let go of the mount, so jnr-fuse's exit hook does not unmount again. */
    public void unmounted() {
        mounted.set(false);
    }

    /** Data that failed authentication since the mount started. */
    public long integrityFailures() {
        return Errnos.INTEGRITY_FAILURES.get();
    }

    @FunctionalInterface
    private interface Call {
        int run() throws Exception;
    }

    /** Runs a callback's work, turning any exception into an errno, and reports it to the observer. */
    private int guard(String operation, String path, Call call) {
        long start = System.nanoTime();
        int result;
        try {
            result = call.run();
        } catch (Throwable t) {
            result = Errnos.of(t, operation, path);
        }
        try {
            observer.completed(operation, System.nanoTime() - start, result);
        } catch (Throwable t) {
            // Metrics must never change what the kernel gets (and jffi would swallow this anyway).
        }
        return result;
    }

    @Override
    public Pointer init(Pointer conn) {
        ready.complete(null);
        return null;
    }

    @Override
    public int getattr(String path, FileStat stat) {
        return guard("getattr", path, () -> fill(stat, vfs.getattr(path)));
    }

    @Override
    public int fgetattr(String path, FileStat stat, FuseFileInfo fi) {
        return guard("fgetattr", path, () -> fill(stat, vfs.getattr(fi.fh.get())));
    }

    @Override
    public int readdir(String path, Pointer buf, FuseFillDir filler, long offset, FuseFileInfo fi) {
        return guard("readdir", path, () -> {
            // Each entry carries its inode number and type, so that find and fts-based walkers learn from
            // getdents alone which names are directories instead of stat-ing every one through FUSE.
            FileStat typeAndIno = FileStat.of(jnr.ffi.Memory.allocateDirect(jnr.ffi.Runtime.getSystemRuntime(),
                    Struct.size(FileStat.class)));
            for (Vfs.DirEntry entry : vfs.readdir(path)) {
                typeAndIno.st_ino.set(entry.attributes().ino());
                typeAndIno.st_mode.set(entry.attributes().fullMode() & FileStat.S_IFMT);
                if (filler.apply(buf, nulTerminated(entry.name()), Struct.getMemory(typeAndIno), 0) != 0) {
                    break;
                }
            }
            return 0;
        });
    }

    @Override
    public int readlink(String path, Pointer buf, long size) {
        return guard("readlink", path, () -> {
            byte[] target = vfs.readlink(path).getBytes(StandardCharsets.UTF_8);
            int length = (int) Math.min(target.length, size - 1);
            buf.put(0, target, 0, length);
            buf.putByte(length, (byte) 0);
            return 0;
        });
    }

    @Override
    public int mkdir(String path, long mode) {
        return guard("mkdir", path, () -> {
            vfs.mkdir(path, (int) mode, callerUid(), callerGid());
            return 0;
        });
    }

    @Override
    public int mknod(String path, long mode, long rdev) {
        return guard("mknod", path, () -> {
            vfs.mknod(path, (int) mode, rdev, callerUid(), callerGid());
            return 0;
        });
    }

    @Override
    public int symlink(String target, String path) {
        return guard("symlink", path, () -> {
            vfs.symlink(target, path, callerUid(), callerGid());
            return 0;
        });
    }

    @Override
    public int link(String existing, String path) {
        return guard("link", path, () -> {
            vfs.link(existing, path);
            return 0;
        });
    }

    @Override
    public int unlink(String path) {
        return guard("unlink", path, () -> {
            vfs.unlink(path);
            return 0;
        });
    }

    @Override
    public int rmdir(String path) {
        return guard("rmdir", path, () -> {
            vfs.rmdir(path);
            return 0;
        });
    }

    @Override
    public int rename(String from, String to) {
        return guard("rename", from, () -> {
            vfs.rename(from, to);
            return 0;
        });
    }

    @Override
    public int chmod(String path, long mode) {
        return guard("chmod", path, () -> {
            vfs.chmod(path, (int) mode);
            return 0;
        });
    }

    @Override
    public int chown(String path, long uid, long gid) {
        return guard("chown", path, () -> {
            vfs.chown(path, (int) uid, (int) gid);
            return 0;
        });
    }

    @Override
    public int utimens(String path, Timespec[] times) {
        return guard("utimens", path, () -> {
            vfs.utimens(path, nanos(times[0]), nanos(times[1]));
            return 0;
        });
    }

    @Override
    public int truncate(String path, long size) {
        return guard("truncate", path, () -> {
            vfs.truncate(path, size);
            return 0;
        });
    }

    @Override
    public int ftruncate(String path, long size, FuseFileInfo fi) {
        return guard("ftruncate", path, () -> {
            vfs.ftruncate(fi.fh.get(), size);
            return 0;
        });
    }

    @Override
    public int create(String path, long mode, FuseFileInfo fi) {
        return guard("create", path, () -> {
            fi.fh.set(vfs.create(path, (int) mode, callerUid(), callerGid(), fi.flags.get()));
            return 0;
        });
    }

    @Override
    public int open(String path, FuseFileInfo fi) {
        return guard("open", path, () -> {
            fi.fh.set(vfs.open(path, fi.flags.get()));
            return 0;
        });
    }

    @Override
    public int read(String path, Pointer buf, long size, long offset, FuseFileInfo fi) {
        return guard("read", path, () -> {
            byte[] bytes = buffer((int) size);
            int n = vfs.read(fi.fh.get(), offset, bytes, (int) size);
            buf.put(0, bytes, 0, n);
            return n;
        });
    }

    @Override
    public int write(String path, Pointer buf, long size, long offset, FuseFileInfo fi) {
        return guard("write", path, () -> {
            // A view of libfuse's buffer, written to the staging file from there: no copy in the Java heap (and
            // none into the JDK's own direct buffer). Valid during this call only, and not kept past it.
            ByteBuffer data = com.kenai.jffi.MemoryIO.getInstance().newDirectByteBuffer(buf.address(), (int) size);
            vfs.write(fi.fh.get(), offset, data);
            return (int) size;
        });
    }

    @Override
    public int flush(String path, FuseFileInfo fi) {
        return guard("flush", path, () -> {
            vfs.flush(fi.fh.get());
            return 0;
        });
    }

    @Override
    public int fsync(String path, int isdatasync, FuseFileInfo fi) {
        return guard("fsync", path, () -> {
            vfs.fsync(fi.fh.get());
            return 0;
        });
    }

    @Override
    public int fsyncdir(String path, FuseFileInfo fi) {
        return guard("fsyncdir", path, () -> {
            vfs.syncAll();
            return 0;
        });
    }

    @Override
    public int release(String path, FuseFileInfo fi) {
        return guard("release", path, () -> {
            vfs.release(fi.fh.get());
            return 0;
        });
    }

    @Override
    public int access(String path, int mask) {
        // Permissions are checked by the kernel (default_permissions); existence is all that is left.
        return guard("access", path, () -> {
            vfs.getattr(path);
            return 0;
        });
    }

    @Override
    public int statfs(String path, Statvfs stat) {
        return guard("statfs", path, () -> {
            Vfs.FsStats stats = vfs.statfs();
            int unit = 4096;
            stat.f_bsize.set(unit);
            stat.f_frsize.set(unit);
            stat.f_blocks.set(stats.totalBytes() / unit);
            stat.f_bfree.set(stats.freeBytes() / unit);
            stat.f_bavail.set(stats.freeBytes() / unit);
            stat.f_files.set(stats.files());
            stat.f_ffree.set(Integer.MAX_VALUE);
            stat.f_favail.set(Integer.MAX_VALUE);
            stat.f_namemax.set(stats.nameMax());
            return 0;
        });
    }

    @Override
    public int setxattr(String path, String name, Pointer value, long size, int flags) {
        return guard("setxattr", path, () -> {
            byte[] bytes = new byte[(int) size];
            value.get(0, bytes, 0, bytes.length);
            vfs.setxattr(path, name, bytes, flags);
            return 0;
        });
    }

    @Override
    public int getxattr(String path, String name, Pointer value, long size) {
        return guard("getxattr", path, () -> {
            byte[] bytes = vfs.getxattr(path, name);
            return copyOut(bytes, value, size);
        });
    }

    @Override
    public int listxattr(String path, Pointer list, long size) {
        return guard("listxattr", path, () -> {
            StringBuilder names = new StringBuilder();
            List<String> all = vfs.listxattr(path);
            all.forEach(n -> names.append(n).append('\0'));
            return copyOut(names.toString().getBytes(StandardCharsets.UTF_8), list, size);
        });
    }

    @Override
    public int removexattr(String path, String name) {
        return guard("removexattr", path, () -> {
            vfs.removexattr(path, name);
            return 0;
        });
    }

    // ---- translation ----

    /** getxattr/listxattr protocol: size 0 asks for the length; a short buffer is ERANGE. */
    private static int copyOut(byte[] bytes, Pointer destination, long size) {
        if (size == 0) {
            return bytes.length;
        }
        if (size < bytes.length) {
            return -ErrorCodes.ERANGE();
        }
        destination.put(0, bytes, 0, bytes.length);
        return bytes.length;
    }

    private static int fill(FileStat stat, Attributes a) {
        stat.st_ino.set(a.ino());
        stat.st_mode.set(a.fullMode());
        stat.st_nlink.set(a.nlink());
        stat.st_uid.set(a.uid());
        stat.st_gid.set(a.gid());
        stat.st_rdev.set(a.rdev());
        stat.st_size.set(a.size());
        stat.st_blksize.set(BLOCK_SIZE_HINT);
        stat.st_blocks.set(a.blocks512());
        setTime(stat.st_atim, a.atime());
        setTime(stat.st_mtim, a.mtime());
        setTime(stat.st_ctim, a.ctime());
        return 0;
    }

    /** The name as libfuse reads it: UTF-8 (whatever the JVM's default charset) ending in NUL. */
    private static java.nio.ByteBuffer nulTerminated(String name) {
        byte[] utf8 = name.getBytes(StandardCharsets.UTF_8);
        return java.nio.ByteBuffer.wrap(java.util.Arrays.copyOf(utf8, utf8.length + 1));
    }

    private static void setTime(Timespec timespec, long nanos) {
        timespec.tv_sec.set(Math.floorDiv(nanos, 1_000_000_000L));
        timespec.tv_nsec.set(Math.floorMod(nanos, 1_000_000_000L));
    }

    private Long nanos(Timespec timespec) {
        long nsec = timespec.tv_nsec.longValue();
        if (nsec == UTIME_OMIT) {
            return null;
        }
        if (nsec == UTIME_NOW) {
            return vfs.nowNanos();
        }
        return timespec.tv_sec.get() * 1_000_000_000L + nsec;
    }

    private int callerUid() {
        return (int) getContext().uid.get();
    }

    private int callerGid() {
        return (int) getContext().gid.get();
    }

    private static byte[] buffer(int size) {
        byte[] buffer = BUFFERS.get();
        if (buffer.length < size) {
            buffer = new byte[size];
            BUFFERS.set(buffer);
        }
        return buffer;
    }
}
