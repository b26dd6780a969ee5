package dev.coffre.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LoggingTest {
    @TempDir
    Path dir;

    @Nested
    @DisplayName("A rotating log file")
    class Rotation {
        private RotatingLogFile inTest;

        @AfterEach
        void close() {
            if (inTest != null) {
                inTest.close();
            }
        }

        private void log(String message) {
            inTest.publish(new LogRecord(Level.INFO, message));
        }

        @Test
        void keepsItsNameAndAtMostNFilesOfTheLimit() throws Exception {
            Path file = dir.resolve("logs/mount.log");
            inTest = new RotatingLogFile(file, 1000, 3);
            inTest.setFormatter(new LogSetup.OneLine());
            for (int i = 0; i < 200; i++) {
                log(String.format("line %03d %s", i, "x".repeat(40)));
            }
            inTest.flush();
            try (var files = Files.list(file.getParent())) {
                assertEquals(List.of("mount.log", "mount.log.1", "mount.log.2"),
                        files.map(p -> p.getFileName().toString()).sorted().toList());
            }
            for (Path p : List.of(file, inTest.rotated(1), inTest.rotated(2))) {
                assertTrue(Files.size(p) <= 1000, p + " is " + Files.size(p) + " bytes");
                assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(p)));
            }
            List<String> live = Files.readAllLines(file);
            assertTrue(live.get(live.size() - 1).contains("line 199"), "the newest line is in the live file");
            List<String> older = Files.readAllLines(inTest.rotated(1));
            int lastOlder = Integer.parseInt(older.get(older.size() - 1).replaceAll(".*line (\\d+).*", "$1"));
            int firstLive = Integer.parseInt(live.get(0).replaceAll(".*line (\\d+).*", "$1"));
            assertEquals(lastOlder + 1, firstLive, "no line is lost between files");
        }

        @Test
        void appendsToAnExistingFile() throws Exception {
            Path file = dir.resolve("mount.log");
            Files.writeString(file, "earlier\n");
            inTest = new RotatingLogFile(file, 1 << 20, 2);
            inTest.setFormatter(new LogSetup.OneLine());
            log("later");
            inTest.flush();
            List<String> lines = Files.readAllLines(file);
            assertEquals("earlier", lines.get(0));
            assertTrue(lines.get(1).endsWith("INFO later"));
        }
    }

    @Nested
    @DisplayName("Verbosity")
    class Verbosity {
        @AfterEach
        void reset() {
            LogSetup.verbosity(0);
        }

        @Test
        void levelsAndFlagsForTheBackgroundProcess() {
            assertEquals(Level.INFO, LogSetup.coffreLevel());
            assertEquals(List.of(), LogSetup.flags());
            LogSetup.verbosity(1);
            assertEquals(Level.FINE, LogSetup.coffreLevel());
            assertEquals(List.of("-v"), LogSetup.flags());
            LogSetup.verbosity(2);
            assertEquals(Level.ALL, LogSetup.coffreLevel());
            assertEquals(List.of("-vv"), LogSetup.flags());
        }

        @Test
        void mainReadsTheFlagsOnAnySubcommand() {
            var cli = new picocli.CommandLine(new Main());
            cli.parseArgs("remote", "list", "-vv");
            assertEquals(List.of("-vv"), LogSetup.flags());
            LogSetup.verbosity(0);
            cli = new picocli.CommandLine(new Main());
            cli.parseArgs("-v", "remote", "list");
            assertEquals(List.of("-v"), LogSetup.flags());
            assertFalse(LogSetup.coffreLevel() == Level.INFO);
        }
    }
}
