package dev.coffre.store;

import io.minio.credentials.Credentials;
import io.minio.credentials.StaticProvider;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The ObjectStore contract against a real S3 server (S3Proxy on 127.0.0.1). */
class S3ObjectStoreTest extends ObjectStoreContract {
    @TempDir
    static Path work;
    static S3ProxyServer server;

    @BeforeAll
    static void startServer() throws Exception {
        server = S3ProxyServer.start(work);
        server.createBucket("contract");
    }

    @AfterAll
    static void stopServer() throws Exception {
        server.close();
    }

    @BeforeEach
    void setUp() throws Exception {
        // A fresh prefix per test: tests share the bucket but not their keys.
        inTest = S3ObjectStore.connect(new S3ObjectStore.Location(server.endpoint(), "us-east-1", "contract",
                "t-" + UUID.randomUUID()), new StaticProvider(S3ProxyServer.ACCESS_KEY, S3ProxyServer.SECRET_KEY, null));
    }

    /**
     * S3Proxy 3.1.0 checks If-None-Match and then writes, not atomically: two PUTs racing within
     * milliseconds can both succeed (seen here: 2 winners of 8). AWS S3, MinIO and Ceph evaluate it
     * atomically. Sequential create-if-absent is checked by putReplacesAndPutIfAbsentDoesNot.
     */
    @Override
    @Test
    @org.junit.jupiter.api.Disabled("the test server (S3Proxy 3.1.0) does not evaluate If-None-Match atomically")
    void concurrentPutIfAbsentHasExactlyOneWinner() {
    }

    @Test
    void wrongCredentialsAreAPermanentErrorThatSaysSo() throws Exception {
        ObjectStore wrong = S3ObjectStore.connect(new S3ObjectStore.Location(server.endpoint(), "us-east-1",
                "contract", "x"), new StaticProvider(S3ProxyServer.ACCESS_KEY, "not-the-secret", null));
        PermanentStoreException e = assertThrows(PermanentStoreException.class, () -> wrong.put("k", new byte[1]));
        assertTrue(e.getMessage().contains("AWS_SECRET_ACCESS_KEY"), e.getMessage());
    }

    @Test
    void aMissingBucketIsAPermanentErrorThatNamesIt() throws Exception {
        ObjectStore missing = S3ObjectStore.connect(new S3ObjectStore.Location(server.endpoint(), "us-east-1",
                "no-such-bucket", ""), new StaticProvider(S3ProxyServer.ACCESS_KEY, S3ProxyServer.SECRET_KEY, null));
        PermanentStoreException e = assertThrows(PermanentStoreException.class, () -> missing.put("k", new byte[1]));
        assertTrue(e.getMessage().contains("no-such-bucket"), e.getMessage());
    }

    @Test
    void readsOfAnObjectShareOneSignature() throws Exception {
        String prefix = "t-" + UUID.randomUUID();
        AtomicInteger signings = new AtomicInteger();
        ObjectStore store = S3ObjectStore.connect(new S3ObjectStore.Location(server.endpoint(), "us-east-1",
                "contract", prefix), () -> {
                    signings.incrementAndGet();
                    return new Credentials(S3ProxyServer.ACCESS_KEY, S3ProxyServer.SECRET_KEY, null, null);
                });
        byte[] data = new byte[100_000];
        new Random(3).nextBytes(data);
        store.put("block", data);
        int afterPut = signings.get();
        for (int offset = 0; offset < data.length; offset += 10_000) {
            assertArrayEquals(Arrays.copyOfRange(data, offset, offset + 10_000), store.getRange("block", offset, 10_000));
        }
        assertArrayEquals(data, store.get("block"));
        assertEquals(afterPut + 1, signings.get(), "eleven reads of one object, one signature");
    }

    @Test
    void aUrlTheServerRefusesIsSignedAnew() throws Exception {
        String prefix = "t-" + UUID.randomUUID();
        S3ObjectStore.connect(new S3ObjectStore.Location(server.endpoint(), "us-east-1", "contract", prefix),
                new StaticProvider(S3ProxyServer.ACCESS_KEY, S3ProxyServer.SECRET_KEY, null)).put("block", new byte[]{1, 2, 3});
        // Credentials that go stale after their first use, as temporary ones do: the first URL is refused (403).
        AtomicInteger fetches = new AtomicInteger();
        ObjectStore store = S3ObjectStore.connect(new S3ObjectStore.Location(server.endpoint(), "us-east-1",
                "contract", prefix), () -> new Credentials(S3ProxyServer.ACCESS_KEY,
                fetches.getAndIncrement() == 0 ? "expired-secret" : S3ProxyServer.SECRET_KEY, null, null));
        assertArrayEquals(new byte[]{2, 3}, store.getRange("block", 1, 2));
        assertEquals(2, fetches.get());

        ObjectStore wrong = S3ObjectStore.connect(new S3ObjectStore.Location(server.endpoint(), "us-east-1",
                "contract", prefix), new StaticProvider(S3ProxyServer.ACCESS_KEY, "not-the-secret", null));
        PermanentStoreException e = assertThrows(PermanentStoreException.class, () -> wrong.get("block"));
        assertTrue(e.getMessage().contains("AWS_SECRET_ACCESS_KEY"), e.getMessage());
    }

    @Test
    void plainHttpToAnotherHostIsRefused() {
        assertThrows(PermanentStoreException.class, () -> S3ObjectStore.connect(new S3ObjectStore.Location(
                "http://192.0.2.1:9000", "us-east-1", "b", ""), new StaticProvider("a", "b", null)));
    }
}
