package dev.coffre.cli;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * A Unix socket (owner-only, in the runtime folder) through which commands talk to a running mount:
 * one request line, one answer line ({@code ok [payload]} or {@code error: ...}). Requests: {@code sync},
 * {@code force}, {@code status} (answers the mount state as one line of JSON).
 */
final class ControlSocket implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(ControlSocket.class.getName());

    @FunctionalInterface
    interface Handler {
        /** Answers one request (with a one-line payload, or ""); throws to answer with an error. */
        String handle(String request) throws Exception;
    }

    private final Path path;
    private final ServerSocketChannel server;

    private ControlSocket(Path path, ServerSocketChannel server) {
        this.path = path;
        this.server = server;
    }

    static ControlSocket listen(Path path, Handler handler) throws IOException {
        Files.createDirectories(path.getParent(), PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        Files.deleteIfExists(path);
        ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        server.bind(UnixDomainSocketAddress.of(path));
        Files.setPosixFilePermissions(path, PosixFilePermissions.fromString("rw-------"));
        ControlSocket socket = new ControlSocket(path, server);
        Thread acceptor = new Thread(() -> socket.serve(handler), "coffre-control");
        acceptor.setDaemon(true);
        acceptor.start();
        return socket;
    }

    private void serve(Handler handler) {
        while (server.isOpen()) {
            try {
                SocketChannel client = server.accept();
                Thread worker = new Thread(() -> answer(client, handler), "coffre-control-request");
                worker.setDaemon(true);
                worker.start();
            } catch (IOException e) {
                if (server.isOpen()) {
                    LOG.log(Level.WARNING, "control socket", e);
                }
                return;
            }
        }
    }

    private static void answer(SocketChannel client, Handler handler) {
        try (client) {
            String request = readLine(client);
            String reply;
            try {
                String payload = handler.handle(request);
                reply = payload.isEmpty() ? "ok" : "ok " + payload;
            } catch (Exception e) {
                reply = "error: " + String.valueOf(e.getMessage()).replace('\n', ' ');
            }
            client.write(ByteBuffer.wrap((reply + "\n").getBytes(StandardCharsets.UTF_8)));
        } catch (IOException e) {
            LOG.log(Level.FINE, "control request", e);
        }
    }

    /** Sends one request to the mount at {@code mountPoint}; returns its answer line. */
    static String request(Path mountPoint, String request) throws CliException {
        Path path = MountState.socket(mountPoint);
        try (SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            channel.connect(UnixDomainSocketAddress.of(path));
            channel.write(ByteBuffer.wrap((request + "\n").getBytes(StandardCharsets.UTF_8)));
            return readLine(channel);
        } catch (IOException e) {
            throw new CliException(ExitCodes.ERROR, mountPoint + " is not mounted by a running coffre ("
                    + e.getMessage() + ")");
        }
    }

    private static String readLine(SocketChannel channel) throws IOException {
        ByteBuffer buffer = ByteBuffer.allocate(64 * 1024);
        while (true) {
            int n = channel.read(buffer);
            String text = new String(buffer.array(), 0, buffer.position(), StandardCharsets.UTF_8);
            int newline = text.indexOf('\n');
            if (newline >= 0) {
                return text.substring(0, newline);
            }
            if (n < 0 || !buffer.hasRemaining()) {
                return text;
            }
        }
    }

    @Override
    public void close() throws IOException {
        server.close();
        Files.deleteIfExists(path);
    }
}
