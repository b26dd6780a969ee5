package dev.coffre.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/** Backing up with rsync: everything rsync -aHX preserves survives, also across a remount. */
@Timeout(value = 10, unit = TimeUnit.MINUTES, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
@ExtendWith(MountedVault.Cleanup.class)
class RsyncIT {

    private static final Duration RSYNC_TIMEOUT = Duration.ofMinutes(6);

    @Test
    void rsyncTreeIsPreservedExactlyAndSurvivesRemount() throws Exception {
        try (MountedVault v = MountedVault.create()) {
            Path src = v.root.resolve("src");
            TestTree.generate(src, TestTree.full(42));
            Path dst = v.path("dst");

            List<String> flags = new ArrayList<>(List.of("-aHAX", "--numeric-ids"));
            Coffre.Result copy = rsync(flags, src, dst);
            if (copy.exit() != 0 && copy.output().toLowerCase().contains("acl")) {
                System.err.println(copy.describe("[RsyncIT] ACLs not supported on the mount, retrying with -aHX"));
                flags = new ArrayList<>(List.of("-aHX", "--numeric-ids"));
                copy = rsync(flags, src, dst);
            }
            copy.assertOk();

            assertSameTree(flags, src, dst, "after rsync");
            v.remount();
            assertSameTree(flags, src, dst, "after remount");

            // a second real run transfers nothing either
            List<String> stats = new ArrayList<>(flags);
            stats.add("--stats");
            Coffre.Result again = rsync(stats, src, dst).assertOk();
            assertTrue(again.out().contains("Number of regular files transferred: 0"),
                    () -> again.describe("a second rsync -a transferred files"));
        }
    }

    private static Coffre.Result rsync(List<String> flags, Path src, Path dst) {
        List<String> cmd = new ArrayList<>(List.of("rsync"));
        cmd.addAll(flags);
        cmd.add(src + "/");
        cmd.add(dst + "/");
        return Coffre.exec(cmd, Map.of("LC_ALL", "C"), null, RSYNC_TIMEOUT);
    }

    static void assertSameTree(List<String> flags, Path src, Path dst, String when) {
        List<String> dry = new ArrayList<>(flags);
        dry.addAll(List.of("--delete", "--dry-run", "--itemize-changes"));
        Coffre.Result r = rsync(dry, src, dst).assertOk();
        assertEquals("", r.out().strip(), () -> r.describe(when + ": rsync --dry-run --itemize-changes reports differences"));

        TestTree.assertDiffClean(src, dst);

        SortedMap<String, SortedMap<String, String>> srcX = TestTree.userXattrs(src);
        assertFalse(srcX.isEmpty(), "the generated tree has no xattrs");
        TestTree.assertSameMap(srcX, TestTree.userXattrs(dst), when + ": user xattrs (getfattr -R -d)");

        TestTree.assertSameMap(TestTree.byPath(TestTree.statListing(src)), TestTree.byPath(TestTree.statListing(dst)),
                when + ": name|type|mode|uid|gid|links|size|mtime|inode group|target (stat)");
    }
}
