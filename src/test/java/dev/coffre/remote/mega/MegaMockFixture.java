package dev.coffre.remote.mega;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.Random;

/** What the mega-mock tests share: mega-mock started on 127.0.0.1 and a client logged in to its account. */
abstract class MegaMockFixture {
    @TempDir
    static Path work;
    static MegaMockServer server;
    static MegaClient client;

    @BeforeAll
    static void start() throws Exception {
        server = MegaMockServer.start(work.resolve("mega-mock-data"));
        client = MegaClient.login(server.config(), server.credentials());
    }

    @AfterAll
    static void stop() throws Exception {
        if (client != null) {
            client.close();
        }
        if (server != null) {
            server.close();
        }
    }

    static byte[] random(int size, long seed) {
        byte[] data = new byte[size];
        new Random(seed).nextBytes(data);
        return data;
    }
}
