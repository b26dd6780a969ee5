package dev.coffre.store;

import com.sun.net.httpserver.HttpServer;
import io.minio.credentials.StaticProvider;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
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

    /** What the stand-in served: requests of every kind, and the distinct objects read. */
    public record Served(int requests, int objectsRead) {
    }

    private S3Warmup() {
    }

    /**
     * Fetches {@code bodyBytes}-long ranges of stand-in objects, and stores some, until done or until
     * {@code deadlineNanos}. The mount passes what a random read fetches (a segment and its tag): the copy loops
     * of larger bodies compile on their own. Each GET is of another object, as a mount's first reads of a file
     * are: the store signs a URL for each object it reads (PresignedGets). With one object only, that signing
     * stayed cold, and a cold random read that was a block's first took 3.8 ms on average, against 2.0-2.5 ms
     * now and 0.9 for the others (S3Proxy here; it too spends ~0.3 ms more on an object's first read).
     */
    public static Served run(int bodyBytes, long deadlineNanos) throws IOException {
        AtomicInteger answered = new AtomicInteger();
        Set<String> objectsRead = ConcurrentHashMap.newKeySet();
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
                    objectsRead.add(exchange.getRequestURI().getPath());
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
                    store.getRange("block-" + i, 0, bodyBytes); // a URL signed for each
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
        return new Served(answered.get(), objectsRead.size());
    }
}
