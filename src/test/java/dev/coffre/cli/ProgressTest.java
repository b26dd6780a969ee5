package dev.coffre.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

class ProgressTest {
    private static final long MIB = 1 << 20;
    private static final long SECOND = 1_000_000_000L;

    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    private final PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8);
    private long now = 1000 * SECOND;

    private String output() {
        return bytes.toString(StandardCharsets.UTF_8);
    }

    private Progress progress(boolean terminal) {
        return new Progress(out, terminal, () -> now, "uploading", 80);
    }

    @Nested
    @DisplayName("On a terminal")
    class Terminal {
        @Test
        void redrawsOneBarInPlaceWithPercentRateAndEta() {
            Progress inTest = progress(true);
            inTest.update(0, 100 * MIB);
            now += 2 * SECOND;
            inTest.update(20 * MIB, 100 * MIB);
            now += 2 * SECOND;
            inTest.update(40 * MIB, 100 * MIB);
            inTest.finish();
            String text = output();
            String[] draws = text.split("\r", -1);
            assertEquals(4, draws.length, () -> "three draws, the last one ended by finish: " + text);
            assertTrue(draws[1].contains("  0%"), text);
            assertTrue(draws[2].contains(" 20%") && draws[2].contains("10.0 MiB/s") && draws[2].contains("ETA 0:08"),
                    text);
            assertTrue(draws[3].contains(" 40%") && draws[3].contains("ETA 0:06") && draws[3].endsWith("\n"), text);
            assertTrue(draws[2].matches("uploading \\[#+-+\\]  20%.*"), draws[2]);
            for (String draw : draws) {
                assertTrue(draw.strip().length() < 80, "fits the terminal: " + draw);
            }
            assertEquals(1, text.chars().filter(c -> c == '\n').count(), "one line in all: " + text);
        }

        @Test
        void drawsAtMostTenTimesASecond() {
            Progress inTest = progress(true);
            for (int i = 0; i <= 100; i++) {
                inTest.update(i * MIB, 100 * MIB);
                now += SECOND / 100;
            }
            long draws = output().chars().filter(c -> c == '\r').count();
            assertTrue(draws >= 9 && draws <= 12, "draws in one second: " + draws);
        }

        @Test
        void aNoteGetsItsOwnLineAndTheBarComesBack() {
            Progress inTest = progress(true);
            inTest.update(MIB, 4 * MIB);
            inTest.note("uploads failing (kept, retrying): disk full");
            assertTrue(output().contains("\nuploads failing") || output().contains("\ruploads failing"), output());
            assertTrue(output().endsWith("/ 4.0 MiB"), output());
        }
    }

    @Nested
    @DisplayName("In a pipe or a log")
    class Plain {
        @Test
        void printsAPlainLineEveryTwoSecondsAndNoCarriageReturn() {
            Progress inTest = progress(false);
            for (int i = 0; i <= 50; i++) {
                inTest.update(i * MIB, 50 * MIB);
                now += SECOND / 10;
            }
            inTest.finish();
            String text = output();
            assertFalse(text.contains("\r"), text);
            List<String> lines = text.lines().toList();
            // At 0 s, 2 s, 4 s (of 5 s), and the final figures.
            assertEquals(4, lines.size(), text);
            assertTrue(lines.get(0).startsWith("uploading:   0% (0 B of 50.0 MiB)"), lines.get(0));
            assertTrue(lines.get(1).contains(" 40% (20.0 MiB of 50.0 MiB), 10.0 MiB/s, ETA 0:03"), lines.get(1));
            assertTrue(lines.get(3).contains("100% (50.0 MiB of 50.0 MiB)") && !lines.get(3).contains("ETA"),
                    lines.get(3));
        }
    }

    @Test
    void saysNothingWhenThereIsNothingToDo() {
        for (boolean terminal : new boolean[] {true, false}) {
            Progress inTest = progress(terminal);
            inTest.update(0, 0);
            inTest.finish();
        }
        assertEquals("", output());
    }

    @Test
    void figures() {
        assertEquals("512 B", Progress.bytes(512));
        assertEquals("1.5 KiB", Progress.bytes(1536));
        assertEquals("0:07", Progress.duration(7));
        assertEquals("2:05", Progress.duration(125));
        assertEquals("1:00:01", Progress.duration(3601));
    }

    @Test
    void metricsAddresses() {
        assertEquals(new MetricsAddress("127.0.0.1", 9100), MetricsAddress.parse("127.0.0.1:9100"));
        assertEquals("::1", MetricsAddress.parse("[::1]:9100").host());
        assertEquals("[::1]:9100", MetricsAddress.parse("[::1]:9100").text());
        assertEquals("http://localhost:1/metrics", MetricsAddress.parse("localhost:1").url());
        for (String wrong : new String[] {"9100", ":9100", "127.0.0.1:", "::1:9100", "host:0", "host:x"}) {
            assertThrows(IllegalArgumentException.class, () -> MetricsAddress.parse(wrong), wrong);
        }
    }
}
