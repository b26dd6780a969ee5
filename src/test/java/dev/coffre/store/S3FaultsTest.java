package dev.coffre.store;

import dev.coffre.remote.vault.VaultChecker;
import dev.coffre.vfs.TestVault;
import io.minio.credentials.StaticProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A vault on a real S3 server behind a misbehaving network (resets, 503 Slow Down, stalls, cut
 * connections): writes and reads succeed after the faults, and nothing is corrupted.
 */
@Timeout(300)
class S3FaultsTest {
    @TempDir
    Path dir;

    static byte[] random(int size, long seed) {
        byte[] data = new byte[size];
        new Random(seed).nextBytes(data);
        return data;
    }

    @Test
    void writesAndReadsSurviveNetworkFaults() throws Exception {
        try (S3ProxyServer server = S3ProxyServer.start(dir); FaultProxy proxy = new FaultProxy(server.port())) {
            server.createBucket("faults");
            ObjectStore store = S3ObjectStore.connect(new S3ObjectStore.Location(proxy.endpoint(), "us-east-1",
                    "faults", "vault"), new StaticProvider(S3ProxyServer.ACCESS_KEY, S3ProxyServer.SECRET_KEY, null));
            proxy.enable(false); // create the vault on a calm network
            try (TestVault vault = TestVault.create(dir.resolve("client"), store)) {
                proxy.enable(true);
                for (int i = 0; i < 30; i++) {
                    vault.writeFile("/f" + i, random(300_000 + i * 50_000, i));
                }
                vault.sync();
                vault.reopen(); // cold cache: reads go through the faults too
                for (int i = 0; i < 30; i++) {
                    assertArrayEquals(random(300_000 + i * 50_000, i), vault.readFile("/f" + i), "file " + i);
                }
                assertTrue(proxy.resets.get() + proxy.slowDowns.get() + proxy.cuts.get() > 5,
                        "faults were injected: resets " + proxy.resets + ", 503s " + proxy.slowDowns + ", cuts " + proxy.cuts);
                proxy.enable(false);
                VaultChecker.Report report = VaultChecker.check(vault.remote(), VaultChecker.Listener.NONE);
                assertTrue(report.healthy(), report.failures().toString());
            }
        }
    }
}
