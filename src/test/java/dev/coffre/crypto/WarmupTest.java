package dev.coffre.crypto;

import org.junit.jupiter.api.Test;

import java.util.HashSet;
import java.util.Set;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class WarmupTest {
    /** Inputs over this many bytes take a branch of their own in the JDK's AES-GCM (its TRIGGERLEN). */
    private static final int JDK_GCM_SPLIT_THRESHOLD = 64 * 1024;
    /** Rounds within which the JIT's profile is still being gathered, before its first compilation. */
    private static final int PROFILED_ROUNDS = 1_000;

    /** The warm-up runs on a daemon thread where an exception would go unnoticed; it once died on its second round. */
    @Test
    void warmupRunsAllItsRoundsWithoutError() {
        assertDoesNotThrow(Warmup::run);
    }

    /**
     * The JIT leaves out of its compiled code every branch its profile never saw, and throws the code away at
     * the first real call that takes one: each shape real traffic has must come up early and often.
     */
    @Test
    void earlyRoundsTakeEveryShapeOfRealTraffic() {
        Set<String> shapes = new HashSet<>();
        IntStream.range(0, PROFILED_ROUNDS).forEach(round -> {
            int length = Warmup.plaintextLength(round);
            boolean last = Warmup.isLastSegment(round);
            if (length == 0) {
                shapes.add("empty");
            }
            if (length % 16 != 0) {
                shapes.add("unaligned");
            }
            if (length > JDK_GCM_SPLIT_THRESHOLD) {
                shapes.add("over the JDK's split threshold");
            }
            if (length > 0 && length % 16 == 0 && length <= JDK_GCM_SPLIT_THRESHOLD) {
                shapes.add("aligned");
            }
            shapes.add(last ? "final segment" : "other segment");
        });
        assertEquals(Set.of("empty", "unaligned", "over the JDK's split threshold", "aligned", "final segment",
                "other segment"), shapes);
    }

    @Test
    void largePlaintextsStayRare() {
        long large = IntStream.range(0, Warmup.rounds())
                .filter(round -> Warmup.plaintextLength(round) > JDK_GCM_SPLIT_THRESHOLD).count();
        assertTrue(large * 100 <= Warmup.rounds(), large + " large rounds: the warm-up would take seconds");
    }
}
