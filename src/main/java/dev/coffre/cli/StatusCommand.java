package dev.coffre.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.nio.file.Path;
import java.util.concurrent.Callable;

@Command(name = "status", description = "Show what a mounted drive is doing.",
        footer = ExitCodes.HELP, mixinStandardHelpOptions = true)
final class StatusCommand implements Callable<Integer> {
    @Parameters(paramLabel = "MOUNTPOINT", description = "The mount point, or the NAME of a mounted remote.")
    String mountPoint;

    @Option(names = "--json", description = "Print JSON for scripts.")
    boolean json;

    @Override
    public Integer call() throws Exception {
        Path target = MountTargets.resolve(mountPoint);
        MountState state = MountState.query(target)
                .orElseThrow(() -> new CliException(ExitCodes.ERROR, target + " is not mounted by coffre"));
        if (json) {
            System.out.println(state.toJson());
            return ExitCodes.OK;
        }
        System.out.printf("mount point:        %s%n", state.mountPoint());
        System.out.printf("remote:             %s%n", state.remote());
        System.out.printf("process:            %d, since %s%n", state.pid(), state.startedAt());
        System.out.printf("cache:              %d of %d MiB%n", state.cacheBytes() >> 20, state.cacheLimitBytes() >> 20);
        System.out.printf("segment reads:      %d (%d fetched)%n", state.segmentRequests(), state.segmentMisses());
        System.out.printf("fetched:            %d MiB in %d requests%n", state.fetchedBytes() >> 20, state.fetchRequests());
        if (state.diskCacheLimitBytes() > 0) {
            System.out.printf("disk cache:         %d of %d MiB, %d hits%n", state.diskCacheBytes() >> 20,
                    state.diskCacheLimitBytes() >> 20, state.diskCacheHits());
        }
        System.out.printf("integrity failures: %d%n", state.integrityFailures());
        System.out.printf("upload queue:       %d changes, %d files, %s to upload (%s staged on disk)%n",
                state.queuedChanges(), state.queuedFiles(), Progress.bytes(state.queuedBytes()),
                Progress.bytes(state.stagingBytes()));
        System.out.printf("uploaded:           %d blocks, %s in %d commits (%d retries), now %s/s%n",
                state.uploadedBlocks(), Progress.bytes(state.uploadedBytes()), state.commits(), state.retries(),
                Progress.bytes(state.uploadRate()));
        System.out.printf("upload failures:    %s%n", state.uploadFailure() == null ? "none"
                : state.failedAttempts() + " failed attempts, last: " + state.uploadFailure());
        System.out.printf("safe to unmount:    %s%n", state.safeToUnmount() ? "yes"
                : "not yet: 'coffre unmount' waits for the queue, 'coffre sync' uploads it now");
        System.out.printf("log:                %s%n", state.logFile());
        return ExitCodes.OK;
    }
}
