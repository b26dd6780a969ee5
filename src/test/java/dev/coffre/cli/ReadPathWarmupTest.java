package dev.coffre.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The warm-up runs the real read and write paths end to end and leaves nothing behind. */
class ReadPathWarmupTest {
    @TempDir
    Path dir;

    @Test
    void exercisesTheFilesystemAndCleansUp() throws Exception {
        Path folder = Files.createDirectory(dir.resolve("work"));
        // Called directly, so that a failure inside surfaces here instead of being logged and ignored.
        ReadPathWarmup.exercise(folder, System.nanoTime() + TimeUnit.SECONDS.toNanos(60));
        try (Stream<Path> blocks = Files.walk(folder.resolve("vault"))) {
            assertTrue(blocks.anyMatch(p -> p.toString().contains("blocks")), "content was sealed and stored");
        }

        ReadPathWarmup.run(dir.resolve("scratch"));
        try (Stream<Path> left = Files.list(dir.resolve("scratch"))) {
            assertEquals(0, left.count(), "the temporary vault is deleted");
        }
    }
}
