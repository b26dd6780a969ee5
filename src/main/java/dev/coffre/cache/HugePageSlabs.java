package dev.coffre.cache;

import jnr.ffi.LibraryLoader;
import jnr.ffi.Pointer;
import jnr.ffi.Runtime;
import jnr.ffi.types.off_t;
import jnr.ffi.types.size_t;

import java.nio.ByteBuffer;
import java.util.Optional;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Memory for decrypted segments in slabs of one huge page (2 MiB), mapped straight from the kernel and marked
 * for transparent huge pages, as buffers outside the Java heap.
 *
 * <p>Why not {@link ByteBuffer#allocateDirect}: it zeroes every buffer itself, and the kernel then faults its
 * pages in 4 KiB at a time. A fresh mount reading its first 256 MiB (every segment in new memory, until the cache
 * is full) spent 0.45 s of CPU there, more than fetching and decrypting them (measured with a profiler on a
 * Debian 12 VM, most of it in the page-fault path). Pages mapped here come zeroed from the kernel, 2 MiB at a
 * time where it has huge pages to give ({@code /sys/kernel/mm/transparent_hugepage/enabled} set to
 * {@code madvise} or {@code always}; else 4 KiB pages, as before, minus the second zeroing).
 *
 * <p>Slabs are never unmapped: {@link SegmentMemory} keeps them for reuse and maps no more than its budget.
 * {@link #open()} is empty where the C library cannot be reached; callers then use {@code allocateDirect}.
 */
final class HugePageSlabs {
    private static final Logger LOG = Logger.getLogger(HugePageSlabs.class.getName());
    static final int SLAB_BYTES = 2 << 20;

    // Linux, on x86-64 and arm64 alike.
    private static final int PROT_READ = 1;
    private static final int PROT_WRITE = 2;
    private static final int MAP_PRIVATE = 2;
    private static final int MAP_ANONYMOUS = 0x20;
    private static final int MADV_HUGEPAGE = 14;
    private static final long MAP_FAILED = -1;

    /** The calls of the C library used here (addresses as jnr's pointers: as plain longs, mmap got EINVAL). */
    public interface LibC {
        Pointer mmap(Pointer address, @size_t long length, int prot, int flags, int fd, @off_t long offset);

        int munmap(Pointer address, @size_t long length);

        int madvise(Pointer address, @size_t long length, int advice);
    }

    private final LibC libc;
    private final Runtime runtime;

    private HugePageSlabs(LibC libc) {
        this.libc = libc;
        this.runtime = Runtime.getRuntime(libc);
    }

    /** Slabs from the C library; empty (and logged) where it cannot be loaded. */
    static Optional<HugePageSlabs> open() {
        if (!System.getProperty("os.name", "").startsWith("Linux")) {
            return Optional.empty();
        }
        try {
            return Optional.of(new HugePageSlabs(LibraryLoader.create(LibC.class).failImmediately().load("c")));
        } catch (RuntimeException | LinkageError e) {
            LOG.log(Level.INFO, "segment memory from the Java heap's direct buffers: " + e.getMessage());
            return Optional.empty();
        }
    }

    /**
     * A new slab of {@link #SLAB_BYTES}, zeroed, aligned on its size (so that one huge page can back all of it),
     * or empty if the kernel refuses the mapping.
     */
    Optional<ByteBuffer> map() {
        // Twice the size, then the unaligned ends given back: mmap itself aligns on 4 KiB only.
        Pointer pointer = libc.mmap(null, 2L * SLAB_BYTES, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        long mapped = pointer == null ? MAP_FAILED : pointer.address();
        if (mapped == MAP_FAILED || mapped == 0) {
            return Optional.empty();
        }
        long start = (mapped + SLAB_BYTES - 1) & -(long) SLAB_BYTES;
        if (start > mapped) {
            libc.munmap(Pointer.wrap(runtime, mapped), start - mapped);
        }
        long end = mapped + 2L * SLAB_BYTES;
        if (end > start + SLAB_BYTES) {
            libc.munmap(Pointer.wrap(runtime, start + SLAB_BYTES), end - start - SLAB_BYTES);
        }
        // Advice only: where the kernel has no huge page to give, the slab gets 4 KiB pages.
        libc.madvise(Pointer.wrap(runtime, start), SLAB_BYTES, MADV_HUGEPAGE);
        return Optional.of(com.kenai.jffi.MemoryIO.getInstance().newDirectByteBuffer(start, SLAB_BYTES));
    }
}
