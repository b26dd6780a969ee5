package dev.coffre.it;

import static dev.coffre.it.Coffre.EXIT_MOUNT_FAILURE;
import static dev.coffre.it.Coffre.EXIT_USAGE;
import static dev.coffre.it.Coffre.q;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * What an operator relies on, through the real command line on real mounts: status figures that match a known
 * workload, the Prometheus endpoint, progress output on a terminal and in a pipe, and the clean-up of a mount whose
 * process was killed.
 */
@Timeout(value = 6, unit = TimeUnit.MINUTES, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
@ExtendWith(MountedVault.Cleanup.class)
class OperationsIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int SEGMENT = 64 * 1024;
    private static final int BLOCK = 4 << 20;
    private static final int TAG = 16;
    /** A carriage return that does not end a line: the in-place redraw of a bar (a pty turns \n into \r\n). */
    private static final Pattern REDRAW = Pattern.compile("\r(?!\n)");
    /** One sample of the Prometheus text format: name, optional labels, value. */
    private static final Pattern SAMPLE = Pattern.compile(
            "([a-zA-Z_:][a-zA-Z0-9_:]*)(\\{[a-zA-Z_][a-zA-Z0-9_]*=\"[^\"]*\"(,[a-zA-Z_][a-zA-Z0-9_]*=\"[^\"]*\")*\\})? (\\S+)");

    private static JsonNode status(MountedVault v, String... args) throws IOException {
        List<String> command = new java.util.ArrayList<>(List.of("status", "--json"));
        command.addAll(List.of(args));
        return JSON.readTree(v.coffre().run(command.toArray(String[]::new)).assertOk().out());
    }

    private static byte[] randomBytes(long seed, int size) {
        byte[] data = new byte[size];
        new Random(seed).nextBytes(data);
        return data;
    }

    private static long segments(long size) {
        return (size + SEGMENT - 1) / SEGMENT;
    }

    // ---------------------------------------------------------------- status

    @Test
    void statusReflectsAKnownWorkload() throws Exception {
        try (MountedVault v = MountedVault.initialized()) {
            // Nothing uploads until asked, so the queue and then the transfers can be counted exactly.
            v.tryMount(Map.of(), "--write-back", "10m").assertOk();
            int[] sizes = {(1 << 20) + 5, 300_000, 5 * (1 << 20) + 17};
            long totalBytes = 0;
            long blocks = 0;
            for (int i = 0; i < sizes.length; i++) {
                Files.write(v.path("f" + i), randomBytes(i, sizes[i]));
                totalBytes += sizes[i];
                blocks += (sizes[i] + BLOCK - 1) / BLOCK;
            }

            JsonNode queued = status(v, v.mnt.toString());
            assertEquals(sizes.length, queued.get("queuedFiles").asInt(), queued::toPrettyString);
            assertEquals(totalBytes, queued.get("queuedBytes").asLong(), queued::toPrettyString);
            assertFalse(queued.get("safeToUnmount").asBoolean());
            assertEquals(0, queued.get("uploadedBytes").asLong());
            assertEquals(0, queued.get("commits").asLong());
            assertEquals(v.remote(), queued.get("remote").asText());

            // Without an argument: one line per running mount; --json: an array of the same states.
            Coffre.Result list = v.coffre().run("status").assertOk();
            assertEquals(1, list.out().lines().count(), list::output);
            assertTrue(list.out().startsWith(v.mnt + "  " + v.remote() + "  up "), list::output);
            JsonNode all = status(v);
            assertEquals(1, all.size(), all::toPrettyString);
            assertEquals(v.mnt.toString(), all.get(0).get("mountPoint").asText());

            v.coffre().run("sync", v.mnt.toString()).assertOk();
            JsonNode synced = status(v, v.mnt.toString());
            assertEquals(totalBytes, synced.get("uploadedBytes").asLong(), synced::toPrettyString);
            assertEquals(blocks, synced.get("uploadedBlocks").asLong(), synced::toPrettyString);
            assertEquals(1, synced.get("commits").asLong(), "one sync of one batch: " + synced.toPrettyString());
            assertEquals(0, synced.get("queuedChanges").asInt());
            assertEquals(0, synced.get("queuedBytes").asLong());
            assertTrue(synced.get("safeToUnmount").asBoolean());
            assertEquals(0, synced.get("failedAttempts").asLong());
            assertTrue(synced.get("uploadFailure").isNull());
            assertEquals(0, synced.get("integrityFailures").asLong());
            Coffre.Result human = v.coffre().run("status", v.mnt.toString()).assertOk();
            for (String field : List.of("remote:", "up ", "memory cache:", "fetched:", "uploaded:", "upload queue:",
                    "errors:", "integrity failures:", "other clients:", "safe to unmount:    yes")) {
                assertTrue(human.out().contains(field), () -> human.describe("no '" + field + "'"));
            }

            // A fresh mount with no local copies: reading one file fetches exactly its segments, once.
            v.unmount();
            v.dropLocalCache();
            v.tryMount(Map.of(), "--write-back", "10m").assertOk();
            JsonNode fresh = status(v, v.mnt.toString());
            assertEquals(0, fresh.get("fetchedBytes").asLong(), fresh::toPrettyString);
            assertEquals(0, fresh.get("segmentMisses").asLong());
            assertArrayEquals(randomBytes(0, sizes[0]), Files.readAllBytes(v.path("f0")));
            JsonNode read = status(v, v.mnt.toString());
            long expectedSegments = segments(sizes[0]);
            assertEquals(expectedSegments, read.get("segmentMisses").asLong(), read::toPrettyString);
            assertEquals(sizes[0] + expectedSegments * TAG, read.get("fetchedBytes").asLong(), read::toPrettyString);
            assertTrue(read.get("fetchRequests").asLong() >= 1);
            assertTrue(read.get("segmentRequests").asLong() >= expectedSegments);
            assertEquals(0, read.get("uploadedBytes").asLong(), "reading uploads nothing");
            assertTrue(read.get("uptimeSeconds").asLong() >= 0 && read.has("cacheHitRate"), read::toPrettyString);
            v.unmount();

            Coffre.Result none = v.coffre().run("status").assertOk();
            assertEquals("no coffre drive is mounted", none.out().strip(), none::output);
            assertEquals(0, status(v).size());
        }
    }

    // ---------------------------------------------------------------- metrics

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }

    /** Scrapes the endpoint; asserts that every line is a comment or a well-formed sample; sums samples by series. */
    private static Map<String, Double> scrape(int port) throws Exception {
        HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
        HttpResponse<String> response = client.send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + port + "/metrics")).timeout(Duration.ofSeconds(30)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, response.statusCode(), response::body);
        Map<String, Double> series = new HashMap<>();
        for (String line : response.body().split("\n")) {
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            Matcher sample = SAMPLE.matcher(line);
            assertTrue(sample.matches(), () -> "not a Prometheus sample: '" + line + "'");
            double value = Double.parseDouble(sample.group(4)); // also +Inf, NaN
            series.put(sample.group(1) + (sample.group(2) == null ? "" : sample.group(2)), value);
        }
        return series;
    }

    private static double value(Map<String, Double> metrics, String series) {
        return metrics.getOrDefault(series, 0.0);
    }

    /**
     * The kernel keeps names and attributes for long (changes made elsewhere are dropped from it by the change
     * feed: MultiClientIT), so a second scan of a folder a while after the first asks the file system nothing.
     * With the second it used to keep them, every stat of the second scan was a request.
     */
    @Test
    void aSecondScanAfterASecondIsAnsweredByTheKernel() throws Exception {
        try (MountedVault v = MountedVault.initialized()) {
            int port = freePort();
            v.tryMount(Map.of(), "--metrics", "127.0.0.1:" + port).assertOk();
            Path dir = Files.createDirectories(v.path("scanned"));
            for (int i = 0; i < 20; i++) {
                Files.writeString(dir.resolve("f" + i), "x".repeat(i));
            }
            for (int i = 0; i < 20; i++) { // the first scan: the kernel asks for each file's attributes
                assertEquals(i, Files.size(dir.resolve("f" + i)));
            }
            Thread.sleep(1500);
            String getattrs = "coffre_fuse_operation_duration_seconds_count{operation=\"getattr\"}";
            double before = value(scrape(port), getattrs);
            for (int i = 0; i < 20; i++) {
                assertEquals(i, Files.size(dir.resolve("f" + i)));
            }
            Map<String, Double> after = scrape(port);
            assertTrue(before > 0, after::toString);
            assertEquals(before, value(after, getattrs), "lookups and getattrs reached the file system");
        }
    }

    @Test
    void metricsEndpointServesPrometheusTextThatMovesWithAWorkload() throws Exception {
        try (MountedVault v = MountedVault.initialized()) {
            int port = freePort();
            String address = "127.0.0.1:" + port;
            // Saved with a named remote, passed on to the background process.
            v.coffre().run("remote", "add", "work", v.remote(), "--metrics", address, "--write-back", "0",
                    "--mount-point", v.mnt.toString()).assertOk();
            v.coffre().run("mount", "work").assertOk();
            int size = 3 * (1 << 20) + 123;
            byte[] data = randomBytes(7, size);
            Files.write(v.path("data.bin"), data);
            v.coffre().run("sync", "work").assertOk();
            Map<String, Double> written = scrape(port);
            assertTrue(value(written, "coffre_written_bytes_total") >= size, written::toString);
            assertEquals(size, value(written, "coffre_remote_uploaded_bytes_total"), written::toString);
            assertTrue(value(written, "coffre_fuse_operation_duration_seconds_count{operation=\"write\"}") >= 1);
            assertTrue(value(written, "coffre_fuse_operation_duration_seconds_count{operation=\"create\"}") >= 1);
            assertEquals(1.0, value(written, "coffre_safe_to_unmount"));
            assertEquals("http://" + address + "/metrics", status(v, "work").get("metricsUrl").asText());
            v.coffre().run("unmount", "work").assertOk();

            // After a remount nothing is in the kernel's page cache: the reads reach coffre, and the remote.
            v.dropLocalCache();
            v.coffre().run("mount", "work").assertOk();
            Map<String, Double> before = scrape(port);
            assertArrayEquals(data, Files.readAllBytes(v.path("data.bin")));
            Map<String, Double> after = scrape(port);
            String reads = "coffre_fuse_operation_duration_seconds_count{operation=\"read\"}";
            assertTrue(value(after, reads) > value(before, reads), after::toString);
            assertEquals(size, value(after, "coffre_read_bytes_total") - value(before, "coffre_read_bytes_total"));
            assertEquals(size + segments(size) * TAG, value(after, "coffre_remote_fetched_bytes_total")
                    - value(before, "coffre_remote_fetched_bytes_total"), after::toString);
            assertEquals(segments(size), value(after, "coffre_cache_misses_total")
                    - value(before, "coffre_cache_misses_total"), after::toString);
            assertTrue(value(after, "coffre_cache_requests_total") >= segments(size));
            assertEquals(0.0, value(after, "coffre_integrity_failures_total"));
            assertTrue(after.containsKey("coffre_cache_evictions_total"), after::toString);
            assertTrue(after.containsKey("coffre_upload_queue_bytes"), after::toString);
            assertTrue(after.containsKey("coffre_remote_retries_total"), after::toString);
            assertTrue(after.containsKey("coffre_remote_changes_applied_total"), after::toString);
            assertTrue(after.containsKey("coffre_fuse_operation_duration_seconds_bucket{operation=\"read\",le=\"+Inf\"}"),
                    after::toString);
            assertTrue(after.containsKey("coffre_fuse_operation_duration_seconds_sum{operation=\"read\"}"));
            v.coffre().run("unmount", "work").assertOk();

            // A bad address is a usage error; a port in use fails the mount before anything is mounted.
            v.coffre().run("mount", "--metrics", "9100", "work").assertExit(EXIT_USAGE);
            try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
                Coffre.Result busy = v.coffre().run("mount", "--metrics", "127.0.0.1:" + taken.getLocalPort(), "work")
                        .assertExit(EXIT_MOUNT_FAILURE);
                assertTrue(busy.err().contains("cannot serve metrics"), busy::output);
                assertFalse(Coffre.isMounted(v.mnt));
            }
        }
    }

    // ---------------------------------------------------------------- a killed mount process

    @Test
    void deadMountIsCleanedUpByUnmountOfItsNameAndMountsAgain() throws Exception {
        try (MountedVault v = MountedVault.initialized()) {
            v.coffre().run("remote", "add", "work", v.remote(), "--mount-point", v.mnt.toString()).assertOk();
            v.coffre().run("mount", "work").assertOk();
            Files.writeString(v.path("kept.txt"), "close returned, so it survives kill -9");
            long pid = status(v, "work").get("pid").asLong();
            ProcessHandle process = ProcessHandle.of(pid).orElseThrow();
            Coffre.exec(List.of("kill", "-9", Long.toString(pid))).assertOk();
            process.onExit().get(30, TimeUnit.SECONDS);

            assertTrue(Coffre.isMounted(v.mnt), "the kernel keeps the dead mount");
            Coffre.Result ls = Coffre.sh("ls " + q(v.mnt));
            assertTrue(ls.err().contains("Transport endpoint is not connected"), ls::output);
            Coffre.Result list = v.coffre().run("status").assertOk();
            assertTrue(list.out().contains(v.mnt + "  " + v.remote() + "  DEAD"), list::output);
            Coffre.Result dead = v.coffre().run("status", "work");
            assertNotEquals(0, dead.exit());
            assertTrue(dead.err().contains("died") && dead.err().contains("coffre unmount"), dead::output);
            Coffre.Result again = v.coffre().run("mount", "work").assertExit(EXIT_MOUNT_FAILURE);
            assertTrue(again.err().contains("coffre unmount"), again::output);

            Coffre.Result cleanup = v.coffre().run("unmount", "work").assertOk();
            assertTrue(cleanup.out().contains("cleaned up"), cleanup::output);
            assertFalse(Coffre.isMounted(v.mnt));
            assertEquals("no coffre drive is mounted", v.coffre().run("status").assertOk().out().strip());

            v.coffre().run("mount", "work").assertOk();
            assertEquals("close returned, so it survives kill -9", Files.readString(v.path("kept.txt")));
            v.coffre().run("unmount", "work").assertOk();
            assertFalse(Coffre.isMounted(v.mnt));
        }
    }

    // ---------------------------------------------------------------- progress

    /** {@code coffre ARGS} under script(1): its stdout and stderr are a pseudo-terminal. */
    private static Coffre.Result onTerminal(MountedVault v, String... args) {
        String command = v.coffre().command(args).stream().map(Coffre::q).collect(Collectors.joining(" "));
        Map<String, String> env = v.coffre().env();
        env.put("TERM", "xterm");
        return Coffre.exec(List.of("script", "-qfec", command, "/dev/null"), env, null, Coffre.TIMEOUT);
    }

    /** {@code coffre ARGS 2>&1 | cat}: its stderr is a pipe. */
    private static Coffre.Result inPipe(MountedVault v, String... args) {
        String command = v.coffre().command(args).stream().map(Coffre::q).collect(Collectors.joining(" "));
        return Coffre.exec(List.of("bash", "-c", "set -o pipefail; " + command + " 2>&1 | cat"), v.coffre().env(),
                null, Coffre.TIMEOUT);
    }

    private static void assertBar(Coffre.Result result, String label) {
        assertEquals(0, result.exit(), () -> result.describe("failed"));
        assertTrue(REDRAW.matcher(result.out()).find(), () -> result.describe("no bar redrawn in place"));
        assertTrue(result.out().contains(label + " [") && result.out().contains("%"),
                () -> result.describe("no bar '" + label + " [...] N%'"));
    }

    private static void assertPlainLines(Coffre.Result result, String label) {
        assertEquals(0, result.exit(), () -> result.describe("failed"));
        assertFalse(result.output().contains("\r"), () -> result.describe("a carriage return in a pipe"));
        List<String> lines = result.output().lines().filter(l -> l.startsWith(label + ": ")).toList();
        assertFalse(lines.isEmpty(), () -> result.describe("no '" + label + ": ' lines"));
        assertTrue(lines.stream().allMatch(l -> l.matches(label + ": +\\d+% \\(.* of .*\\).*")), lines::toString);
        assertTrue(lines.get(lines.size() - 1).contains("100%"), lines::toString);
    }

    @Test
    void progressIsABarOnATerminalAndPlainLinesInAPipe() throws Exception {
        try (MountedVault v = MountedVault.initialized()) {
            v.tryMount(Map.of(), "--write-back", "10m").assertOk();
            Files.write(v.path("a"), randomBytes(1, 48 << 20));
            assertBar(onTerminal(v, "sync", v.mnt.toString()), "uploading");
            Files.write(v.path("b"), randomBytes(2, 48 << 20));
            assertPlainLines(inPipe(v, "sync", v.mnt.toString()), "uploading");

            Files.write(v.path("c"), randomBytes(3, 32 << 20));
            assertBar(onTerminal(v, "unmount", v.mnt.toString()), "uploading before unmount");
            assertFalse(Coffre.isMounted(v.mnt));
            v.tryMount(Map.of(), "--write-back", "10m").assertOk();
            Files.write(v.path("d"), randomBytes(4, 32 << 20));
            assertPlainLines(inPipe(v, "unmount", v.mnt.toString()), "uploading before unmount");
            assertFalse(Coffre.isMounted(v.mnt));

            assertBar(onTerminal(v, "check", v.remote()), "checking");
            assertPlainLines(inPipe(v, "check", v.remote()), "checking");

            // A foreground mount shows the uploads it drains at exit.
            Path out = v.root.resolve("fg.out");
            String command = v.coffre().command("mount", "-f", "--write-back", "10m", v.remote(), v.mnt.toString())
                    .stream().map(Coffre::q).collect(Collectors.joining(" "));
            ProcessBuilder builder = new ProcessBuilder("script", "-qfec", command, "/dev/null")
                    .redirectOutput(out.toFile()).redirectErrorStream(true)
                    .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
            builder.environment().putAll(v.coffre().env());
            builder.environment().put("TERM", "xterm");
            Process foreground = builder.start();
            try {
                Coffre.awaitMounted(v.mnt, Duration.ofMinutes(2), foreground);
                Files.write(v.path("e"), randomBytes(5, 32 << 20));
                Coffre.exec(List.of("fusermount", "-u", v.mnt.toString())).assertOk();
                assertTrue(foreground.waitFor(2, TimeUnit.MINUTES), "the foreground mount did not exit");
            } finally {
                foreground.destroy();
            }
            String shown = Files.readString(out);
            assertTrue(REDRAW.matcher(shown).find() && shown.contains("uploading before exit ["), shown);
            assertTrue(shown.contains("100%"), shown);
            v.mount();
            assertArrayEquals(randomBytes(5, 32 << 20), Files.readAllBytes(v.path("e")));
            v.unmount();
        }
    }
}
