package dev.coffre.vfs;

import dev.coffre.cache.SegmentCache;
import dev.coffre.crypto.Kdf;
import dev.coffre.io.PendingLog;
import dev.coffre.io.StagingArea;
import dev.coffre.io.WriteBack;
import dev.coffre.remote.vault.VaultRemote;
import dev.coffre.store.LocalObjectStore;
import dev.coffre.store.ObjectStore;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;

/** A real vault in a temporary folder, with a cheap KDF, opened in-process (no FUSE). */
public final class TestVault implements AutoCloseable {
    public static final byte[] PASSWORD = "test password".getBytes(StandardCharsets.UTF_8);
    public static final Kdf.Argon2Params CHEAP_KDF = new Kdf.Argon2Params(8 * 1024, 1, 1);

    public final Path folder;
    public final Path staging;
    public final ObjectStore store;
    private VaultRemote remote;
    private Vfs vfs;
    private WriteBack writeBack;
    /** Tests that want the queue to wait set this before reopening. */
    public long writeBackDelayMillis = 0;
    /** How often the write-back looks for other clients' changes. */
    public long pollMillis = 1000;
    public long stagingLimitBytes = 1L << 30;
    public int uploadThreads = 2;

    private TestVault(Path folder, Path staging, ObjectStore store) {
        this.folder = folder;
        this.staging = staging;
        this.store = store;
    }

    /** Creates a vault in {@code dir}/vault; {@code store} may wrap the local store (for counting). */
    public static TestVault create(Path dir, java.util.function.UnaryOperator<ObjectStore> wrap) throws IOException {
        Path folder = dir.resolve("vault");
        LocalObjectStore local = new LocalObjectStore(folder);
        local.prepare();
        ObjectStore store = wrap.apply(local);
        VaultRemote.create(store, PASSWORD, CHEAP_KDF, Vfs.rootDirectory(0, 0, 1_000_000_000L));
        TestVault vault = new TestVault(folder, dir.resolve("staging"), store);
        vault.open();
        return vault;
    }

    /** Creates a vault in any store (for example S3); {@code dir} holds the local staging. */
    public static TestVault create(Path dir, ObjectStore store) throws IOException {
        VaultRemote.create(store, PASSWORD, CHEAP_KDF, Vfs.rootDirectory(0, 0, 1_000_000_000L));
        TestVault vault = new TestVault(null, dir.resolve("staging"), store);
        vault.open();
        return vault;
    }

    public static TestVault create(Path dir) throws IOException {
        return create(dir, s -> s);
    }

    /** Opens an existing vault folder. */
    public static TestVault open(Path folder, Path staging, byte[] password) throws IOException {
        TestVault vault = new TestVault(folder, staging, new LocalObjectStore(folder));
        vault.open(password);
        return vault;
    }

    private void open() throws IOException {
        open(PASSWORD);
    }

    private void open(byte[] password) throws IOException {
        remote = VaultRemote.open(store, password);
        StagingArea stagingArea = new StagingArea(staging.resolve("blocks"));
        writeBack = new WriteBack(remote, stagingArea, new PendingLog(staging), writeBackDelayMillis, uploadThreads, stagingLimitBytes,
                pollMillis, 0);
        vfs = new Vfs(remote, new SegmentCache(64L << 20), stagingArea, writeBack, Clock.systemUTC());
        vfs.load();
    }

    /** Uploads everything queued, as an fsync of the whole drive does. */
    public void sync() throws IOException {
        vfs.syncAll();
    }

    public Vfs vfs() {
        return vfs;
    }

    public VaultRemote remote() {
        return remote;
    }

    /** Closes and opens again from storage, as an unmount and mount would. */
    public Vfs reopen() throws IOException {
        vfs.close();
        open();
        return vfs;
    }

    // ---- small conveniences for tests ----

    public void writeFile(String path, byte[] content) throws IOException {
        long fh = vfs.create(path, 0644, 0, 0, 1);
        vfs.write(fh, 0, content, content.length);
        vfs.release(fh);
    }

    public byte[] readFile(String path) throws IOException {
        return readAll(vfs, path);
    }

    /** Path to size (folders: -1) of everything below {@code dir}, added to {@code out}. */
    public static java.util.Map<String, Long> listing(Vfs vfs, String dir, java.util.Map<String, Long> out)
            throws IOException {
        for (Vfs.DirEntry e : vfs.readdir(dir)) {
            if (e.name().equals(".") || e.name().equals("..")) {
                continue;
            }
            String path = (dir.equals("/") ? "" : dir) + "/" + e.name();
            boolean folder = e.attributes().type() == dev.coffre.remote.NodeType.DIRECTORY;
            out.put(path, folder ? -1 : e.attributes().size());
            if (folder) {
                listing(vfs, path, out);
            }
        }
        return out;
    }

    /** The whole content of {@code path}, read in 128 KiB pieces as the kernel asks for it. */
    public static byte[] readAll(Vfs vfs, String path) throws IOException {
        long fh = vfs.open(path, 0);
        try {
            long size = vfs.getattr(fh).size();
            byte[] out = new byte[Math.toIntExact(size)];
            int done = 0;
            while (done < out.length) {
                byte[] chunk = new byte[Math.min(128 * 1024, out.length - done)];
                int n = vfs.read(fh, done, chunk, chunk.length);
                if (n <= 0) {
                    break;
                }
                System.arraycopy(chunk, 0, out, done, n);
                done += n;
            }
            return out;
        } finally {
            vfs.release(fh);
        }
    }

    @Override
    public void close() {
        vfs.close();
    }
}
