package dev.coffre.cli;

import dev.coffre.crypto.Kdf;
import dev.coffre.remote.vault.VaultRemote;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.nio.file.Path;
import java.util.concurrent.Callable;

@Command(name = "init", description = "Create a new, empty vault.",
        footer = ExitCodes.HELP, mixinStandardHelpOptions = true)
final class InitCommand implements Callable<Integer> {
    @picocli.CommandLine.Mixin
    RemoteOptions remoteOptions = new RemoteOptions();

    @Parameters(arity = "0..1", paramLabel = "REMOTE",
            description = "Where the vault lives: a saved remote's NAME, local:PATH, a path or s3://BUCKET/PREFIX"
                    + " (default: local:~/.local/share/coffre/vault).")
    String remote;

    @Option(names = "--password-file", paramLabel = "FILE",
            description = "Read the password from FILE (else $COFFRE_PASSWORD, else a prompt, asked twice).")
    Path passwordFile;

    @Option(names = "--kdf-memory", paramLabel = "MIB",
            description = "Argon2id memory in MiB (default ${DEFAULT-VALUE}); more is slower to guess.")
    int kdfMemoryMiB = VaultRemote.DEFAULT_KDF.memoryKiB() / 1024;

    @Option(names = "--kdf-iterations", paramLabel = "N", description = "Argon2id passes (default ${DEFAULT-VALUE}).")
    int kdfIterations = VaultRemote.DEFAULT_KDF.iterations();

    @Override
    public Integer call() throws Exception {
        RemoteSpec spec = remoteOptions.parse(remote);
        Kdf.Argon2Params kdf = kdfParams(kdfMemoryMiB, kdfIterations);
        if (Vaults.exists(spec)) {
            throw new CliException(ExitCodes.ERROR, spec.text() + " already holds a vault");
        }
        byte[] password = Passwords.read(passwordFile, "COFFRE_PASSWORD", "password", true);
        Vaults.create(spec, password, kdf);
        System.out.println("created vault " + spec.text());
        return ExitCodes.OK;
    }

    static Kdf.Argon2Params kdfParams(int memoryMiB, int iterations) throws CliException {
        try {
            return new Kdf.Argon2Params(Math.multiplyExact(memoryMiB, 1024), iterations, 1);
        } catch (IllegalArgumentException | ArithmeticException e) {
            throw new CliException(ExitCodes.USAGE, "invalid key derivation settings: " + e.getMessage());
        }
    }
}
