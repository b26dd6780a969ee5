package dev.coffre.remote.mega;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.coffre.remote.IntegrityException;

import java.io.IOException;
import java.security.MessageDigest;
import java.util.logging.Logger;

/**
 * The login exchange (mega-protocol.md §2): pre-login ({@code us0}) tells the account's key-derivation
 * version and salt; {@code us} with the user hash returns the wrapped master key and either an RSA key
 * with an encrypted session id ({@code privk}, {@code csid}) or a temporary session id ({@code tsid}).
 * Every check the official SDK makes after the 2022 attacks is made here.
 */
final class Login {
    private static final Logger LOG = Logger.getLogger(Login.class.getName());

    private Login() {
    }

    /**
     * @param requireSidHandle refuse a session id that does not embed the user's handle (the SDK's check);
     *                         only test servers that predate it (mega-mock) need false
     */
    static MegaSession run(MegaApi api, MegaCredentials credentials, boolean requireSidHandle) throws IOException {
        String email = PasswordKeys.normalizeEmail(credentials.email());
        PasswordKeys.LoginKey key = deriveKey(api, email, credentials.password());
        ObjectNode us = MegaApi.command("us").put("user", email).put("uh", key.userHash());
        if (credentials.twoFactorCode() != null) {
            us.put("mfa", credentials.twoFactorCode());
        }
        JsonNode answer;
        try {
            answer = api.callWithoutSession(us);
        } catch (MegaException e) {
            if (e.code() == MegaError.ENOENT.code) {
                throw new MegaException(e.code(), "us", "wrong e-mail or password");
            }
            if (e.code() == MegaError.EMFAREQUIRED.code) {
                throw new MegaException(e.code(), "us", credentials.twoFactorCode() == null
                        ? "this account needs its two-factor code" : "the two-factor code was refused");
            }
            throw e;
        }
        byte[] masterKey = unwrapMasterKey(key.passwordKey(), answer);
        String userHandle = answer.hasNonNull("u") ? answer.get("u").asText() : null;
        byte[] sid;
        if (answer.hasNonNull("csid")) {
            sid = sessionFromRsa(masterKey, answer, userHandle, requireSidHandle);
        } else if (answer.hasNonNull("tsid")) {
            sid = SessionIds.fromTsid(masterKey, Base64Url.decode(answer.get("tsid").asText()));
        } else {
            throw new IOException("MEGA login answer has neither csid nor tsid");
        }
        return new MegaSession(Base64Url.encode(sid), masterKey, userHandle);
    }

    private static PasswordKeys.LoginKey deriveKey(MegaApi api, String email, char[] password) throws IOException {
        JsonNode pre = api.callWithoutSession(MegaApi.command("us0").put("user", email));
        int version = pre.path("v").asInt(0);
        if (version == 1) {
            return PasswordKeys.v1(email, password);
        }
        if (version == 2) {
            String salt = pre.path("s").asText("");
            if (salt.isEmpty()) {
                throw new IOException("MEGA pre-login says version 2 but sends no salt");
            }
            return PasswordKeys.v2(password, Base64Url.decode(salt));
        }
        throw new IOException("MEGA pre-login announces login version " + version + ", which is not supported (1 or 2 are)");
    }

    private static byte[] unwrapMasterKey(byte[] passwordKey, JsonNode answer) throws IOException {
        byte[] wrapped = Base64Url.decode(answer.path("k").asText(""));
        if (wrapped.length != 16) {
            throw new IOException("MEGA login answer has no valid wrapped master key");
        }
        return Aes128.decryptEcb(passwordKey, wrapped);
    }

    private static byte[] sessionFromRsa(byte[] masterKey, JsonNode answer, String userHandle, boolean requireSidHandle)
            throws IOException {
        byte[] wrappedPrivk = Base64Url.decode(answer.path("privk").asText(""));
        if (wrappedPrivk.length == 0 || wrappedPrivk.length % 16 != 0) {
            throw new IntegrityException("MEGA login: the RSA private key is not whole AES blocks");
        }
        RsaPrivateKey rsa;
        byte[] sid;
        try {
            rsa = RsaPrivateKey.decode(Aes128.decryptEcb(masterKey, wrappedPrivk));
            sid = SessionIds.fromCsid(rsa, Base64Url.decode(answer.get("csid").asText()));
        } catch (IllegalArgumentException e) {
            // Wrong password gives -9 earlier; a key that fails here was tampered with (or is corrupt).
            throw new IntegrityException("MEGA login refused: " + e.getMessage() + " (possible tampering by the server)");
        }
        boolean embeds = userHandle != null && SessionIds.embedsHandle(sid, userHandle);
        if (!embeds) {
            if (requireSidHandle) {
                throw new IntegrityException("MEGA login refused: the session id does not contain the user's handle"
                        + " (the check MEGA's SDK makes against RSA key-recovery attacks)");
            }
            LOG.warning("MEGA login: the session id does not contain the user's handle; accepted because this"
                    + " client was configured for a test server");
        }
        return sid;
    }

    /** True when two master keys are the same, in constant time. */
    static boolean sameKey(byte[] a, byte[] b) {
        return MessageDigest.isEqual(a, b);
    }
}
