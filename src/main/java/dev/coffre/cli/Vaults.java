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
        ObjectStore store = spec.openStore();
        if (!Files.isDirectory(spec.localPath())) {
            throw new CliException(ExitCodes.NO_VAULT, "no vault at " + spec.text() + ": the folder does not exist"
                    + " (create a vault with: coffre init " + spec.text() + ")");
        }
        try {
            return VaultRemote.open(store, password);
        } catch (IOException e) {
            throw translate(e);
        }
    }

    static void create(RemoteSpec spec, byte[] password, Kdf.Argon2Params kdf) throws CliException {
        try {
            LocalObjectStore.createPrivateDirectory(spec.localPath());
            LocalObjectStore store = new LocalObjectStore(spec.localPath());
            try (var files = Files.list(spec.localPath())) {
                if (files.anyMatch(p -> !p.getFileName().toString().equals(".tmp"))) {
                    throw new CliException(ExitCodes.ERROR, "cannot create a vault in " + spec.localPath()
                            + ": the folder is not empty and holds no vault (if an earlier 'coffre init' was"
                            + " interrupted, remove the folder and run it again)");
                }
            }
            store.prepare();
            VaultRemote.create(store, password, kdf, Vfs.rootDirectory(currentUid(), currentGid(), nowNanos()));
        } catch (IOException e) {
            throw translate(e);
        }
    }

    static boolean exists(RemoteSpec spec) {
        return Files.exists(spec.localPath().resolve(dev.coffre.remote.vault.VaultHeader.KEY));
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
