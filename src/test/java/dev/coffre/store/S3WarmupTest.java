package dev.coffre.store;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The S3 client warm-up really goes through the client: its stand-in server answers every request. */
class S3WarmupTest {
    @Test
    void runsRequestsThroughTheClientAgainstTheStandIn() throws Exception {
        // 1,000 ranged GETs of a sealed segment, a PUT every tenth: a client error (signing, addressing) throws here.
        // Each GET is of another object, so that each goes through signing a URL, as a first read of a block does.
        assertEquals(new S3Warmup.Served(1_100, 1_000),
                S3Warmup.run(65_552, System.nanoTime() + TimeUnit.MINUTES.toNanos(2)));
    }
}
