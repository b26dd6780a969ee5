package dev.coffre.fuse;

import dev.coffre.vfs.ChangesElsewhere;
import jnr.ffi.LibraryLoader;
import jnr.ffi.Memory;
import jnr.ffi.Pointer;
import jnr.ffi.Runtime;
import jnr.ffi.annotations.Delegate;
import jnr.ffi.annotations.In;
import jnr.ffi.annotations.SaveError;
import jnr.ffi.byref.IntByReference;
import jnr.ffi.byref.PointerByReference;
import jnr.ffi.types.size_t;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import java.util.logging.Logger;

/**
 * Serves a FUSE mount from Java threads, in place of libfuse's own multi-threaded loop.
 *
 * <p>Why: libfuse's loop calls back from native threads it creates. jffi attaches such a thread to the JVM
 * for each callback and detaches it afterwards (until the thread has made 1,000 calls), and every attach
 * makes a new java.lang.Thread: profiling showed one attach per 128 KiB read, and warm reads at a third of
 * what FUSE allows until each of libfuse's threads had passed that count. Threads started by Java are
 * attached for good, so here a fixed pool of Java threads reads requests from the kernel and hands each to
 * libfuse, which calls the filesystem on the same thread.
 *
 * <p>Replies go out through a channel of this class's own, which writes them to the device as libfuse's does
 * after {@link AttributeCaching} has set how long the kernel may keep the attributes they carry, and notes the
 * kernel node ids they hand out ({@link KernelNodes}, with the FORGET requests that take them back), so that
 * changes made elsewhere can be dropped from the kernel's caches ({@link KernelInvalidator}).
 *
 * <p>The loop ends when the kernel ends the connection (unmount): every blocked read then returns.
 */
final class FuseLoop {
    private static final Logger LOG = Logger.getLogger(FuseLoop.class.getName());
    private static final int EINTR = 4;

    /** The part of libfuse 2.9's API that a custom session loop needs (fuse.h, fuse_lowlevel.h). */
    public interface LibFuseSession {
        Pointer fuse_setup(int argc, Pointer argv, Pointer operations, @size_t long operationsSize,
                           PointerByReference mountpoint, IntByReference multithreaded, Pointer userData);

        void fuse_teardown(Pointer fuse, Pointer mountpoint);

        Pointer fuse_get_session(Pointer fuse);

        Pointer fuse_session_next_chan(Pointer session, Pointer channel);

        @size_t
        long fuse_chan_bufsize(Pointer channel);

        int fuse_session_receive_buf(Pointer session, Pointer buffer, Pointer channelRef);

        void fuse_session_process_buf(Pointer session, Pointer buffer, Pointer channel);

        int fuse_session_exited(Pointer session);

        int fuse_chan_fd(Pointer channel);

        Pointer fuse_chan_new(Pointer operations, int fd, @size_t long bufferSize, Pointer data);

        void fuse_chan_destroy(Pointer channel);

        int fuse_lowlevel_notify_inval_inode(Pointer channel, long nodeid, long offset, long length);

        int fuse_lowlevel_notify_inval_entry(Pointer channel, long parent, @In byte[] name, @size_t long length);
    }

    public interface LibC {
        @SaveError
        long writev(int fd, Pointer iov, int count);
    }

    /** {@code send} of struct fuse_chan_ops: writes one reply, given as an iovec array; 0 or -errno. */
    public interface SendReply {
        @Delegate
        int send(Pointer channel, Pointer iov, @size_t long count);
    }

    // struct fuse_chan_ops: receive, send, destroy (function pointers).
    private static final int CHAN_OPS_SEND = 8;
    private static final int CHAN_OPS_STRUCT = 24;
    // struct iovec: void *iov_base; size_t iov_len.
    private static final int IOVEC = 16;
    // struct fuse_in_header (40 bytes): u32 len, u32 opcode, u64 unique, u64 nodeid, ...; then the request's own
    // struct: fuse_link_in (u64 oldnodeid), fuse_forget_in (u64 nlookup), fuse_batch_forget_in (u32 count, u32
    // dummy, then count times fuse_forget_one: u64 nodeid, u64 nlookup).
    private static final int IN_OPCODE = 4;
    private static final int IN_NODEID = 16;
    private static final int IN_BODY = 40;
    private static final int FORGET_ONE = 16;
    private static final int FUSE_FORGET = 2;
    private static final int FUSE_LINK = 13;
    private static final int FUSE_BATCH_FORGET = 42;
    /** The request each worker thread is serving: libfuse's high-level API replies on the calling thread. */
    private static final ThreadLocal<int[]> OPCODE = ThreadLocal.withInitial(() -> new int[1]);

    // struct fuse_buf on LP64: size_t size; enum flags; void *mem; int fd; off_t pos.
    private static final int BUF_SIZE = 0;
    private static final int BUF_FLAGS = 8;
    private static final int BUF_MEM = 16;
    private static final int FUSE_BUF_STRUCT = 40;

    private final LibFuseSession lib;
    private final LibC libc;
    private final Runtime runtime;
    private final KernelNodes nodes = new KernelNodes();

    FuseLoop() {
        this.lib = LibraryLoader.create(LibFuseSession.class).failImmediately().load("fuse");
        this.libc = LibraryLoader.create(LibC.class).failImmediately().load("c");
        this.runtime = Runtime.getRuntime(lib);
    }

    /**
     * Mounts with {@code args} (as fuse_main takes them), serves requests on {@code threads} threads until
     * the file system is unmounted, then releases libfuse's state. Blocks throughout. Meanwhile
     * {@code changesElsewhere} holds the listener that drops such changes from the kernel's caches.
     */
    void run(Pointer operations, long operationsSize, List<String> args, int threads,
             Consumer<ChangesElsewhere.Listener> changesElsewhere) {
        List<Pointer> strings = new ArrayList<>();
        Pointer argv = argv(args, strings);
        PointerByReference mountpoint = new PointerByReference();
        Pointer fuse = lib.fuse_setup(args.size(), argv, operations, operationsSize, mountpoint,
                new IntByReference(), null);
        strings.add(argv);
        if (fuse == null) {
            throw new IllegalStateException("libfuse could not mount (its message is in the log)");
        }
        try {
            Pointer session = lib.fuse_get_session(fuse);
            Pointer channel = lib.fuse_session_next_chan(session, null);
            long bufferSize = lib.fuse_chan_bufsize(channel);
            int fd = lib.fuse_chan_fd(channel);
            SendReply send = (ignored, iov, count) -> send(fd, iov, count);
            Pointer channelOperations = Memory.allocateDirect(runtime, CHAN_OPS_STRUCT, true);
            channelOperations.putPointer(CHAN_OPS_SEND, runtime.getClosureManager().getClosurePointer(SendReply.class, send));
            Pointer replies = lib.fuse_chan_new(channelOperations, fd, bufferSize, null);
            if (replies == null) {
                throw new IllegalStateException("libfuse could not make a reply channel");
            }
            KernelInvalidator invalidator = new KernelInvalidator(kernel(channel), nodes);
            changesElsewhere.accept(invalidator);
            try {
                List<Thread> workers = new ArrayList<>();
                for (int i = 0; i < threads; i++) {
                    Thread worker = new Thread(() -> serve(session, channel, replies, bufferSize), "coffre-fuse-" + i);
                    worker.setDaemon(true);
                    worker.start();
                    workers.add(worker);
                }
                for (Thread worker : workers) {
                    joinUninterruptibly(worker);
                }
            } finally {
                changesElsewhere.accept(ChangesElsewhere.Listener.NONE);
                invalidator.close();
                lib.fuse_chan_destroy(replies); // does not close fd: it has no destroy operation
                java.lang.ref.Reference.reachabilityFence(send);
                java.lang.ref.Reference.reachabilityFence(channelOperations);
            }
        } finally {
            // Unmounts if still mounted (harmless otherwise), then calls the destroy operation.
            lib.fuse_teardown(fuse, mountpoint.getValue());
            java.lang.ref.Reference.reachabilityFence(strings);
        }
    }

    /** libfuse's notify calls on the session's channel, which writes to the device as replies do. */
    private KernelInvalidator.Kernel kernel(Pointer channel) {
        return new KernelInvalidator.Kernel() {
            @Override
            public int invalidateEntry(long parentNodeId, byte[] name) {
                return lib.fuse_lowlevel_notify_inval_entry(channel, parentNodeId, name, name.length);
            }

            @Override
            public int invalidateInode(long nodeId) {
                return lib.fuse_lowlevel_notify_inval_inode(channel, nodeId, 0, 0);
            }
        };
    }

    /**
     * Writes one reply to the device, as libfuse's kernel channel does, once its attribute timeout is set and
     * the node it hands the kernel (if any) is counted.
     */
    private int send(int fd, Pointer iov, long count) {
        long nodeId = 0;
        if (count >= 2) {
            int opcode = OPCODE.get()[0];
            Pointer header = iov.getPointer(0);
            Pointer payload = iov.getPointer(IOVEC);
            long payloadLength = iov.getLong(IOVEC + 8);
            AttributeCaching.adjust(opcode, header, payload, payloadLength);
            nodeId = AttributeCaching.enteredNodeId(opcode, header, payload, payloadLength);
            if (nodeId != 0) {
                nodes.replying(nodeId, AttributeCaching.enteredInode(payload));
            }
        }
        if (libc.writev(fd, iov, (int) count) < 0) {
            if (nodeId != 0) {
                nodes.forgotten(nodeId, 1);
            }
            return -runtime.getLastError(); // ENOENT: the request was interrupted meanwhile; libfuse ignores it
        }
        return 0;
    }

    /** Takes back the node lookups a FORGET or BATCH_FORGET request gives back (in memory, never spliced). */
    private void forgotten(int opcode, Pointer request) {
        if (opcode == FUSE_FORGET) {
            nodes.forgotten(request.getLong(IN_NODEID), request.getLong(IN_BODY));
        } else if (opcode == FUSE_BATCH_FORGET) {
            int count = request.getInt(IN_BODY);
            for (int i = 0; i < count; i++) {
                long at = IN_BODY + 8 + (long) i * FORGET_ONE;
                nodes.forgotten(request.getLong(at), request.getLong(at + 8));
            }
        }
    }

    private void serve(Pointer session, Pointer channel, Pointer replies, long bufferSize) {
        Pointer data = Memory.allocateDirect(runtime, (int) bufferSize);
        Pointer buffer = Memory.allocateDirect(runtime, FUSE_BUF_STRUCT);
        Pointer channelRef = Memory.allocateDirect(runtime, runtime.addressSize());
        while (lib.fuse_session_exited(session) == 0) {
            buffer.putLong(BUF_SIZE, bufferSize);
            buffer.putInt(BUF_FLAGS, 0);
            buffer.putPointer(BUF_MEM, data);
            channelRef.putPointer(0, channel);
            int received = lib.fuse_session_receive_buf(session, buffer, channelRef);
            if (received == -EINTR) {
                continue;
            }
            if (received <= 0) {
                if (received < 0) {
                    LOG.warning("reading from the FUSE device failed: errno " + -received);
                }
                return; // 0: the kernel ended the connection; libfuse marked the session as exited.
            }
            // A spliced request (flags set) is not in memory: 0 then means "no attributes to adjust".
            int opcode = buffer.getInt(BUF_FLAGS) == 0 ? data.getInt(IN_OPCODE) : 0;
            long linkedNode = opcode == FUSE_LINK ? data.getLong(IN_BODY) : 0;
            forgotten(opcode, data);
            OPCODE.get()[0] = opcode;
            lib.fuse_session_process_buf(session, buffer, replies);
            if (linkedNode != 0) {
                // The new name gets a kernel inode of its own (libfuse 2's high-level API), and the kernel does not
                // refresh the old name's (Linux 6): drop its cached attributes, whose link count just changed.
                lib.fuse_lowlevel_notify_inval_inode(channel, linkedNode, -1, 0);
            }
        }
    }

    /** A NULL-terminated char *argv[] in native memory; {@code strings} keeps its strings from being freed. */
    private Pointer argv(List<String> args, List<Pointer> strings) {
        Pointer argv = Memory.allocateDirect(runtime, (args.size() + 1) * runtime.addressSize(), true);
        for (int i = 0; i < args.size(); i++) {
            byte[] bytes = args.get(i).getBytes(StandardCharsets.UTF_8);
            Pointer arg = Memory.allocateDirect(runtime, bytes.length + 1, true);
            arg.put(0, bytes, 0, bytes.length);
            argv.putPointer((long) i * runtime.addressSize(), arg);
            strings.add(arg);
        }
        return argv;
    }

    private static void joinUninterruptibly(Thread thread) {
        while (true) {
            try {
                thread.join();
                return;
            } catch (InterruptedException e) {
                // The kernel decides when the mount ends; keep waiting.
            }
        }
    }
}
