package dev.coffre.cli;

import picocli.CommandLine.Option;

/** Options shared by every command that opens a remote. */
final class RemoteOptions {
    @Option(names = "--s3-endpoint", paramLabel = "URL",
            description = "S3 service URL (default: $AWS_ENDPOINT_URL, else AWS S3 in the region). https, or http to a loopback address.")
    String s3Endpoint;

    @Option(names = "--s3-region", paramLabel = "REGION", description = "S3 region (default: $AWS_REGION, else us-east-1).")
    String s3Region;

    @Option(names = "--s3-addressing", paramLabel = "STYLE",
            description = "Bucket addressing: AUTO (virtual-host style for AWS, path style elsewhere), PATH or VIRTUAL_HOST.")
    dev.coffre.store.S3ObjectStore.Addressing s3Addressing;

    RemoteSpec.S3Settings s3() {
        return new RemoteSpec.S3Settings(s3Endpoint, s3Region, s3Addressing);
    }

    RemoteSpec parse(String remote) throws CliException {
        return RemoteSpec.parse(remote, s3());
    }
}
