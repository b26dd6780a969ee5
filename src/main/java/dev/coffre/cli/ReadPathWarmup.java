package dev.coffre.cli;

import dev.coffre.cache.SegmentCache;
import dev.coffre.crypto.BlockCipher;
import dev.coffre.crypto.Kdf;
import dev.coffre.fuse.CoffreFs;
import dev.coffre.io.PendingLog;
import dev.coffre.io.StagingArea;
import dev.coffre.io.WriteBack;
import dev.coffre.remote.vault.VaultRemote;
import dev.coffre.store.LocalObjectStore;
import dev.coffre.store.S3Warmup;
import dev.coffre.vfs.Vfs;
import jnr.ffi.Memory;
import jnr.ffi.Pointer;
import jnr.ffi.Runtime;
import jnr.ffi.Struct;
import ru.serce.jnrfuse.struct.FileStat;
import ru.serce.jnrfuse.struct.FuseFileInfo;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.Comparator;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;
import java.util.stream.Stream;

/**
 * Puts a throw-away vault in a temporary folder through the same code the mount runs (the FUSE callbacks,
 * the filesystem core, read-ahead, the segment cache, sealing and opening blocks) while the real remote is
 * being opened, so that the JIT has compiled that code before the first real request.
 *
 * <p>Why: every mount is a new JVM, and a cold read used to start in the interpreter: {@code perf} showed a
 * third of the CPU of the first 256 MiB read in the JIT's compiler threads, and the same mount read a second
 * file 1.5x faster. The FUSE callbacks are called here as plain Java methods (libfuse is not involved), with
 * native buffers as libfuse would pass. Nothing of the user's is touched; the folder is deleted afterwards.
 */
final class ReadPathWarmup {
    private static final Logger LOG = Logger.getLogger(ReadPathWarmup.class.getName());
    private static final int FILE_BYTES = 24 << 20;
    /** Smaller than the file, so that every sequential pass reads from the (local, throw-away) remote again. */
    private static final long CACHE_BYTES = 6 << 20;
    private static final int KERNEL_REQUEST = 128 * 1024;
    private static final int RANDOM_READ = 4096;
    private static final int O_WRONLY = 1;
    /** Enough rounds for C2 to compile the hot loops; the time limit ends it sooner on a slow machine. */
    private static final int ROUNDS = 3;
    private static final long TIME_LIMIT_NANOS = TimeUnit.SECONDS.toNanos(4);

    private ReadPathWarmup() {
    }

    /** Starts warming up in the background, in a temporary folder under {@code scratchParent}. */
    static Thread start(Path scratchParent) {
        return startDaemon("coffre-warmup", () -> run(scratchParent));
    }

    /** Starts warming up the S3 client in the background (against a stand-in server in this process). */
    static Thread startS3() {
        return startDaemon("coffre-warmup-s3", () -> {
            try {
                S3Warmup.run(BlockCipher.SEALED_SEGMENT_SIZE, System.nanoTime() + TIME_LIMIT_NANOS);
            } catch (Throwable e) {
                LOG.log(Level.FINE, "S3 client warm-up stopped early", e);
            }
        });
    }

    /** A warm-up runs on a daemon thread: it must never keep the mount process alive. */
    private static Thread startDaemon(String name, Runnable warmup) {
        Thread thread = new Thread(warmup, name);
        thread.setDaemon(true);
        thread.start();
        return thread;
    }

    /** Waits for the warm-up, at most {@code millis}: a slow machine mounts without the rest of it. */
    static void await(Thread warmup, long millis) {
        try {
            warmup.join(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    static void run(Path scratchParent) {
        long start = System.nanoTime();
        long deadline = start + TIME_LIMIT_NANOS;
        Path folder = null;
        try {
            dev.coffre.crypto.Warmup.run(); // the cipher's intrinsics first: they need many small calls
            Files.createDirectories(scratchParent);
            folder = Files.createTempDirectory(scratchParent, "warmup-");
            exercise(folder, deadline);
            LOG.fine(() -> "warm-up took " + TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start) + " ms");
        } catch (Throwable e) {
            // Only speed is at stake: the mount goes on without it.
            LOG.log(Level.FINE, "warm-up stopped early", e);
        } finally {
            if (folder != null) {
                deleteQuietly(folder);
            }
        }
    }

    static void exercise(Path folder, long deadline) throws IOException {
        LocalObjectStore store = new LocalObjectStore(folder.resolve("vault"));
        byte[] password = new byte[32];
        new SecureRandom().nextBytes(password);
        VaultRemote.create(store, password, new Kdf.Argon2Params(8, 1, 1), Vfs.rootDirectory(0, 0, 0));
        VaultRemote remote = VaultRemote.open(store, password);
        StagingArea staging = new StagingArea(folder.resolve("staging").resolve("blocks"));
        WriteBack writeBack = new WriteBack(remote, staging, new PendingLog(folder.resolve("staging")), 0, 2,
                Long.MAX_VALUE, 0, 0);
        Vfs vfs = new Vfs(remote, SegmentCache.throwAway(CACHE_BYTES), staging, writeBack, Clock.systemUTC());
        try {
            vfs.load();
            CoffreFs fs = new CoffreFs(vfs);
            Runtime runtime = Runtime.getSystemRuntime();
            Pointer buffer = Memory.allocateDirect(runtime, KERNEL_REQUEST);
            // Larger than struct fuse_file_info (jnr cannot size it: its constructor is not public).
            FuseFileInfo handle = FuseFileInfo.of(Memory.allocateDirect(runtime, 256, true));
            FileStat stat = FileStat.of(Memory.allocateDirect(runtime, Struct.size(FileStat.class), true));
            SplittableRandom random = new SplittableRandom();
            byte[] noise = new byte[KERNEL_REQUEST];
            new SecureRandom().nextBytes(noise);
            buffer.put(0, noise, 0, noise.length);

            String path = "/warm-up";
            handle.fh.set(vfs.create(path, 0644, 0, 0, O_WRONLY));
            for (long offset = 0; offset < FILE_BYTES; offset += KERNEL_REQUEST) {
                fs.write(path, buffer, KERNEL_REQUEST, offset, handle);
            }
            fs.flush(path, handle);
            fs.release(path, handle);
            vfs.syncAll(); // seals and uploads the blocks

            handle.fh.set(vfs.open(path, 0));
            for (int round = 0; round < ROUNDS && System.nanoTime() < deadline; round++) {
                for (long offset = 0; offset < FILE_BYTES && System.nanoTime() < deadline; offset += KERNEL_REQUEST) {
                    fs.read(path, buffer, KERNEL_REQUEST, offset, handle);
                    fs.getattr(path, stat);
                }
                for (int i = 0; i < 2_000 && System.nanoTime() < deadline; i++) {
                    fs.read(path, buffer, RANDOM_READ, random.nextLong(FILE_BYTES - RANDOM_READ), handle);
                }
            }
            fs.release(path, handle);
        } finally {
            vfs.close(false); // its read-ahead too: the warm-up's own, apart from the mount's
            remote.close();
        }
    }

    private static void deleteQuietly(Path folder) {
        try (Stream<Path> all = Files.walk(folder)) {
            all.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException | RuntimeException e) {
            LOG.log(Level.FINE, "could not delete " + folder, e);
        }
    }
}
