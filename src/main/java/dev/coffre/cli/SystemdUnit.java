package dev.coffre.cli;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/**
 * The systemd user unit {@code coffre@.service}: one instance per saved remote ({@code coffre@work}), running
 * {@code coffre mount --foreground NAME} so that systemd watches the mount process and journald keeps its log.
 * docs/coffre@.service is this text for a coffre installed as /usr/local/bin/coffre.
 */
final class SystemdUnit {
    static final String FILE_NAME = "coffre@.service";

    private SystemdUnit() {
    }

    /** @param coffre the command that runs coffre, absolute paths first */
    static String text(List<String> coffre) {
        String command = coffre.stream().map(SystemdUnit::quoted).collect(Collectors.joining(" "));
        return """
                # coffre: mounts the saved remote NAME on its mount point while you are logged in.
                #   coffre remote add NAME URL --mount-point DIR --password-file FILE
                #   systemctl --user enable --now coffre@NAME
                # The remote needs a password file: a service has no terminal to ask on. To mount at boot
                # rather than at login: loginctl enable-linger $USER. See 'coffre help systemd'.
                [Unit]
                Description=coffre encrypted drive %i

                [Service]
                Type=simple
                ExecStart=COFFRE mount --foreground %i
                # A user service cannot wait for the system's network: a storage that cannot be reached yet
                # fails the mount (exit code 7), which is tried again after RestartSec.
                # Unmounting waits until everything written is uploaded; a busy drive is then stopped by SIGTERM,
                # which unmounts it as soon as it is no longer in use.
                ExecStop=-COFFRE unmount %i
                TimeoutStopSec=1h
                Restart=on-failure
                RestartSec=30s
                # Usage error, wrong password, no vault: trying again cannot help.
                RestartPreventExitStatus=2 3 4

                [Install]
                WantedBy=default.target
                """.replace("COFFRE", command);
    }

    /** How this very coffre was started: java with its jar (or class path), so the unit runs the same build. */
    static List<String> currentCommand() {
        List<String> command = new ArrayList<>();
        command.add(ProcessHandle.current().info().command().orElse("/usr/bin/java"));
        try {
            Path code = Path.of(Main.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            if (code.toString().endsWith(".jar")) {
                command.addAll(List.of("-jar", code.toString()));
                return command;
            }
        } catch (java.net.URISyntaxException | SecurityException e) {
            // fall back to the class path
        }
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), Main.class.getName()));
        return command;
    }

    /** systemd splits ExecStart= at spaces and honours double quotes. */
    private static String quoted(String word) {
        return word.matches("[A-Za-z0-9_@%+=:,./-]+") ? word : "\"" + word.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    }
}
