package dev.coffre.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The listing warm-up reads a folder, changes nothing in it, and never fails a mount. */
class ListingWarmupTest {
    @TempDir
    Path dir;

    @Test
    void listsTheFolderRepeatedlyWithoutChangingIt() throws Exception {
        for (int i = 0; i < 10; i++) {
            Files.writeString(dir.resolve("file-" + i), "x");
        }
        int listings = ListingWarmup.run(dir);
        assertTrue(listings > 1, "listed more than once: " + listings);
        try (var entries = Files.list(dir)) {
            assertEquals(10, entries.count(), "nothing added or removed");
        }
    }

    @Test
    void anUnreadableFolderEndsItQuietly() {
        assertEquals(0, ListingWarmup.run(dir.resolve("missing")));
    }
}
