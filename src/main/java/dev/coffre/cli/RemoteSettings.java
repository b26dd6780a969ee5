package dev.coffre.cli;

import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.ParseResult;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * What a named remote can carry besides its URL: the options of {@code coffre mount}, each under its long name
 * without dashes ({@code cache-size}, {@code password-file}, {@code s3-endpoint}), and {@code options} for
 * {@code -o}. Taken from mount's own declarations, so that a new mount option can be saved as soon as it
 * exists, and checked by the same converters as on the command line.
 *
 * <p>Precedence: a flag given on the command line always wins; the remote's setting comes next; the option's
 * default last.
 */
final class RemoteSettings {
    static final String OPTIONS = "options";
    /** Options that describe one run of a command, not a remote (a 2FA code is good for one login only). */
    private static final Set<String> PER_RUN = Set.of("--foreground", "--daemon-child", "--mega-2fa");
    private static final Map<String, OptionSpec> STORABLE = storable();

    private RemoteSettings() {
    }

    private static Map<String, OptionSpec> storable() {
        CommandSpec mount = new CommandLine(new MountCommand()).getCommandSpec();
        Map<String, OptionSpec> options = new TreeMap<>();
        for (OptionSpec option : mount.options()) {
            if (!option.hidden() && !option.usageHelp() && !option.versionHelp() && !option.inherited()
                    && !PER_RUN.contains(option.longestName())) {
                options.put(key(option), option);
            }
        }
        return options;
    }

    static String key(OptionSpec option) {
        return option.longestName().equals("-o") ? OPTIONS : option.longestName().replaceFirst("^-+", "");
    }

    static String flag(String key) {
        return key.equals(OPTIONS) ? "-o" : "--" + key;
    }

    static boolean isSetting(String key) {
        return STORABLE.containsKey(key);
    }

    static boolean isMultiValue(String key) {
        OptionSpec option = STORABLE.get(key);
        return option != null && option.isMultiValue();
    }

    /** The options of {@code coffre mount} that a remote can carry (bound to a throwaway command). */
    static Collection<OptionSpec> storableOptions() {
        return STORABLE.values();
    }

    /** What to tell someone who wrote {@code key}, which is not a setting. */
    static String hint(String key) {
        String dashed = key.replace('_', '-');
        if (isSetting(dashed)) {
            return " (did you mean " + dashed + "?)";
        }
        return "; the settings are url, mount-point and " + String.join(", ", STORABLE.keySet());
    }

    /**
     * Gives every option of {@code command} that its command line left out the value saved in {@code remote},
     * converted by the option's own converter. Settings that the command has no option for are skipped: a
     * remote's cache size means nothing to {@code coffre check}.
     */
    static void applyUnset(CommandSpec command, NamedRemote remote, Path configFile) throws CliException {
        ParseResult given = command.commandLine() == null ? null : command.commandLine().getParseResult();
        // A command of just these options, bound to the same fields: parsing it sets them.
        CommandSpec fromFile = CommandSpec.create();
        List<String> args = new ArrayList<>();
        for (Map.Entry<String, List<String>> setting : remote.settings().entrySet()) {
            OptionSpec option = command.findOption(flag(setting.getKey()));
            if (option == null || (given != null && given.hasMatchedOption(option))) {
                continue;
            }
            fromFile.addOption(OptionSpec.builder(option).build());
            for (String value : setting.getValue()) {
                if (option.arity().max() == 0) {
                    args.add(option.longestName() + "=" + value); // a flag takes its saved true or false attached
                    continue;
                }
                args.add(option.longestName());
                args.add(option.type() == Path.class ? expandHome(value) : value);
            }
        }
        if (args.isEmpty()) {
            return;
        }
        try {
            new CommandLine(fromFile).parseArgs(args.toArray(String[]::new));
        } catch (CommandLine.ParameterException e) {
            throw new CliException(ExitCodes.USAGE, configFile + ": [remotes." + remote.name() + "]: " + e.getMessage());
        }
    }

    /** Paths in a hand-written file may start with ~/, as they would in a shell. */
    static String expandHome(String path) {
        return path.startsWith("~/") ? Dirs.home().resolve(path.substring(2)).toString() : path;
    }
}
