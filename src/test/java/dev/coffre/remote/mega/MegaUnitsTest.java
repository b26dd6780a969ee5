package dev.coffre.remote.mega;

import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static dev.coffre.remote.mega.TestBytes.hex;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Unit tests of the small MEGA pieces: codecs, chunk arithmetic, key selection, hashcash, upload answers. */
class MegaUnitsTest {

    @Nested
    @DisplayName("base64")
    class Codec {
        @Test
        void acceptsBothAlphabetsPaddingAndCommas() {
            byte[] bytes = {(byte) 0xfb, (byte) 0xff, (byte) 0xbf};
            assertEquals("-_-_", Base64Url.encode(bytes));
            assertArrayEquals(bytes, Base64Url.decode("+/+/"));
            assertArrayEquals(bytes, Base64Url.decode("-_-_"));
            assertArrayEquals(new byte[]{1}, Base64Url.decode("AQ=="));
            assertArrayEquals(new byte[]{1}, Base64Url.decode("A,Q"));
        }

        @Test
        void errorsDoNotEchoTheInput() {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Base64Url.decode("secret!key"));
            assertFalse(e.getMessage().contains("secret"));
        }
    }

    @Nested
    @DisplayName("chunk arithmetic")
    class ChunkMath {
        @Test
        void indexStartFloorCeilAroundEveryBoundary() {
            for (long index = 0; index < 20; index++) {
                long start = Chunks.start(index);
                assertEquals(index, Chunks.indexOf(start));
                if (index > 0) {
                    assertEquals(index - 1, Chunks.indexOf(start - 1));
                    assertEquals(Chunks.start(index - 1), Chunks.floor(start - 1));
                    assertEquals(start, Chunks.ceil(start - 1, Long.MAX_VALUE));
                }
                assertEquals(start + Chunks.fullLength(index), Chunks.start(index + 1));
                assertTrue(Chunks.endsOnBoundary(start));
                assertFalse(Chunks.endsOnBoundary(start + 1));
            }
            assertEquals(4608L * 1024, Chunks.start(8));
            assertEquals(1024 * 1024, Chunks.fullLength(8));
            assertEquals(10, Chunks.ceil(5, 10), "ceil stops at the end of the file");
        }

        @Test
        void hugeFiles() {
            long fiveTiB = 5L << 40;
            assertEquals(fiveTiB - 1, Chunks.start(Chunks.indexOf(fiveTiB - 1)) + Chunks.length(Chunks.indexOf(fiveTiB - 1), fiveTiB) - 1);
        }

        @Test
        @DisplayName("the streaming MAC calculator gives the same chunk MACs for any piece sizes")
        void calculatorPieceSizes() {
            byte[] key = new byte[16];
            byte[] nonce = {1, 2, 3, 4, 5, 6, 7, 8};
            byte[] data = TestBytes.tb(1_500_000);
            FileMac.Calculator whole = new FileMac.Calculator(key, nonce);
            whole.update(data, 0, data.length);
            List<byte[]> expected = whole.finish();
            for (int piece : new int[]{1, 15, 16, 4096, 100_000, 131072, 700_000}) {
                FileMac.Calculator pieces = new FileMac.Calculator(key, nonce);
                for (int at = 0; at < data.length; at += piece) {
                    pieces.update(data, at, Math.min(piece, data.length - at));
                }
                List<byte[]> got = pieces.finish();
                assertEquals(expected.size(), got.size());
                for (int i = 0; i < got.size(); i++) {
                    assertArrayEquals(expected.get(i), got.get(i), "piece " + piece + " chunk " + i);
                }
            }
            byte[] direct = FileMac.chunkMac(key, nonce, data, 131072, 262144);
            assertArrayEquals(expected.get(1), direct);
        }
    }

    @Nested
    @DisplayName("node keys")
    class Keys {
        private final byte[] masterKey = TestBytes.tb(16, 3, 5);
        private final byte[] shareKey = TestBytes.tb(16, 9, 2);
        private final NodeDecoder decoder = new NodeDecoder(masterKey, "OwnUserHndl");

        private ObjectNode shareEntry(String handle) {
            return MegaApi.JSON.createObjectNode().put("h", handle)
                    .put("ha", Base64Url.encode(Aes128.encryptEcb(masterKey, (handle + handle).getBytes(StandardCharsets.US_ASCII))))
                    .put("k", Base64Url.encode(Aes128.encryptEcb(masterKey, shareKey)));
        }

        private ObjectNode folder(String k, byte[] folderKey, String name) {
            Map<String, Object> attributes = new LinkedHashMap<>(Map.of("n", name));
            return MegaApi.JSON.createObjectNode().put("h", "HANDLE01").put("p", "PARENT01").put("t", 1)
                    .put("k", k).put("a", Base64Url.encode(NodeAttributes.encrypt(folderKey, attributes)));
        }

        @Test
        @DisplayName("picks our own entry, a known share's entry, or a bare key (mega-mock), and skips the rest")
        void entrySelection() {
            byte[] folderKey = TestBytes.tb(16, 1, 1);
            String own = Base64Url.encode(Aes128.encryptEcb(masterKey, folderKey));
            String viaShare = Base64Url.encode(Aes128.encryptEcb(shareKey, folderKey));
            assertEquals("a", decoder.decode(folder("OwnUserHndl:" + own, folderKey, "a")).name());
            assertEquals("b", decoder.decode(folder(own, folderKey, "b")).name());
            assertNull(decoder.decode(folder("SHAREhnd:" + viaShare, folderKey, "c")).name(), "share key unknown yet");
            assertTrue(decoder.addShareKey(shareEntry("SHAREhnd")));
            assertEquals("c", decoder.decode(folder("OtherUserHd:" + own + "/SHAREhnd:" + viaShare, folderKey, "c")).name());
        }

        @Test
        void shareKeyWithWrongAuthenticatorIsRefused() {
            ObjectNode entry = shareEntry("SHAREhnd").put("h", "SHAREhnX");
            assertFalse(decoder.addShareKey(entry));
        }

        @Test
        @DisplayName("RSA-wrapped keys, wrong lengths and undecryptable attributes mark the node instead of failing the tree")
        void problems() {
            byte[] folderKey = TestBytes.tb(16, 1, 1);
            String rsaLooking = Base64Url.encode(new byte[64]);
            MegaNode rsa = decoder.decode(folder("OwnUserHndl:" + rsaLooking, folderKey, "x"));
            assertTrue(rsa.problem().contains("RSA"), rsa.problem());
            MegaNode wrongLength = decoder.decode(folder("OwnUserHndl:" + Base64Url.encode(new byte[32]), folderKey, "x"));
            assertTrue(wrongLength.problem().contains("32 bytes"), wrongLength.problem());
            String own = Base64Url.encode(Aes128.encryptEcb(masterKey, folderKey));
            MegaNode badAttributes = decoder.decode(folder(own, TestBytes.tb(16, 2, 2), "x"));
            assertTrue(badAttributes.problem().startsWith("attributes"), badAttributes.problem());
            assertFalse(badAttributes.toString().contains(own), "keys stay out of toString");
        }
    }

    @Nested
    @DisplayName("hashcash")
    class ProofOfWork {
        @Test
        void thresholds() {
            assertEquals(127L << 24, Hashcash.threshold(255));
            assertEquals(1L << 3, Hashcash.threshold(0));
            assertEquals(((52 << 1) + 1L) << 17, Hashcash.threshold(180));
        }

        @Test
        @DisplayName("a solution is checked by recomputing SHA-256 over prefix || token × 262144")
        void solves() throws Exception {
            byte[] token = TestBytes.tb(48, 7, 3);
            String answer = Hashcash.solve("1:200:1700000000:" + Base64Url.encode(token));
            String[] parts = answer.split(":");
            assertEquals("1", parts[0]);
            assertEquals(Base64Url.encode(token), parts[1]);
            byte[] prefix = Base64Url.decode(parts[2]);
            byte[] buffer = new byte[4 + 262144 * 48];
            System.arraycopy(prefix, 0, buffer, 0, 4);
            for (int i = 0; i < 262144; i++) {
                System.arraycopy(token, 0, buffer, 4 + 48 * i, 48);
            }
            byte[] hash = MessageDigest.getInstance("SHA-256").digest(buffer);
            long head = Long.parseLong(hex(Arrays.copyOf(hash, 4)), 16);
            assertTrue(head <= Hashcash.threshold(200));
        }

        @Test
        void refusesOtherVersionsAndBadTokens() {
            assertThrows(IllegalArgumentException.class, () -> Hashcash.solve("2:200:0:" + Base64Url.encode(new byte[48])));
            assertThrows(IllegalArgumentException.class, () -> Hashcash.solve("1:200:0:" + Base64Url.encode(new byte[47])));
        }
    }

    @Nested
    @DisplayName("upload answers and the error table")
    class Answers {
        @Test
        void uploadAnswers() {
            assertEquals(-3, Uploads.errorCode("-3".getBytes()));
            assertEquals(-14, Uploads.errorCode("-14".getBytes()));
            assertEquals(0, Uploads.errorCode(new byte[0]));
            byte[] token = new byte[36];
            token[0] = '-';
            token[35] = 1;
            assertEquals(0, Uploads.errorCode(token), "36-byte binary tokens are never errors");
            // byte i is XOR-ed into sum[i mod 12]
            assertEquals("fe02030405060708090a0b0c",
                    hex(Uploads.checksum(new byte[]{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, (byte) 0xff})));
            byte[] twice = new byte[24];
            for (int i = 0; i < 24; i++) {
                twice[i] = (byte) (i % 12 + 1);
            }
            assertEquals("000000000000000000000000", hex(Uploads.checksum(twice)));
        }

        @Test
        void errorTable() {
            for (int code = -1; code >= -30; code--) {
                assertNotNull(MegaError.of(code));
                assertEquals(code, MegaError.of(code).code, "code " + code + " is in the table");
            }
            assertEquals(MegaError.ETOOERR, MegaError.of(-400));
            assertEquals(MegaError.ESHAREROVERQUOTA, MegaError.of(-401));
            assertTrue(MegaError.EAGAIN.transientError && MegaError.ERATELIMIT.transientError);
            assertFalse(MegaError.ENOENT.transientError);
        }
    }

    @Nested
    @DisplayName("tree")
    class Tree {
        private MegaNode node(String handle, String parent, MegaNode.Type type, String name) {
            return new MegaNode(handle, parent, type, "u", 0, 0, null, name == null ? null : Map.of("n", name), null);
        }

        @Test
        @DisplayName("children exclude versions; removal takes the subtree; paths resolve by name")
        void basics() {
            MegaTree tree = new MegaTree(List.of(node("R", "", MegaNode.Type.ROOT, null),
                    node("B", "", MegaNode.Type.RUBBISH, null), node("D", "R", MegaNode.Type.FOLDER, "dir"),
                    node("F", "D", MegaNode.Type.FILE, "f"), node("V", "F", MegaNode.Type.FILE, "f")), "sn");
            assertEquals(List.of("F"), tree.children("D").stream().map(MegaNode::handle).toList());
            assertEquals("F", tree.resolve("dir/f").handle());
            assertTrue(tree.isVersion("V"));
            assertTrue(tree.apply(new MegaEvent.NodeRemoved("D", false, null)));
            assertNull(tree.get("V"));
            assertEquals(2, tree.size());
            assertFalse(tree.apply(new MegaEvent.NodeUpdated("gone", null, null, 0, null)));
        }
    }

    @Nested
    @DisplayName("chunk ledger: what is known of a file's chunk MACs")
    class Ledger {
        private final byte[] plain = new byte[900_000]; // chunks: 128 K, 256 K, 384 K, the rest
        private final byte[] aesKey = new byte[16];
        private final byte[] nonce = new byte[8];
        private List<byte[]> macs;
        private MegaNode node;

        @org.junit.jupiter.api.BeforeEach
        void file() {
            java.util.Random random = new java.util.Random(9);
            random.nextBytes(plain);
            random.nextBytes(aesKey);
            random.nextBytes(nonce);
            FileMac.Calculator calculator = new FileMac.Calculator(aesKey, nonce);
            calculator.update(plain, 0, plain.length);
            macs = calculator.finish();
            node = fileNode("hAnDlE01", plain.length, new FileKey(aesKey, nonce, FileMac.condense(aesKey, macs)));
        }

        private MegaNode fileNode(String handle, long size, FileKey key) {
            return new MegaNode(handle, "pArEnT01", MegaNode.Type.FILE, "u", size, 1, key.pack(), Map.of("n", "f"), null);
        }

        @Test
        @DisplayName("chunks seen in any order verify the file when the last one comes, once")
        void anyOrder() throws Exception {
            ChunkLedger inTest = ChunkLedger.collecting(node);
            assertEquals(4, macs.size());
            assertFalse(inTest.record(3, macs.get(3)));
            assertFalse(inTest.record(1, macs.get(1)));
            assertFalse(inTest.record(1, macs.get(1)), "the same chunk again, the same MAC");
            assertFalse(inTest.record(0, macs.get(0)));
            assertEquals(ChunkLedger.State.COLLECTING, inTest.state());
            assertTrue(inTest.record(2, macs.get(2)));
            assertEquals(ChunkLedger.State.VERIFIED, inTest.state());
            assertFalse(inTest.record(2, macs.get(2)));
        }

        @Test
        @DisplayName("a chunk that comes back different is refused, before and after verification")
        void changedChunk() throws Exception {
            byte[] other = macs.get(1).clone();
            other[0] ^= 1;
            ChunkLedger collecting = ChunkLedger.collecting(node);
            collecting.record(1, macs.get(1));
            assertThrows(dev.coffre.remote.IntegrityException.class, () -> collecting.record(1, other));
            ChunkLedger verified = ChunkLedger.verified(node, macs);
            assertThrows(dev.coffre.remote.IntegrityException.class, () -> verified.record(1, other));
            assertEquals(ChunkLedger.State.VERIFIED, verified.state(), "one bad chunk does not undo the file's MAC");
        }

        @Test
        @DisplayName("a file whose MAC fails when completed is refused from then on")
        void failedFile() throws Exception {
            byte[] wrong = macs.get(0).clone();
            wrong[15] ^= 1;
            ChunkLedger inTest = ChunkLedger.collecting(node);
            inTest.record(0, wrong);
            inTest.record(1, macs.get(1));
            inTest.record(2, macs.get(2));
            assertThrows(dev.coffre.remote.IntegrityException.class, () -> inTest.record(3, macs.get(3)));
            assertEquals(ChunkLedger.State.FAILED, inTest.state());
            assertThrows(dev.coffre.remote.IntegrityException.class, inTest::requireUsable);
            assertThrows(dev.coffre.remote.IntegrityException.class, () -> inTest.record(3, macs.get(3)));
        }

        @Test
        @DisplayName("an empty file has nothing to verify; another key or size is another file")
        void emptyAndIdentity() {
            FileKey key = new FileKey(aesKey, nonce, new byte[8]);
            assertEquals(ChunkLedger.State.VERIFIED, ChunkLedger.collecting(fileNode("eMpTy001", 0, key)).state());
            ChunkLedger inTest = ChunkLedger.collecting(node);
            assertTrue(inTest.describes(node));
            assertFalse(inTest.describes(fileNode("hAnDlE01", plain.length - 1, node.fileKey())));
            assertFalse(inTest.describes(fileNode("hAnDlE01", plain.length, key)));
            assertFalse(inTest.describes(fileNode("hAnDlE02", plain.length, node.fileKey())));
        }
    }

    @Nested
    @DisplayName("recent chunks")
    class Recent {
        @Test
        @DisplayName("stay within their byte budget, least recently used first out; a file's chunks can be dropped")
        void budgetAndForget() {
            RecentChunks inTest = new RecentChunks(300);
            inTest.put("a", 0, new byte[100]);
            inTest.put("a", 1, new byte[100]);
            inTest.put("b", 0, new byte[100]);
            assertNotNull(inTest.get("a", 0)); // now the most recently used
            inTest.put("b", 1, new byte[100]);
            assertNull(inTest.get("a", 1));
            assertEquals(300, inTest.bytes());
            inTest.forget("b");
            assertEquals(100, inTest.bytes());
            assertNotNull(inTest.get("a", 0));
        }
    }
}
