package dev.coffre.fuse;

import dev.coffre.vfs.ChangesElsewhere;

import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Drops from the kernel's caches what changes made elsewhere made stale: the names they touched (including
 * the kernel's memory that a name does not exist), and the attributes and cached pages of the inodes they
 * touched. This is what lets the kernel keep names and attributes for {@link AttributeCaching#SECONDS}.
 *
 * <p>On a thread of its own: the kernel takes a directory's lock to drop a name in it, and a request holding
 * that lock (a create, a rename) may be waiting for the tree lock of the thread that applied the change.
 */
final class KernelInvalidator implements ChangesElsewhere.Listener, AutoCloseable {
    private static final Logger LOG = Logger.getLogger(KernelInvalidator.class.getName());
    private static final int ENOENT = 2;

    /** libfuse's notify calls for one mount; each returns 0 or -errno. */
    interface Kernel {
        int invalidateEntry(long parentNodeId, byte[] name);

        /** Attributes and every cached page. */
        int invalidateInode(long nodeId);
    }

    private final Kernel kernel;
    private final KernelNodes nodes;
    private final ExecutorService thread = Executors.newSingleThreadExecutor(task -> {
        Thread t = new Thread(task, "coffre-kernel-invalidate");
        t.setDaemon(true);
        return t;
    });

    KernelInvalidator(Kernel kernel, KernelNodes nodes) {
        this.kernel = kernel;
        this.nodes = nodes;
    }

    @Override
    public void changed(ChangesElsewhere changes) {
        try {
            thread.execute(() -> invalidate(changes));
        } catch (RejectedExecutionException unmounted) {
            // The kernel's caches went with the mount.
        }
    }

    private void invalidate(ChangesElsewhere changes) {
        Set<Long> inodes = new HashSet<>(changes.inodes());
        changes.names().forEach(name -> inodes.add(name.parent()));
        Map<Long, List<Long>> nodeIds = nodes.nodeIdsOf(inodes);
        for (ChangesElsewhere.Name name : changes.names()) {
            byte[] bytes = name.name().getBytes(StandardCharsets.UTF_8);
            for (long parent : nodeIds.getOrDefault(name.parent(), List.of())) {
                check(kernel.invalidateEntry(parent, bytes), "a name");
            }
        }
        for (long ino : changes.inodes()) {
            for (long nodeId : nodeIds.getOrDefault(ino, List.of())) {
                check(kernel.invalidateInode(nodeId), "an inode");
            }
        }
    }

    /** ENOENT: the kernel had already dropped it. Anything else leaves it stale until its time runs out. */
    private static void check(int result, String what) {
        if (result < 0 && result != -ENOENT) {
            LOG.log(Level.WARNING, "the kernel refused to drop " + what + " changed elsewhere (errno " + -result
                    + "): it may show the old state for up to " + AttributeCaching.SECONDS + " s");
        }
    }

    /** Waits for the invalidations under way: they must not outlive the FUSE channel. */
    @Override
    public void close() {
        thread.shutdown();
        try {
            if (!thread.awaitTermination(10, TimeUnit.SECONDS)) {
                thread.shutdownNow();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
