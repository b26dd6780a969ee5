package dev.coffre.cli;

import java.io.IOException;
import java.nio.file.DirectoryIteratorException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Lists the new mount's root through the kernel up to 1,000 times before the mount is reported ready, so that
 * the JIT has compiled the listing path (the FUSE loop's opendir, readdir and releasedir, the callbacks, and
 * libfuse's native directory filler called once per entry) before the first {@code find} or {@code ls -R}.
 *
 * <p>Why: {@link ReadPathWarmup} cannot reach that path without a mount, since libfuse hands the callback its
 * filler. A fresh mount walked a tree of 10,000 entries in 0.09 s, and in 0.06 s the second time; after this,
 * 0.05-0.08 s the first time (local vault, 100 folders of 100 entries; ext4 0.02 s). 300 listings took 0.15 s
 * here and gained nothing: they ended before the compiler threads had caught up. Listing reads the tree in
 * memory and changes nothing. It runs before the mount is reported, so that no unmount can find the mount busy
 * with this process's own open folder.
 */
final class ListingWarmup {
    private static final Logger LOG = Logger.getLogger(ListingWarmup.class.getName());
    private static final int ROUNDS = 1000;
    /** A root of many thousands of entries lists slowly; a few rounds of it compile the path as well. */
    private static final long TIME_LIMIT_NANOS = TimeUnit.MILLISECONDS.toNanos(500);

    private ListingWarmup() {
    }

    /** Returns how many listings it made: fewer than ROUNDS when time ran out or the folder could not be read. */
    static int run(Path mountPoint) {
        long start = System.nanoTime();
        int round = 0;
        try {
            for (; round < ROUNDS && System.nanoTime() - start < TIME_LIMIT_NANOS; round++) {
                try (DirectoryStream<Path> entries = Files.newDirectoryStream(mountPoint)) {
                    entries.forEach(entry -> { });
                }
            }
        } catch (IOException | DirectoryIteratorException e) {
            // Only speed is at stake: the mount goes on without it.
            LOG.log(Level.FINE, "listing warm-up stopped early", e);
        }
        int rounds = round;
        LOG.fine(() -> "listing warm-up: " + rounds + " listings in "
                + TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start) + " ms");
        return rounds;
    }
}
