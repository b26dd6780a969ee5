package dev.coffre.remote.mega;

import javax.crypto.Cipher;
import javax.crypto.spec.SecretKeySpec;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.KeyPairGenerator;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.security.interfaces.RSAPrivateCrtKey;
import java.security.spec.RSAKeyGenParameterSpec;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;

/**
 * An account of {@link FakeMegaServer}, made the way mega-protocol.md §2 says MEGA's servers hold them,
 * with server-side code written from the spec alone (raw JDK AES, SHA-256 and BigInteger; nothing from
 * the client under test). The password-derived values are the spec's own vectors, so the client's
 * derivation is checked against them and not against itself:
 * <ul>
 * <li>v1: {@code mock@test} / {@code mock}: pwk and uh of §8.2;</li>
 * <li>v2: password {@code mock} with {@code crv} = 16 zero bytes: salt, pwk and hak of §8.7.</li>
 * </ul>
 */
final class FakeMegaAccount {
    static final String V1_EMAIL = "mock@test";
    static final String V2_EMAIL = "v2@test";
    static final String PASSWORD = "mock";
    private static final byte[] V1_PWK = HexFormat.of().parseHex("148ed5027fa78a9e97a444159a54c621");
    private static final String V1_UH = "jCf2Pc0pLCU";
    private static final byte[] V2_PWK = HexFormat.of().parseHex("1c749748da6b9561158508b22d0b1ece");
    private static final byte[] V2_HAK = HexFormat.of().parseHex("7e945f03e95b6508a59d56e42c77f242");
    private static final String V2_SALT = "seGXsAWsLoT0FEuyAPgbchKkn0dRfOzV95mK_5BCu1c";
    private static final SecureRandom RANDOM = new SecureRandom();

    /** How the server issues a session at login. */
    enum SessionStyle {
        /** csid with the user handle at bytes 16..26 of the sid, as the real service. */
        RSA,
        /** csid whose sid lacks the handle (what mega-mock does). */
        RSA_WITHOUT_HANDLE,
        /** privk with one byte of u flipped: what a malicious server would send. */
        RSA_TAMPERED_PRIVK,
        /** tsid, for accounts without an RSA key. */
        TSID
    }

    final String email;
    final int version;
    final String userHandle;
    final byte[] masterKey;
    final String twoFactorCode;
    final SessionStyle style;
    private final byte[] passwordKey;
    private final RSAPrivateCrtKey rsa;

    private FakeMegaAccount(String email, int version, byte[] passwordKey, String twoFactorCode, SessionStyle style) {
        this.email = email;
        this.version = version;
        this.passwordKey = passwordKey;
        this.twoFactorCode = twoFactorCode;
        this.style = style;
        byte[] handle = new byte[8];
        RANDOM.nextBytes(handle);
        this.userHandle = b64(handle);
        this.masterKey = new byte[16];
        RANDOM.nextBytes(masterKey);
        this.rsa = style == SessionStyle.TSID ? null : rsaKey();
    }

    static FakeMegaAccount v1(String twoFactorCode, SessionStyle style) {
        return new FakeMegaAccount(V1_EMAIL, 1, V1_PWK, twoFactorCode, style);
    }

    static FakeMegaAccount v2(String twoFactorCode, SessionStyle style) {
        return new FakeMegaAccount(V2_EMAIL, 2, V2_PWK, twoFactorCode, style);
    }

    String salt() {
        return version == 2 ? V2_SALT : null;
    }

    /** v1: byte equality of uh; v2: SHA-256(authkey)[0..15] == hak (mega-protocol.md §2.3). */
    boolean accepts(String uh) {
        if (version == 1) {
            return V1_UH.equals(uh);
        }
        byte[] hash = sha256(b64d(uh));
        return MessageDigest.isEqual(Arrays.copyOf(hash, 16), V2_HAK);
    }

    String wrappedMasterKey() {
        return b64(ecb(passwordKey, masterKey));
    }

    /** A fresh raw session id: 16 random bytes, the handle's 11 ASCII bytes, 16 random bytes; first byte non-zero. */
    byte[] newSid() {
        byte[] sid = new byte[43];
        do {
            RANDOM.nextBytes(sid);
        } while (sid[0] == 0);
        byte[] handle = (style == SessionStyle.RSA_WITHOUT_HANDLE ? "megamockXYZ" : userHandle).getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(handle, 0, sid, 16, 11);
        if (style == SessionStyle.TSID) {
            System.arraycopy(ecb(masterKey, Arrays.copyOf(sid, 16)), 0, sid, 27, 16);
        }
        return sid;
    }

    /** privk: MPIs p, q, d, u (u = p^-1 mod q), random padding to 16 bytes, ECB under the master key. */
    String privk() {
        BigInteger p = rsa.getPrimeP();
        BigInteger q = rsa.getPrimeQ();
        BigInteger u = p.modInverse(q);
        if (style == SessionStyle.RSA_TAMPERED_PRIVK) {
            u = u.flipBit(5);
        }
        byte[] plain = concat(mpi(p), mpi(q), mpi(rsa.getPrivateExponent()), mpi(u));
        byte[] padded = Arrays.copyOf(plain, (plain.length + 15) / 16 * 16);
        byte[] padding = new byte[padded.length - plain.length];
        RANDOM.nextBytes(padding);
        System.arraycopy(padding, 0, padded, plain.length, padding.length);
        return b64(ecb(masterKey, padded));
    }

    /** csid: MPI(m^e mod n) where m is the sid followed by random bytes, 254 bytes in all (below n). */
    String csid(byte[] sid) {
        byte[] m = new byte[254];
        RANDOM.nextBytes(m);
        System.arraycopy(sid, 0, m, 0, sid.length);
        BigInteger c = new BigInteger(1, m).modPow(rsa.getPublicExponent(), rsa.getModulus());
        return b64(mpi(c));
    }

    private static RSAPrivateCrtKey rsaKey() {
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
            generator.initialize(new RSAKeyGenParameterSpec(2048, BigInteger.valueOf(17)), RANDOM);
            return (RSAPrivateCrtKey) generator.generateKeyPair().getPrivate();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    static byte[] mpi(BigInteger value) {
        byte[] raw = value.toByteArray();
        if (raw[0] == 0 && raw.length > 1) {
            raw = Arrays.copyOfRange(raw, 1, raw.length);
        }
        int bits = value.bitLength();
        return concat(new byte[]{(byte) (bits >> 8), (byte) bits}, raw);
    }

    static byte[] ecb(byte[] key, byte[] data) {
        try {
            Cipher cipher = Cipher.getInstance("AES/ECB/NoPadding");
            cipher.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(key, "AES"));
            return cipher.doFinal(data);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    static byte[] ecbDecrypt(byte[] key, byte[] data) {
        try {
            Cipher cipher = Cipher.getInstance("AES/ECB/NoPadding");
            cipher.init(Cipher.DECRYPT_MODE, new SecretKeySpec(key, "AES"));
            return cipher.doFinal(data);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    static byte[] sha256(byte[] data) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(data);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    static byte[] concat(byte[]... parts) {
        int length = 0;
        for (byte[] part : parts) {
            length += part.length;
        }
        byte[] out = new byte[length];
        int at = 0;
        for (byte[] part : parts) {
            System.arraycopy(part, 0, out, at, part.length);
            at += part.length;
        }
        return out;
    }

    static String b64(byte[] data) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(data);
    }

    static byte[] b64d(String text) {
        return Base64.getUrlDecoder().decode(text.replace('+', '-').replace('/', '_').replace("=", ""));
    }
}
