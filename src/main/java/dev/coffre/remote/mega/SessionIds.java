package dev.coffre.remote.mega;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Arrays;

/**
 * Session ids (mega-protocol.md §2.4): recovered from {@code csid} with the RSA key, or taken from
 * {@code tsid} for accounts without one, and checked as the SDK does.
 */
public final class SessionIds {
    /** A session id is 43 bytes: 16 || base64url(user handle) (11 ASCII bytes) || 16. */
    public static final int SID_BYTES = 43;
    private static final int HANDLE_AT = 16;
    private static final int HANDLE_CHARS = 11;

    private SessionIds() {
    }

    /** The raw session id in {@code csid}: the first 43 bytes of its RSA decryption. */
    public static byte[] fromCsid(RsaPrivateKey key, byte[] csidMpi) {
        byte[] plain = key.decrypt(csidMpi);
        if (plain.length < SID_BYTES) {
            throw new IllegalArgumentException("decrypted session id too short");
        }
        return Arrays.copyOf(plain, SID_BYTES);
    }

    /**
     * The SDK's post-2022 check: bytes 16..26 of the session id are the base64 of the user's own handle. A
     * tampered {@code privk} makes this fail instead of sending the server an oracle answer.
     */
    public static boolean embedsHandle(byte[] sid, String userHandle) {
        byte[] expected = userHandle.getBytes(StandardCharsets.US_ASCII);
        return sid.length == SID_BYTES && expected.length == HANDLE_CHARS
                && MessageDigest.isEqual(Arrays.copyOfRange(sid, HANDLE_AT, HANDLE_AT + HANDLE_CHARS), expected);
    }

    /** A temporary session id is valid iff ECB(mk, bytes 0..15) equals its bytes 27..42. */
    public static byte[] fromTsid(byte[] masterKey, byte[] tsid) {
        if (tsid.length != SID_BYTES) {
            throw new IllegalArgumentException("tsid is " + tsid.length + " bytes, not " + SID_BYTES);
        }
        byte[] check = Aes128.encryptEcb(masterKey, Arrays.copyOfRange(tsid, 0, 16));
        if (!MessageDigest.isEqual(check, Arrays.copyOfRange(tsid, 27, 43))) {
            throw new IllegalArgumentException("tsid does not match the master key (wrong password or tampered)");
        }
        return tsid.clone();
    }
}
