package dev.coffre.cli;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.Optional;

/**
 * What a running mount tells {@code coffre status} and {@code coffre unmount}: a small JSON file per
 * mount point in the runtime folder, owner-only, rewritten every second, and the same JSON live through the
 * control socket. It holds no secret. Counters count from the start of the mount process.
 */
public record MountState(long pid, String mountPoint, String remote, String startedAt, String logFile,
                         String metricsUrl,
                         long cacheBytes, long cacheLimitBytes, long segmentRequests, long segmentMisses,
                         long segmentEvictions,
                         long fetchedBytes, long fetchRequests, long diskCacheBytes, long diskCacheLimitBytes,
                         long diskCacheHits,
                         long integrityFailures, int queuedChanges, int queuedFiles, long queuedBytes,
                         long stagingBytes, long uploadedBlocks, long uploadedBytes, long uploadRate, long commits, long retries,
                         long failedAttempts, String uploadFailure, boolean uploadFailurePermanent,
                         long remoteChangesApplied, boolean safeToUnmount, String updatedAt) {

    /** Unknown fields are skipped: a newer mount process may say more than this command knows. */
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    /** Seconds since the mount started (at the time of asking). */
    @JsonProperty(value = "uptimeSeconds", access = JsonProperty.Access.READ_ONLY)
    public long uptimeSeconds() {
        return startedAt == null ? 0 : Math.max(0, Duration.between(Instant.parse(startedAt), Instant.now()).toSeconds());
    }

    /**
     * Share of segment lookups served from memory, 0 to 1 (1 before any lookup). Misses count read-ahead's loads
     * too, and read-ahead can load segments that nobody reads: hence the floor at 0.
     */
    @JsonProperty(value = "cacheHitRate", access = JsonProperty.Access.READ_ONLY)
    public double cacheHitRate() {
        return segmentRequests == 0 ? 1.0 : Math.max(0, (double) (segmentRequests - segmentMisses) / segmentRequests);
    }

    static Path file(Path mountPoint) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256")
                    .digest(mountPoint.toAbsolutePath().normalize().toString().getBytes(StandardCharsets.UTF_8));
            return Dirs.runtime().resolve("mounts").resolve(HexFormat.of().formatHex(digest, 0, 8) + ".json");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    void write() throws IOException {
        Path target = file(Path.of(mountPoint));
        Files.createDirectories(target.getParent(),
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        Path temp = target.resolveSibling(target.getFileName() + ".tmp");
        Files.write(temp, JSON.writeValueAsBytes(this));
        Files.setPosixFilePermissions(temp, PosixFilePermissions.fromString("rw-------"));
        Files.move(temp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    /** The control socket of the mount at {@code mountPoint} (sync, forced unmount). */
    static Path socket(Path mountPoint) {
        Path json = file(mountPoint);
        return json.resolveSibling(json.getFileName().toString().replace(".json", ".sock"));
    }

    static Optional<MountState> read(Path mountPoint) {
        try {
            return Optional.of(JSON.readValue(file(mountPoint).toFile(), MountState.class));
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    /** The states of every mount of this user that left a state file, alive or not. */
    static java.util.List<MountState> all() {
        java.util.List<MountState> states = new java.util.ArrayList<>();
        try (java.util.stream.Stream<Path> files = Files.list(Dirs.runtime().resolve("mounts"))) {
            for (Path file : (Iterable<Path>) files::iterator) {
                if (file.getFileName().toString().endsWith(".json")) {
                    try {
                        states.add(JSON.readValue(file.toFile(), MountState.class));
                    } catch (IOException e) {
                        // Being rewritten, or left half-written by a crash: not a mount to offer.
                    }
                }
            }
        } catch (IOException e) {
            return states; // no mounts yet
        }
        return states;
    }

    static void remove(Path mountPoint) {
        try {
            Files.deleteIfExists(file(mountPoint));
            Files.deleteIfExists(socket(mountPoint));
        } catch (IOException ignored) {
            // A stale state file is recognised by its dead pid.
        }
    }

    /**
     * Whether the process that wrote this state still runs. A pid can be reused once its process died: a process
     * that started after this mount was ready is another one (with a few seconds of slack, as the kernel's start
     * times are coarse).
     */
    boolean processAlive() {
        return ProcessHandle.of(pid).filter(Processes::isRunning)
                .filter(p -> p.info().startInstant().map(start -> startedAt == null
                        || !start.isAfter(Instant.parse(startedAt).plusSeconds(5))).orElse(true))
                .isPresent();
    }

    String toJson() throws IOException {
        return JSON.writeValueAsString(this);
    }

    String toCompactJson() throws IOException {
        return JSON.writer().without(SerializationFeature.INDENT_OUTPUT).writeValueAsString(this);
    }

    /** The live state from the mount itself, else what it last wrote to its state file. */
    static Optional<MountState> query(Path mountPoint) {
        try {
            String answer = ControlSocket.request(mountPoint, "status");
            if (answer.startsWith("ok ")) {
                return Optional.of(JSON.readValue(answer.substring(3), MountState.class));
            }
        } catch (CliException | IOException e) {
            // Not running, or an older process: fall back to the file.
        }
        return read(mountPoint).filter(MountState::processAlive);
    }
}
