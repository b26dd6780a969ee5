package dev.coffre.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;

@Command(name = "status", description = {"Show what a mounted drive is doing, or list the running mounts.",
        "Without MOUNTPOINT: one line per mount of this user. With it: remote, uptime, cache, transfers, upload queue,"
                + " errors, integrity failures, other clients' changes, and whether it is safe to unmount."},
        footer = ExitCodes.HELP, mixinStandardHelpOptions = true)
final class StatusCommand implements Callable<Integer> {
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    @Parameters(arity = "0..1", paramLabel = "MOUNTPOINT", description = "The mount point, or the NAME of a mounted remote.")
    String mountPoint;

    @Option(names = "--json", description = "Print JSON for scripts (without MOUNTPOINT: an array, one object a mount).")
    boolean json;

    @Override
    public Integer call() throws Exception {
        if (mountPoint == null) {
            return list();
        }
        Path target = MountTargets.resolve(mountPoint);
        Optional<MountState> state = MountState.query(target);
        if (state.isEmpty()) {
            if (isDeadMount(target)) {
                throw new CliException(ExitCodes.ERROR, "the mount process of " + target + " has died; 'coffre unmount "
                        + mountPoint + "' cleans up (its queued changes stay for the next mount)");
            }
            throw new CliException(ExitCodes.ERROR, target + " is not mounted by coffre");
        }
        if (json) {
            System.out.println(state.get().toJson());
        } else {
            print(state.get());
        }
        return ExitCodes.OK;
    }

    /** Every mount whose process runs (live figures where it answers), and mounts left by a dead process. */
    private int list() throws Exception {
        List<MountState> running = MountState.all().stream()
                .filter(s -> s.processAlive() || isDeadMount(Path.of(s.mountPoint())))
                .map(s -> s.processAlive() ? MountState.query(Path.of(s.mountPoint())).orElse(s) : s)
                .sorted(Comparator.comparing(MountState::mountPoint))
                .toList();
        if (json) {
            ArrayNode array = JSON.createArrayNode();
            for (MountState s : running) {
                array.add(JSON.readTree(s.toCompactJson()));
            }
            System.out.println(JSON.writeValueAsString(array));
            return ExitCodes.OK;
        }
        if (running.isEmpty()) {
            System.out.println("no coffre drive is mounted");
        }
        for (MountState s : running) {
            System.out.println(line(s));
        }
        return ExitCodes.OK;
    }

    static String line(MountState s) {
        if (!s.processAlive()) {
            return s.mountPoint() + "  " + s.remote() + "  DEAD: its process died; 'coffre unmount " + s.mountPoint()
                    + "' cleans up";
        }
        String queue = s.queuedChanges() == 0 ? "nothing queued"
                : s.queuedFiles() + " files, " + Progress.bytes(s.queuedBytes()) + " queued";
        return s.mountPoint() + "  " + s.remote() + "  up " + Progress.duration(s.uptimeSeconds()) + "  " + queue
                + (s.uploadFailure() == null ? "" : "  UPLOADS FAILING")
                + (s.integrityFailures() == 0 ? "" : "  " + s.integrityFailures() + " INTEGRITY FAILURES");
    }

    /** A mount point still in the mount table whose FUSE server is gone ("Transport endpoint is not connected"). */
    static boolean isDeadMount(Path mountPoint) {
        return Mounts.isMountPoint(mountPoint) && !Files.exists(mountPoint);
    }

    private static void print(MountState s) {
        System.out.printf("mount point:        %s%n", s.mountPoint());
        System.out.printf("remote:             %s%n", s.remote());
        System.out.printf("process:            %d, up %s (since %s)%n", s.pid(), Progress.duration(s.uptimeSeconds()),
                s.startedAt());
        System.out.printf("memory cache:       %s of %s, %.1f%% of %d segment reads served from memory,"
                        + " %d evicted%n", Progress.bytes(s.cacheBytes()), Progress.bytes(s.cacheLimitBytes()),
                100 * s.cacheHitRate(), s.segmentRequests(), s.segmentEvictions());
        if (s.diskCacheLimitBytes() > 0) {
            System.out.printf("disk cache:         %s of %s, %d segments read from it%n", Progress.bytes(s.diskCacheBytes()),
                    Progress.bytes(s.diskCacheLimitBytes()), s.diskCacheHits());
        }
        System.out.printf("fetched:            %s in %d requests%n", Progress.bytes(s.fetchedBytes()), s.fetchRequests());
        System.out.printf("uploaded:           %s in %d blocks, %d commits, now %s/s%n", Progress.bytes(s.uploadedBytes()),
                s.uploadedBlocks(), s.commits(), Progress.bytes(s.uploadRate()));
        System.out.printf("upload queue:       %d changes, %d files, %s to upload (%s staged on disk)%n",
                s.queuedChanges(), s.queuedFiles(), Progress.bytes(s.queuedBytes()), Progress.bytes(s.stagingBytes()));
        System.out.printf("errors:             %d failed upload attempts, %d retried calls%s%n", s.failedAttempts(),
                s.retries(), s.uploadFailure() == null ? ""
                        : (s.uploadFailurePermanent() ? "; FAILING (retrying will not help): " : "; failing now: ")
                        + s.uploadFailure());
        System.out.printf("integrity failures: %d%s%n", s.integrityFailures(),
                s.integrityFailures() == 0 ? "" : " (see INTEGRITY lines in the log)");
        System.out.printf("other clients:      %d changes applied%n", s.remoteChangesApplied());
        System.out.printf("safe to unmount:    %s%n", s.safeToUnmount() ? "yes"
                : "not yet: 'coffre unmount' waits for the queue, 'coffre sync' uploads it now");
        if (s.metricsUrl() != null) {
            System.out.printf("metrics:            %s%n", s.metricsUrl());
        }
        System.out.printf("log:                %s%n", s.logFile());
    }
}
