package dev.coffre.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

@Command(name = "add", description = {"Save a remote under a short NAME, with the flags to use with it.",
        "Then 'coffre mount NAME DIR', 'coffre init NAME', 'coffre check NAME', 'coffre gc NAME' and 'coffre passwd"
                + " NAME' use it, and 'coffre mount NAME' alone mounts it on its --mount-point. Flags given to those"
                + " commands win over the saved ones.",
        "Every option of 'coffre mount' below can be saved. A password never is: save --password-file FILE."},
        footer = ExitCodes.HELP, mixinStandardHelpOptions = true, modelTransformer = RemoteAddCommand.WithMountOptions.class)
final class RemoteAddCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "NAME", description = "Letters, digits, '-' and '_'.")
    String name;

    @Parameters(index = "1", paramLabel = "URL", description = "local:PATH, a path, or s3://BUCKET/PREFIX.")
    String url;

    @Option(names = "--mount-point", paramLabel = "DIR", description = "Where 'coffre mount NAME' mounts it.")
    Path mountPoint;

    @Option(names = "--replace", description = "Replace the remote of that name if there is one.")
    boolean replace;

    /** Only to refuse it with a reason, rather than as an unknown option. */
    @Option(names = {"--password", "--new-password"}, arity = "0..1", hidden = true)
    String password;

    @Spec
    CommandSpec spec;

    /** Adds the options of {@code coffre mount} that a remote can carry, so that help lists them. */
    static final class WithMountOptions implements CommandLine.IModelTransformer {
        @Override
        public CommandSpec transform(CommandSpec add) {
            for (OptionSpec option : RemoteSettings.storableOptions()) {
                add.addOption(OptionSpec.builder(option).build());
            }
            return add;
        }
    }

    @Override
    public Integer call() throws Exception {
        if (password != null) {
            throw new CliException(ExitCodes.USAGE, "coffre never saves a password: put it in a file that only you"
                    + " can read (chmod 600) and save --password-file FILE");
        }
        NamedRemote.checkName(name);
        ConfigFile config = ConfigFile.load();
        if (config.remote(name).isPresent() && !replace) {
            throw new CliException(ExitCodes.USAGE, "there is already a remote named '" + name + "' in " + config.path()
                    + " (add --replace to replace it, or 'coffre remote remove " + name + "' first)");
        }
        NamedRemote remote = new NamedRemote(name, canonicalUrl(url),
                mountPoint == null ? null : mountPoint.toAbsolutePath().normalize().toString(), settings());
        config.with(remote).save();
        System.out.println("saved remote '" + name + "' (" + remote.url() + ") in " + config.path());
        return ExitCodes.OK;
    }

    /** The mount options given here, as typed but with paths made absolute (the file is read from anywhere). */
    private Map<String, List<String>> settings() throws CliException {
        Map<String, List<String>> settings = new LinkedHashMap<>();
        for (OptionSpec option : spec.commandLine().getParseResult().matchedOptions()) {
            String key = RemoteSettings.key(option);
            if (!RemoteSettings.isSetting(key)) {
                continue; // --mount-point, --replace
            }
            List<String> values = option.stringValues();
            if (option.type() == Path.class) {
                Path path = Path.of(values.get(0)).toAbsolutePath().normalize();
                if (key.equals("password-file")) {
                    checkPasswordFile(path);
                }
                values = List.of(path.toString());
            }
            settings.put(key, List.copyOf(values));
        }
        return settings;
    }

    private static void checkPasswordFile(Path file) throws CliException {
        if (!Files.isRegularFile(file) || !Files.isReadable(file)) {
            throw new CliException(ExitCodes.USAGE, "password file " + file + " does not exist or cannot be read");
        }
        try {
            if (Files.getPosixFilePermissions(file).contains(PosixFilePermission.OTHERS_READ)) {
                System.err.println("coffre: warning: password file " + file + " is readable by everyone; chmod 600 it");
            }
        } catch (java.io.IOException | UnsupportedOperationException e) {
            // Permissions are advice only.
        }
    }

    /** A URL that means the same from any working directory; a checked S3 URL without credentials in it. */
    static String canonicalUrl(String url) throws CliException {
        if (url.startsWith("s3://")) {
            String authority = url.substring("s3://".length()).split("/", 2)[0];
            if (authority.contains("@") || authority.contains(":")) {
                throw new CliException(ExitCodes.USAGE, "keep credentials out of the URL: coffre takes them from"
                        + " AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY or ~/.aws/credentials");
            }
            RemoteSpec.parse(url); // rejects an S3 URL without a bucket
            return url.replaceAll("/+$", "");
        }
        return RemoteSpec.parse(url).text();
    }
}
