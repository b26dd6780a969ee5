package dev.coffre.remote.mega;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;

/**
 * The account's RSA private key ({@code privk}, four MPIs p, q, d, u after ECB decryption under the
 * master key) and the one thing we do with it at login: decrypt {@code csid} (mega-protocol.md §2.4).
 * Because {@code privk} has no integrity, a malicious server can tamper with it and use the session id
 * we send back as an oracle (Backendal et al. 2022); the checks below are the ones MEGA's SDK added
 * against those attacks. Secret: no toString of its numbers.
 */
public final class RsaPrivateKey {
    private final BigInteger p;
    private final BigInteger q;
    private final BigInteger d;
    private final BigInteger n;

    private RsaPrivateKey(BigInteger p, BigInteger q, BigInteger d) {
        this.p = p;
        this.q = q;
        this.d = d;
        this.n = p.multiply(q);
    }

    /** Parses decrypted {@code privk} and applies the SDK's sanity checks; throws when any fails. */
    public static RsaPrivateKey decode(byte[] plain) {
        List<BigInteger> mpis = new ArrayList<>(4);
        int at = 0;
        for (int i = 0; i < 4; i++) {
            int[] next = new int[1];
            mpis.add(readMpi(plain, at, next));
            at = next[0];
        }
        // The plaintext ends with up to 15 bytes of random padding up to the AES block.
        if (plain.length - at >= 16) {
            throw new IllegalArgumentException("RSA private key has " + (plain.length - at) + " unexpected trailing bytes");
        }
        BigInteger p = mpis.get(0);
        BigInteger q = mpis.get(1);
        BigInteger d = mpis.get(2);
        BigInteger u = mpis.get(3);
        if (p.bitLength() <= 1000 || q.bitLength() <= 1000 || d.bitLength() <= 2000 || u.bitLength() <= 1000) {
            throw new IllegalArgumentException("RSA private key fails the size checks (p, q, u > 1000 bits, d > 2000 bits)");
        }
        BigInteger inverse;
        try {
            inverse = p.modInverse(q);
        } catch (ArithmeticException e) {
            throw new IllegalArgumentException("RSA private key: p has no inverse modulo q");
        }
        if (!inverse.equals(u)) {
            throw new IllegalArgumentException("RSA private key: u is not p^-1 mod q");
        }
        return new RsaPrivateKey(p, q, d);
    }

    /**
     * Decrypts an MPI ciphertext and returns the plaintext written big-endian into
     * {@code max(bytes(p) + bytes(q) - 2, bytes(m))} bytes, as the SDK does: a session id is the first 43.
     */
    public byte[] decrypt(byte[] mpiCiphertext) {
        int[] end = new int[1];
        BigInteger c = readMpi(mpiCiphertext, 0, end);
        if (c.signum() <= 0 || c.compareTo(n) >= 0) {
            throw new IllegalArgumentException("RSA ciphertext out of range");
        }
        BigInteger m = c.modPow(d, n);
        byte[] magnitude = unsigned(m);
        int length = Math.max(bytes(p) + bytes(q) - 2, magnitude.length);
        byte[] out = new byte[length];
        System.arraycopy(magnitude, 0, out, length - magnitude.length, magnitude.length);
        return out;
    }

    public int modulusBits() {
        return n.bitLength();
    }

    /** An MPI: a 2-byte big-endian bit count, then ceil(bits/8) big-endian magnitude bytes. */
    static BigInteger readMpi(byte[] data, int at, int[] next) {
        if (data.length - at < 2) {
            throw new IllegalArgumentException("truncated MPI");
        }
        int bits = ((data[at] & 0xFF) << 8) | (data[at + 1] & 0xFF);
        int length = (bits + 7) >> 3;
        if (data.length - at - 2 < length) {
            throw new IllegalArgumentException("truncated MPI");
        }
        byte[] magnitude = new byte[length];
        System.arraycopy(data, at + 2, magnitude, 0, length);
        next[0] = at + 2 + length;
        return new BigInteger(1, magnitude);
    }

    static byte[] writeMpi(BigInteger value) {
        byte[] magnitude = unsigned(value);
        int bits = value.bitLength();
        byte[] out = new byte[2 + magnitude.length];
        out[0] = (byte) (bits >>> 8);
        out[1] = (byte) bits;
        System.arraycopy(magnitude, 0, out, 2, magnitude.length);
        return out;
    }

    private static byte[] unsigned(BigInteger value) {
        byte[] raw = value.toByteArray();
        if (raw.length > 1 && raw[0] == 0) {
            return java.util.Arrays.copyOfRange(raw, 1, raw.length);
        }
        return raw;
    }

    private static int bytes(BigInteger value) {
        return (value.bitLength() + 7) / 8;
    }

    @Override
    public String toString() {
        return "RsaPrivateKey[" + modulusBits() + " bits, redacted]";
    }
}
