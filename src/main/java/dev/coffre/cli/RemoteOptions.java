package dev.coffre.cli;

import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.util.Optional;

/** Options shared by every command that opens a remote, and the reading of its REMOTE argument. */
final class RemoteOptions {
    @Option(names = "--s3-endpoint", paramLabel = "URL",
            description = "S3 service URL (default: $AWS_ENDPOINT_URL, else AWS S3 in the region). https, or http to a loopback address.")
    String s3Endpoint;

    @Option(names = "--s3-region", paramLabel = "REGION", description = "S3 region (default: $AWS_REGION, else us-east-1).")
    String s3Region;

    @Option(names = "--s3-addressing", paramLabel = "STYLE",
            description = "Bucket addressing: AUTO (virtual-host style for AWS, path style elsewhere), PATH or VIRTUAL_HOST.")
    dev.coffre.store.S3ObjectStore.Addressing s3Addressing;

    /** The command this is part of: a named remote's settings fill its options. */
    @Spec(Spec.Target.MIXEE)
    CommandSpec command;

    RemoteSpec.S3Settings s3() {
        return new RemoteSpec.S3Settings(s3Endpoint, s3Region, s3Addressing);
    }

    /**
     * The remote that {@code remote} names: a URL or path, null for the default vault, or the NAME of a saved
     * remote, whose settings then fill the options that the command line left out.
     */
    RemoteSpec parse(String remote) throws CliException {
        Optional<NamedRemote> named = RemoteNames.lookup(remote);
        if (named.isPresent()) {
            if (command != null) {
                RemoteSettings.applyUnset(command, named.get(), ConfigFile.location());
            }
            return RemoteSpec.parse(named.get().url(), s3());
        }
        return RemoteSpec.parse(remote, s3());
    }
}
