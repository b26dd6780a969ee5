package dev.coffre.cli;

import dev.coffre.cache.DiskCache;
import dev.coffre.cache.SegmentCache;
import dev.coffre.fuse.CoffreFs;
import dev.coffre.io.PendingLog;
import dev.coffre.io.StagingArea;
import dev.coffre.io.WriteBack;
import dev.coffre.remote.vault.VaultRemote;
import dev.coffre.vfs.Vfs;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.logging.Level;
import java.util.logging.Logger;

@Command(name = "mount", description = {"Mount a vault as a drive.",
        "Returns once the drive is usable; the mount runs on in the background until 'coffre unmount'."},
        footer = ExitCodes.HELP, mixinStandardHelpOptions = true)
final class MountCommand implements java.util.concurrent.Callable<Integer> {
    @picocli.CommandLine.Mixin
    RemoteOptions remoteOptions = new RemoteOptions();

    private static final Logger LOG = Logger.getLogger(MountCommand.class.getName());
    /** Local copies of the vault's snapshots (encrypted, as stored); only the newest two are ever read. */
    private static final long METADATA_CACHE_BYTES = 256L << 20;
    private static final String CHILD_OK = "COFFRE-MOUNTED";
    private static final String CHILD_ERROR = "COFFRE-ERROR";

    @Parameters(arity = "1..2", paramLabel = "[REMOTE] MOUNTPOINT",
            description = "REMOTE is the NAME of a saved remote (coffre remote add), local:PATH, a path or"
                    + " s3://BUCKET/PREFIX (default: local:~/.local/share/coffre/vault, created on first use);"
                    + " MOUNTPOINT is an empty folder. A lone NAME mounts on the remote's saved mount point.")
    List<String> arguments;

    @Option(names = {"-f", "--foreground"}, description = "Stay in the foreground until unmounted (logs to stderr).")
    boolean foreground;

    @Option(names = "-o", paramLabel = "OPT[,OPT...]", split = ",",
            description = "FUSE mount options passed through (for example allow_other, ro, nonempty).")
    List<String> options = new ArrayList<>();

    @Option(names = "--cache-dir", paramLabel = "DIR", description = "Cache and staging folder (default: ~/.cache/coffre).")
    Path cacheDir;

    @Option(names = "--cache-size", paramLabel = "SIZE", converter = SizeConverter.class,
            description = "Memory for decrypted data (default: 256M).")
    long cacheSize = 256L << 20;

    @Option(names = "--disk-cache-size", paramLabel = "SIZE", converter = SizeConverter.class,
            description = "Local disk for a persistent cache of encrypted content, so that re-reads after a remount"
                    + " or while offline need not fetch again; 0 turns it off (default: 0).")
    long diskCacheSize;

    @Option(names = "--password-file", paramLabel = "FILE",
            description = "Read the password from FILE (else $COFFRE_PASSWORD, else a prompt).")
    Path passwordFile;

    @Option(names = "--write-back", paramLabel = "DELAY", converter = DurationConverter.class,
            description = "How long changes wait before they are uploaded, so that saves and renames coalesce"
                    + " (default: 5s; 0 uploads at once).")
    java.time.Duration writeBackDelay = java.time.Duration.ofSeconds(5);

    @Option(names = "--poll-interval", paramLabel = "DELAY", converter = DurationConverter.class,
            description = "How often to look for changes made by other clients of the vault (default: 5s).")
    java.time.Duration pollInterval = java.time.Duration.ofSeconds(5);

    @Option(names = "--gc-grace", paramLabel = "DELAY", converter = DurationConverter.class,
            description = "How long replaced or deleted content stays in the vault before it is deleted, so that"
                    + " other clients still reading it are not cut off (default: 1h).")
    java.time.Duration gcGrace = java.time.Duration.ofHours(1);

    @Option(names = "--upload-threads", paramLabel = "N", description = "Parallel uploads (default: ${DEFAULT-VALUE}).")
    int uploadThreads = 8;

    @Option(names = "--fuse-threads", paramLabel = "N",
            description = "Threads serving the kernel's requests, so that parallel readers and slow fetches do not"
                    + " wait for each other (default: ${DEFAULT-VALUE}).")
    int fuseThreads = 16;

    @Option(names = "--staging-size", paramLabel = "SIZE", converter = SizeConverter.class,
            description = "Local disk for data waiting to be uploaded; writers wait when it is full (default: 4G).")
    long stagingSize = 4L << 30;

    @Option(names = "--log-file", paramLabel = "FILE",
            description = "Log file in the background (default: <cache-dir>/logs/mount-<id>.log).")
    Path logFile;

    @picocli.CommandLine.Mixin
    MegaOptions mega = new MegaOptions();

    @Option(names = "--mega-hard-delete",
            description = "MEGA: delete files and folders for good instead of moving them to the Rubbish Bin.")
    boolean megaHardDelete;

    @Option(names = "--mega-verify", paramLabel = "chunks|full", converter = MegaVerifyConverter.class,
            description = "MEGA: chunks (default) returns reads at once, unverified until the file has been read through"
                    + " once; full downloads and checks a file before its first read returns.")
    dev.coffre.remote.mega.MegaVerification megaVerify = dev.coffre.remote.mega.MegaVerification.CHUNKS;

    @Option(names = "--metrics", paramLabel = "HOST:PORT", converter = MetricsAddress.Converter.class,
            description = "Serve Prometheus metrics on http://HOST:PORT/metrics (e.g. 127.0.0.1:9100; default: none).")
    MetricsAddress metrics;

    @Option(names = "--daemon-child", hidden = true, description = "Internal: the background half of a mount.")
    boolean daemonChild;

    @Override
    public Integer call() throws Exception {
        MountArguments given = MountArguments.of(arguments);
        String megaRemote = megaRemote(given.remote());
        if (megaRemote != null) {
            Path cache = cacheDir == null ? Dirs.cache() : cacheDir.toAbsolutePath();
            Path log = logFile != null ? logFile.toAbsolutePath()
                    : cache.resolve("logs").resolve("mount-" + MountState.file(given.mountPoint()).getFileName()
                    .toString().replace(".json", ".log"));
            return new MegaMount(this, megaRemote, given.mountPoint(), cache, log).run();
        }
        RemoteSpec spec = remoteOptions.parse(given.remote());
        Path mountPoint = given.mountPoint();
        Path cache = cacheDir == null ? Dirs.cache() : cacheDir.toAbsolutePath();
        Path log = logFile != null ? logFile.toAbsolutePath()
                : cache.resolve("logs").resolve("mount-" + MountState.file(mountPoint).getFileName().toString()
                .replace(".json", ".log"));
        if (daemonChild) {
            return serveAsChild(spec, mountPoint, cache, log);
        }
        FuseOptions.check(options);
        Mounts.checkMountPoint(mountPoint, options);
        byte[] password;
        if (spec.isDefault() && !Vaults.exists(spec)) {
            System.err.println("creating the default vault " + spec.text());
            password = Passwords.read(passwordFile, "COFFRE_PASSWORD", "password for the new vault", true);
            Vaults.create(spec, password, VaultRemote.DEFAULT_KDF);
        } else {
            password = Passwords.read(passwordFile, "COFFRE_PASSWORD", "password", false);
        }
        if (foreground) {
            LogSetup.configure(logFile == null ? null : log); // the terminal, unless a file was asked for
            return serve(spec, password, mountPoint, cache, null, message -> System.err.println("coffre: " + message));
        }
        return startChild(spec, password, mountPoint, cache, log);
    }

    // ---- the background process ----

    /** Starts this command again as a detached process and waits until it has mounted or failed. */
    /** The MEGA remote ({@code mega:} or a link) the argument names, directly or as a saved remote; else null. */
    private static String megaRemote(String remote) throws CliException {
        if (remote == null) {
            return null;
        }
        String url = RemoteNames.lookup(remote).map(NamedRemote::url).orElse(remote);
        return RemoteSpec.isMega(url) ? url : null;
    }

    private int startChild(RemoteSpec spec, byte[] password, Path mountPoint, Path cache, Path log) throws Exception {
        String java = ProcessHandle.current().info().command().orElse("java");
        List<String> command = new ArrayList<>();
        if (Files.isExecutable(Path.of("/usr/bin/setsid"))) {
            command.add("/usr/bin/setsid"); // Leave the terminal's session: closing it must not end the mount.
        }
        // The heap is bounded by the cache budget, so that the mount's memory stays flat whatever the files.
        // Large reads into heap buffers go through temporary direct buffers that the JDK otherwise keeps, one per
        // thread and as large as the largest read (4 MiB blocks): memory outside the heap that grew with use.
        command.addAll(List.of(java, "-Xmx" + ((cacheSize >> 20) + 256) + "m", "-XX:+UseG1GC",
                "-Djdk.nio.maxCachedBufferSize=262144",
                "-cp", System.getProperty("java.class.path"), Main.class.getName(),
                "mount", "--daemon-child", "--cache-dir", cache.toString(), "--cache-size", Long.toString(cacheSize),
                "--disk-cache-size", Long.toString(diskCacheSize),
                "--log-file", log.toString(), "--write-back", writeBackDelay.toMillis() + "ms",
                "--upload-threads", Integer.toString(uploadThreads), "--fuse-threads", Integer.toString(fuseThreads),
                "--staging-size", Long.toString(stagingSize),
                "--poll-interval", pollInterval.toMillis() + "ms", "--gc-grace", gcGrace.toMillis() + "ms"));
        command.addAll(RemoteSpec.flags(remoteOptions.s3()));
        if (metrics != null) {
            command.addAll(List.of("--metrics", metrics.text()));
        }
        command.addAll(LogSetup.flags());
        for (String option : options) {
            command.add("-o");
            command.add(option);
        }
        command.add(spec.text());
        command.add(mountPoint.toString());
        Files.createDirectories(log.getParent());
        ProcessBuilder builder = new ProcessBuilder(command)
                .redirectError(ProcessBuilder.Redirect.appendTo(log.toFile()));
        // glibc gives each busy thread a malloc arena of its own; with dozens of threads that was ~100 MiB
        // of resident memory the JVM does not account for.
        builder.environment().putIfAbsent("MALLOC_ARENA_MAX", "2");
        Process child = builder.start();
        // The password travels through a pipe, never through argv or the environment.
        try (OutputStream stdin = child.getOutputStream()) {
            stdin.write((Base64.getEncoder().encodeToString(password) + "\n").getBytes(StandardCharsets.US_ASCII));
        }
        Arrays.fill(password, (byte) 0);
        BufferedReader answer = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8));
        String line;
        while ((line = answer.readLine()) != null) {
            if (line.equals(CHILD_OK)) {
                System.out.println("mounted " + spec.text() + " on " + mountPoint + " (log: " + log + ")");
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

    private int serveAsChild(RemoteSpec spec, Path mountPoint, Path cache, Path log) throws IOException {
        PrintStream parent = new PrintStream(System.out, true, StandardCharsets.UTF_8);
        // Nothing else may write to the parent's pipe: it goes away once we report.
        System.setOut(new PrintStream(OutputStream.nullOutputStream()));
        LogSetup.configure(log);
        String encoded = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.US_ASCII)).readLine();
        byte[] password = Base64.getDecoder().decode(encoded == null ? "" : encoded.trim());
        try {
            return serve(spec, password, mountPoint, cache, log, message -> {
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

    // ---- serving the filesystem ----

    private int serve(RemoteSpec spec, byte[] password, Path mountPoint, Path cache, Path log,
                      java.util.function.Consumer<String> onMounted) throws CliException, IOException {
        Mounts.checkMountPoint(mountPoint, options);
        VaultRemote vault = Vaults.open(spec, password);
        Arrays.fill(password, (byte) 0);
        Vaults.checkConditionalWrites(vault.store());
        Thread warmup = new Thread(dev.coffre.crypto.Warmup::run, "coffre-warmup");
        warmup.setDaemon(true);
        warmup.setPriority(Thread.MIN_PRIORITY);
        warmup.start();
        SegmentCache segments = new SegmentCache(cacheSize);
        String vaultHex = HexFormat.of().formatHex(vault.header().vaultId());
        vault.useMetadataCache(DiskCache.open(cache.resolve("metadata").resolve(vaultHex), METADATA_CACHE_BYTES));
        DiskCache disk = null;
        if (diskCacheSize > 0) {
            disk = DiskCache.open(cache.resolve("blocks").resolve(vaultHex), diskCacheSize);
            vault.useDiskCache(disk);
        }
        Path work = cache.resolve("staging").resolve(HexFormat.of().formatHex(vault.header().vaultId()));
        java.nio.channels.FileChannel lock = lockStaging(work);
        StagingArea staging = new StagingArea(work.resolve("blocks"));
        WriteBack writeBack = new WriteBack(vault, staging, new PendingLog(work), writeBackDelay.toMillis(),
                uploadThreads, stagingSize, pollInterval.toMillis(), gcGrace.toMillis());
        Vfs vfs = new Vfs(vault, segments, staging, writeBack, Clock.systemUTC());
        try {
            vfs.load();
        } catch (IOException e) {
            throw Vaults.translate(e);
        }
        SeenHeads.verify(vault);
        SeenHeads.record(vault);
        MountMetrics exporter = metrics == null ? null : MountMetrics.start(metrics);
        CoffreFs fs = newFs(vfs, exporter);
        CompletableFuture<Void> unmounted = new CompletableFuture<>();
        Thread fuseThread = new Thread(() -> {
            try {
                fs.serve(mountPoint, fuseOptions(spec), fuseThreads);
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
        LiveMount live = new LiveMount(mountPoint.toString(), spec.text(), Instant.now().toString(),
                log == null ? null : log.toString(), exporter == null ? null : exporter.url(), segments, cacheSize,
                disk, diskCacheSize, vault, fs, staging, vfs);
        java.util.function.Supplier<MountState> snapshot = live::state;
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
            SeenHeads.record(vault);
        }, 0, 1, TimeUnit.SECONDS);
        java.util.concurrent.atomic.AtomicBoolean force = new java.util.concurrent.atomic.AtomicBoolean();
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
        onMounted.accept("mounted " + spec.text() + " on " + mountPoint);
        unmounted.exceptionally(t -> null).join();
        control.close();
        if (force.get()) {
            LOG.info("unmounted " + mountPoint + " by force; queued changes stay for the next mount");
        } else {
            LOG.info("unmounted " + mountPoint + "; uploading what is queued before exiting");
        }
        if (foreground && !force.get()) {
            UploadProgress.during("uploading before exit", snapshot, () -> vfs.close(true));
        } else {
            vfs.close(!force.get());
        }
        stateWriter.shutdownNow();
        writeState(snapshot.get());
        SeenHeads.record(vault);
        vault.close();
        lock.close();
        if (exporter != null) {
            exporter.close();
        }
        MountState.remove(mountPoint);
        LOG.info("done");
        finished.complete(null);
        return ExitCodes.OK;
    }

    static CoffreFs newFs(Vfs vfs, dev.coffre.fuse.FuseObserver observer) throws CliException {
        try {
            return new CoffreFs(vfs, observer == null ? dev.coffre.fuse.FuseObserver.NONE : observer);
        } catch (Throwable e) {
            throw new CliException(ExitCodes.MOUNT_FAILED, "cannot load libfuse 2 (" + e.getMessage()
                    + "); install it with: apt-get install libfuse2 fuse3");
        }
    }

    private String[] fuseOptions(RemoteSpec spec) {
        List<String> all = new ArrayList<>(List.of(
                "fsname=coffre:" + spec.text().replace("local:", "").replace(',', '_'), "subtype=coffre",
                "big_writes", "max_read=131072", "max_write=131072", "max_readahead=1048576",
                "use_ino", "readdir_ino", "default_permissions", "auto_cache",
                // Attributes are not cached by the kernel: libfuse 2 gives each name of a hard-linked file
                // its own kernel inode, so a cached link count or size would go stale on the other names.
                "attr_timeout=0", "entry_timeout=1", "negative_timeout=1"));
        all.addAll(options);
        List<String> args = new ArrayList<>();
        for (String option : all) {
            args.add("-o");
            args.add(option);
        }
        return args.toArray(String[]::new);
    }

    private static void writeState(MountState state) {
        try {
            state.write();
        } catch (IOException e) {
            LOG.log(Level.WARNING, "could not write mount state", e);
        }
    }

    /**
     * One mount per vault and machine: the staging folder and pending log are this mount's alone. The lock
     * dies with the process, so a crash leaves nothing to clean up.
     */
    static java.nio.channels.FileChannel lockStaging(Path work) throws IOException, CliException {
        Files.createDirectories(work);
        java.nio.channels.FileChannel channel = java.nio.channels.FileChannel.open(work.resolve("lock"),
                java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.WRITE);
        if (channel.tryLock() == null) {
            channel.close();
            throw new CliException(ExitCodes.MOUNT_FAILED, "this vault is already mounted on this machine"
                    + " (its staging folder " + work + " is in use)");
        }
        return channel;
    }

    private static String describe(Throwable t) {
        String message = t.getMessage();
        if (t.getCause() != null && t.getCause() != t) {
            message = message + ": " + t.getCause().getMessage();
        }
        return message;
    }
}
