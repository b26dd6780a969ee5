package dev.coffre.cli;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * The positional arguments of {@code coffre mount}: {@code [REMOTE] MOUNTPOINT}, or a lone NAME of a remote
 * whose settings hold its mount point (what a systemd unit runs).
 *
 * @param remote     as typed (a name, a URL, a path) or null for the default vault
 * @param mountPoint absolute
 */
record MountArguments(String remote, Path mountPoint) {

    static MountArguments of(List<String> arguments) throws CliException {
        if (arguments.size() == 2) {
            return new MountArguments(arguments.get(0), absolute(arguments.get(1)));
        }
        String only = arguments.get(0);
        Optional<NamedRemote> named = NamedRemote.isValidName(only) ? ConfigFile.load().remote(only) : Optional.empty();
        if (named.isEmpty()) {
            return new MountArguments(null, absolute(only)); // a mount point for the default vault
        }
        if (named.get().mountPoint() == null) {
            throw new CliException(ExitCodes.USAGE, "remote '" + only + "' has no mount point: give one (coffre mount "
                    + only + " DIR) or save one (coffre remote add " + only + " URL --mount-point DIR)");
        }
        return new MountArguments(only, absolute(RemoteSettings.expandHome(named.get().mountPoint())));
    }

    private static Path absolute(String path) {
        return Path.of(path).toAbsolutePath().normalize();
    }
}
