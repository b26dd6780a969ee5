package dev.coffre.cli;

import dev.coffre.io.Trash;
import dev.coffre.remote.vault.VaultRemote;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;

@Command(name = "gc", description = {"Delete replaced and deleted content whose grace period is over.",
        "Mounts do this by themselves; this runs it now, for example on a vault that nobody mounts."},
        footer = ExitCodes.HELP, mixinStandardHelpOptions = true)
final class GcCommand implements Callable<Integer> {
    @Mixin
    RemoteOptions remoteOptions = new RemoteOptions();

    @Parameters(arity = "0..1", paramLabel = "REMOTE", description = "The vault: NAME, URL or path (default: the default vault).")
    String remote;

    @Option(names = "--password-file", paramLabel = "FILE", description = "Read the password from FILE (else $COFFRE_PASSWORD, else a prompt).")
    Path passwordFile;

    @Option(names = "--grace", paramLabel = "DELAY", converter = DurationConverter.class,
            description = "Keep content that became unused less than this long ago (default: 1h; 0 deletes all"
                    + " of it: only when no other client is reading the vault).")
    Duration grace = Duration.ofHours(1);

    @Override
    public Integer call() throws Exception {
        RemoteSpec spec = remoteOptions.parse(remote);
        byte[] password = Passwords.read(passwordFile, "COFFRE_PASSWORD", "password", false);
        try (VaultRemote vault = Vaults.open(spec, password)) {
            int deleted = Trash.collect(vault, grace.toMillis());
            System.out.println("deleted " + deleted + " unused content objects from " + spec.text());
        } catch (java.io.IOException e) {
            throw Vaults.translate(e);
        }
        return ExitCodes.OK;
    }
}
