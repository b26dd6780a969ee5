package dev.coffre.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Tells a remote's name from a path where a command takes a REMOTE. A word that could be a name ({@link
 * NamedRemote#isValidName}) is the remote of that name; failing that, a file or folder of that name in the
 * working directory, as before names existed; failing both, a usage error. Anything else (local:PATH,
 * s3://..., ./work, /srv/vault, ~/vault) is never looked up.
 */
final class RemoteNames {
    private RemoteNames() {
    }

    static Optional<NamedRemote> lookup(String text) throws CliException {
        if (!NamedRemote.isValidName(text)) {
            return Optional.empty();
        }
        ConfigFile config = ConfigFile.load();
        Optional<NamedRemote> named = config.remote(text);
        if (named.isPresent() || Files.exists(Path.of(text))) {
            return named;
        }
        throw new CliException(ExitCodes.USAGE, "no remote named '" + text + "' in " + config.path()
                + " ('coffre remote list' shows them; to mean a folder here, write ./" + text + ")");
    }
}
