package dev.coffre.cli;

import dev.coffre.remote.vault.VaultRemote;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.Callable;

@Command(name = "passwd", description = "Change a vault's password (rewraps the master key; no data is re-encrypted).",
        footer = ExitCodes.HELP, mixinStandardHelpOptions = true)
final class PasswdCommand implements Callable<Integer> {
    @picocli.CommandLine.Mixin
    RemoteOptions remoteOptions = new RemoteOptions();

    @Parameters(arity = "0..1", paramLabel = "REMOTE", description = "The vault: NAME, URL or path (default: the default vault).")
    String remote;

    @Option(names = "--password-file", paramLabel = "FILE", description = "Current password (else $COFFRE_PASSWORD, else a prompt).")
    Path passwordFile;

    @Option(names = "--new-password-file", paramLabel = "FILE",
            description = "New password (else $COFFRE_NEW_PASSWORD, else a prompt, asked twice).")
    Path newPasswordFile;

    @Override
    public Integer call() throws Exception {
        RemoteSpec spec = remoteOptions.parse(remote);
        byte[] password = Passwords.read(passwordFile, "COFFRE_PASSWORD", "password", false);
        try (VaultRemote vault = Vaults.open(spec, password)) {
            byte[] newPassword = Passwords.read(newPasswordFile, "COFFRE_NEW_PASSWORD", "new password", true);
            vault.changePassword(newPassword, vault.header().kdf());
        } catch (IOException e) {
            throw Vaults.translate(e);
        }
        System.out.println("password changed for " + spec.text());
        return ExitCodes.OK;
    }
}
