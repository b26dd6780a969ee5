package dev.coffre.it;

import dev.coffre.store.S3ProxyServer;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Runs a test class with its vaults in a real S3 server: S3Proxy started on 127.0.0.1 before the class,
 * stopped (and its data deleted) after it. Use as {@code @ExtendWith(OnS3.class)}.
 */
final class OnS3 implements BeforeAllCallback, AfterAllCallback {
    private S3ProxyServer server;
    private Path work;

    @Override
    public void beforeAll(ExtensionContext context) throws Exception {
        work = Files.createTempDirectory("coffre-s3-");
        server = S3ProxyServer.start(work);
        MountedVault.useS3(server);
    }

    @Override
    public void afterAll(ExtensionContext context) throws Exception {
        MountedVault.useLocal();
        server.close();
        Coffre.deleteTree(work);
    }
}
