package dev.coffre.cli;

import dev.coffre.store.LocalObjectStore;
import dev.coffre.store.ObjectStore;
import dev.coffre.store.S3ObjectStore;

import java.io.IOException;
import java.nio.file.Path;

/**
 * A remote as the user writes it: {@code local:PATH}, a bare path, or {@code s3://BUCKET/PREFIX}.
 * Exactly one of {@code localPath} and {@code s3} is set.
 */
public record RemoteSpec(String text, Path localPath, S3ObjectStore.Location s3) {

    /** Where an S3 remote is served: flags win over the AWS environment variables. */
    public record S3Settings(String endpoint, String region, S3ObjectStore.Addressing addressing) {
        static S3Settings fromEnvironment() {
            return new S3Settings(null, null, null);
        }

        String resolvedRegion() {
            return firstOf(region, System.getenv("AWS_REGION"), System.getenv("AWS_DEFAULT_REGION"), "us-east-1");
        }

        String resolvedEndpoint() {
            return firstOf(endpoint, System.getenv("AWS_ENDPOINT_URL_S3"), System.getenv("AWS_ENDPOINT_URL"),
                    "https://s3." + resolvedRegion() + ".amazonaws.com");
        }

        private static String firstOf(String... values) {
            for (String value : values) {
                if (value != null && !value.isBlank()) {
                    return value;
                }
            }
            return null;
        }
    }

    public static RemoteSpec parse(String text) throws CliException {
        return parse(text, S3Settings.fromEnvironment());
    }

    public static RemoteSpec parse(String text, S3Settings s3) throws CliException {
        if (text == null) {
            return defaultVault();
        }
        if (text.startsWith("s3://")) {
            String rest = text.substring("s3://".length());
            int slash = rest.indexOf('/');
            String bucket = slash < 0 ? rest : rest.substring(0, slash);
            String prefix = slash < 0 ? "" : rest.substring(slash + 1).replaceAll("/+$", "");
            if (bucket.isEmpty()) {
                throw new CliException(ExitCodes.USAGE, "remote " + text + " names no bucket (s3://BUCKET/PREFIX)");
            }
            S3ObjectStore.Location location = new S3ObjectStore.Location(s3.resolvedEndpoint(), s3.resolvedRegion(),
                    bucket, prefix, s3.addressing() == null ? S3ObjectStore.Addressing.AUTO : s3.addressing());
            return new RemoteSpec(location.describe(), null, location);
        }
        if (isMega(text)) {
            throw new CliException(ExitCodes.USAGE, (text.startsWith("mega:") ? text + " is a MEGA account"
                    : "a MEGA link is MEGA's") + ", not a coffre vault: for MEGA use coffre login mega:,"
                    + " coffre ls mega:, coffre mount mega:[/FOLDER] or a folder link, and coffre get LINK; vaults live"
                    + " in local folders (local:PATH) and S3 buckets (s3://BUCKET/PREFIX)");
        }
        String path = text.startsWith("local:") ? text.substring("local:".length()) : text;
        if (path.isEmpty()) {
            throw new CliException(ExitCodes.USAGE, "remote " + text + " names no folder");
        }
        if (path.startsWith("~/")) {
            path = Dirs.home().resolve(path.substring(2)).toString();
        }
        Path resolved = Path.of(path).toAbsolutePath().normalize();
        return new RemoteSpec("local:" + resolved, resolved, null);
    }

    /** A MEGA account ({@code mega:...}) or a MEGA public link: not a vault. */
    static boolean isMega(String text) {
        return text != null && (text.startsWith("mega:") || text.matches("https?://(www\\.)?mega\\.(nz|co\\.nz)/.*"));
    }

    public static RemoteSpec defaultVault() {
        Path path = Dirs.defaultVault();
        return new RemoteSpec("local:" + path, path, null);
    }

    public boolean isLocal() {
        return localPath != null;
    }

    public boolean isDefault() {
        return isLocal() && localPath.equals(Dirs.defaultVault());
    }

    public ObjectStore openStore() throws IOException {
        return isLocal() ? new LocalObjectStore(localPath) : S3ObjectStore.connect(s3);
    }

    /** The command-line flags that reproduce these settings in another process. */
    public static java.util.List<String> flags(S3Settings s3) {
        java.util.List<String> flags = new java.util.ArrayList<>();
        if (s3.endpoint() != null) {
            flags.addAll(java.util.List.of("--s3-endpoint", s3.endpoint()));
        }
        if (s3.region() != null) {
            flags.addAll(java.util.List.of("--s3-region", s3.region()));
        }
        if (s3.addressing() != null) {
            flags.addAll(java.util.List.of("--s3-addressing", s3.addressing().name()));
        }
        return flags;
    }
}
