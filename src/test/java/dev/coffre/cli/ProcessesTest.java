package dev.coffre.cli;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class ProcessesTest {

    /** A shell that starts {@code true} and then becomes {@code sleep} without waiting: {@code true} stays a zombie. */
    @Test
    void aZombieHasEndedAndItsParentStillRuns() throws Exception {
        Process shell = new ProcessBuilder("sh", "-c", "true & echo $!; exec sleep 30").start();
        try {
            long zombiePid;
            try (BufferedReader out = new BufferedReader(new InputStreamReader(shell.getInputStream(), StandardCharsets.US_ASCII))) {
                zombiePid = Long.parseLong(out.readLine().trim());
                ProcessHandle zombie = ProcessHandle.of(zombiePid).orElseThrow();
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
                while (Processes.isRunning(zombie) && System.nanoTime() < deadline) {
                    Thread.sleep(10); // until "true" has exited
                }
                assumeTrue(zombie.isAlive(), "not a zombie: the JDK no longer counts it alive, nothing to test");
                assertFalse(Processes.isRunning(zombie), "a zombie counted as running");
                assertTrue(Processes.isRunning(shell.toHandle()), "the sleeping shell counted as ended");
            }
        } finally {
            shell.destroyForcibly().waitFor();
        }
        assertFalse(Processes.isRunning(shell.toHandle()), "a reaped process counted as running");
    }
}
