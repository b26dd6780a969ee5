package dev.coffre.remote.mega;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * mega-mock 0.4.2 (npm; a MEGA API server written by others, the one megajs's own tests use), started in
 * a node process on 127.0.0.1 at a free port with its preloaded account {@code mock@test}/{@code mock}.
 * What it does not implement (see its source): {@code m} (move; answers -1), {@code sc} (no action
 * packets), v2 login, error injection, proof of work, deleting folders, the user handle in {@code us}
 * and in the session id. Those are tested against {@link FakeMegaServer}.
 */
final class MegaMockServer implements AutoCloseable {
    static final String EMAIL = "mock@test";
    static final String PASSWORD = "mock";

    private final Process process;
    private final int port;

    private MegaMockServer(Process process, int port) {
        this.process = process;
        this.port = port;
    }

    static MegaMockServer start(Path dataDir) throws IOException, InterruptedException {
        Process process = NodeScripts.builder("mega-mock-server.js", List.of(dataDir.toString()))
                .redirectErrorStream(true)
                .start();
        BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
        CompletableFuture<Integer> port = CompletableFuture.supplyAsync(() -> {
            try {
                for (String line; (line = out.readLine()) != null; ) {
                    if (line.startsWith("LISTENING ")) {
                        return Integer.parseInt(line.substring("LISTENING ".length()).trim());
                    }
                    System.err.println("[mega-mock] " + line);
                }
            } catch (IOException e) {
                // fall through: no port
            }
            return -1;
        });
        int listening;
        try {
            listening = port.get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            process.destroyForcibly();
            throw new IOException("mega-mock did not start", e);
        }
        if (listening <= 0) {
            process.destroyForcibly();
            throw new IOException("mega-mock exited before listening");
        }
        // Keep echoing what it logs (it prints errors of commands it does not support).
        CompletableFuture.runAsync(() -> {
            try {
                for (String line; (line = out.readLine()) != null; ) {
                    System.err.println("[mega-mock] " + line);
                }
            } catch (IOException e) {
                // process ended
            }
        });
        return new MegaMockServer(process, listening);
    }

    String url() {
        return "http://127.0.0.1:" + port + "/";
    }

    /** A client configuration for this server: plain http, and no session-id handle check (see class comment). */
    MegaConfig config() {
        return MegaConfig.defaults()
                .withApiUrl(url())
                .withTransferTls(false)
                .withRequireSidHandle(false)
                .withBackoff(new Backoff(4, 10, 100, Thread::sleep))
                .withWaitTimeout(Duration.ofSeconds(5))
                .withMaxPostBytes(1024 * 1024); // several pieces in flight, as megajs sends them
    }

    MegaCredentials credentials() {
        return new MegaCredentials(EMAIL, PASSWORD.toCharArray(), null);
    }

    @Override
    public void close() throws InterruptedException {
        try {
            process.getOutputStream().close(); // the script exits when its stdin closes
        } catch (IOException e) {
            // already gone
        }
        if (!process.waitFor(5, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            process.waitFor(5, TimeUnit.SECONDS);
        }
    }
}
