package dev.coffre.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/** Facts about mount points, read from /proc/self/mountinfo. */
final class Mounts {
    private Mounts() {
    }

    static boolean isMountPoint(Path path) {
        String wanted = path.toAbsolutePath().normalize().toString();
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/mountinfo"))) {
                String[] fields = line.split(" ");
                if (fields.length > 4 && unescape(fields[4]).equals(wanted)) {
                    return true;
                }
            }
        } catch (IOException e) {
            return false;
        }
        return false;
    }

    /** Checks a directory before mounting on it; every failure is exit code 5 with a plain message. */
    static void checkMountPoint(Path mountPoint, List<String> options) throws CliException {
        if (isMountPoint(mountPoint) && !Files.exists(mountPoint)) {
            // Checked first: stat of a dead FUSE mount fails as if the folder did not exist.
            throw new CliException(ExitCodes.MOUNT_FAILED, "the process that mounted " + mountPoint + " has died"
                    + " (\"Transport endpoint is not connected\"); 'coffre unmount " + mountPoint + "' cleans up");
        }
        if (!Files.exists(mountPoint)) {
            throw new CliException(ExitCodes.MOUNT_FAILED, "mount point " + mountPoint + " does not exist (mkdir it first)");
        }
        if (!Files.isDirectory(mountPoint)) {
            throw new CliException(ExitCodes.MOUNT_FAILED, "mount point " + mountPoint + " is not a directory");
        }
        if (isMountPoint(mountPoint)) {
            throw new CliException(ExitCodes.MOUNT_FAILED, mountPoint + " is already a mount point (coffre unmount "
                    + mountPoint + " first)");
        }
        if (!options.contains("nonempty")) {
            try (Stream<Path> entries = Files.list(mountPoint)) {
                if (entries.findAny().isPresent()) {
                    throw new CliException(ExitCodes.MOUNT_FAILED, "mount point " + mountPoint
                            + " is not empty (use an empty folder, or -o nonempty to hide its contents)");
                }
            } catch (IOException e) {
                throw new CliException(ExitCodes.MOUNT_FAILED, "cannot read mount point " + mountPoint + ": " + e.getMessage());
            }
        }
    }

    /** mountinfo escapes space, tab, newline and backslash as octal. */
    private static String unescape(String field) {
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < field.length(); i++) {
            char c = field.charAt(i);
            if (c == '\\' && i + 3 < field.length()) {
                out.append((char) Integer.parseInt(field.substring(i + 1, i + 4), 8));
                i += 3;
            } else {
                out.append(c);
            }
        }
        return out.toString();
    }
}
