package dev.coffre.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The durability contract on a real mount: kill -9 of the mount process at several points loses nothing
 * that close() returned for; unmount waits for the queue; --force keeps it for the next mount.
 */
@Timeout(value = 15, unit = TimeUnit.MINUTES, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
@ExtendWith(MountedVault.Cleanup.class)
class WriteBackIT {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static JsonNode status(MountedVault v) throws Exception {
        Coffre.Result r = v.coffre().run("status", "--json", v.mnt.toString());
        r.assertOk();
        return JSON.readTree(r.out());
    }

    private static long blockObjects(MountedVault v) throws Exception {
        Path blocks = v.vault.resolve("blocks");
        if (!Files.exists(blocks)) {
            return 0;
        }
        try (var files = Files.walk(blocks)) {
            return files.filter(Files::isRegularFile).count();
        }
    }

    private static void generate(Path dir, long seed, int files) throws Exception {
        Random random = new Random(seed);
        Files.createDirectories(dir.resolve("sub"));
        for (int i = 0; i < files; i++) {
            byte[] data = new byte[random.nextInt(600_000)];
            random.nextBytes(data);
            Path file = dir.resolve(i % 3 == 0 ? "sub/f" + i : "f" + i);
            Files.write(file, data);
            Coffre.shOk("touch -d @" + (1_500_000_000L + i) + "." + String.format("%09d", random.nextInt(1_000_000_000))
                    + " " + Coffre.q(file) + " && chmod " + (i % 2 == 0 ? "600 " : "755 ") + Coffre.q(file));
        }
    }

    private static void assertSame(Path expected, Path actual, String when) {
        Coffre.Result diff = Coffre.exec(List.of("diff", "-r", expected.toString(), actual.toString()));
        assertEquals(0, diff.exit(), () -> diff.describe("content differs " + when));
        Coffre.Result itemize = Coffre.exec(List.of("rsync", "-a", "--dry-run", "--itemize-changes",
                expected + "/", actual + "/"));
        assertEquals("", itemize.out().trim(), () -> itemize.describe("mtimes or modes differ " + when));
    }

    private static void kill9(MountedVault v) throws Exception {
        long pid = status(v).get("pid").asLong();
        ProcessHandle process = ProcessHandle.of(pid).orElseThrow();
        Coffre.exec(List.of("kill", "-9", Long.toString(pid))).assertOk();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (Coffre.isRunning(process) && System.nanoTime() < deadline) {
            Thread.sleep(20); // not onExit(): it waits for init to reap the process, a second or two late here
        }
        assertFalse(Coffre.isRunning(process), "the mount process outlived kill -9 by 30 s");
        v.coffre().run("unmount", v.mnt.toString()).assertOk(); // cleans up the dead mount
    }

    @Test
    void killedMountLosesNothingThatCloseReturnedFor() throws Exception {
        try (MountedVault v = MountedVault.initialized()) {
            Path expected = Files.createDirectories(v.root.resolve("expected"));
            // Kill points: right after close with uploads still waiting (long delay), and during uploads
            // (no delay, killed 0..600 ms after the writer finished), with a writer still busy in the last rounds.
            String[] delays = {"1h", "0", "0", "1h", "0", "0"};
            long[] killAfterMillis = {0, 0, 150, 0, 400, 600};
            for (int round = 0; round < delays.length; round++) {
                v.tryMount(Map.of(), "--write-back", delays[round]).assertOk();
                Path src = v.root.resolve("src" + round);
                generate(src, round, 25);
                Coffre.exec(List.of("rsync", "-a", src + "/", v.path("round" + round) + "/")).assertOk();
                Coffre.exec(List.of("rsync", "-a", src + "/", expected.resolve("round" + round) + "/")).assertOk();
                // Random writes into a file of an earlier round, through dd (closed when dd exits).
                if (round > 0) {
                    String target = "round" + (round - 1) + "/f1";
                    Coffre.shOk("head -c 3000 /dev/urandom > " + Coffre.q(v.root.resolve("patch")) + " && for o in 7 100000 300000; do"
                            + " dd if=" + Coffre.q(v.root.resolve("patch")) + " of=" + Coffre.q(v.path(target))
                            + " bs=1 seek=$o conv=notrunc status=none; dd if=" + Coffre.q(v.root.resolve("patch"))
                            + " of=" + Coffre.q(expected.resolve(target)) + " bs=1 seek=$o conv=notrunc status=none; done"
                            + " && touch -d @1600000000 " + Coffre.q(v.path(target)) + " " + Coffre.q(expected.resolve(target)));
                }
                Process busyWriter = null;
                if (round >= 4) {
                    busyWriter = new ProcessBuilder("dd", "if=/dev/urandom", "of=" + v.path("unfinished-" + round),
                            "bs=1M", "count=200", "status=none").start();
                }
                Thread.sleep(killAfterMillis[round]);
                kill9(v);
                if (busyWriter != null) {
                    busyWriter.waitFor(30, TimeUnit.SECONDS);
                }
                v.tryMount(Map.of(), "--write-back", "0").assertOk();
                for (int done = 0; done <= round; done++) {
                    assertSame(expected.resolve("round" + done), v.path("round" + done), "after kill " + round);
                }
                v.unmount();
            }
            v.mount();
            for (int done = 0; done < delays.length; done++) {
                assertSame(expected.resolve("round" + done), v.path("round" + done), "at the end");
            }
            v.unmount();
            v.coffre().run("check", v.remote()).assertOk();
        }
    }

    @Test
    void unmountWaitsForTheQueueAndForceKeepsItForTheNextMount() throws Exception {
        try (MountedVault v = MountedVault.initialized()) {
            Path src = v.root.resolve("src");
            generate(src, 99, 30);

            v.tryMount(Map.of(), "--write-back", "1h").assertOk();
            Coffre.exec(List.of("rsync", "-a", src + "/", v.path("a") + "/")).assertOk();
            JsonNode queued = status(v);
            assertTrue(queued.get("queuedFiles").asInt() >= 25, queued::toString);
            assertEquals(false, queued.get("safeToUnmount").asBoolean());
            assertEquals(0, blockObjects(v), "nothing uploaded within the write-back delay");

            v.coffre().run("unmount", "--force", v.mnt.toString()).assertOk();
            assertEquals(0, blockObjects(v), "--force uploads nothing");

            v.tryMount(Map.of(), "--write-back", "1h").assertOk();
            assertSame(src, v.path("a"), "served from staging after a forced unmount");
            Coffre.exec(List.of("rsync", "-a", src + "/", v.path("b") + "/")).assertOk();
            v.coffre().run("sync", v.mnt.toString()).assertOk();
            long afterSync = blockObjects(v);
            assertTrue(afterSync >= 50, "sync uploaded both copies: " + afterSync);
            assertTrue(status(v).get("safeToUnmount").asBoolean());

            Coffre.exec(List.of("rsync", "-a", src + "/", v.path("c") + "/")).assertOk();
            Coffre.Result unmount = v.coffre().run(Duration.ofMinutes(5), Map.of(), "unmount", v.mnt.toString());
            unmount.assertOk();
            assertTrue(blockObjects(v) > afterSync, "unmount uploaded the queue before it returned");

            v.dropLocalCache(); // staging gone: everything must now come from the vault
            v.mount();
            for (String copy : List.of("a", "b", "c")) {
                assertSame(src, v.path(copy), "after unmount and a fresh cache");
            }
        }
    }
}
