package dev.coffre.store;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A TCP proxy on 127.0.0.1 in front of an S3 server that misbehaves on purpose: some connections are
 * reset mid-request, some get "503 Slow Down", some stall before forwarding, and every forwarded
 * connection is cut after a short random lifetime (which truncates some response bodies). Bounded: it
 * only serves the test that started it and stops with it.
 */
public final class FaultProxy implements AutoCloseable {
    private final ServerSocket server;
    private final int targetPort;
    private final Random random = new Random(7);
    private volatile boolean enabled = true;
    public final AtomicLong resets = new AtomicLong();
    public final AtomicLong slowDowns = new AtomicLong();
    public final AtomicLong stalls = new AtomicLong();
    public final AtomicLong cuts = new AtomicLong();

    public FaultProxy(int targetPort) throws IOException {
        this.targetPort = targetPort;
        this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread acceptor = new Thread(this::acceptLoop, "fault-proxy");
        acceptor.setDaemon(true);
        acceptor.start();
    }

    public String endpoint() {
        return "http://127.0.0.1:" + server.getLocalPort();
    }

    /** Faults on (default) or off: off, it forwards faithfully. */
    public void enable(boolean on) {
        enabled = on;
    }

    private void acceptLoop() {
        while (!server.isClosed()) {
            try {
                Socket client = server.accept();
                Thread t = new Thread(() -> handle(client), "fault-proxy-conn");
                t.setDaemon(true);
                t.start();
            } catch (IOException e) {
                return;
            }
        }
    }

    private int roll() {
        synchronized (random) {
            return random.nextInt(100);
        }
    }

    private void handle(Socket client) {
        int dice = enabled ? roll() : 99;
        try (client) {
            if (dice < 15) {
                resets.incrementAndGet();
                client.getInputStream().read(new byte[100]);
                client.setSoLinger(true, 0); // RST instead of FIN
                return;
            }
            if (dice < 25) {
                slowDowns.incrementAndGet();
                client.getInputStream().read(new byte[4096]);
                String body = "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>SlowDown</Code>"
                        + "<Message>Please reduce your request rate.</Message></Error>";
                client.getOutputStream().write(("HTTP/1.1 503 Slow Down\r\nContent-Type: application/xml\r\n"
                        + "Content-Length: " + body.length() + "\r\nConnection: close\r\n\r\n" + body)
                        .getBytes(StandardCharsets.US_ASCII));
                return;
            }
            if (dice < 35) {
                stalls.incrementAndGet();
                Thread.sleep(1500);
            }
            try (Socket upstream = new Socket(InetAddress.getLoopbackAddress(), targetPort)) {
                Thread up = pump(client.getInputStream(), upstream.getOutputStream());
                Thread down = pump(upstream.getInputStream(), client.getOutputStream());
                long deadline = System.currentTimeMillis() + 50 + roll() * 5L;
                while (down.isAlive()) {
                    down.join(20);
                    if (enabled && down.isAlive() && System.currentTimeMillis() > deadline) {
                        cuts.incrementAndGet();
                        break; // leaving the try closes both sockets mid-stream
                    }
                }
            }
        } catch (IOException | InterruptedException ignored) {
            // The client sees a broken connection: that is the point.
        }
    }

    private static Thread pump(InputStream in, OutputStream out) {
        Thread t = new Thread(() -> {
            byte[] buffer = new byte[64 * 1024];
            try {
                int n;
                while ((n = in.read(buffer)) >= 0) {
                    out.write(buffer, 0, n);
                    out.flush();
                }
            } catch (IOException ignored) {
                // Connection closed.
            }
        }, "fault-proxy-pump");
        t.setDaemon(true);
        t.start();
        return t;
    }

    @Override
    public void close() throws IOException {
        server.close();
    }
}
