package dev.coffre.cli;

import dev.coffre.cache.DiskCache;
import dev.coffre.cache.SegmentCache;
import dev.coffre.io.PendingLog;
import dev.coffre.io.StagingArea;
import dev.coffre.io.WriteBack;
import dev.coffre.remote.vault.VaultRemote;
import dev.coffre.vfs.Vfs;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;

@Command(name = "mount", description = {"Mount a vault, a MEGA account or folder, or a MEGA folder link (read-only) as a drive.",
        "Returns once the drive is usable; the mount runs on in the background until 'coffre unmount'."},
        footer = ExitCodes.HELP, mixinStandardHelpOptions = true)
final class MountCommand implements java.util.concurrent.Callable<Integer> {
    @picocli.CommandLine.Mixin
    RemoteOptions remoteOptions = new RemoteOptions();

    /** Local copies of the vault's snapshots (encrypted, as stored); only the newest two are ever read. */
    private static final long METADATA_CACHE_BYTES = 256L << 20;

    @Parameters(arity = "1..2", paramLabel = "[REMOTE] MOUNTPOINT",
            description = "REMOTE is the NAME of a saved remote (coffre remote add), local:PATH, a path or"
                    + " s3://BUCKET/PREFIX (default: local:~/.local/share/coffre/vault, created on first use);"
                    + " or MEGA: mega: (the Cloud Drive), mega:/FOLDER, or a folder link https://mega.nz/folder/H#KEY"
                    + " (read-only);"
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
            description = "Memory for decrypted data: the cache, read-ahead and reads under way, outside the Java heap"
                    + " (default: 256M).")
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

    @Option(names = "--upload-threads", paramLabel = "N", description = "Parallel uploads (default: 32; 8 for MEGA).")
    Integer uploadThreads;

    /**
     * A small file is one request, whose time is mostly the service's latency: 32 in flight (4 MiB blocks still
     * take turns, 8 at a time, for memory) made an rsync of 2,000 small files to S3 25% faster than 8. MEGA
     * answers bursts of requests with ERATELIMIT/ETOOMANY, so it keeps 8.
     */
    int uploadThreads(boolean mega) {
        return uploadThreads != null ? uploadThreads : mega ? 8 : 32;
    }

    @Option(names = "--fuse-threads", paramLabel = "N",
            description = "Threads serving the kernel's requests, so that parallel readers and slow fetches do not"
                    + " wait for each other (default: ${DEFAULT-VALUE}).")
    int fuseThreads = 16;

    // fallbackValue: a bare flag means true; without it picocli sets the opposite of the default, which
    // $COFFRE_NO_WARM_UP=true would turn into false.
    @Option(names = "--no-warm-up", defaultValue = "${env:COFFRE_NO_WARM_UP:-false}", fallbackValue = "true",
            description = "Report the drive ready without first compiling its read path (~2 s on 2 cores): a mount"
                    + " for a quick job is ready sooner, and its first hundreds of MiB read up to half as fast."
                    + " $COFFRE_NO_WARM_UP=true does the same (true or false).")
    boolean noWarmUp;

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
        Path mountPoint = given.mountPoint();
        Path log = logFile != null ? logFile.toAbsolutePath()
                : cacheDirectory().resolve("logs").resolve("mount-" + MountState.file(mountPoint).getFileName()
                .toString().replace(".json", ".log"));
        MountSession session = new MountSession(this, mountPoint, log);
        String megaRemote = megaRemote(given.remote());
        if (megaRemote != null) {
            return new MegaMount(this, session, megaRemote, mountPoint).run();
        }
        RemoteSpec spec = remoteOptions.parse(given.remote());
        MountSession.Opener opener = password -> open(spec, password);
        if (spec.s3() != null) {
            session.warmUpS3Client();
        }
        if (daemonChild) {
            return session.serveAsChild(true, opener);
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
            return session.serveInForeground(opener, password);
        }
        return session.startChild(spec.text(), RemoteSpec.flags(remoteOptions.s3()), spec.text(), password);
    }

    /** The cache and staging folder: --cache-dir, else the user's cache folder. */
    Path cacheDirectory() {
        return cacheDir == null ? Dirs.cache() : cacheDir.toAbsolutePath();
    }

    /** The MEGA remote ({@code mega:} or a link) the argument names, directly or as a saved remote; else null. */
    private static String megaRemote(String remote) throws CliException {
        if (remote == null) {
            return null;
        }
        String url = RemoteNames.lookup(remote).map(NamedRemote::url).orElse(remote);
        return RemoteSpec.isMega(url) ? url : null;
    }

    // ---- the vault's filesystem core ----

    private MountSession.Opened open(RemoteSpec spec, byte[] password) throws CliException, IOException {
        VaultRemote vault = Vaults.open(spec, password);
        Arrays.fill(password, (byte) 0);
        Vaults.checkConditionalWrites(vault.store());
        Path cache = cacheDirectory();
        SegmentCache segments = new SegmentCache(cacheSize);
        String vaultHex = HexFormat.of().formatHex(vault.header().vaultId());
        vault.useMetadataCache(DiskCache.open(cache.resolve("metadata").resolve(vaultHex), METADATA_CACHE_BYTES));
        DiskCache disk = null;
        if (diskCacheSize > 0) {
            disk = DiskCache.open(cache.resolve("blocks").resolve(vaultHex), diskCacheSize);
            vault.useDiskCache(disk);
        }
        Path work = cache.resolve("staging").resolve(vaultHex);
        java.nio.channels.FileChannel lock = MountSession.lockStaging(work, "this vault");
        StagingArea staging = new StagingArea(work.resolve("blocks"));
        WriteBack writeBack = new WriteBack(vault, staging, new PendingLog(work), writeBackDelay.toMillis(),
                uploadThreads(false), stagingSize, pollInterval.toMillis(), gcGrace.toMillis());
        Vfs vfs = new Vfs(vault, segments, staging, writeBack, Clock.systemUTC());
        try {
            vfs.load();
        } catch (IOException e) {
            throw Vaults.translate(e);
        }
        SeenHeads.verify(vault);
        SeenHeads.record(vault);
        return new MountSession.Opened(spec.text(), spec.text().replace("local:", ""), false, vfs, segments, disk,
                staging, vault::fetchedBytes, vault::fetchRequests, () -> SeenHeads.record(vault), () -> {
                    vault.close();
                    lock.close();
                });
    }
}
