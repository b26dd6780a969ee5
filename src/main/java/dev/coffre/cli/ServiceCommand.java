package dev.coffre.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

@Command(name = "service", description = "Mount saved remotes as systemd user services.",
        footer = ExitCodes.HELP, mixinStandardHelpOptions = true, subcommands = ServiceCommand.Install.class)
final class ServiceCommand implements Runnable {
    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    @Command(name = "install", description = {"Write the systemd user unit coffre@.service (to"
            + " ~/.config/systemd/user), which mounts a saved remote while you are logged in.",
            "Saves MOUNTPOINT and --password-file with the remote, creates MOUNTPOINT, and prints the systemctl"
                    + " command that starts it."},
            footer = ExitCodes.HELP, mixinStandardHelpOptions = true)
    static final class Install implements Callable<Integer> {
        @Parameters(index = "0", paramLabel = "NAME", description = "A saved remote (coffre remote list).")
        String name;

        @Parameters(index = "1", arity = "0..1", paramLabel = "MOUNTPOINT",
                description = "Where to mount it (default: its saved mount point).")
        Path mountPoint;

        @Option(names = "--password-file", paramLabel = "FILE",
                description = "The file holding the password (default: its saved password file).")
        Path passwordFile;

        @Override
        public Integer call() throws CliException {
            ConfigFile config = ConfigFile.load();
            NamedRemote remote = withServiceSettings(config.require(name));
            if (remote.mountPoint() == null) {
                throw new CliException(ExitCodes.USAGE, "remote '" + name + "' has no mount point: coffre service"
                        + " install " + name + " MOUNTPOINT");
            }
            if (remote.setting("password-file") == null) {
                throw new CliException(ExitCodes.USAGE, "a service has no terminal to ask for the password: give"
                        + " remote '" + name + "' a password file (--password-file FILE, the file only you can read)");
            }
            config.with(remote).save();
            Path unit = Dirs.systemdUserUnits().resolve(SystemdUnit.FILE_NAME);
            try {
                Files.createDirectories(Path.of(RemoteSettings.expandHome(remote.mountPoint())));
                Files.createDirectories(unit.getParent());
                Files.writeString(unit, SystemdUnit.text(SystemdUnit.currentCommand()));
            } catch (IOException e) {
                throw new CliException(ExitCodes.ERROR, "cannot write " + unit + ": " + e);
            }
            System.out.println("wrote " + unit);
            System.out.println("start it now and at every login with:");
            System.out.println("  systemctl --user daemon-reload && systemctl --user enable --now coffre@" + name);
            return ExitCodes.OK;
        }

        private NamedRemote withServiceSettings(NamedRemote remote) throws CliException {
            Map<String, List<String>> settings = new LinkedHashMap<>(remote.settings());
            if (passwordFile != null) {
                Path file = passwordFile.toAbsolutePath().normalize();
                if (!Files.isReadable(file)) {
                    throw new CliException(ExitCodes.USAGE, "password file " + file + " does not exist or cannot be read");
                }
                settings.put("password-file", List.of(file.toString()));
            }
            String mount = mountPoint != null ? mountPoint.toAbsolutePath().normalize().toString() : remote.mountPoint();
            return new NamedRemote(remote.name(), remote.url(), mount, settings);
        }
    }
}
