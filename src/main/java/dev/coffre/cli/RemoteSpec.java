package dev.coffre.cli;

import dev.coffre.store.LocalObjectStore;
import dev.coffre.store.ObjectStore;

import java.nio.file.Path;

/** A remote as the user writes it: {@code local:PATH} or a bare path (s3:// and mega: come later). */
public record RemoteSpec(String text, Path localPath) {

    public static RemoteSpec parse(String text) throws CliException {
        if (text == null) {
            return defaultVault();
        }
        if (text.startsWith("s3://") || text.startsWith("mega:")) {
            throw new CliException(ExitCodes.USAGE, "remote " + text + " is not supported yet: this version of"
                    + " coffre stores vaults in local folders (local:PATH)");
        }
        String path = text.startsWith("local:") ? text.substring("local:".length()) : text;
        if (path.isEmpty()) {
            throw new CliException(ExitCodes.USAGE, "remote " + text + " names no folder");
        }
        if (path.startsWith("~/")) {
            path = Dirs.home().resolve(path.substring(2)).toString();
        }
        Path resolved = Path.of(path).toAbsolutePath().normalize();
        return new RemoteSpec("local:" + resolved, resolved);
    }

    public static RemoteSpec defaultVault() {
        Path path = Dirs.defaultVault();
        return new RemoteSpec("local:" + path, path);
    }

    public boolean isDefault() {
        return localPath.equals(Dirs.defaultVault());
    }

    public ObjectStore openStore() {
        return new LocalObjectStore(localPath);
    }
}
