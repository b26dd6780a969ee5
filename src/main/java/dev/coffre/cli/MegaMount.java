package dev.coffre.cli;

import dev.coffre.cache.SegmentCache;
import dev.coffre.fuse.CoffreFs;
import dev.coffre.io.PendingLog;
import dev.coffre.io.StagingArea;
import dev.coffre.io.WriteBack;
import dev.coffre.remote.mega.MegaClient;
import dev.coffre.remote.mega.MegaRemote;
import dev.coffre.vfs.Vfs;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.logging.Logger;

/**
 * {@code coffre mount mega: DIR}: a MEGA account's Cloud Drive through the same filesystem core as a vault
 * ({@link MegaRemote} under {@link Vfs} and its write-back). The background half is this command again with
 * {@code --daemon-child}; it reaches the account the way {@code coffre ls mega:} does (the saved session of
 * {@code coffre login mega:}, else {@code MEGA_EMAIL}/{@code MEGA_PASSWORD} from the environment it inherits).
 */
final class MegaMount {
    private static final Logger LOG = Logger.getLogger(MegaMount.class.getName());
    private static final String CHILD_OK = "COFFRE-MOUNTED";
    private static final String CHILD_ERROR = "COFFRE-ERROR";

    private final MountCommand command;
    private final String remote;
    private final Path mountPoint;
    private final Path cache;
    private final Path log;

    MegaMount(MountCommand command, String remote, Path mountPoint, Path cache, Path log) {
        this.command = command;
        this.remote = remote;
        this.mountPoint = mountPoint;
        this.cache = cache;
        this.log = log;
    }

    int run() throws Exception {
        if (!remote.equals("mega:")) {
            throw new CliException(ExitCodes.MOUNT_FAILED, "only the whole Cloud Drive mounts (mega:), not " + remote
                    + "; public folder links and folders inside the drive cannot be mounted yet");
        }
        if (command.metrics != null) {
            throw new CliException(ExitCodes.USAGE, "--metrics is not available for MEGA mounts yet");
        }
        if (command.daemonChild) {
            return serveAsChild();
        }
        FuseOptions.check(command.options);
        Mounts.checkMountPoint(mountPoint, command.options);
        if (command.foreground) {
            LogSetup.configure(command.logFile == null ? null : log);
            return serve(message -> System.err.println("coffre: " + message));
        }
        MegaAccess.open(command.mega).close(); // credentials and session checked here, where a terminal can be asked
        return startChild();
    }

    private int startChild() throws Exception {
        String java = ProcessHandle.current().info().command().orElse("java");
        List<String> args = new ArrayList<>();
        if (Files.isExecutable(Path.of("/usr/bin/setsid"))) {
            args.add("/usr/bin/setsid");
        }
        args.addAll(List.of(java, "-Xmx" + ((command.cacheSize >> 20) + 256) + "m", "-XX:+UseG1GC",
                "-Djdk.nio.maxCachedBufferSize=262144",
                "-cp", System.getProperty("java.class.path"), Main.class.getName(),
                "mount", "--daemon-child", "--cache-dir", cache.toString(), "--cache-size", Long.toString(command.cacheSize),
                "--log-file", log.toString(), "--write-back", command.writeBackDelay.toMillis() + "ms",
                "--upload-threads", Integer.toString(command.uploadThreads),
                "--fuse-threads", Integer.toString(command.fuseThreads),
                "--staging-size", Long.toString(command.stagingSize),
                "--poll-interval", command.pollInterval.toMillis() + "ms",
                "--mega-api", command.mega.apiUrl(), "--mega-verify", command.megaVerify.optionValue()));
        if (command.megaHardDelete) {
            args.add("--mega-hard-delete");
        }
        args.addAll(LogSetup.flags());
        for (String option : command.options) {
            args.add("-o");
            args.add(option);
        }
        args.add(remote);
        args.add(mountPoint.toString());
        Files.createDirectories(log.getParent());
        ProcessBuilder builder = new ProcessBuilder(args).redirectError(ProcessBuilder.Redirect.appendTo(log.toFile()));
        builder.environment().putIfAbsent("MALLOC_ARENA_MAX", "2");
        Process child = builder.start();
        child.getOutputStream().close();
        BufferedReader answer = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8));
        String line;
        while ((line = answer.readLine()) != null) {
            if (line.equals(CHILD_OK)) {
                System.out.println("mounted " + remote + " on " + mountPoint + " (log: " + log + ")");
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

    private int serveAsChild() throws IOException {
        PrintStream parent = new PrintStream(System.out, true, StandardCharsets.UTF_8);
        System.setOut(new PrintStream(OutputStream.nullOutputStream()));
        LogSetup.configure(log);
        try {
            return serve(message -> {
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

    private int serve(java.util.function.Consumer<String> onMounted) throws CliException, IOException {
        Mounts.checkMountPoint(mountPoint, command.options);
        MegaClient client = MegaAccess.open(command.mega);
        Path work = cache.resolve("staging").resolve("mega-" + accountId(command.mega.apiUrl(), client));
        java.nio.channels.FileChannel lock = MountCommand.lockStaging(work);
        int uid = (Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid");
        int gid = (Integer) Files.getAttribute(Path.of("/proc/self"), "unix:gid");
        MegaRemote mega = new MegaRemote(client, work.resolve("content"), command.megaHardDelete, uid, gid);
        mega.verifyReads(command.megaVerify, work.resolve("chunk-macs"));
        StagingArea staging = new StagingArea(work.resolve("blocks"));
        WriteBack writeBack = new WriteBack(mega, staging, new PendingLog(work), command.writeBackDelay.toMillis(),
                command.uploadThreads, command.stagingSize, command.pollInterval.toMillis(), 0);
        SegmentCache segments = new SegmentCache(command.cacheSize);
        Vfs vfs = new Vfs(mega, segments, staging, writeBack, Clock.systemUTC());
        try {
            vfs.load();
        } catch (IOException e) {
            throw MegaAccess.translate(e);
        }
        CoffreFs fs = MountCommand.newFs(vfs, null);
        CompletableFuture<Void> unmounted = new CompletableFuture<>();
        Thread fuseThread = new Thread(() -> {
            try {
                fs.serve(mountPoint, fuseOptions(), command.fuseThreads);
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
            fs.umount();
            throw new CliException(ExitCodes.MOUNT_FAILED, "could not mount " + mountPoint + ": "
                    + (e instanceof TimeoutException ? "FUSE did not start within 60 s" : String.valueOf(e.getMessage())));
        }
        if (!fs.ready().isDone()) {
            throw new CliException(ExitCodes.MOUNT_FAILED, "could not mount " + mountPoint + " (see the log)");
        }
        String startedAt = Instant.now().toString();
        java.util.function.Supplier<MountState> snapshot = () -> {
            WriteBack.Stats queue = vfs.writeBackStats();
            return new MountState(ProcessHandle.current().pid(), mountPoint.toString(), remote, startedAt,
                    log == null ? null : log.toString(), null, segments.weightedSize(), command.cacheSize,
                    segments.requests(), segments.misses(), segments.evictions(), 0, 0, 0, 0, 0,
                    fs.integrityFailures(), queue.pendingChanges(), queue.pendingFiles(), queue.pendingBytes(),
                    staging.bytes(), queue.uploadedBlocks(), queue.uploadedBytes(), queue.uploadRateBytesPerSecond(),
                    queue.commits(), queue.retries(), queue.failedAttempts(), queue.failure(), queue.failurePermanent(),
                    queue.remoteRecordsApplied(), queue.safeToUnmount(), Instant.now().toString());
        };
        java.util.concurrent.ScheduledExecutorService stateWriter =
                java.util.concurrent.Executors.newSingleThreadScheduledExecutor(r -> {
                    Thread t = new Thread(r, "coffre-state");
                    t.setDaemon(true);
                    return t;
                });
        stateWriter.scheduleWithFixedDelay(() -> writeState(snapshot.get()), 0, 1, TimeUnit.SECONDS);
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
            fs.umount();
            finished.completeOnTimeout(null, 30, TimeUnit.MINUTES).join();
        }, "coffre-shutdown"));
        onMounted.accept("mounted " + remote + " on " + mountPoint);
        unmounted.exceptionally(t -> null).join();
        control.close();
        LOG.info("unmounted " + mountPoint + (force.get() ? " by force; queued changes stay for the next mount"
                : "; uploading what is queued before exiting"));
        vfs.close(!force.get());
        stateWriter.shutdownNow();
        writeState(snapshot.get());
        mega.close();
        lock.close();
        MountState.remove(mountPoint);
        LOG.info("done");
        finished.complete(null);
        return ExitCodes.OK;
    }

    private String[] fuseOptions() {
        List<String> all = new ArrayList<>(List.of("fsname=coffre:mega", "subtype=coffre",
                "big_writes", "max_read=131072", "max_write=131072", "max_readahead=1048576",
                "use_ino", "readdir_ino", "default_permissions", "auto_cache",
                "attr_timeout=0", "entry_timeout=1", "negative_timeout=1"));
        all.addAll(command.options);
        List<String> args = new ArrayList<>();
        for (String option : all) {
            args.add("-o");
            args.add(option);
        }
        return args.toArray(String[]::new);
    }

    /** One staging folder per account and API: a digest of both, so no e-mail appears in a path. */
    private static String accountId(String apiUrl, MegaClient client) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(
                    (apiUrl + "\n" + client.session().userHandle()).getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest, 0, 12);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void writeState(MountState state) {
        try {
            state.write();
        } catch (IOException e) {
            LOG.warning("could not write mount state: " + e.getMessage());
        }
    }
}
