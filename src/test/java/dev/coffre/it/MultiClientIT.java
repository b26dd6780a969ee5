package dev.coffre.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/** Two mounts (two processes, two mount points) of one S3 vault on a real S3 server. */
@Timeout(value = 10, unit = TimeUnit.MINUTES, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
@ExtendWith(OnS3.class)
@ExtendWith(MountedVault.Cleanup.class)
class MultiClientIT {
    private static final String[] FAST = {"--write-back", "300ms", "--poll-interval", "500ms"};

    /** Mounts both clients with short write-back and poll intervals. */
    private static void mountBoth(MountedVault a, MountedVault b) {
        a.tryMount(Map.of(), FAST).assertOk();
        b.tryMount(Map.of(), FAST).assertOk();
    }

    /** Waits (bounded) until {@code condition} holds; fails with {@code what} otherwise. */
    private static void eventually(String what, Callable<Boolean> condition) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (System.nanoTime() < deadline) {
            try {
                if (condition.call()) {
                    return;
                }
            } catch (Exception notYet) {
                // A file half-way through appearing: try again.
            }
            Thread.sleep(200);
        }
        assertTrue(condition.call(), what);
    }

    private static Set<String> names(Path dir) throws Exception {
        try (Stream<Path> files = Files.list(dir)) {
            Set<String> names = new TreeSet<>();
            files.forEach(p -> names.add(p.getFileName().toString()));
            return names;
        }
    }

    private static long statusField(MountedVault v, String field) throws Exception {
        String json = v.coffre().run("status", "--json", v.mnt.toString()).assertOk().out();
        return new com.fasterxml.jackson.databind.ObjectMapper().readTree(json).get(field).asLong();
    }

    private static void sync(MountedVault v) {
        v.coffre().run(Duration.ofMinutes(3), Map.of(), "sync", v.mnt.toString()).assertOk();
    }

    @Test
    void eachSeesTheOthersCreatesRenamesDeletesAndWrites() throws Exception {
        try (MountedVault a = MountedVault.initialized(); MountedVault b = MountedVault.secondClientOf(a)) {
            mountBoth(a, b);

            Files.writeString(a.path("from-a.txt"), "written on A");
            Files.createDirectories(a.path("dir"));
            sync(a);
            eventually("B sees A's file", () -> "written on A".equals(Files.readString(b.path("from-a.txt"))));
            eventually("B sees A's directory", () -> Files.isDirectory(b.path("dir")));
            // Each side counts the other's journal records it applied (coffre status, metrics).
            long commitsOfA = statusField(a, "commits");
            assertTrue(commitsOfA >= 1);
            eventually("B counted every record of A", () -> statusField(b, "remoteChangesApplied") == commitsOfA);
            assertEquals(0, statusField(a, "remoteChangesApplied"), "B has committed nothing yet");

            Files.move(b.path("from-a.txt"), b.path("dir/renamed-by-b.txt"));
            sync(b);
            eventually("A sees B's rename", () -> Files.exists(a.path("dir/renamed-by-b.txt"))
                    && !Files.exists(a.path("from-a.txt")));

            Files.delete(a.path("dir/renamed-by-b.txt"));
            sync(a);
            eventually("B sees A's delete", () -> !Files.exists(b.path("dir/renamed-by-b.txt")));

            Files.writeString(b.path("dir/from-b.txt"), "written on B");
            sync(b);
            eventually("A sees B's write", () -> "written on B".equals(Files.readString(a.path("dir/from-b.txt"))));
            Files.writeString(b.path("dir/from-b.txt"), "rewritten on B, longer than before");
            sync(b);
            eventually("A sees B's rewrite", () -> "rewritten on B, longer than before"
                    .equals(Files.readString(a.path("dir/from-b.txt"))));
            // Same size, so only the modification time tells A's kernel page cache (auto_cache) that it is stale.
            Files.writeString(b.path("dir/from-b.txt"), "REWRITTEN ON B, LONGER THAN BEFORE");
            sync(b);
            eventually("A sees B's same-size rewrite, not its cached pages", () -> "REWRITTEN ON B, LONGER THAN BEFORE"
                    .equals(Files.readString(a.path("dir/from-b.txt"))));
            // A's kernel may keep names and attributes for an hour: only the change feed's invalidation shows
            // B's chmod (A looked the file up and read its attributes just now).
            assertEquals("rw-r--r--", PosixFilePermissions.toString(Files.getPosixFilePermissions(a.path("dir/from-b.txt"))));
            Files.setPosixFilePermissions(b.path("dir/from-b.txt"), PosixFilePermissions.fromString("rwx------"));
            sync(b);
            eventually("A sees B's chmod", () -> "rwx------".equals(
                    PosixFilePermissions.toString(Files.getPosixFilePermissions(a.path("dir/from-b.txt")))));
        }
    }

    @Test
    void bothWrite200FilesIntoOneDirectoryAtOnce() throws Exception {
        try (MountedVault a = MountedVault.initialized(); MountedVault b = MountedVault.secondClientOf(a)) {
            mountBoth(a, b);
            Files.createDirectories(a.path("shared"));
            sync(a);
            eventually("B sees the directory", () -> Files.isDirectory(b.path("shared")));

            String loop = "for i in $(seq -w 1 200); do printf 'content of %s-%s\\n' \"$1\" $i > \"$2/shared/$1-$i\"; done";
            Process writeA = new ProcessBuilder("bash", "-c", loop, "_", "a", a.mnt.toString()).inheritIO().start();
            Process writeB = new ProcessBuilder("bash", "-c", loop, "_", "b", b.mnt.toString()).inheritIO().start();
            assertEquals(0, writeA.waitFor());
            assertEquals(0, writeB.waitFor());
            sync(a);
            sync(b);

            Set<String> expected = new TreeSet<>();
            for (String side : List.of("a", "b")) {
                for (int i = 1; i <= 200; i++) {
                    expected.add(side + "-" + String.format("%03d", i));
                }
            }
            for (MountedVault v : List.of(a, b)) {
                eventually("all 400 files on " + v.mnt, () -> names(v.path("shared")).equals(expected));
                for (String name : expected) {
                    String side = name.substring(0, 1);
                    String content = "content of " + side + "-" + name.substring(2) + "\n";
                    // Names and contents arrive by the same polls; wait, and say where if it stays wrong.
                    eventually(name + " has its content on " + v.mnt,
                            () -> content.equals(Files.readString(v.path("shared/" + name))));
                }
            }
        }
    }

    @Test
    void bothRewriteOneFileAtOnceAndTheLoserIsKeptAsAConflictCopy() throws Exception {
        try (MountedVault a = MountedVault.initialized(); MountedVault b = MountedVault.secondClientOf(a)) {
            mountBoth(a, b);
            Files.writeString(a.path("notes.txt"), "original");
            sync(a);
            eventually("B sees the file", () -> "original".equals(Files.readString(b.path("notes.txt"))));

            Thread writeA = new Thread(() -> write(a.path("notes.txt"), "version from A"));
            Thread writeB = new Thread(() -> write(b.path("notes.txt"), "version from B"));
            writeA.start();
            writeB.start();
            writeA.join();
            writeB.join();
            sync(a);
            sync(b);

            for (MountedVault v : List.of(a, b)) {
                eventually("a conflict copy next to the file on " + v.mnt, () -> names(v.mnt).size() == 2);
                List<String> contents = new ArrayList<>();
                for (String name : names(v.mnt)) {
                    contents.add(Files.readString(v.mnt.resolve(name)));
                }
                assertEquals(Set.of("version from A", "version from B"), new TreeSet<>(contents),
                        "both versions survive on " + v.mnt + ": " + names(v.mnt));
                Set<String> listing = names(v.mnt);
                assertTrue(listing.stream().anyMatch(n -> n.startsWith("notes (conflict ") && n.endsWith(").txt")),
                        () -> "conflict copy named after the file: " + listing);
            }
            eventually("both mounts agree on which version won", () ->
                    Files.readString(a.path("notes.txt")).equals(Files.readString(b.path("notes.txt"))));
        }
    }

    private static void write(Path file, String content) {
        try {
            Files.writeString(file, content);
        } catch (Exception e) {
            throw new RuntimeException(e);
        }
    }
}
