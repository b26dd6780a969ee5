package dev.coffre.cli;

import java.nio.file.Files;
import java.nio.file.Path;

/** Where coffre keeps its files, following the XDG base directory conventions. */
public final class Dirs {
    private Dirs() {
    }

    /** $HOME as the shell has it (Java's user.home comes from the password database instead). */
    public static Path home() {
        String home = System.getenv("HOME");
        return home != null && !home.isBlank() ? Path.of(home) : Path.of(System.getProperty("user.home"));
    }

    private static Path xdg(String variable, String fallback) {
        String value = System.getenv(variable);
        return value != null && !value.isBlank() && Path.of(value).isAbsolute() ? Path.of(value) : home().resolve(fallback);
    }

    /** The default vault: {@code $XDG_DATA_HOME/coffre/vault}. */
    public static Path defaultVault() {
        return xdg("XDG_DATA_HOME", ".local/share").resolve("coffre").resolve("vault");
    }

    /** Settings written by the user or by {@code coffre remote}: {@code $XDG_CONFIG_HOME/coffre}. */
    public static Path config() {
        return xdg("XDG_CONFIG_HOME", ".config").resolve("coffre");
    }

    /** Where systemd looks for a user's own units: {@code $XDG_CONFIG_HOME/systemd/user}. */
    public static Path systemdUserUnits() {
        return xdg("XDG_CONFIG_HOME", ".config").resolve("systemd").resolve("user");
    }

    /** Cache, staging and logs: {@code $XDG_CACHE_HOME/coffre}. */
    public static Path cache() {
        return xdg("XDG_CACHE_HOME", ".cache").resolve("coffre");
    }

    /** What this machine remembers about vaults: {@code $XDG_STATE_HOME/coffre}. */
    public static Path state() {
        return xdg("XDG_STATE_HOME", ".local/state").resolve("coffre");
    }

    /** State of running mounts: {@code $XDG_RUNTIME_DIR/coffre}, else under the cache folder. */
    public static Path runtime() {
        String runtime = System.getenv("XDG_RUNTIME_DIR");
        if (runtime != null && !runtime.isBlank() && Files.isDirectory(Path.of(runtime))) {
            return Path.of(runtime).resolve("coffre");
        }
        return cache().resolve("run");
    }
}
