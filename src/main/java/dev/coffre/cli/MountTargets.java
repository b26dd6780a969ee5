package dev.coffre.cli;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * Reads the MOUNTPOINT argument of status, sync and unmount, which may also be the NAME of a saved remote: its
 * mount is the one whose mount process serves that remote (found through the mounts' state files), or its
 * saved mount point. A path that is a mount point is taken as one, whatever its spelling.
 */
final class MountTargets {
    private MountTargets() {
    }

    static Path resolve(String argument) throws CliException {
        Path path = Path.of(argument).toAbsolutePath().normalize();
        if (!NamedRemote.isValidName(argument) || Mounts.isMountPoint(path)) {
            return path;
        }
        Optional<NamedRemote> named = ConfigFile.load().remote(argument);
        return named.isPresent() ? mountOf(named.get()) : path;
    }

    private static Path mountOf(NamedRemote remote) throws CliException {
        String text = RemoteSpec.parse(remote.url()).text();
        List<Path> mounted = MountState.all().stream()
                .filter(state -> state.remote().equals(text))
                .map(state -> Path.of(state.mountPoint()))
                .filter(Mounts::isMountPoint)
                .distinct()
                .toList();
        if (mounted.size() == 1) {
            return mounted.get(0);
        }
        if (mounted.size() > 1) {
            throw new CliException(ExitCodes.USAGE, "remote '" + remote.name() + "' is mounted on " + mounted.size()
                    + " folders (" + mounted + "): name the one you mean");
        }
        if (remote.mountPoint() != null) {
            return Path.of(RemoteSettings.expandHome(remote.mountPoint())).toAbsolutePath().normalize();
        }
        throw new CliException(ExitCodes.ERROR, "remote '" + remote.name() + "' (" + remote.url() + ") is not mounted");
    }
}
