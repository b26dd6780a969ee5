package dev.coffre.cli;

import java.time.Instant;
import java.util.Objects;
import java.util.function.Supplier;

/**
 * Follows a mount's upload queue through its {@link MountState}s: done is what was uploaded since the first state
 * seen, total is that plus what is still queued, so that changes queued meanwhile extend the bar rather than
 * making it jump back. Upload failures are shown once each, as they change.
 */
final class UploadProgress {
    private static final long POLL_MILLIS = 200;

    private final Progress progress;
    private long baseline = -1;
    private long total;
    private Instant lastUpdate = Instant.MIN;
    private String lastFailure;

    UploadProgress(Progress progress) {
        this.progress = progress;
    }

    void update(MountState state) {
        // A state file can be up to a second older than a live answer seen before it.
        Instant updated = state.updatedAt() == null ? Instant.MIN : Instant.parse(state.updatedAt());
        if (updated.isBefore(lastUpdate)) {
            return;
        }
        lastUpdate = updated;
        if (baseline < 0) {
            baseline = state.uploadedBytes();
        }
        long done = Math.max(0, state.uploadedBytes() - baseline);
        total = done + state.queuedBytes();
        progress.update(done, total);
        if (!Objects.equals(state.uploadFailure(), lastFailure)) {
            lastFailure = state.uploadFailure();
            if (lastFailure != null) {
                progress.note("uploads failing (kept, retrying): " + lastFailure);
            }
        }
    }

    void finish() {
        progress.finish();
    }

    /** The mount process has exited after draining its queue: all of it is uploaded. */
    void finishDrained() {
        if (total > 0) {
            progress.update(total, total);
        }
        progress.finish();
    }

    /**
     * Runs {@code work} (which makes the mount drain its queue) while showing the queue's progress on stderr,
     * polling {@code state} from another thread.
     */
    static void during(String label, Supplier<MountState> state, Runnable work) {
        UploadProgress watch = new UploadProgress(Progress.onStderr(label));
        watch.update(state.get()); // the queue before the work starts, however fast it goes
        Thread poller = new Thread(() -> {
            try {
                while (!Thread.currentThread().isInterrupted()) {
                    watch.update(state.get());
                    Thread.sleep(POLL_MILLIS);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (RuntimeException e) {
                // The mount is being taken apart under us: the progress display simply stops.
            }
        }, "coffre-progress");
        poller.setDaemon(true);
        poller.start();
        try {
            work.run();
        } finally {
            poller.interrupt();
            try {
                poller.join(1000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            watch.update(state.get());
            watch.finish();
        }
    }
}
