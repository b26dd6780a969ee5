package dev.coffre.cli;

import dev.coffre.cache.DiskCache;
import dev.coffre.cache.SegmentCache;
import dev.coffre.fuse.CoffreFs;
import dev.coffre.fuse.FuseObserver;
import dev.coffre.io.StagingArea;
import dev.coffre.vfs.Vfs;

import java.io.BufferedReader;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The life of one mount, whatever it mounts (a vault, a MEGA account or folder, a MEGA folder link): the
 * background child started and its handshake ({@code COFFRE-MOUNTED} / {@code COFFRE-ERROR CODE MESSAGE} on
 * its stdout), the FUSE thread, the metrics endpoint, the mount state file written every second, the control
 * socket ({@code sync}, {@code force}, {@code status}), the shutdown hook, and the drain of the upload queue
 * at unmount. The remote-specific half only opens its filesystem core ({@link Opener}) and says how to
 * release it ({@link Opened#release}).
 */
final class MountSession {
    private static final Logger LOG = Logger.getLogger(MountSession.class.getName());
    private static final String CHILD_OK = "COFFRE-MOUNTED";
    private static final String CHILD_ERROR = "COFFRE-ERROR";

    /** Opens the remote and its filesystem core; {@code secret} is what the parent passed on stdin, or null. */
    @FunctionalInterface
    interface Opener {
        Opened open(byte[] secret) throws CliException, IOException;
    }

    /**
     * A filesystem core ready to mount. {@code remote} is the name shown in messages, status and the state
     * file (never a key); {@code diskCache} may be null; {@code everySecond} runs with each state write;
     * {@code release} closes what the remote holds (connections, the staging lock), after the queue drained.
     */
    record Opened(String remote, String fsName, boolean readOnly, Vfs vfs, SegmentCache segments,
                  DiskCache diskCache, StagingArea staging, LongSupplier fetchedBytes, LongSupplier fetchRequests,
                  Runnable everySecond, Closeable release) {
    }

    private final MountCommand command;
    private final Path mountPoint;
    private final Path log;

    /** The remote is reached through the S3 client, which is then warmed up too (beside the remote's opening). */
    private boolean overS3;

    MountSession(MountCommand command, Path mountPoint, Path log) {
        this.command = command;
        this.mountPoint = mountPoint;
        this.log = log;
    }

    void warmUpS3Client() {
        overS3 = true;
    }

    // ---- the parent: starts the background half and waits for its answer ----

    /** The mount process's heap: the tree and blocks on their way; decrypted data is outside it. */
    private static final int HEAP_MIB = 256;
    private static final int INITIAL_HEAP_MIB = 48;
    private static final int YOUNG_HEAP_MIB = 32;
    private static final int DIRECT_MEMORY_SLACK_MIB = 256;
    private static final int FREQ_INLINE_BYTES = 50;

    /**
     * Starts this command again as a detached process ({@code --daemon-child}) with the common options,
     * {@code remoteFlags} and {@code remoteArgument}, hands it {@code secret} through a pipe (never argv or
     * the environment; null sends nothing), and waits until it has mounted or failed.
     */
    int startChild(String shownRemote, List<String> remoteFlags, String remoteArgument, byte[] secret) throws Exception {
        String java = ProcessHandle.current().info().command().orElse("java");
        List<String> args = new ArrayList<>();
        if (Files.isExecutable(Path.of("/usr/bin/setsid"))) {
            args.add("/usr/bin/setsid"); // Leave the terminal's session: closing it must not end the mount.
        }
        // Memory stays flat whatever the files. Decrypted data lives outside the heap, within --cache-size
        // (cache.SegmentCache); the direct-memory limit leaves room above it for the JDK's temporary buffers of
        // file and socket reads, which it otherwise keeps, one per thread and as large as the largest read
        // (4 MiB blocks), hence their size cap. The heap holds the tree and blocks on their way (uploads, fetched
        // ranges: in arrays reused, see VaultRemote and WriteBack), so it sees little churn, and the serial
        // collector serves it with the least memory and CPU of its own: G1 took 47 MiB for its structures, and
        // cold reads ran 10-20% slower under it (S3 and local, measured). Peak RSS writing then reading 1 GiB
        // with a 256 MiB cache: 676 MiB with a heap of the cache + 256 MiB, 507-607 with this heap under G1,
        // ~440 under the serial collector (pauses 2 ms as a rule, the longest 87 ms, no full collection), ~420
        // with a young generation of 32 MiB instead of 48 (same speed). The heap starts at INITIAL_HEAP_MIB and
        // grows as its live part needs: started whole (the JVM's default here), the old generation filled with
        // dead arrays of fetches that outlived a young collection, up to ~120 MiB from S3 before its first
        // collection, all of it resident from then on; started small it is collected when full and stays at
        // 70-120 MiB (S3, writing then reading 1 GiB: peak RSS ~440 -> ~400 MiB, 4-7 full collections of 20-70 ms
        // each).
        // The JIT inlines hot callees up to FREQ_INLINE_BYTES of bytecode (the JVM's default is 325): with the
        // default, the read path's few hot methods grew, inlined down through the cache, the vault, the HTTP client
        // and the cipher, into ~100 KB of machine code each, compiled again and again as paths got hot; the
        // compiler thread then took 1.2-1.5 s of CPU during 2,000 cold random reads from S3, 0.6 s of it for one
        // method, on a machine whose two cores the reads needed. With 50: 0.4 s, and cold sequential reads went
        // up by 15-20% (S3 and local), warm reads unchanged (measured with scripts/bench's workloads).
        args.addAll(List.of(java, "-Xms" + INITIAL_HEAP_MIB + "m", "-Xmx" + HEAP_MIB + "m",
                "-XX:MaxNewSize=" + YOUNG_HEAP_MIB + "m", "-XX:+UseSerialGC",
                "-XX:MaxDirectMemorySize=" + ((command.cacheSize >> 20) + DIRECT_MEMORY_SLACK_MIB) + "m",
                "-XX:FreqInlineSize=" + FREQ_INLINE_BYTES,
                "-Djdk.nio.maxCachedBufferSize=262144",
                "-cp", System.getProperty("java.class.path"), Main.class.getName(),
                "mount", "--daemon-child", "--cache-dir", command.cacheDirectory().toString(),
                "--cache-size", Long.toString(command.cacheSize),
                "--disk-cache-size", Long.toString(command.diskCacheSize),
                "--log-file", log.toString(), "--write-back", command.writeBackDelay.toMillis() + "ms",
                "--fuse-threads", Integer.toString(command.fuseThreads),
                "--staging-size", Long.toString(command.stagingSize),
                "--poll-interval", command.pollInterval.toMillis() + "ms",
                "--gc-grace", command.gcGrace.toMillis() + "ms"));
        args.addAll(remoteFlags);
        if (command.uploadThreads != null) { // else the child picks the remote's default
            args.addAll(List.of("--upload-threads", command.uploadThreads.toString()));
        }
        if (command.metrics != null) {
            args.addAll(List.of("--metrics", command.metrics.text()));
        }
        args.add("--no-warm-up=" + command.noWarmUp); // attached: the child's environment may say otherwise
        args.addAll(LogSetup.flags());
        for (String option : command.options) {
            args.add("-o");
            args.add(option);
        }
        args.add(remoteArgument);
        args.add(mountPoint.toString());
        Files.createDirectories(log.getParent());
        ProcessBuilder builder = new ProcessBuilder(args).redirectError(ProcessBuilder.Redirect.appendTo(log.toFile()));
        // glibc gives each busy thread a malloc arena of its own; with dozens of threads that was ~100 MiB
        // of resident memory the JVM does not account for.
        builder.environment().putIfAbsent("MALLOC_ARENA_MAX", "2");
        Process child = builder.start();
        try (OutputStream stdin = child.getOutputStream()) {
            if (secret != null) {
                stdin.write((Base64.getEncoder().encodeToString(secret) + "\n").getBytes(StandardCharsets.US_ASCII));
                Arrays.fill(secret, (byte) 0);
            }
        }
        BufferedReader answer = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8));
        String line;
        while ((line = answer.readLine()) != null) {
            if (line.equals(CHILD_OK)) {
                System.out.println("mounted " + shownRemote + " on " + mountPoint + " (log: " + log + ")");
                return ExitCodes.OK;
            }
            if (line.startsWith(CHILD_ERROR + " ")) {
                String[] parts = line.split(" ", 3);
                System.err.println("coffre: " + parts[2]);
                return Integer.parseInt(parts[1]);
            }
        }
        child.waitFor(5, TimeUnit.SECONDS);
        System.err.println("coffre: the mount process ended without mounting; see " + log);
        return ExitCodes.MOUNT_FAILED;
    }

    // ---- the background half ----

    /** Serves as the detached child: reads the secret when one was sent, then answers the parent once. */
    int serveAsChild(boolean readSecret, Opener opener) throws IOException {
        PrintStream parent = new PrintStream(System.out, true, StandardCharsets.UTF_8);
        // Nothing else may write to the parent's pipe: it goes away once we report.
        System.setOut(new PrintStream(OutputStream.nullOutputStream()));
        LogSetup.configure(log);
        byte[] secret = null;
        if (readSecret) {
            String encoded = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.US_ASCII)).readLine();
            secret = Base64.getDecoder().decode(encoded == null ? "" : encoded.trim());
        }
        try {
            return serve(opener, secret, message -> {
                LOG.info(message);
                parent.println(CHILD_OK);
                parent.close();
            });
        } catch (CliException e) {
            LOG.severe(e.getMessage());
            parent.println(CHILD_ERROR + " " + e.exitCode() + " " + e.getMessage().replace('\n', ' '));
            parent.close();
            return e.exitCode();
        }
    }

    /** Serves in this process until unmounted ({@code --foreground}), logging to the terminal unless told a file. */
    int serveInForeground(Opener opener, byte[] secret) throws CliException, IOException {
        LogSetup.configure(command.logFile == null ? null : log);
        return serve(opener, secret, message -> System.err.println("coffre: " + message));
    }

    /** How long a mount may wait for the rest of its warm-up once the remote is open. */
    private static final long WARMUP_WAIT_MILLIS = 5_000;

    private int serve(Opener opener, byte[] secret, Consumer<String> onMounted) throws CliException, IOException {
        Mounts.checkMountPoint(mountPoint, command.options);
        boolean warmUp = !command.noWarmUp;
        long warmupStart = System.currentTimeMillis();
        // Compiles the read and write paths while the remote opens (key derivation, tree), on the other core.
        Thread warmup = warmUp ? ReadPathWarmup.start(command.cacheDirectory().resolve("warmup")) : null;
        Thread s3Warmup = warmUp && overS3 ? ReadPathWarmup.startS3() : null;
        Opened opened = opener.open(secret);
        finishWarmUp(warmup, s3Warmup, warmupStart);
        if (secret != null) {
            Arrays.fill(secret, (byte) 0);
        }
        Vfs vfs = opened.vfs();
        MountMetrics exporter = command.metrics == null ? null : MountMetrics.start(command.metrics);
        CoffreFs fs = newFs(vfs, exporter);
        CompletableFuture<Void> unmounted = new CompletableFuture<>();
        Thread fuseThread = new Thread(() -> {
            try {
                fs.serve(mountPoint, fuseOptions(opened), command.fuseThreads);
                fs.unmounted();
                unmounted.complete(null);
            } catch (Throwable t) {
                unmounted.completeExceptionally(t);
            }
        }, "coffre-fuse");
        fuseThread.start();
        try {
            CompletableFuture.anyOf(fs.ready(), unmounted).get(60, TimeUnit.SECONDS);
        } catch (Exception e) {
            Throwable cause = e.getCause() != null ? e.getCause() : e;
            fs.umount();
            throw new CliException(ExitCodes.MOUNT_FAILED, "could not mount " + mountPoint + ": "
                    + (e instanceof TimeoutException ? "FUSE did not start within 60 s" : describe(cause)));
        }
        if (!fs.ready().isDone()) {
            throw new CliException(ExitCodes.MOUNT_FAILED, "could not mount " + mountPoint + " (see the log)");
        }
        if (warmUp) {
            ListingWarmup.run(mountPoint);
        }
        LiveMount live = new LiveMount(mountPoint.toString(), opened.remote(), Instant.now().toString(),
                log == null ? null : log.toString(), exporter == null ? null : exporter.url(), opened.segments(),
                command.cacheSize, opened.diskCache(), command.diskCacheSize, opened.fetchedBytes(),
                opened.fetchRequests(), fs, opened.staging(), vfs);
        Supplier<MountState> snapshot = live::state;
        if (exporter != null) {
            exporter.follow(snapshot);
        }
        ScheduledExecutorService stateWriter = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "coffre-state");
            t.setDaemon(true);
            return t;
        });
        stateWriter.scheduleWithFixedDelay(() -> {
            writeState(snapshot.get());
            opened.everySecond().run();
        }, 0, 1, TimeUnit.SECONDS);
        AtomicBoolean force = new AtomicBoolean();
        ControlSocket control = ControlSocket.listen(MountState.socket(mountPoint), request -> switch (request) {
            case "sync" -> {
                vfs.syncAll();
                yield "";
            }
            case "force" -> {
                force.set(true);
                yield "";
            }
            case "status" -> snapshot.get().toCompactJson();
            default -> throw new IllegalArgumentException("unknown request " + request);
        });
        CompletableFuture<Void> finished = new CompletableFuture<>();
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            // SIGTERM: unmount cleanly and let the queue drain, as an unmount would.
            fs.umount();
            finished.completeOnTimeout(null, 30, TimeUnit.MINUTES).join();
        }, "coffre-shutdown"));
        onMounted.accept("mounted " + opened.remote() + " on " + mountPoint);
        unmounted.exceptionally(t -> null).join();
        control.close();
        LOG.info("unmounted " + mountPoint + (force.get() ? " by force; queued changes stay for the next mount"
                : "; uploading what is queued before exiting"));
        if (command.foreground && !force.get()) {
            UploadProgress.during("uploading before exit", snapshot, () -> vfs.close(true));
        } else {
            vfs.close(!force.get());
        }
        stateWriter.shutdownNow();
        writeState(snapshot.get());
        opened.everySecond().run();
        opened.release().close();
        if (exporter != null) {
            exporter.close();
        }
        MountState.remove(mountPoint);
        LOG.info("done");
        finished.complete(null);
        return ExitCodes.OK;
    }

    /** Waits for the warm-ups, at most WARMUP_WAIT_MILLIS once the remote is open, then frees what they left. */
    private static void finishWarmUp(Thread warmup, Thread s3Warmup, long startMillis) {
        if (warmup == null) {
            return;
        }
        long deadline = System.currentTimeMillis() + WARMUP_WAIT_MILLIS;
        if (s3Warmup != null) {
            ReadPathWarmup.await(s3Warmup, WARMUP_WAIT_MILLIS);
        }
        ReadPathWarmup.await(warmup, Math.max(1, deadline - System.currentTimeMillis()));
        if (warmup.isAlive() || (s3Warmup != null && s3Warmup.isAlive())) {
            LOG.info("read path warm-up cut short after " + (System.currentTimeMillis() - startMillis)
                    + " ms; it goes on beside the mount (--no-warm-up skips it)");
            return;
        }
        // The warm-up's throw-away vault (up to 32 MiB of pooled 4 MiB arrays among it) was promoted to the old
        // generation, which only a full collection empties; after it the heap gives that memory back. With the
        // warm-up's cache off the slabs (SegmentCache.throwAway), writing then reading 1 GiB from S3: resident
        // 200-204 -> 164-167 MiB right after the mount, peak 398-404 -> 361-367 MiB, same speed (~50 ms here).
        System.gc();
        LOG.info("read path warmed up; the remote opened and the warm-up ended "
                + (System.currentTimeMillis() - startMillis) + " ms after they started (--no-warm-up skips it)");
    }

    static CoffreFs newFs(Vfs vfs, FuseObserver observer) throws CliException {
        try {
            return new CoffreFs(vfs, observer == null ? FuseObserver.NONE : observer);
        } catch (Throwable e) {
            throw new CliException(ExitCodes.MOUNT_FAILED, "cannot load libfuse 2 (" + e.getMessage()
                    + "); install it with: apt-get install libfuse2 fuse3");
        }
    }

    private String[] fuseOptions(Opened opened) {
        List<String> all = new ArrayList<>(List.of(
                "fsname=coffre:" + opened.fsName().replace(',', '_'), "subtype=coffre",
                "big_writes", "max_read=131072", "max_write=131072", "max_readahead=1048576",
                "use_ino", "readdir_ino", "default_permissions", "auto_cache",
                // 0 is what libfuse writes into replies; FuseLoop then raises it per inode (AttributeCaching:
                // as long as names, but 0 for files with several names, whose other names' kernel inodes would go
                // stale). Names and attributes changed elsewhere are dropped from the kernel as they arrive; a
                // name's absence is not kept long, so that no path that misses that can hide a new name for long.
                "attr_timeout=0", "entry_timeout=" + CoffreFs.KERNEL_CACHE_SECONDS, "negative_timeout=1"));
        if (opened.readOnly() && !command.options.contains("ro")) {
            all.add("ro"); // the kernel then answers every write EROFS before it reaches us
        }
        all.addAll(command.options);
        List<String> args = new ArrayList<>();
        for (String option : all) {
            args.add("-o");
            args.add(option);
        }
        return args.toArray(String[]::new);
    }

    /**
     * One mount per remote and machine: the staging folder and pending log are this mount's alone. The lock
     * dies with the process, so a crash leaves nothing to clean up.
     */
    static java.nio.channels.FileChannel lockStaging(Path work, String what) throws IOException, CliException {
        Files.createDirectories(work);
        java.nio.channels.FileChannel channel = java.nio.channels.FileChannel.open(work.resolve("lock"),
                java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.WRITE);
        if (channel.tryLock() == null) {
            channel.close();
            throw new CliException(ExitCodes.MOUNT_FAILED, what + " is already mounted on this machine"
                    + " (its staging folder " + work + " is in use)");
        }
        return channel;
    }

    private static void writeState(MountState state) {
        try {
            state.write();
        } catch (IOException e) {
            LOG.log(Level.WARNING, "could not write mount state", e);
        }
    }

    private static String describe(Throwable t) {
        String message = t.getMessage();
        if (t.getCause() != null && t.getCause() != t) {
            message = message + ": " + t.getCause().getMessage();
        }
        return message;
    }
}
