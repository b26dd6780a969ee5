package dev.coffre.it;

import dev.coffre.store.S3ProxyServer;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/** RsyncIT again, on a vault in a real S3 server (S3Proxy on 127.0.0.1). */
class S3RsyncIT extends RsyncIT {
    private static S3ProxyServer server;
    private static Path work;

    @BeforeAll
    static void startS3() throws Exception {
        work = Files.createTempDirectory("coffre-s3-");
        server = S3ProxyServer.start(work);
        MountedVault.useS3(server);
    }

    @AfterAll
    static void stopS3() throws Exception {
        MountedVault.useLocal();
        server.close();
        Coffre.deleteTree(work);
    }
}
