package dev.coffre.cli;

import dev.coffre.cache.DiskCache;
import dev.coffre.cache.SegmentCache;
import dev.coffre.fuse.CoffreFs;
import dev.coffre.io.StagingArea;
import dev.coffre.io.WriteBack;
import dev.coffre.vfs.Vfs;

import java.time.Instant;
import java.util.function.LongSupplier;

/**
 * The parts of a running mount that {@code coffre status}, {@code coffre unmount} and the metrics read, and the
 * {@link MountState} they make. {@code diskCache} and {@code metricsUrl} may be null (not in use);
 * {@code fetchedBytes} and {@code fetchRequests} count the remote's content reads (zero where it does not count).
 */
record LiveMount(String mountPoint, String remote, String startedAt, String logFile, String metricsUrl,
                 SegmentCache segments, long cacheLimitBytes, DiskCache diskCache, long diskCacheLimitBytes,
                 LongSupplier fetchedBytes, LongSupplier fetchRequests, CoffreFs fs, StagingArea staging, Vfs vfs) {

    MountState state() {
        WriteBack.Stats queue = vfs.writeBackStats();
        return new MountState(ProcessHandle.current().pid(), mountPoint, remote, startedAt, logFile, metricsUrl,
                segments.memoryBytes(), cacheLimitBytes, segments.requests(), segments.misses(), segments.evictions(),
                fetchedBytes.getAsLong(), fetchRequests.getAsLong(),
                diskCache == null ? 0 : diskCache.bytes(), diskCacheLimitBytes, diskCache == null ? 0 : diskCache.hits(),
                fs.integrityFailures(), queue.pendingChanges(), queue.pendingFiles(), queue.pendingBytes(),
                staging.bytes(), queue.uploadedBlocks(), queue.uploadedBytes(), queue.uploadRateBytesPerSecond(),
                queue.commits(), queue.retries(), queue.failedAttempts(), queue.failure(), queue.failurePermanent(),
                queue.remoteRecordsApplied(), queue.safeToUnmount(), Instant.now().toString());
    }
}
