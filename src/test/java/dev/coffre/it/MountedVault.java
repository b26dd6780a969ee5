package dev.coffre.it;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A vault in a local folder, with its own temporary XDG directories and a mount point, mounted
 * by the coffre command line in daemon mode.
 *
 * <p>{@link #close()} unmounts with {@code coffre unmount} and always falls back to
 * {@code fusermount -u}, then {@code fusermount -uz}, so a failed test never leaves a mount
 * behind. Vaults not closed by their test (a test that timed out in its own thread) are closed
 * by {@link Cleanup} after the class, and by a shutdown hook as a last resort.
 */
final class MountedVault implements AutoCloseable {

    /** Cheap KDF parameters for tests. */
    static final String[] CHEAP_KDF = {"--kdf-memory", "8", "--kdf-iterations", "1"};

    private static final Set<MountedVault> OPEN = ConcurrentHashMap.newKeySet();
    private static final String S3_BUCKET = "coffre-it";
    /** When set, new vaults live in this S3 server (a fresh prefix each) instead of a local folder. */
    private static volatile dev.coffre.store.S3ProxyServer s3;

    /** Makes the vaults of the following tests S3 vaults on {@code server} (S3 variants of the suites). */
    static void useS3(dev.coffre.store.S3ProxyServer server) throws IOException {
        server.createBucket(S3_BUCKET);
        s3 = server;
    }

    static void useLocal() {
        s3 = null;
    }

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            for (MountedVault v : OPEN) {
                if (Coffre.isMounted(v.mnt)) {
                    Coffre.exec(List.of("fusermount", "-uz", v.mnt.toString()), Map.of(), null, Duration.ofSeconds(20));
                }
            }
        }, "coffre-it-unmount"));
    }

    final Path root;
    /** Where the vault's objects are on this machine: the local folder, or the S3 server's backend folder. */
    final Path vault;
    private final String remote;
    final Path mnt;
    final Path dataHome;
    final Path cacheHome;
    final Path runtimeDir;
    final Path configHome;
    final Path home;
    final String password;
    private final Coffre coffre;
    private volatile boolean closed;

    private MountedVault(String password) throws IOException {
        this(password, null, null);
    }

    /** With {@code sameVaultAs}, a second client (own folders, own mount point) of that vault. */
    private MountedVault(String password, String sharedRemote, Path sharedVault) throws IOException {
        this.root = Files.createTempDirectory("coffre-it-");
        dev.coffre.store.S3ProxyServer server = s3;
        String prefix = "v-" + Long.toHexString(System.nanoTime());
        this.vault = sharedVault != null ? sharedVault
                : server == null ? root.resolve("vault") : server.bucketDir(S3_BUCKET).resolve(prefix);
        this.remote = sharedRemote != null ? sharedRemote
                : server == null ? "local:" + vault : "s3://" + S3_BUCKET + "/" + prefix;
        this.mnt = root.resolve("mnt");
        this.dataHome = Files.createDirectory(root.resolve("data"));
        this.cacheHome = Files.createDirectory(root.resolve("cache"));
        this.runtimeDir = Files.createDirectory(root.resolve("run"));
        this.configHome = Files.createDirectory(root.resolve("config"));
        this.home = Files.createDirectory(root.resolve("home"));
        Files.setPosixFilePermissions(runtimeDir, PosixFilePermissions.fromString("rwx------"));
        Files.createDirectory(mnt);
        this.password = password;
        Map<String, String> env = new HashMap<>();
        // Mounts skip the JIT warm-up (~2 s each here, dozens of mounts per run); CliIT mounts once with it.
        env.put("COFFRE_NO_WARM_UP", "true");
        env.put("XDG_DATA_HOME", dataHome.toString());
        env.put("XDG_CACHE_HOME", cacheHome.toString());
        env.put("XDG_RUNTIME_DIR", runtimeDir.toString());
        env.put("XDG_CONFIG_HOME", configHome.toString());
        env.put("COFFRE_PASSWORD", password);
        if (server != null) {
            env.putAll(server.clientEnv());
        }
        this.coffre = new Coffre(env);
        OPEN.add(this);
    }

    /** Another client of {@code first}'s vault: its own machine state and mount point, the same vault. */
    static MountedVault secondClientOf(MountedVault first) throws IOException {
        return new MountedVault(first.password, first.remote, first.vault);
    }

    /** Temp dirs only: no vault yet. */
    static MountedVault empty() throws IOException {
        return new MountedVault("it-password-" + Long.toHexString(System.nanoTime()));
    }

    /** An initialized vault, not mounted. */
    static MountedVault initialized() throws IOException {
        MountedVault v = empty();
        try {
            v.init();
            return v;
        } catch (RuntimeException | Error e) {
            v.close();
            throw e;
        }
    }

    /** An initialized and mounted vault. */
    static MountedVault create() throws IOException {
        MountedVault v = initialized();
        try {
            v.mount();
            return v;
        } catch (RuntimeException | Error e) {
            v.close();
            throw e;
        }
    }

    String remote() {
        return remote;
    }

    Coffre coffre() {
        return coffre;
    }

    /** Environment for shell programs run against this vault (a private HOME, e.g. for git). */
    Map<String, String> shellEnv() {
        return Map.of("HOME", home.toString(), "GIT_CONFIG_NOSYSTEM", "1", "LC_ALL", "C.UTF-8");
    }

    void init() {
        List<String> args = new ArrayList<>(List.of("init", remote()));
        args.addAll(List.of(CHEAP_KDF));
        coffre.run(args.toArray(String[]::new)).assertOk();
        assertTrue(Files.isRegularFile(vault.resolve("coffre-vault.json")), "init did not create the vault header");
    }

    /** {@code coffre mount REMOTE MNT extra...} in daemon mode, without assertions. */
    Coffre.Result tryMount(Map<String, String> extraEnv, String... extra) {
        List<String> args = new ArrayList<>(List.of("mount", remote(), mnt.toString()));
        args.addAll(List.of(extra));
        return coffre.run(Coffre.TIMEOUT, extraEnv, args.toArray(String[]::new));
    }

    /** Mounts in daemon mode; the drive must be usable when the command returns. */
    void mount() {
        Coffre.Result r = tryMount(Map.of());
        r.assertOk();
        assertTrue(Coffre.isMounted(mnt), () -> r.describe("mount exited 0 but " + mnt + " is not in /proc/self/mountinfo"));
    }

    void unmount() {
        Coffre.Result r = coffre.run("unmount", mnt.toString());
        r.assertOk();
        assertFalse(Coffre.isMounted(mnt), () -> r.describe("unmount exited 0 but " + mnt + " is still mounted"));
    }

    void remount() {
        unmount();
        mount();
    }

    /** Forgets the local cache (only while unmounted), so the next mount reads from the vault. */
    void dropLocalCache() throws IOException {
        assertFalse(Coffre.isMounted(mnt), "dropLocalCache while mounted");
        Coffre.deleteTree(cacheHome);
        Files.createDirectories(cacheHome);
    }

    Path path(String relative) {
        return mnt.resolve(relative);
    }

    /** Unmounts whatever way works, stops leftover processes of this vault, deletes temp dirs. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        boolean interrupted = Thread.interrupted(); // a timed-out test must still clean up
        try {
            if (Coffre.isMounted(mnt)) {
                try {
                    Coffre.Result r = coffre.run(Duration.ofMinutes(2), Map.of(), "unmount", mnt.toString());
                    if (r.exit() != 0) {
                        System.err.println(r.describe("[coffre-it] cleanup: coffre unmount failed"));
                    }
                } catch (RuntimeException | Error e) {
                    System.err.println("[coffre-it] cleanup: coffre unmount: " + e);
                }
            }
            if (Coffre.isMounted(mnt)) {
                Coffre.exec(List.of("fusermount", "-u", mnt.toString()), Map.of(), null, Duration.ofSeconds(30));
            }
            if (Coffre.isMounted(mnt)) {
                System.err.println("[coffre-it] cleanup: lazy unmount of " + mnt);
                Coffre.exec(List.of("fusermount", "-uz", mnt.toString()), Map.of(), null, Duration.ofSeconds(30));
            }
            stopLeftoverProcesses();
            if (!Coffre.isMounted(mnt)) {
                Coffre.deleteTree(root);
                OPEN.remove(this);
                closed = true;
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** Mount processes of this vault (found by our unique temp path in their command line). */
    List<ProcessHandle> ownProcesses() {
        String marker = root + "/";
        long self = ProcessHandle.current().pid();
        return ProcessHandle.allProcesses()
                .filter(p -> p.pid() != self)
                .filter(p -> p.info().commandLine().map(c -> c.contains(marker)).orElse(false))
                .toList();
    }

    private void stopLeftoverProcesses() {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
        List<ProcessHandle> left = ownProcesses();
        while (!left.isEmpty() && System.nanoTime() < deadline) {
            sleep(200);
            left = ownProcesses();
        }
        for (ProcessHandle p : left) {
            System.err.println("[coffre-it] cleanup: stopping leftover process " + p.pid() + " " + p.info().commandLine().orElse(""));
            p.destroy();
        }
        for (ProcessHandle p : left) {
            try {
                p.onExit().get(10, TimeUnit.SECONDS);
            } catch (Exception e) {
                p.destroyForcibly();
            }
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    static void closeAllOpen() {
        for (MountedVault v : List.copyOf(OPEN)) {
            v.close();
        }
    }

    /** Closes the vaults a timed-out test could not close itself. */
    static final class Cleanup implements AfterAllCallback {
        @Override
        public void afterAll(ExtensionContext context) {
            closeAllOpen();
        }
    }

    static void writeString(Path p, String s) {
        try {
            Files.writeString(p, s);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
