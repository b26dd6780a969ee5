package dev.coffre.cli;

import java.io.Console;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.Arrays;
import java.util.Set;
import java.util.logging.Logger;

/**
 * Where passwords come from, in order: a file (--password-file), an environment variable, a no-echo
 * prompt. Never from argv, never logged.
 */
public final class Passwords {
    private static final Logger LOG = Logger.getLogger(Passwords.class.getName());

    private Passwords() {
    }

    /**
     * @param file     a password file, or null
     * @param variable the environment variable to try
     * @param what     "password" or "new password", for prompts and messages
     * @param confirm  prompt twice (when creating)
     */
    public static byte[] read(Path file, String variable, String what, boolean confirm) throws CliException {
        byte[] password;
        if (file != null) {
            password = fromFile(file);
        } else if (System.getenv(variable) != null) {
            password = System.getenv(variable).getBytes(StandardCharsets.UTF_8);
        } else {
            password = prompt(variable, what, confirm);
        }
        if (password.length == 0) {
            throw new CliException(ExitCodes.USAGE, "the " + what + " is empty");
        }
        return password;
    }

    private static byte[] fromFile(Path file) throws CliException {
        try {
            Set<PosixFilePermission> permissions = Files.getPosixFilePermissions(file);
            if (permissions.contains(PosixFilePermission.OTHERS_READ)) {
                LOG.warning("password file " + file + " is readable by everyone; chmod 600 it");
            }
            String text = Files.readString(file, StandardCharsets.UTF_8);
            // One trailing newline is the editor's, not the password's.
            if (text.endsWith("\r\n")) {
                text = text.substring(0, text.length() - 2);
            } else if (text.endsWith("\n")) {
                text = text.substring(0, text.length() - 1);
            }
            return text.getBytes(StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new CliException(ExitCodes.USAGE, "cannot read password file " + file + ": " + e.getMessage());
        }
    }

    private static byte[] prompt(String variable, String what, boolean confirm) throws CliException {
        Console console = System.console();
        if (console == null) {
            throw new CliException(ExitCodes.USAGE, "no " + what + ": set " + variable
                    + ", pass --password-file FILE, or run on a terminal to be asked");
        }
        char[] first = console.readPassword("%s: ", capitalized(what));
        if (first == null) {
            throw new CliException(ExitCodes.USAGE, "no " + what + " given");
        }
        if (confirm) {
            char[] second = console.readPassword("%s again: ", capitalized(what));
            boolean same = second != null && Arrays.equals(first, second);
            if (second != null) {
                Arrays.fill(second, '\0');
            }
            if (!same) {
                Arrays.fill(first, '\0');
                throw new CliException(ExitCodes.USAGE, "the two " + what + "s differ; nothing was changed");
            }
        }
        byte[] bytes = new String(first).getBytes(StandardCharsets.UTF_8);
        Arrays.fill(first, '\0');
        return bytes;
    }

    private static String capitalized(String text) {
        return Character.toUpperCase(text.charAt(0)) + text.substring(1);
    }
}
