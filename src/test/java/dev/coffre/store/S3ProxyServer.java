package dev.coffre.store;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A real S3 server for tests: S3Proxy (3.1.0, which honours If-None-Match and If-Match) with its filesystem
 * backend, started as a separate process on 127.0.0.1 at a free port. Its jar is copied by Maven to
 * target/s3proxy (system property {@code s3proxy.jar}).
 */
public final class S3ProxyServer implements AutoCloseable {
    public static final String ACCESS_KEY = "coffre-test-access";
    public static final String SECRET_KEY = "coffre-test-secret-key";

    private final Process process;
    private final int port;
    private final Path dataDir;

    private S3ProxyServer(Process process, int port, Path dataDir) {
        this.process = process;
        this.port = port;
        this.dataDir = dataDir;
    }

    public static S3ProxyServer start(Path workDir) throws IOException, InterruptedException {
        Path jar = Path.of(System.getProperty("s3proxy.jar", "target/s3proxy/s3proxy.jar"));
        if (!Files.exists(jar)) {
            throw new IllegalStateException("S3Proxy jar missing at " + jar + " (run through Maven)");
        }
        int port;
        try (ServerSocket socket = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            port = socket.getLocalPort();
        }
        Path data = Files.createDirectories(workDir.resolve("s3-data"));
        Path properties = workDir.resolve("s3proxy.properties");
        Files.writeString(properties, String.join("\n",
                "s3proxy.endpoint=http://127.0.0.1:" + port,
                "s3proxy.authorization=aws-v2-or-v4",
                "s3proxy.identity=" + ACCESS_KEY,
                "s3proxy.credential=" + SECRET_KEY,
                "jclouds.provider=filesystem",
                "jclouds.filesystem.basedir=" + data,
                ""));
        Path logback = workDir.resolve("s3proxy-logback.xml");
        Files.writeString(logback, "<configuration><root level=\"WARN\"/></configuration>\n");
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Dlogback.configurationFile=" + logback, "-Xmx256m",
                "-jar", jar.toString(), "--properties", properties.toString()));
        ProcessBuilder builder = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(workDir.resolve("s3proxy.log").toFile());
        builder.environment().remove("AWS_CA_BUNDLE");
        Process process = builder.start();
        S3ProxyServer server = new S3ProxyServer(process, port, data);
        server.awaitListening(Duration.ofSeconds(60), workDir.resolve("s3proxy.log"));
        return server;
    }

    private void awaitListening(Duration timeout, Path log) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IOException("S3Proxy exited: " + Files.readString(log));
            }
            try (Socket ignored = new Socket("127.0.0.1", port)) {
                return;
            } catch (IOException notYet) {
                Thread.sleep(100);
            }
        }
        throw new IOException("S3Proxy did not listen within " + timeout);
    }

    public String endpoint() {
        return "http://127.0.0.1:" + port;
    }

    public int port() {
        return port;
    }

    /** Creates a bucket (a folder of the filesystem backend). */
    public void createBucket(String bucket) throws IOException {
        Files.createDirectories(dataDir.resolve(bucket));
    }

    /** Where the backend keeps a bucket's objects (to scan for plaintext, or to tamper with). */
    public Path bucketDir(String bucket) {
        return dataDir.resolve(bucket);
    }

    /** Environment for a coffre process that talks to this server. */
    public Map<String, String> clientEnv() {
        return Map.of("AWS_ACCESS_KEY_ID", ACCESS_KEY, "AWS_SECRET_ACCESS_KEY", SECRET_KEY,
                "AWS_ENDPOINT_URL", endpoint(), "AWS_REGION", "us-east-1");
    }

    @Override
    public void close() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(10, java.util.concurrent.TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor();
        }
    }
}
