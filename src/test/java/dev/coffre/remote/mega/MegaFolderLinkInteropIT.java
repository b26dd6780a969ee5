package dev.coffre.remote.mega;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The folder links of {@link FakeMegaServer} read by <b>megajs 1.3.10</b> (npm, written by others), which
 * browses a link the way MEGA's web client does ({@code f} with {@code n=}, the linked folder found by its
 * self-named key, {@code g} with {@code n=} per file, MACs checked). It holds the fake to the protocol that our
 * own client's folder-link tests ({@link MegaFolderRootTest}, {@link MegaCliIT}) rely on. mega-mock 0.4.2 is
 * not used here: it lists a link's subtree but answers the keys wrapped with the owner's master key, which
 * no folder-link client can unwrap.
 */
class MegaFolderLinkInteropIT {
    @TempDir
    Path work;

    @Test
    void megajsReadsAFolderLinkOfTheFakeServer() throws Exception {
        try (FakeMegaServer server = new FakeMegaServer(FakeMegaAccount.v1(null, FakeMegaAccount.SessionStyle.RSA));
             MegaClient owner = MegaClient.login(server.config(), server.credentials(null))) {
            MegaNode shared = owner.mkdir(owner.fetchTree().root().handle(), "shared");
            MegaNode sub = owner.mkdir(shared.handle(), "sub");
            byte[] big = new byte[300_001];
            new Random(9).nextBytes(big);
            owner.upload(sub.handle(), "big.bin", ContentSource.of(big), 1_700_000_000L);
            owner.upload(shared.handle(), "a.txt", ContentSource.of("a".getBytes(StandardCharsets.UTF_8)), 1_700_000_000L);
            FakeMegaServer.FolderLink link = server.publishFolder(shared.handle());

            Path out = work.resolve("out");
            NodeScripts.Result read = NodeScripts.run("megajs-client.js",
                    List.of("link", server.url(), link.url(), out.toString()), 120);
            assertEquals(0, read.exitCode(), "megajs: " + read.stderr());
            assertTrue(read.stdout().contains("\"name\":\"shared\""), read.stdout());
            assertTrue(read.stdout().contains("\"files\":[\"a.txt\",\"sub/big.bin\"]"), read.stdout());
            assertArrayEquals(big, Files.readAllBytes(out.resolve("sub/big.bin")));
            assertArrayEquals("a".getBytes(StandardCharsets.UTF_8), Files.readAllBytes(out.resolve("a.txt")));
        }
    }
}
