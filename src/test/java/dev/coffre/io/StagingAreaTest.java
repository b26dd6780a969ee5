package dev.coffre.io;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

class StagingAreaTest {
    @TempDir
    Path dir;

    private static byte[] random(int size, long seed) {
        byte[] data = new byte[size];
        new Random(seed).nextBytes(data);
        return data;
    }

    @Test
    void aBlockFinishedInTheBackgroundKeepsItsBytesAndCanStillBeForcedDeletedOrCopiedOnWrite() throws Exception {
        StagingArea staging = new StagingArea(dir.resolve("staging"));
        byte[] block = random(4 << 20, 1);
        String id = staging.create();
        for (int at = 0; at < block.length; at += 128 * 1024) { // as the kernel hands writes over
            staging.write(id, at, block, at, 128 * 1024);
        }
        staging.finishWriting(id);
        staging.finishWriting(id); // a second time: nothing left to do
        assertArrayEquals(block, staging.readAll(id, block.length));
        staging.force(id); // what a flush does, whether or not the background is done
        assertArrayEquals(block, staging.readAll(id, block.length));
        assertEquals(block.length, staging.bytes());

        String gone = staging.create();
        staging.write(gone, 0, block, 0, 1 << 20);
        staging.finishWriting(gone);
        staging.delete(gone); // dropped while its pages may still be on their way to disk
        assertFalse(staging.all().contains(gone));
        assertEquals(block.length, staging.bytes());
    }

    @Test
    void finishingABlockThatIsNotBeingWrittenChangesNothing() throws Exception {
        StagingArea staging = new StagingArea(dir.resolve("staging"));
        String id = staging.create();
        staging.finishWriting(id);
        byte[] data = random(1000, 2);
        staging.write(id, 0, data, 0, data.length); // opens it again
        staging.force(id);
        assertArrayEquals(data, staging.readAll(id, data.length));
    }
}
