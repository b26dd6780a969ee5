package dev.coffre.store;

import com.sun.net.httpserver.HttpServer;
import io.minio.credentials.StaticProvider;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Runs the S3 client's request path (signing, the HTTP clients, response streams) against a stand-in server inside
 * this process, so that the JIT has compiled it before a mount's first reads from the real service: the
 * read-path warm-up of a mount covers the filesystem and the ciphers, and a cold read from S3 still spent a
 * third of its CPU compiling the client. The stand-in answers every GET with the same bytes and every other
 * request with an empty 200; nothing leaves the loopback interface and no credential is involved.
 */
public final class S3Warmup {
    /** The per-request code (the HTTP clients, the store's error handling) compiles after a few thousand calls. */
    private static final int REQUESTS = 1_000;

    private S3Warmup() {
    }

    /**
     * Fetches {@code bodyBytes}-long ranges of stand-in objects, and stores some, until done or until
     * {@code deadlineNanos}; returns the requests answered. The mount passes what a random read fetches (a
     * segment and its tag): the copy loops of larger bodies compile on their own.
     */
    public static int run(int bodyBytes, long deadlineNanos) throws IOException {
        AtomicInteger answered = new AtomicInteger();
        byte[] body = new byte[bodyBytes];
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        ExecutorService threads = Executors.newFixedThreadPool(2, r -> {
            Thread thread = new Thread(r, "coffre-warmup-s3");
            thread.setDaemon(true);
            return thread;
        });
        server.setExecutor(threads);
        server.createContext("/", exchange -> {
            try (exchange) {
                exchange.getRequestBody().readAllBytes();
                answered.incrementAndGet();
                if ("GET".equals(exchange.getRequestMethod())) {
                    // 206 to a ranged GET, as S3 answers the reads of a mount (the client is compiled for that case)
                    boolean ranged = exchange.getRequestHeaders().containsKey("Range");
                    exchange.sendResponseHeaders(ranged ? 206 : 200, body.length);
                    try (OutputStream out = exchange.getResponseBody()) {
                        out.write(body);
                    }
                } else {
                    exchange.sendResponseHeaders(200, -1);
                }
            }
        });
        server.start();
        try {
            S3ObjectStore.Location location = new S3ObjectStore.Location("http://127.0.0.1:" + server.getAddress().getPort(),
                    "us-east-1", "warm-up", "", S3ObjectStore.Addressing.PATH);
            S3ObjectStore store = S3ObjectStore.connect(location, new StaticProvider("warm-up", "warm-up", null));
            try {
                for (int i = 0; i < REQUESTS && System.nanoTime() < deadlineNanos; i++) {
                    store.getRange("block", 0, bodyBytes);
                    if (i % 10 == 0) {
                        store.put("block", new byte[4096]);
                    }
                }
            } finally {
                store.close();
            }
        } finally {
            server.stop(0);
            threads.shutdownNow();
        }
        return answered.get();
    }
}
