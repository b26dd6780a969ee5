package dev.coffre.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** Whether another process (a mount's background half) still runs. */
final class Processes {
    private Processes() {
    }

    /**
     * True while {@code process} runs: a zombie has ended, although {@link ProcessHandle#isAlive} says alive
     * until its parent reaps it. A mount's background half outlives the command that started it, so its parent
     * is then init, and some inits reap late: 1.2-1.7 s after the exit here, which every unmount waited for.
     */
    static boolean isRunning(ProcessHandle process) {
        return process.isAlive() && !isZombie(process.pid());
    }

    private static boolean isZombie(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"), StandardCharsets.US_ASCII);
            // "pid (command) S ...": the command may hold spaces and parentheses, the state follows the last ')'.
            int end = stat.lastIndexOf(')');
            return end >= 0 && end + 2 < stat.length() && stat.charAt(end + 2) == 'Z';
        } catch (IOException | RuntimeException e) {
            return false; // no /proc, or gone meanwhile: isAlive answers
        }
    }
}
