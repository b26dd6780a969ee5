package dev.coffre.remote.mega;

import dev.coffre.remote.IntegrityException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

import static dev.coffre.remote.mega.FakeMegaServer.Fault;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

/**
 * The Java client against {@link FakeMegaServer}, for the behaviours mega-mock does not have: v2 login,
 * 2FA, the SDK's session checks, tsid sessions, error injection and retries, proof of work, session
 * expiry, move / Rubbish Bin / folder delete, versions, zero keys, transfer failures and action packets.
 * Each behaviour of the server is taken from the section of mega-protocol.md its javadoc names.
 */
class MegaFakeServerTest {
    private final List<AutoCloseable> open = new ArrayList<>();

    @AfterEach
    void closeAll() throws Exception {
        for (AutoCloseable c : open) {
            c.close();
        }
    }

    private FakeMegaServer server(FakeMegaAccount account) throws Exception {
        FakeMegaServer server = new FakeMegaServer(account);
        open.add(server);
        return server;
    }

    private MegaClient login(FakeMegaServer server) throws Exception {
        MegaClient client = MegaClient.login(server.config(), server.credentials(null));
        open.add(0, client);
        return client;
    }

    private FakeMegaServer v2Server() throws Exception {
        return server(FakeMegaAccount.v2(null, FakeMegaAccount.SessionStyle.RSA));
    }

    private static byte[] random(int size, long seed) {
        byte[] data = new byte[size];
        new Random(seed).nextBytes(data);
        return data;
    }

    @Nested
    @DisplayName("login")
    class Login {
        @Test
        @DisplayName("v2 (salt from us0, PBKDF2) with an RSA session whose sid embeds the handle: the strict check passes")
        void v2() throws Exception {
            FakeMegaServer server = v2Server();
            MegaClient client = login(server);
            assertNotNull(client.session().userHandle());
            assertEquals(client.session().userHandle(), client.user().handle());
            assertEquals(20L << 30, client.quota().storageMax());
            assertFalse(client.session().toString().contains(client.session().sid()), "sid stays out of toString");
        }

        @Test
        @DisplayName("v1 against a server that prefixes keys with the user handle, as the real service does")
        void v1() throws Exception {
            FakeMegaServer server = server(FakeMegaAccount.v1(null, FakeMegaAccount.SessionStyle.RSA));
            MegaClient client = login(server);
            MegaNode folder = client.mkdir(client.fetchTree().root().handle(), "x");
            MegaNode listed = client.fetchTree().get(folder.handle());
            assertEquals("x", listed.name(), "key entry \"<user>:<key>\" unwrapped with the master key");
        }

        @Test
        @DisplayName("a tsid session (no RSA key) is accepted when ECB(mk, sid[0..15]) matches sid[27..42]")
        void tsid() throws Exception {
            FakeMegaServer server = server(FakeMegaAccount.v2(null, FakeMegaAccount.SessionStyle.TSID));
            assertNotNull(login(server).fetchTree().root());
        }

        @Test
        @DisplayName("2FA: without a code -26 with a clear message, a wrong code refused, the right code logs in")
        void twoFactor() throws Exception {
            FakeMegaServer server = server(FakeMegaAccount.v2("123456", FakeMegaAccount.SessionStyle.RSA));
            MegaException missing = assertThrows(MegaException.class,
                    () -> MegaClient.login(server.config(), server.credentials(null)));
            assertEquals(-26, missing.code());
            assertTrue(missing.getMessage().contains("two-factor code"), missing.getMessage());
            MegaException wrong = assertThrows(MegaException.class,
                    () -> MegaClient.login(server.config(), server.credentials("000000")));
            assertTrue(wrong.getMessage().contains("refused"), wrong.getMessage());
            MegaClient client = MegaClient.login(server.config(), server.credentials("123456"));
            open.add(0, client);
            assertNotNull(client.fetchTree().root());
        }

        @Test
        @DisplayName("a tampered privk (u altered) is refused before any session id is sent back")
        void tamperedPrivateKey() throws Exception {
            FakeMegaServer server = server(FakeMegaAccount.v2(null, FakeMegaAccount.SessionStyle.RSA_TAMPERED_PRIVK));
            IntegrityException e = assertThrows(IntegrityException.class,
                    () -> MegaClient.login(server.config(), server.credentials(null)));
            assertTrue(e.getMessage().contains("p^-1 mod q"), e.getMessage());
            assertEquals(2, server.requestLog().size(), "only us0 and us: the sid never went back to the server");
        }

        @Test
        @DisplayName("a sid without the user's handle is refused by default, accepted only when configured for a test server")
        void sidWithoutHandle() throws Exception {
            FakeMegaServer server = server(FakeMegaAccount.v2(null, FakeMegaAccount.SessionStyle.RSA_WITHOUT_HANDLE));
            assertThrows(IntegrityException.class, () -> MegaClient.login(server.config(), server.credentials(null)));
            MegaClient lenient = MegaClient.login(server.config().withRequireSidHandle(false), server.credentials(null));
            open.add(0, lenient);
            assertNotNull(lenient.fetchTree().root());
        }

        @Test
        @DisplayName("a wrong password is ENOENT, said plainly, with no secret in the message")
        void wrongPassword() throws Exception {
            FakeMegaServer server = v2Server();
            MegaException e = assertThrows(MegaException.class, () -> MegaClient.login(server.config(),
                    new MegaCredentials(FakeMegaAccount.V2_EMAIL, "hunter2".toCharArray(), null)));
            assertEquals(-9, e.code());
            assertFalse(e.getMessage().contains("hunter2"));
        }
    }

    @Nested
    @DisplayName("transport: retries, idempotence, proof of work, session expiry, errors")
    class Transport {
        @Test
        @DisplayName("request-level -3, HTTP 500 and a dropped connection are retried with the same request id")
        void retriesKeepTheId() throws Exception {
            FakeMegaServer server = v2Server();
            MegaClient client = login(server);
            int before = server.requestLog().size();
            server.inject(Fault.API_EAGAIN, Fault.API_HTTP_500, Fault.API_DROP_CONNECTION);
            assertNotNull(client.user());
            List<String> log = server.requestLog().subList(before, server.requestLog().size());
            assertEquals(4, log.size(), log.toString());
            String id = log.get(0).split(" ")[1];
            assertTrue(log.stream().allMatch(line -> line.split(" ")[1].equals(id)), "same id on every retry: " + log);
            assertEquals(3, client.retries());
        }

        @Test
        @DisplayName("an answer lost after the command ran: the resend carries the same id and the server replays, so one folder is made")
        void lostAnswerIsNotRunTwice() throws Exception {
            FakeMegaServer server = v2Server();
            MegaClient client = login(server);
            String root = client.fetchTree().root().handle();
            int nodes = server.nodeCount();
            server.inject(Fault.API_ANSWER_LOST);
            MegaNode folder = client.mkdir(root, "once");
            assertEquals(nodes + 1, server.nodeCount());
            assertEquals("once", client.fetchTree().get(folder.handle()).name());
        }

        @Test
        @DisplayName("gives up after the configured attempts with the error code and the command in the message")
        void givesUp() throws Exception {
            FakeMegaServer server = v2Server();
            MegaClient client = login(server);
            server.inject(Fault.API_EAGAIN, Fault.API_EAGAIN, Fault.API_EAGAIN, Fault.API_EAGAIN);
            MegaException e = assertThrows(MegaException.class, client::user);
            assertEquals(-3, e.code());
            assertTrue(e.getMessage().contains("EAGAIN") && e.getMessage().contains("'ug'"), e.getMessage());
        }

        @Test
        @DisplayName("HTTP 402 with X-Hashcash: the client solves the challenge and resends the same request")
        void proofOfWork() throws Exception {
            FakeMegaServer server = v2Server();
            MegaClient client = login(server);
            int before = server.requestLog().size();
            server.setHashcashEasiness(200);
            server.inject(Fault.API_HASHCASH);
            assertTimeoutPreemptively(java.time.Duration.ofSeconds(60), () -> assertNotNull(client.user()));
            List<String> log = server.requestLog().subList(before, server.requestLog().size());
            assertEquals(2, log.size(), log.toString());
            assertEquals(log.get(0).split(" ")[1], log.get(1).split(" ")[1], "same id");
            assertTrue(log.get(1).split(" ")[3].startsWith("1:"), "solution header sent: " + log);
        }

        @Test
        @DisplayName("-15: logs in again once and carries on; a session that stays refused fails with ESID")
        void sessionExpiry() throws Exception {
            FakeMegaServer server = v2Server();
            MegaClient client = login(server);
            String firstSid = client.session().sid();
            server.expireSessions(false);
            assertNotNull(client.fetchTree().root());
            assertFalse(firstSid.equals(client.session().sid()), "a new session");

            server.expireSessions(true);
            MegaException e = assertThrows(MegaException.class, client::user);
            assertEquals(-15, e.code());
        }

        @Test
        @DisplayName("no log line or exception message carries the password, the master key, a session id or a transfer URL")
        void secretsStayOutOfLogs() throws Exception {
            java.util.logging.Logger logger = java.util.logging.Logger.getLogger("dev.coffre.remote.mega");
            List<String> lines = java.util.Collections.synchronizedList(new ArrayList<>());
            java.util.logging.Handler handler = new java.util.logging.Handler() {
                @Override
                public void publish(java.util.logging.LogRecord record) {
                    lines.add(new java.util.logging.SimpleFormatter().format(record));
                }

                @Override
                public void flush() {
                }

                @Override
                public void close() {
                }
            };
            handler.setLevel(java.util.logging.Level.ALL);
            java.util.logging.Level previous = logger.getLevel();
            logger.setLevel(java.util.logging.Level.ALL);
            logger.addHandler(handler);
            List<String> secrets = new ArrayList<>(List.of(FakeMegaAccount.PASSWORD + "\"", "url", "/dl/", "/ul/"));
            try {
                FakeMegaServer server = v2Server();
                MegaClient client = login(server);
                String firstSid = client.session().sid();
                secrets.add(firstSid);
                secrets.add(Base64Url.encode(client.session().masterKey()));
                server.inject(Fault.API_EAGAIN, Fault.API_DROP_CONNECTION);
                MegaNode file = client.upload(client.fetchTree().root().handle(), "s", ContentSource.of(new byte[1000]), 1);
                server.expireSessions(false);
                server.inject(Fault.DOWNLOAD_HTTP_500, Fault.DOWNLOAD_URL_EXPIRED);
                client.readUnverified(file, 0, 10);
                secrets.add(client.session().sid());
                server.inject(Fault.DOWNLOAD_509);
                lines.add(assertThrows(MegaException.class, () -> client.readUnverified(file, 0, 10)).getMessage());
                server.expireSessions(true);
                lines.add(assertThrows(MegaException.class, client::user).getMessage());
            } finally {
                logger.removeHandler(handler);
                logger.setLevel(previous);
            }
            assertTrue(lines.stream().anyMatch(l -> l.contains("retry")), "retries were logged: " + lines);
            for (String line : lines) {
                for (String secret : secrets) {
                    assertFalse(line.contains(secret), "a secret in: " + line);
                }
            }
        }

        @Test
        @DisplayName("a resumed session (no password kept) reports -15 instead of logging in")
        void resumedSessionCannotRenew() throws Exception {
            FakeMegaServer server = v2Server();
            MegaClient first = login(server);
            MegaClient resumed = MegaClient.resume(server.config(), first.session());
            open.add(0, resumed);
            assertNotNull(resumed.fetchTree().root());
            server.expireSessions(false);
            MegaException e = assertThrows(MegaException.class, resumed::user);
            assertEquals(-15, e.code());
            assertTrue(e.getMessage().contains("log in again"), e.getMessage());
        }

        @Test
        @DisplayName("per-command errors map to the table (code, name, meaning, command); batches keep one result per command")
        void errorTableAndBatches() throws Exception {
            FakeMegaServer server = v2Server();
            MegaClient client = login(server);
            server.inject(Fault.API_PER_COMMAND_ERROR_11);
            MegaException e = assertThrows(MegaException.class, client::quota);
            assertEquals(MegaError.EACCESS, e.error());
            assertTrue(e.getMessage().contains("-11 EACCESS (access denied) in 'uq'"), e.getMessage());
            assertEquals(MegaError.UNKNOWN, new MegaException(-1234, "x").error());

            MegaApi api = new MegaApi(new okhttp3.OkHttpClient(), server.url(), server.config().backoff());
            api.setSession(client.session().sid());
            List<com.fasterxml.jackson.databind.JsonNode> results = api.batch(List.of(
                    MegaApi.command("ug"), MegaApi.command("nonsense"), MegaApi.command("uq")));
            assertEquals(3, results.size());
            assertTrue(results.get(0).has("u"));
            assertEquals(-2, results.get(1).asInt());
            assertTrue(results.get(2).has("mstrg"));
        }
    }

    @Nested
    @DisplayName("tree operations")
    class TreeOperations {
        @Test
        @DisplayName("move, move to the Rubbish Bin, circular move refused, folder deleted with its subtree")
        void moveTrashDelete() throws Exception {
            FakeMegaServer server = v2Server();
            MegaClient client = login(server);
            MegaTree tree = client.fetchTree();
            String root = tree.root().handle();
            MegaNode a = client.mkdir(root, "a");
            MegaNode b = client.mkdir(root, "b");
            MegaNode file = client.upload(a.handle(), "f.txt", ContentSource.of("content".getBytes()), 1000);

            client.move(file, b.handle());
            assertEquals(b.handle(), client.fetchTree().get(file.handle()).parent());

            MegaNode inner = client.mkdir(a.handle(), "inner");
            MegaException circular = assertThrows(MegaException.class, () -> client.move(a, inner.handle()));
            assertEquals(MegaError.ECIRCULAR, circular.error());

            client.moveToRubbish(a, client.fetchTree());
            MegaTree afterTrash = client.fetchTree();
            assertEquals(afterTrash.rubbish().handle(), afterTrash.get(a.handle()).parent());
            assertEquals(inner.handle(), afterTrash.child(a.handle(), "inner").handle());

            client.delete(afterTrash.get(a.handle()));
            MegaTree afterDelete = client.fetchTree();
            assertNull(afterDelete.get(a.handle()));
            assertNull(afterDelete.get(inner.handle()), "subtree deleted too");
            assertNotNull(afterDelete.get(file.handle()));
        }

        @Test
        @DisplayName("file versions are kept out of listings")
        void versionsHidden() throws Exception {
            FakeMegaServer server = v2Server();
            MegaClient client = login(server);
            String root = client.fetchTree().root().handle();
            MegaNode file = client.upload(root, "v.txt", ContentSource.of("new".getBytes()), 1000);
            String version = server.addVersion(file.handle());
            MegaTree tree = client.fetchTree();
            assertEquals(List.of(file.handle()), tree.children(root).stream().map(MegaNode::handle).toList());
            assertEquals(List.of(version), tree.versionsOf(file.handle()).stream().map(MegaNode::handle).toList());
            assertTrue(tree.isVersion(version));
        }

        @Test
        @DisplayName("a node whose key halves are equal (zero AES key) is listed but refused on read")
        void zeroKeyRefused() throws Exception {
            FakeMegaServer server = v2Server();
            MegaClient client = login(server);
            String handle = server.addZeroKeyFile(client.fetchTree().root().handle(), new byte[100]);
            MegaNode node = client.fetchTree().get(handle);
            assertFalse(node.readable());
            assertTrue(node.problem().contains("zero AES key"), node.problem());
            assertThrows(IntegrityException.class, () -> client.readWhole(node, new ByteArrayOutputStream()));
        }

        @Test
        @DisplayName("uploads pass the server's chunk-boundary and checksum checks, in parallel pieces, and come back verified")
        void uploadChecks() throws Exception {
            FakeMegaServer server = v2Server();
            MegaClient client = login(server);
            server.setUploadDelayMillis(30);
            String root = client.fetchTree().root().handle();
            for (int size : new int[]{0, 1, 131073, 9 * 1024 * 1024 + 5}) {
                byte[] data = random(size, size);
                MegaNode node = client.upload(root, "u" + size, ContentSource.of(data), 1234);
                ByteArrayOutputStream out = new ByteArrayOutputStream();
                client.readWhole(client.fetchTree().get(node.handle()), out);
                assertArrayEquals(data, out.toByteArray());
            }
            assertTrue(server.maxPiecesInFlight() > 1, "pieces overlapped: " + server.maxPiecesInFlight());
            assertTrue(server.maxPiecesInFlight() <= 4, "at most uploadConnections at once");
        }
    }

    @Nested
    @DisplayName("transfer failures")
    class Transfers {
        @Test
        @DisplayName("download: HTTP 500, a short body and an expired URL are retried; 509 is a quota error; a URL"
                + " refused again after a fresh one is an error at once")
        void downloadFailures() throws Exception {
            FakeMegaServer server = v2Server();
            MegaClient client = login(server);
            byte[] data = random(300_000, 3);
            MegaNode node = client.upload(client.fetchTree().root().handle(), "d", ContentSource.of(data), 1);
            server.inject(Fault.DOWNLOAD_HTTP_500, Fault.DOWNLOAD_SHORT_BODY, Fault.DOWNLOAD_URL_EXPIRED);
            assertArrayEquals(Arrays.copyOfRange(data, 1000, 3000), client.readUnverified(node, 1000, 2000));
            server.inject(Fault.DOWNLOAD_509);
            MegaException quota = assertThrows(MegaException.class, () -> client.readUnverified(node, 0, 10));
            assertEquals(MegaError.EOVERQUOTA, quota.error());

            server.inject(Fault.DOWNLOAD_URL_EXPIRED, Fault.DOWNLOAD_URL_EXPIRED);
            IOException refused = assertThrows(IOException.class, () -> client.readUnverified(node, 0, 10));
            assertTrue(refused.getMessage().contains("HTTP 403"), refused.getMessage());
            // Retried, the next request would have succeeded: it still does.
            assertArrayEquals(Arrays.copyOfRange(data, 0, 10), client.readUnverified(node, 0, 10));
        }

        @Test
        @DisplayName("download: a ranged read is counted as what it is; a byte altered on the server fails the whole-file MAC")
        void rangesCountedAndTampering() throws Exception {
            FakeMegaServer server = v2Server();
            MegaClient client = login(server);
            byte[] data = random(2_000_000, 4);
            MegaNode node = client.upload(client.fetchTree().root().handle(), "t", ContentSource.of(data), 1);
            long before = server.bytesServed();
            int requests = server.downloadRequests();
            assertArrayEquals(Arrays.copyOfRange(data, 1_500_000, 1_504_096), client.readUnverified(node, 1_500_000, 4096));
            assertEquals(4096, server.bytesServed() - before);
            assertEquals(1, server.downloadRequests() - requests);
            server.tamper(node.handle(), 1_999_999);
            byte[] altered = client.readUnverified(node, 1_999_999, 1);
            assertEquals(data[1_999_999] ^ 1, altered[0], "CTR: a flipped ciphertext bit flips the plaintext bit");
            assertThrows(IntegrityException.class, () -> client.readWhole(node, new java.io.ByteArrayOutputStream()));
        }

        @Test
        @DisplayName("upload: a piece answered -3 is sent again")
        void uploadRetry() throws Exception {
            FakeMegaServer server = v2Server();
            MegaClient client = login(server);
            byte[] data = random(200_000, 4);
            server.inject(Fault.UPLOAD_EAGAIN);
            MegaNode node = client.upload(client.fetchTree().root().handle(), "r", ContentSource.of(data), 1);
            assertArrayEquals(data, server.storedContent(node.handle()).length == data.length
                    ? client.readUnverified(node, 0, data.length) : null);
        }
    }

    @Nested
    @DisplayName("action packets")
    class ActionPacketsFeed {
        @Test
        @DisplayName("another session sees mkdir, upload, rename, move and delete as events; applied, its tree equals a fresh listing")
        void secondClientFollows() throws Exception {
            FakeMegaServer server = v2Server();
            MegaClient writer = login(server);
            MegaClient follower = login(server);
            MegaTree followed = follower.fetchTree();
            String sn = followed.sequence();
            assertNotNull(sn);

            PollResult idle = follower.poll(sn, followed);
            assertTrue(idle.idle(), "nothing new: the server gave a wait URL");
            assertEquals(sn, idle.nextSequence());

            String root = followed.root().handle();
            MegaNode dir = writer.mkdir(root, "dir");
            MegaNode file = writer.upload(root, "file.bin", ContentSource.of(random(5000, 5)), 42);
            writer.rename(file, "renamed.bin");
            writer.move(file, dir.handle());
            MegaNode doomed = writer.mkdir(root, "doomed");
            writer.delete(doomed);
            server.addForeignPacket();

            List<MegaEvent> events = new ArrayList<>();
            while (true) {
                PollResult result = follower.poll(sn, followed);
                sn = result.nextSequence();
                if (result.idle()) {
                    break;
                }
                for (MegaEvent event : result.events()) {
                    events.add(event);
                    followed.apply(event);
                }
            }
            List<String> kinds = events.stream().map(e -> e.getClass().getSimpleName()).toList();
            assertEquals(List.of("NodesAdded", "NodesAdded", "NodeUpdated", "NodeRemoved", "NodesAdded",
                    "NodesAdded", "NodeRemoved", "Other"), kinds);
            assertTrue(events.subList(0, 7).stream().allMatch(e -> writer.originTag().equals(e.origin())),
                    "the writer's i tag is echoed");
            MegaEvent.NodeUpdated rename = assertInstanceOf(MegaEvent.NodeUpdated.class, events.get(2));
            assertEquals("renamed.bin", rename.attributes().get("n"), "attributes decrypted with the key the tree knew");
            assertTrue(((MegaEvent.NodeRemoved) events.get(3)).partOfMove());
            assertEquals("ua", ((MegaEvent.Other) events.get(7)).type());

            MegaTree fresh = follower.fetchTree();
            assertEquals(fresh.size(), followed.size());
            assertEquals(dir.handle(), followed.get(file.handle()).parent());
            assertEquals("renamed.bin", followed.get(file.handle()).name());
            assertNull(followed.get(doomed.handle()));
        }
    }
}
