package dev.coffre.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Checks the FUSE options of {@code -o} before mounting, so that a mistake gets a plain message rather than
 * libfuse's. They are passed to libfuse as given: {@code uid=}, {@code gid=} and {@code umask=} make it report
 * that owner and those permission bits for every file (the vault keeps the real ones); {@code allow_other} lets
 * other users in, which fusermount allows users other than root only if /etc/fuse.conf says
 * {@code user_allow_other}.
 */
final class FuseOptions {
    static final Path FUSE_CONF = Path.of("/etc/fuse.conf");

    private FuseOptions() {
    }

    static void check(List<String> options) throws CliException {
        check(options, Vaults.currentUid() == 0, FUSE_CONF);
    }

    static void check(List<String> options, boolean root, Path fuseConf) throws CliException {
        for (String option : options) {
            int equals = option.indexOf('=');
            String key = equals < 0 ? option : option.substring(0, equals);
            String value = equals < 0 ? null : option.substring(equals + 1);
            switch (key) {
                case "uid", "gid" -> {
                    if (value == null || !value.matches("\\d{1,10}")) {
                        throw new CliException(ExitCodes.USAGE, "-o " + key + "= takes a number (id -u NAME, id -g NAME"
                                + " print them), not '" + value + "'");
                    }
                }
                case "umask" -> {
                    if (value == null || !value.matches("[0-7]{1,4}")) {
                        throw new CliException(ExitCodes.USAGE, "-o umask= takes an octal mask such as 022 or 077, not '"
                                + value + "'");
                    }
                }
                case "allow_other", "allow_root" -> {
                    if (!root && !userAllowOther(fuseConf)) {
                        throw new CliException(ExitCodes.MOUNT_FAILED, "-o " + key + " is allowed to users other than"
                                + " root only when " + fuseConf + " has the line user_allow_other (add it as root:"
                                + " echo user_allow_other | sudo tee -a " + fuseConf + "), or mount without " + key);
                    }
                }
                default -> {
                    // Everything else is libfuse's to judge.
                }
            }
        }
        if (options.contains("allow_other") && options.contains("allow_root")) {
            throw new CliException(ExitCodes.USAGE, "-o allow_other and allow_root exclude each other");
        }
    }

    static boolean userAllowOther(Path fuseConf) {
        try {
            return Files.readAllLines(fuseConf).stream().map(String::strip).anyMatch("user_allow_other"::equals);
        } catch (IOException e) {
            return false;
        }
    }
}
