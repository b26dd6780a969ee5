package dev.coffre.crypto;

import javax.crypto.AEADBadTagException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Seals metadata objects (journal records and snapshots) with AES-256-GCM under the metadata key.
 * Output is a random 12-byte nonce followed by ciphertext and tag. The AAD binds the kind of object,
 * the vault id and the sequence number, so a record cannot be replayed at another position or as a
 * snapshot. Random nonces are safe here: a vault writes far fewer than 2^32 metadata objects.
 */
public final class RecordCipher {
    public enum Kind {
        JOURNAL("coffre journal v1"), SNAPSHOT("coffre snapshot v1");

        private final byte[] label;

        Kind(String label) {
            this.label = label.getBytes(StandardCharsets.US_ASCII);
        }
    }

    private RecordCipher() {
    }

    public static byte[] seal(byte[] metadataKey, byte[] vaultId, Kind kind, long sequence, byte[] plaintext,
                              byte[] nonce) {
        byte[] sealed = Aead.seal(metadataKey, nonce, aad(vaultId, kind, sequence), plaintext);
        return ByteBuffer.allocate(nonce.length + sealed.length).put(nonce).put(sealed).array();
    }

    public static byte[] open(byte[] metadataKey, byte[] vaultId, Kind kind, long sequence, byte[] object)
            throws AEADBadTagException {
        if (object.length < Aead.NONCE_BYTES + Aead.TAG_BYTES) {
            throw new AEADBadTagException("metadata object too short");
        }
        byte[] nonce = Arrays.copyOf(object, Aead.NONCE_BYTES);
        return Aead.open(metadataKey, nonce, aad(vaultId, kind, sequence), object,
                Aead.NONCE_BYTES, object.length - Aead.NONCE_BYTES);
    }

    static byte[] aad(byte[] vaultId, Kind kind, long sequence) {
        return ByteBuffer.allocate(kind.label.length + vaultId.length + 8)
                .put(kind.label).put(vaultId).putLong(sequence).array();
    }
}
