package dev.coffre.cli;

import dev.coffre.crypto.Kdf;
import dev.coffre.remote.IntegrityException;
import dev.coffre.remote.VaultException;
import dev.coffre.remote.vault.VaultRemote;
import dev.coffre.store.LocalObjectStore;
import dev.coffre.store.ObjectStore;
import dev.coffre.vfs.Vfs;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;

/** Opening and creating vaults for the commands, with failures turned into exit codes and one-line messages. */
final class Vaults {
    private Vaults() {
    }

    static VaultRemote open(RemoteSpec spec, byte[] password) throws CliException {
        if (spec.isLocal() && !Files.isDirectory(spec.localPath())) {
            throw new CliException(ExitCodes.NO_VAULT, "no vault at " + spec.text() + ": the folder does not exist"
                    + " (create a vault with: coffre init " + spec.text() + ")");
        }
        try {
            return VaultRemote.open(spec.openStore(), password);
        } catch (IOException e) {
            throw translate(e);
        }
    }

    static void create(RemoteSpec spec, byte[] password, Kdf.Argon2Params kdf) throws CliException {
        try {
            ObjectStore store;
            if (spec.isLocal()) {
                LocalObjectStore.createPrivateDirectory(spec.localPath());
                LocalObjectStore local = new LocalObjectStore(spec.localPath());
                local.prepare();
                store = local;
            } else {
                store = spec.openStore();
            }
            if (store.list("").stream().anyMatch(key -> !key.startsWith(".tmp/"))) {
                throw new CliException(ExitCodes.ERROR, "cannot create a vault in " + spec.text()
                        + ": it is not empty and holds no vault (if an earlier 'coffre init' was"
                        + " interrupted, empty it and run it again)");
            }
            VaultRemote.create(store, password, kdf, Vfs.rootDirectory(currentUid(), currentGid(), nowNanos()));
        } catch (IOException e) {
            throw translate(e);
        }
    }

    static boolean exists(RemoteSpec spec) {
        return spec.isLocal() && Files.exists(spec.localPath().resolve(dev.coffre.remote.vault.VaultHeader.KEY));
    }

    /**
     * Several clients can share a vault only where create-if-absent really is atomic. A service that
     * ignores If-None-Match would let two clients overwrite each other's journal records: refuse it.
     */
    static void checkConditionalWrites(ObjectStore store) throws CliException {
        if (store.atomicCreate()) {
            return; // a local folder: create-if-absent is a hard link, atomic by construction
        }
        String probe = "probe/" + java.util.UUID.randomUUID();
        try {
            boolean first = store.putIfAbsent(probe, new byte[] {1});
            boolean second = store.putIfAbsent(probe, new byte[] {2});
            store.delete(probe);
            if (!first || second) { // a second create of the same name must fail
                throw new CliException(ExitCodes.MOUNT_FAILED, store.describe() + " does not honour conditional"
                        + " writes (If-None-Match): coffre cannot keep a vault consistent there. Use a service that"
                        + " does (AWS S3, MinIO, Ceph RGW, S3Proxy 3.1+).");
            }
        } catch (IOException e) {
            throw translate(e);
        }
    }

    static CliException translate(IOException e) {
        if (e instanceof VaultException v) {
            int code = switch (v.reason()) {
                case NOT_FOUND, NOT_A_VAULT -> ExitCodes.NO_VAULT;
                case WRONG_PASSWORD -> ExitCodes.WRONG_PASSWORD;
                case ALREADY_EXISTS, CONFLICT -> ExitCodes.ERROR;
            };
            return new CliException(code, v.getMessage());
        }
        if (e instanceof IntegrityException) {
            return new CliException(ExitCodes.INTEGRITY, "integrity failure: " + e.getMessage());
        }
        if (e instanceof dev.coffre.store.PermanentStoreException) {
            return new CliException(ExitCodes.STORAGE, e.getMessage());
        }
        if (e instanceof java.net.ConnectException || e instanceof java.net.UnknownHostException
                || e instanceof java.net.SocketTimeoutException) {
            return new CliException(ExitCodes.STORAGE, "cannot reach the storage: " + e.getMessage());
        }
        return new CliException(ExitCodes.ERROR, String.valueOf(e.getMessage()));
    }

    static int currentUid() {
        return procSelfOwner("unix:uid");
    }

    static int currentGid() {
        return procSelfOwner("unix:gid");
    }

    private static int procSelfOwner(String attribute) {
        try {
            return (Integer) Files.getAttribute(Path.of("/proc/self"), attribute);
        } catch (IOException | UnsupportedOperationException e) {
            return 0;
        }
    }

    static long nowNanos() {
        Instant now = Instant.now();
        return now.getEpochSecond() * 1_000_000_000L + now.getNano();
    }
}
