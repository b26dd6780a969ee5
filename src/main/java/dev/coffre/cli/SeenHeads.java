package dev.coffre.cli;

import dev.coffre.remote.vault.VaultRemote;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.HexFormat;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Rollback detection: this machine remembers the newest journal record it has seen of each vault. The
 * storage could otherwise serve an older, still authentic, state (by deleting the newest records or
 * restoring an old copy) without anyone noticing.
 */
final class SeenHeads {
    private static final Logger LOG = Logger.getLogger(SeenHeads.class.getName());

    private SeenHeads() {
    }

    static Path file(VaultRemote vault) {
        return Dirs.state().resolve("vaults").resolve(HexFormat.of().formatHex(vault.header().vaultId()) + ".head");
    }

    /** Fails when the vault ends before a record this machine has already seen. */
    static void verify(VaultRemote vault) throws CliException {
        Path file = file(vault);
        long seen;
        try {
            seen = Files.exists(file) ? Long.parseLong(Files.readString(file, StandardCharsets.US_ASCII).trim()) : 0;
        } catch (IOException | NumberFormatException e) {
            LOG.warning("cannot read " + file + "; rollback detection starts again from now");
            seen = 0;
        }
        if (vault.head() < seen) {
            throw new CliException(ExitCodes.INTEGRITY, "integrity failure: " + vault.describe() + " ends at journal"
                    + " record " + vault.head() + " but this machine has seen record " + seen
                    + ": it was rolled back or its newest records were deleted. If you restored it from a backup on"
                    + " purpose, delete " + file + " and try again.");
        }
    }

    /** Remembers the vault's current head (never lowering what is remembered). */
    static void record(VaultRemote vault) {
        Path file = file(vault);
        try {
            Files.createDirectories(file.getParent());
            Path temp = file.resolveSibling(file.getFileName() + ".tmp");
            Files.writeString(temp, Long.toString(vault.head()), StandardCharsets.US_ASCII);
            Files.move(temp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            LOG.log(Level.WARNING, "cannot record the journal position in " + file, e);
        }
    }
}
