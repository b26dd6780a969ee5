package dev.coffre.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.Properties;

@Command(name = "coffre", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
        description = "Mounts end-to-end encrypted storage as an ordinary drive.",
        footer = ExitCodes.HELP,
        subcommands = {InitCommand.class, MountCommand.class, UnmountCommand.class, SyncCommand.class, StatusCommand.class, GcCommand.class,
                PasswdCommand.class, CheckCommand.class, RemoteCommand.class,
                LoginCommand.class, LogoutCommand.class, LsCommand.class, GetCommand.class, ServiceCommand.class,
                CompletionCommand.class, HelpCommand.class})
public final class Main implements Runnable {

    @Option(names = {"-v", "--verbose"}, scope = ScopeType.INHERIT,
            description = "More detail in the log: -v adds detail lines (each retry, for one), -vv everything coffre traces.")
    void verbose(boolean[] flags) {
        LogSetup.verbosity(flags == null ? 0 : flags.length);
    }

    @Option(names = "--config", paramLabel = "FILE", scope = ScopeType.INHERIT,
            description = "Settings file with the named remotes (default: ~/.config/coffre/config.toml).")
    void config(Path file) {
        ConfigFile.useLocation(file);
    }

    @Override
    public void run() {
        new CommandLine(this).usage(System.out);
    }

    public static void main(String[] args) {
        System.exit(run(args));
    }

    public static int run(String... args) {
        LogSetup.verbosity(0);
        ConfigFile.useLocation(null);
        CommandLine cli = new CommandLine(new Main());
        cli.setExecutionExceptionHandler((error, commandLine, parseResult) -> {
            if (error instanceof CliException e) {
                System.err.println("coffre: " + e.getMessage());
                return e.exitCode();
            }
            System.err.println("coffre: " + error);
            return ExitCodes.ERROR;
        });
        return cli.execute(args);
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() throws IOException {
            Properties properties = new Properties();
            try (InputStream in = Main.class.getResourceAsStream("/coffre.properties")) {
                if (in != null) {
                    properties.load(in);
                }
            }
            return new String[] {"coffre " + properties.getProperty("version", "unknown")
                    + " (vault format 1, Java " + System.getProperty("java.version") + ")"};
        }
    }
}
