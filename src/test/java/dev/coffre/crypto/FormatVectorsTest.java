package dev.coffre.crypto;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

import javax.crypto.AEADBadTagException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HexFormat;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * Known-answer vectors. The format vectors come from an independent implementation (pyca/cryptography):
 * {@code python3 src/test/resources/vectors/make_vectors.py}.
 */
class FormatVectorsTest {
    private static final HexFormat HEX = HexFormat.of();
    private static final byte[] VAULT_ID = filled(16, 0xaa);

    @Nested
    @DisplayName("Primitives match published vectors")
    class Primitives {
        @Test
        @DisplayName("HKDF-SHA256 gives RFC 5869 test case 1")
        void hkdfRfc5869() {
            byte[] ikm = filled(22, 0x0b);
            byte[] salt = HEX.parseHex("000102030405060708090a0b0c");
            byte[] info = HEX.parseHex("f0f1f2f3f4f5f6f7f8f9");
            assertEquals("3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865",
                    HEX.formatHex(Kdf.hkdfSha256(ikm, salt, info, 42)));
        }

        @Test
        @DisplayName("Argon2id matches the reference implementation")
        void argon2id() {
            // echo -n "correct horse" | argon2 coffre-kat-salt1 -id -t 2 -m 13 -p 1 -l 32 -r   (Debian package argon2)
            byte[] out = Kdf.argon2id("correct horse".getBytes(StandardCharsets.UTF_8),
                    "coffre-kat-salt1".getBytes(StandardCharsets.UTF_8), new Kdf.Argon2Params(8192, 2, 1), 32);
            assertEquals("690880e3d9073c7d25e6dceb4a53c7ff1cd601631c348e9d9263d1a6e65795a0", HEX.formatHex(out));
        }
    }

    @Nested
    @DisplayName("Vault format v1 objects match an independent implementation")
    class Format {
        @Test
        @DisplayName("a two-segment block object seals to the frozen bytes and opens again")
        void blockObject() throws Exception {
            byte[] contentKey = range(0, 32);
            byte[] blockKey = BlockCipher.blockKey(contentKey, range(16, 32));
            byte[] plain = new byte[70000];
            for (int i = 0; i < plain.length; i++) {
                plain[i] = (byte) (i % 251);
            }
            BlockCipher.BlockContext context = new BlockCipher.BlockContext(VAULT_ID, 7, 3);
            byte[] sealed = BlockCipher.seal(blockKey, context, plain, 0, plain.length);
            assertEquals(70032, sealed.length);
            assertEquals("60b74250650fe0b093b7c52a84404dc74a9f8237963da28ce7f9556d9ce0e257",
                    HEX.formatHex(MessageDigest.getInstance("SHA-256").digest(sealed)));
            byte[] second = BlockCipher.openSegment(blockKey, context, 1, true, sealed,
                    BlockCipher.SEALED_SEGMENT_SIZE, sealed.length - BlockCipher.SEALED_SEGMENT_SIZE);
            assertArrayEquals(java.util.Arrays.copyOfRange(plain, 65536, 70000), second);
        }

        @Test
        @DisplayName("a journal record seals to the frozen bytes")
        void journalRecord() throws Exception {
            byte[] sealed = RecordCipher.seal(range(100, 132), VAULT_ID, RecordCipher.Kind.JOURNAL, 5,
                    "hello metadata".getBytes(StandardCharsets.UTF_8), range(0, 12));
            assertEquals("000102030405060708090a0bf7ce5420d26dac8ce972faa9e2fb89299f4e8592cf8282e4d93db6d985ad",
                    HEX.formatHex(sealed));
            assertEquals("hello metadata", new String(RecordCipher.open(range(100, 132), VAULT_ID,
                    RecordCipher.Kind.JOURNAL, 5, sealed), StandardCharsets.UTF_8));
        }

        @Test
        @DisplayName("the master key wraps to the frozen bytes and derives the frozen sub-keys")
        void masterKey() throws Exception {
            try (MasterKey key = MasterKey.of(range(50, 82), VAULT_ID)) {
                byte[] wrapped = key.wrap(range(200, 232), VAULT_ID, range(0, 12));
                assertEquals("000102030405060708090a0bea124bdc35ac7cf5ecd90a8465d590c897f94f88aab6f3144b70e08448c70230ab70e606a4ebf6c077c851af71879435",
                        HEX.formatHex(wrapped));
                assertEquals("9e14b95d7c61c9e1fa98a6d4aa06da20c928a25879dcd719d02769cbde76650c", HEX.formatHex(key.metadataKey()));
                assertEquals("23ff4f80f418a4a290ebc69b9ac9cdd15fb0d7aaf763ba89e083f879375e3c89", HEX.formatHex(key.contentKey()));
                try (MasterKey again = MasterKey.unwrap(range(200, 232), VAULT_ID, wrapped)) {
                    assertArrayEquals(key.contentKey(), again.contentKey());
                }
                assertThrows(AEADBadTagException.class, () -> MasterKey.unwrap(range(201, 233), VAULT_ID, wrapped));
            }
        }
    }

    @Nested
    @DisplayName("Tampering is detected")
    class Tampering {
        private final byte[] blockKey = BlockCipher.blockKey(range(0, 32), range(16, 32));
        private final BlockCipher.BlockContext context = new BlockCipher.BlockContext(VAULT_ID, 7, 3);
        private final byte[] sealed = BlockCipher.seal(blockKey, context, new byte[200_000], 0, 200_000);
        private final int s = BlockCipher.SEALED_SEGMENT_SIZE;

        @Test
        void flippedByte() {
            sealed[10] ^= 1;
            assertThrows(AEADBadTagException.class, () -> BlockCipher.openSegment(blockKey, context, 0, false, sealed, 0, s));
        }

        @Test
        void segmentReadAtAnotherIndex() {
            assertThrows(AEADBadTagException.class, () -> BlockCipher.openSegment(blockKey, context, 1, false, sealed, 0, s));
        }

        @Test
        void truncationHidingTheLastSegment() {
            // Segment 2 of 4 presented as the last one: the last-segment flag differs.
            assertThrows(AEADBadTagException.class, () -> BlockCipher.openSegment(blockKey, context, 2, true, sealed, 2 * s, s));
        }

        @Test
        void blockOfAnotherFileOrPosition() {
            BlockCipher.BlockContext otherFile = new BlockCipher.BlockContext(VAULT_ID, 8, 3);
            BlockCipher.BlockContext otherIndex = new BlockCipher.BlockContext(VAULT_ID, 7, 4);
            assertThrows(AEADBadTagException.class, () -> BlockCipher.openSegment(blockKey, otherFile, 0, false, sealed, 0, s));
            assertThrows(AEADBadTagException.class, () -> BlockCipher.openSegment(blockKey, otherIndex, 0, false, sealed, 0, s));
        }

        @Test
        void recordReplayedAtAnotherSequence() {
            byte[] record = RecordCipher.seal(range(100, 132), VAULT_ID, RecordCipher.Kind.JOURNAL, 5, new byte[10], range(0, 12));
            assertThrows(AEADBadTagException.class,
                    () -> RecordCipher.open(range(100, 132), VAULT_ID, RecordCipher.Kind.JOURNAL, 6, record));
            assertThrows(AEADBadTagException.class,
                    () -> RecordCipher.open(range(100, 132), VAULT_ID, RecordCipher.Kind.SNAPSHOT, 5, record));
        }
    }

    static byte[] range(int from, int to) {
        byte[] out = new byte[to - from];
        for (int i = 0; i < out.length; i++) {
            out[i] = (byte) (from + i);
        }
        return out;
    }

    static byte[] filled(int length, int value) {
        byte[] out = new byte[length];
        java.util.Arrays.fill(out, (byte) value);
        return out;
    }
}
