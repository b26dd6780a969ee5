package dev.coffre.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

@Command(name = "remote", description = {"Manage named remotes, saved in ~/.config/coffre/config.toml.",
        "A NAME can then stand for a REMOTE in every command: coffre mount work ~/Work"},
        footer = ExitCodes.HELP, mixinStandardHelpOptions = true,
        subcommands = {RemoteAddCommand.class, RemoteCommand.ListCommand.class, RemoteCommand.ShowCommand.class,
                RemoteCommand.RemoveCommand.class})
final class RemoteCommand implements Runnable {
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    @picocli.CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    @Command(name = "list", description = "List the saved remotes.", mixinStandardHelpOptions = true)
    static final class ListCommand implements Callable<Integer> {
        @Option(names = "--json", description = "Print JSON for scripts.")
        boolean json;

        @Override
        public Integer call() throws Exception {
            ConfigFile config = ConfigFile.load();
            if (json) {
                List<Map<String, Object>> all = new ArrayList<>();
                for (NamedRemote remote : config.remotes()) {
                    all.add(asJson(remote));
                }
                System.out.println(JSON.writeValueAsString(all));
                return ExitCodes.OK;
            }
            if (config.remotes().isEmpty()) {
                System.err.println("no remotes in " + config.path() + " (save one with: coffre remote add NAME URL)");
                return ExitCodes.OK;
            }
            int width = Math.max(4, config.remotes().stream().mapToInt(r -> r.name().length()).max().orElse(0));
            int urlWidth = Math.max(3, config.remotes().stream().mapToInt(r -> r.url().length()).max().orElse(0));
            String format = "%-" + width + "s  %-" + urlWidth + "s  %s%n";
            System.out.printf(format, "NAME", "URL", "MOUNT POINT");
            for (NamedRemote remote : config.remotes()) {
                System.out.printf(format, remote.name(), remote.url(), remote.mountPoint() == null ? "-" : remote.mountPoint());
            }
            return ExitCodes.OK;
        }
    }

    @Command(name = "show", description = "Show a saved remote and its settings.", mixinStandardHelpOptions = true)
    static final class ShowCommand implements Callable<Integer> {
        @Parameters(paramLabel = "NAME")
        String name;

        @Option(names = "--json", description = "Print JSON for scripts.")
        boolean json;

        @Override
        public Integer call() throws Exception {
            NamedRemote remote = ConfigFile.load().require(name);
            if (json) {
                System.out.println(JSON.writeValueAsString(asJson(remote)));
                return ExitCodes.OK;
            }
            System.out.printf("%-16s %s%n", "name:", remote.name());
            System.out.printf("%-16s %s%n", "url:", remote.url());
            System.out.printf("%-16s %s%n", "mount-point:", remote.mountPoint() == null ? "-" : remote.mountPoint());
            remote.settings().forEach((key, values) -> System.out.printf("%-16s %s%n", key + ":", String.join(",", values)));
            return ExitCodes.OK;
        }
    }

    @Command(name = "remove", aliases = "rm", description = "Forget a saved remote (its vault is not touched).",
            mixinStandardHelpOptions = true)
    static final class RemoveCommand implements Callable<Integer> {
        @Parameters(paramLabel = "NAME")
        String name;

        @Override
        public Integer call() throws Exception {
            ConfigFile config = ConfigFile.load();
            NamedRemote remote = config.require(name);
            config.without(name).save();
            System.out.println("removed remote '" + name + "' (" + remote.url() + ") from " + config.path());
            return ExitCodes.OK;
        }
    }

    private static Map<String, Object> asJson(NamedRemote remote) {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("name", remote.name());
        json.put("url", remote.url());
        json.put("mountPoint", remote.mountPoint());
        Map<String, Object> settings = new LinkedHashMap<>();
        remote.settings().forEach((key, values) ->
                settings.put(key, RemoteSettings.isMultiValue(key) ? values : values.get(0)));
        json.put("settings", settings);
        return json;
    }
}
