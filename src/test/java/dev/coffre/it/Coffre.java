package dev.coffre.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Runs the coffre command line ({@code java -jar coffre.jar ...}) and other programs as separate
 * processes, with a timeout, capturing stdout, stderr and the exit code.
 *
 * <p>Output goes to temporary files, not pipes: a daemonized mount process may inherit the
 * output descriptors and keep them open long after the command we ran has exited.
 */
final class Coffre {

    /** Default timeout of one command. */
    static final Duration TIMEOUT = Duration.ofMinutes(3);

    /** Exit codes of the coffre command line. */
    static final int EXIT_OK = 0;
    static final int EXIT_ERROR = 1;
    static final int EXIT_USAGE = 2;
    static final int EXIT_WRONG_PASSWORD = 3;
    static final int EXIT_NOT_A_VAULT = 4;
    static final int EXIT_MOUNT_FAILURE = 5;
    static final int EXIT_INTEGRITY = 6;

    /** The outcome of one process. */
    record Result(List<String> command, int exit, boolean timedOut, String out, String err) {

        /** stdout followed by stderr. */
        String output() {
            return out + err;
        }

        Result assertExit(int expected) {
            assertEquals(expected, exit, () -> describe("unexpected exit code"));
            return this;
        }

        Result assertOk() {
            return assertExit(0);
        }

        String describe(String message) {
            return message + "\n  command: " + String.join(" ", command)
                    + "\n  exit: " + (timedOut ? "TIMED OUT" : exit)
                    + "\n  stdout: " + clip(out)
                    + "\n  stderr: " + clip(err);
        }

        private static String clip(String s) {
            String t = s.strip();
            return t.length() <= 6000 ? t : t.substring(0, 3000) + "\n...[clipped]...\n"
                    + t.substring(t.length() - 3000);
        }
    }

    private final Map<String, String> env;

    /** @param env variables added to (value null: removed from) the inherited environment */
    Coffre(Map<String, String> env) {
        this.env = new HashMap<>(env);
    }

    static Path jar() {
        String property = System.getProperty("coffre.jar");
        Path jar = Path.of(property != null ? property : "target/coffre.jar").toAbsolutePath();
        assertTrue(Files.isRegularFile(jar), "coffre jar not found: " + jar);
        return jar;
    }

    static String java() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    List<String> command(String... args) {
        List<String> cmd = new ArrayList<>(List.of(java(), "-jar", jar().toString()));
        cmd.addAll(List.of(args));
        return cmd;
    }

    Map<String, String> env() {
        return new HashMap<>(env);
    }

    Result run(String... args) {
        return run(TIMEOUT, Map.of(), args);
    }

    Result runWith(Map<String, String> extraEnv, String... args) {
        return run(TIMEOUT, extraEnv, args);
    }

    Result run(Duration timeout, Map<String, String> extraEnv, String... args) {
        Map<String, String> merged = env();
        merged.putAll(extraEnv);
        return exec(command(args), merged, null, timeout);
    }

    /** Starts coffre without waiting (for {@code mount -f}); output goes to the given files. */
    Process start(Map<String, String> extraEnv, Path out, Path err, String... args) throws IOException {
        Map<String, String> merged = env();
        merged.putAll(extraEnv);
        ProcessBuilder pb = builder(command(args), merged, null);
        pb.redirectOutput(out.toFile()).redirectError(err.toFile());
        return pb.start();
    }

    // ---------------------------------------------------------------- processes and shells

    private static ProcessBuilder builder(List<String> cmd, Map<String, String> envChanges, Path dir) {
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        if (dir != null) {
            pb.directory(dir.toFile());
        }
        Map<String, String> e = pb.environment();
        e.remove("COFFRE_PASSWORD");
        e.remove("COFFRE_NEW_PASSWORD");
        envChanges.forEach((k, v) -> {
            if (v == null) {
                e.remove(k);
            } else {
                e.put(k, v);
            }
        });
        return pb;
    }

    /** Runs a program and waits for it; never throws for a non-zero exit or a timeout. */
    static Result exec(List<String> cmd, Map<String, String> envChanges, Path dir, Duration timeout) {
        Path out = null;
        Path err = null;
        try {
            out = Files.createTempFile("coffre-it-", ".out");
            err = Files.createTempFile("coffre-it-", ".err");
            ProcessBuilder pb = builder(cmd, envChanges, dir);
            pb.redirectOutput(out.toFile()).redirectError(err.toFile());
            Process p = pb.start();
            boolean done;
            try {
                done = p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                destroyTree(p);
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while running " + cmd, e);
            }
            if (!done) {
                destroyTree(p);
            }
            return new Result(List.copyOf(cmd), done ? p.exitValue() : -1, !done, read(out), read(err));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot run " + cmd, e);
        } finally {
            deleteQuietly(out);
            deleteQuietly(err);
        }
    }

    static Result exec(List<String> cmd) {
        return exec(cmd, Map.of(), null, TIMEOUT);
    }

    private static void destroyTree(Process p) {
        p.descendants().forEach(ProcessHandle::destroyForcibly);
        p.destroyForcibly();
        try {
            p.waitFor(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static String read(Path file) throws IOException {
        return new String(Files.readAllBytes(file), StandardCharsets.UTF_8);
    }

    private static void deleteQuietly(Path p) {
        if (p != null) {
            try {
                Files.deleteIfExists(p);
            } catch (IOException ignored) {
                // best effort
            }
        }
    }

    /** {@code bash -c script}; any exit code. */
    static Result sh(String script) {
        return sh(TIMEOUT, Map.of(), script);
    }

    static Result sh(Duration timeout, Map<String, String> env, String script) {
        return exec(List.of("bash", "-c", script), env, null, timeout);
    }

    /** {@code bash -c "set -eo pipefail; script"}, asserting exit 0; returns stdout. */
    static String shOk(String script) {
        return shOk(TIMEOUT, Map.of(), script);
    }

    static String shOk(Duration timeout, Map<String, String> env, String script) {
        return sh(timeout, env, "set -eo pipefail\n" + script).assertOk().out();
    }

    /** Quotes a string for bash (single quotes). */
    static String q(Object s) {
        return "'" + s.toString().replace("'", "'\\''") + "'";
    }

    /** python3 helper: {@code attempt(f, *args)} returns "OK" or the errno name. */
    static final String PY_PRELUDE = String.join("\n",
            "import os, sys, errno",
            "def attempt(f, *a):",
            "    try:",
            "        f(*a)",
            "        return 'OK'",
            "    except OSError as e:",
            "        return errno.errorcode.get(e.errno, str(e.errno))",
            "");

    /** Runs {@code python3 -c PRELUDE+code args...}, asserting exit 0; returns stdout lines. */
    static List<String> py(String code, Object... args) {
        List<String> cmd = new ArrayList<>(List.of("python3", "-c", PY_PRELUDE + code));
        for (Object a : args) {
            cmd.add(a.toString());
        }
        Result r = exec(cmd, Map.of("PYTHONIOENCODING", "utf-8"), null, TIMEOUT).assertOk();
        return r.out().lines().toList();
    }

    // ---------------------------------------------------------------- mounts

    /** Mount points of this mount namespace, from /proc/self/mountinfo. */
    static List<String> mountPoints() {
        try {
            List<String> points = new ArrayList<>();
            for (String line : Files.readAllLines(Path.of("/proc/self/mountinfo"))) {
                String[] f = line.split(" ");
                if (f.length > 4) {
                    points.add(unescapeMountinfo(f[4]));
                }
            }
            return points;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Whether a process still runs: an exited process that its parent has not reaped yet (a zombie, state Z in
     * /proc/PID/stat) has finished, though {@link ProcessHandle#isAlive} still says alive. A mount's process
     * outlives its parent, and this machine's init reaps orphans a second or two late.
     */
    static boolean isRunning(ProcessHandle process) {
        if (!process.isAlive()) {
            return false; // reaped (and never mistaken for a later process of the same pid)
        }
        try {
            byte[] stat = Files.readAllBytes(Path.of("/proc/" + process.pid() + "/stat"));
            String text = new String(stat, java.nio.charset.StandardCharsets.ISO_8859_1); // any name decodes
            return !text.substring(text.lastIndexOf(')') + 1).trim().startsWith("Z");
        } catch (IOException e) {
            return false; // reaped meanwhile
        }
    }

    static boolean isMounted(Path mountPoint) {
        return mountPoints().contains(mountPoint.toAbsolutePath().normalize().toString());
    }

    /** Waits until mountPoint appears in mountinfo; fails early if {@code process} exits. */
    static void awaitMounted(Path mountPoint, Duration timeout, Process process) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!isMounted(mountPoint)) {
            if (process != null && !process.isAlive()) {
                fail("mount process exited with " + process.exitValue() + " before " + mountPoint + " was mounted");
            }
            if (System.nanoTime() > deadline) {
                fail(mountPoint + " not mounted after " + timeout);
            }
            Thread.sleep(100);
        }
    }

    private static String unescapeMountinfo(String s) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\\' && i + 3 < s.length() && s.substring(i + 1, i + 4).matches("[0-7]{3}")) {
                b.append((char) Integer.parseInt(s.substring(i + 1, i + 4), 8));
                i += 3;
            } else {
                b.append(c);
            }
        }
        return b.toString();
    }

    // ---------------------------------------------------------------- files

    static String sha256(Path file) {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            md.update(Files.readAllBytes(file));
            return HexFormat.of().formatHex(md.digest());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Relative path -> "dir", "link:TARGET" or the sha256 of the content, for every entry under dir. */
    static SortedMap<String, String> snapshot(Path dir) {
        SortedMap<String, String> map = new TreeMap<>();
        if (!Files.exists(dir, LinkOption.NOFOLLOW_LINKS)) {
            return map;
        }
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : (Iterable<Path>) s::iterator) {
                String rel = dir.relativize(p).toString();
                if (Files.isSymbolicLink(p)) {
                    map.put(rel, "link:" + Files.readSymbolicLink(p));
                } else if (Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
                    map.put(rel, "dir");
                } else {
                    map.put(rel, sha256(p));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return map;
    }

    /** Regular files under dir, relative paths. */
    static List<String> regularFiles(Path dir) {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> s = Files.walk(dir)) {
            return s.filter(p -> Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS))
                    .map(p -> dir.relativize(p).toString()).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Deletes a tree, never crossing into anything still mounted. */
    static void deleteTree(Path root) {
        String prefix = root.toAbsolutePath().normalize().toString();
        for (String mp : mountPoints()) {
            if (mp.equals(prefix) || mp.startsWith(prefix + "/")) {
                System.err.println("[coffre-it] not deleting " + root + ": " + mp + " is still mounted");
                return;
            }
        }
        if (!Files.exists(root, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        try {
            Files.walkFileTree(root, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                    Files.deleteIfExists(file);
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult visitFileFailed(Path file, IOException exc) {
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult postVisitDirectory(Path d, IOException exc) throws IOException {
                    Files.deleteIfExists(d);
                    return FileVisitResult.CONTINUE;
                }
            });
        } catch (IOException e) {
            System.err.println("[coffre-it] could not delete " + root + ": " + e);
        }
    }
}
